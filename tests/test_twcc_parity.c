/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parity with libwebrtc's RemoteEstimatorProxy on the parity traces:
 * every feedback packet libwebrtc sent (seedN.twccref) must come out of
 * bwe-replay --twcc with the same bytes at the same time.  libwebrtc's
 * reference stops at its last Process(); the tail flushed at end of input is
 * checked on its own: it decodes, and over the whole run every packet of the
 * trace is reported received, at its arrival time to half a tick.
 * PARITY_DIR names the folder (tests/data/parity). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twcc_feedback.h"
#include "twcc_replay.h"

#define MAX_LINES 4096
#define SEQ_SPACE 65536

/* ck_assert records a mark point (a write to a pipe) each time it passes:
 * loops over thousands of statuses test with this instead. */
#define CHECK(expr, ...) \
  do { \
    if (!(expr)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

static const int seeds[] = { 101, 102, 103, 104 };

static char *
read_all (FILE * f)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *mem = open_memstream (&buf, &size);
  char chunk[65536];
  size_t n;

  ck_assert_ptr_nonnull (mem);
  while ((n = fread (chunk, 1, sizeof (chunk), f)) > 0)
    fwrite (chunk, 1, n, mem);
  fclose (mem);
  return buf;
}

static size_t
split_lines (char *text, char **lines)
{
  size_t n = 0;

  for (char *save = NULL, *l = strtok_r (text, "\n", &save); l != NULL;
      l = strtok_r (NULL, "\n", &save)) {
    ck_assert_uint_lt (n, MAX_LINES);
    lines[n++] = l;
  }
  return n;
}

static size_t
unhex (const char *hex, uint8_t * buf, size_t cap)
{
  size_t n = 0;
  unsigned v;

  while (hex[0] && hex[1] && n < cap && sscanf (hex, "%2x", &v) == 1) {
    buf[n++] = (uint8_t) v;
    hex += 2;
  }
  return n;
}

START_TEST (test_parity)
{
  const char *dir = getenv ("PARITY_DIR");
  int seed = seeds[_i];
  char path[4096], cmd[4200];
  static char *ours[MAX_LINES], *refs[MAX_LINES];
  static int64_t first_arrival[SEQ_SPACE];
  static bool reported[SEQ_SPACE];
  static uint8_t pkt[BWE_TWCC_MAX_PACKET_BYTES];
  static BweTwccStatus st[BWE_TWCC_MAX_STATUSES];
  char *out_text = NULL, *ref_text, *trace_text;
  size_t out_size = 0, n_ours, n_refs, n_trace = 0;
  int64_t last_arrival = 0;
  FILE *in, *out, *ref;

  ck_assert_msg (dir != NULL, "PARITY_DIR not set");

  /* bwe-replay --twcc on the trace */
  snprintf (path, sizeof (path), "%s/seed%d.twcc.gz", dir, seed);
  snprintf (cmd, sizeof (cmd), "gzip -dc < '%s'", path);
  in = popen (cmd, "r");
  ck_assert_ptr_nonnull (in);
  trace_text = read_all (in);
  ck_assert_int_eq (pclose (in), 0);
  in = fmemopen (trace_text, strlen (trace_text), "r");
  out = open_memstream (&out_text, &out_size);
  ck_assert_int_eq (bwe_twcc_replay (in, out, 0), 0);
  fclose (in);
  fclose (out);
  n_ours = split_lines (out_text, ours);

  /* libwebrtc's feedback */
  snprintf (path, sizeof (path), "%s/seed%d.twccref", dir, seed);
  ref = fopen (path, "r");
  ck_assert_ptr_nonnull (ref);
  ref_text = read_all (ref);
  fclose (ref);
  n_refs = split_lines (ref_text, refs);
  ck_assert_uint_gt (n_refs, 500);

  /* The common prefix: same time, same bytes. */
  ck_assert_uint_gt (n_ours, n_refs);
  for (size_t i = 0; i < n_refs; i++) {
    long long ref_ms, our_ms;
    const char *ref_hex = strstr (refs[i], "hex=");
    const char *our_hex = strchr (ours[i], ' ');

    CHECK (ref_hex != NULL && our_hex != NULL, "line %zu", i);
    CHECK (sscanf (refs[i], "%lld", &ref_ms) == 1, "line %zu", i);
    CHECK (sscanf (ours[i], "%lld", &our_ms) == 1, "line %zu", i);
    CHECK (our_ms == ref_ms && strcmp (our_hex + 1, ref_hex + 4) == 0,
        "seed %d feedback %zu:\n ours %s\n libwebrtc %s", seed, i, ours[i],
        refs[i]);
  }

  /* First arrival of every transport sequence number in the trace. */
  for (size_t s = 0; s < SEQ_SPACE; s++) {
    first_arrival[s] = -1;
    reported[s] = false;
  }
  for (char *save = NULL, *l = strtok_r (trace_text, "\n", &save); l != NULL;
      l = strtok_r (NULL, "\n", &save)) {
    long long arrival;
    unsigned seq;

    if (sscanf (l, "%lld %u", &arrival, &seq) != 2)
      continue;
    CHECK (seq < SEQ_SPACE, "bad sequence number %u", seq);
    if (first_arrival[seq] < 0)
      first_arrival[seq] = arrival;
    if (arrival > last_arrival)
      last_arrival = arrival;
    n_trace++;
  }
  ck_assert_uint_gt (n_trace, 1000);

  /* Every packet, the tail included, decodes; every reported time is the
   * arrival to half a tick; every packet is reported. */
  for (size_t i = 0; i < n_ours; i++) {
    size_t len = unhex (strchr (ours[i], ' ') + 1, pkt, sizeof (pkt));
    BweTwccInfo info;
    int count = bwe_twcc_parse (pkt, len, &info, st, BWE_TWCC_MAX_STATUSES);

    CHECK (count > 0 && info.has_deltas, "seed %d feedback %zu does not "
        "decode", seed, i);
    CHECK (info.fb_count == (uint8_t) i, "seed %d feedback %zu count %u",
        seed, i, info.fb_count);
    for (int j = 0; j < count; j++) {
      if (st[j].symbol == BWE_TWCC_NOT_RECEIVED)
        continue;
      CHECK (first_arrival[st[j].seq] >= 0, "seed %d: seq %u never sent",
          seed, st[j].seq);
      CHECK (llabs (st[j].time_us - first_arrival[st[j].seq]) <=
          BWE_TWCC_DELTA_TICK_US / 2, "seed %d seq %u reported at %lld, "
          "arrived %lld", seed, st[j].seq, (long long) st[j].time_us,
          (long long) first_arrival[st[j].seq]);
      reported[st[j].seq] = true;
    }
  }
  for (size_t s = 0; s < SEQ_SPACE; s++)
    CHECK (first_arrival[s] < 0 || reported[s],
        "seed %d: seq %zu never reported", seed, s);
  /* The tail is stamped with the last arrival. */
  ck_assert_int_eq (atoll (ours[n_ours - 1]), last_arrival / 1000);

  free (out_text);
  free (ref_text);
  free (trace_text);
}

END_TEST;

static Suite *
twcc_parity_suite (void)
{
  Suite *s = suite_create ("twcc_parity");
  TCase *tc = tcase_create ("parity-dev");

  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_parity, 0,
      (int) (sizeof (seeds) / sizeof (seeds[0])));
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (twcc_parity_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
