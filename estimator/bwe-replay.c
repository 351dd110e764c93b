/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bwe-replay: runs the receive-side estimator over a packet trace on stdin.
 *
 * Input, one line each (fields separated by white space, '#' starts a comment):
 *   arrival_time_us send_time_abs24 payload_bytes ssrc [now_us [seq]]
 *   rtt <ms>
 *   remove <ssrc>
 * Any other line that does not start with a number is ignored.
 *
 * Output: "time_ms estimate_bps" each time the signalled bitrate changes; with
 * --remb one line per REMB the RembThrottler would send instead; with --states
 * "time_ms state NAME" at each change of the detector's state instead; with
 * --sync one flushed answer per input line.  --mode=improved runs the
 * improved estimator (improved_estimator.h), which also reads seq, the RTP
 * sequence number; libwebrtc's ignores it.
 *
 * With --twcc the input is `arrival_time_us transport_seq payload_bytes ssrc`
 * and the output one line `time_ms hex` per transport-wide feedback packet
 * (estimator/twcc_replay.c). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "improved_estimator.h"
#include "libc_allocator.h"
#include "remb_throttler.h"
#include "remote_estimator.h"
#include "twcc_replay.h"

#define MAX_LINE 4096

typedef enum
{
  OUTPUT_ESTIMATES,
  OUTPUT_REMB,
  OUTPUT_STATES,
  OUTPUT_SYNC,
} OutputMode;

/* The estimator of the mode asked for; both have the same API but for the
 * sequence number. */
typedef struct
{
  bool improved;
  BweRemoteEstimator remote;
  BweImprovedEstimator better;
} Estimator;

static void
estimator_init (Estimator * e, const BweRemoteEstimatorConfig * config,
    const BweAllocator * allocator)
{
  if (e->improved)
    bwe_improved_estimator_init (&e->better, config);
  else
    bwe_remote_estimator_init (&e->remote, config, allocator);
}

static void
estimator_packet (Estimator * e, int64_t arrival_us, int64_t now_us,
    uint32_t send24, size_t size, uint32_t ssrc, int32_t seq,
    BweEstimatorUpdate * up)
{
  if (e->improved)
    bwe_improved_estimator_incoming_packet (&e->better, arrival_us, now_us,
        send24, size, ssrc, seq, up);
  else
    bwe_remote_estimator_incoming_packet (&e->remote, arrival_us, now_us,
        send24, size, ssrc, up);
}

static BweBandwidthUsage
estimator_state (const Estimator * e)
{
  return e->improved ? bwe_improved_estimator_state (&e->better) :
      bwe_remote_estimator_state (&e->remote);
}

static uint32_t
estimator_latest (const Estimator * e)
{
  return e->improved ? bwe_improved_estimator_latest_estimate (&e->better) :
      bwe_remote_estimator_latest_estimate (&e->remote);
}

static void
estimator_set_rtt (Estimator * e, int64_t rtt_ms)
{
  if (e->improved)
    bwe_improved_estimator_set_rtt (&e->better, rtt_ms);
  else
    bwe_remote_estimator_set_rtt (&e->remote, rtt_ms);
}

static void
estimator_remove (Estimator * e, uint32_t ssrc)
{
  if (e->improved)
    bwe_improved_estimator_remove_stream (&e->better, ssrc);
  else
    bwe_remote_estimator_remove_stream (&e->remote, ssrc);
}

static void
usage (FILE * f, const char *argv0)
{
  fprintf (f,
      "Usage: %s [--remb | --states | --sync | --twcc]\n"
      "          [--mode=libwebrtc|improved] [--filter=kalman|trendline] < trace\n"
      "\n"
      "Replays a packet trace through the receive-side bandwidth estimator\n"
      "(libwebrtc's RemoteBitrateEstimatorAbsSendTime, or the improved one).\n"
      "\n"
      "Input lines (stdin; '#' lines are comments; other lines that do not start\n"
      "with a number are ignored):\n"
      "  arrival_time_us send_time_abs24 payload_bytes ssrc [now_us [seq]]\n"
      "      send_time_abs24 in decimal or 0x-hex; payload_bytes without the RTP\n"
      "      header; now_us is the estimator clock (default: the arrival time);\n"
      "      seq is the packet's RTP sequence number (0-65535), read by the\n"
      "      improved mode for loss (without it: unknown) and ignored by\n"
      "      libwebrtc's\n"
      "  rtt <ms>          round-trip time for the rate control\n"
      "  remove <ssrc>     the stream ended\n"
      "\n"
      "Output (stdout):\n"
      "  default     'time_ms estimate_bps' each time the signalled bitrate changes\n"
      "  --remb      'time_ms bps' for every REMB that would be sent\n"
      "  --states    'time_ms state NAME' at each change of the detector state\n"
      "              (normal, underusing, overusing; improved mode: overusing\n"
      "              while it drains or cuts, else normal)\n"
      "  --sync      one flushed line per input line: 'updated signalled_bps\n"
      "              latest_bps state' (state 0 normal, 1 underusing, 2 overusing),\n"
      "              'ok' for other lines\n"
      "  --twcc      transport-wide feedback instead: input lines\n"
      "              'arrival_time_us transport_seq payload_bytes ssrc', output\n"
      "              'time_ms hex' per RTCP feedback packet (sender SSRC 0), as\n"
      "              the rtpbwe element sends them; the tail is flushed at the end\n"
      "  --mode=libwebrtc|improved   estimator (default libwebrtc: parity);\n"
      "              improved is the rtpbwe element's mode=improved\n"
      "  --filter=kalman|trendline   libwebrtc mode's delay filter (default\n"
      "              kalman, as libwebrtc); the improved mode has none\n"
      "  --help      this text\n", argv0);
}

/* Non-negative decimal, or 0x-hex when allow_hex. */
static int
parse_u64 (const char *tok, int allow_hex, uint64_t * out)
{
  char *end;
  int base = 10;

  if (tok == NULL || *tok == '\0' || *tok == '-' || *tok == '+')
    return 0;
  if (allow_hex && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
    base = 16;
    if (tok[2] == '\0')
      return 0;
  }
  errno = 0;
  *out = strtoull (tok, &end, base);
  return errno == 0 && *end == '\0';
}

static int
parse_i64 (const char *tok, int64_t * out)
{
  char *end;

  if (tok == NULL || *tok == '\0')
    return 0;
  errno = 0;
  *out = strtoll (tok, &end, 10);
  return errno == 0 && *end == '\0';
}

/* A round-trip time in ms; fractions are truncated, as libwebrtc's
 * OnRttUpdate takes whole milliseconds. */
static int
parse_rtt_ms (const char *tok, int64_t * out)
{
  char *end;
  double v;

  if (tok == NULL || *tok == '\0')
    return 0;
  errno = 0;
  v = strtod (tok, &end);
  if (errno != 0 || *end != '\0' || !(v >= 0) || v > 1e9)
    return 0;
  *out = (int64_t) v;
  return 1;
}

static _Noreturn void
die (unsigned long lineno, const char *what, const char *line)
{
  fprintf (stderr, "bwe-replay: line %lu: %s: %s\n", lineno, what, line);
  exit (2);
}

int
main (int argc, char **argv)
{
  static Estimator estimator;
  static BweLibcAllocator alloc;
  BweRemoteEstimatorConfig config;
  BweRembThrottler throttler;
  OutputMode mode = OUTPUT_ESTIMATES;
  char line[MAX_LINE], copy[MAX_LINE];
  unsigned long lineno = 0;
  int have_printed = 0;
  int twcc = 0;
  int filter_set = 0;
  uint32_t last_printed = 0;
  BweBandwidthUsage last_state = BWE_USAGE_NORMAL;
  int i;

  bwe_remote_estimator_config_init (&config);
  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      usage (stdout, argv[0]);
      return 0;
    } else if (strcmp (argv[i], "--remb") == 0) {
      mode = OUTPUT_REMB;
    } else if (strcmp (argv[i], "--states") == 0) {
      mode = OUTPUT_STATES;
    } else if (strcmp (argv[i], "--sync") == 0) {
      mode = OUTPUT_SYNC;
    } else if (strcmp (argv[i], "--twcc") == 0) {
      twcc = 1;
    } else if (strcmp (argv[i], "--mode=libwebrtc") == 0) {
      estimator.improved = false;
    } else if (strcmp (argv[i], "--mode=improved") == 0) {
      estimator.improved = true;
    } else if (strcmp (argv[i], "--filter=kalman") == 0) {
      config.filter = BWE_FILTER_KALMAN;
      filter_set = 1;
    } else if (strcmp (argv[i], "--filter=trendline") == 0) {
      config.filter = BWE_FILTER_TRENDLINE;
      filter_set = 1;
    } else {
      fprintf (stderr, "bwe-replay: unknown option '%s'\n", argv[i]);
      usage (stderr, argv[0]);
      return 2;
    }
  }

  if (filter_set && estimator.improved) {
    fprintf (stderr, "bwe-replay: --filter selects libwebrtc mode's delay "
        "filter; --mode=improved has none\n");
    return 2;
  }
  if (twcc)
    return bwe_twcc_replay (stdin, stdout, 0) == 0 ? 0 : 1;

  bwe_libc_allocator_init (&alloc);
  estimator_init (&estimator, &config, &alloc.allocator);
  bwe_remb_throttler_init (&throttler);

  while (fgets (line, sizeof line, stdin) != NULL) {
    const char *p = line;
    char *tok[7], *save = NULL;
    int ntok = 0;
    size_t len = strlen (line);

    lineno++;
    if (len == sizeof line - 1 && line[len - 1] != '\n')
      die (lineno, "line too long", "");
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    memcpy (copy, line, len + 1);
    while (isspace ((unsigned char) *p))
      p++;

    if (isdigit ((unsigned char) *p)) {
      uint64_t send24 = 0, size = 0, ssrc = 0, seq = 0;
      int64_t arrival_us = 0, now_us;
      BweEstimatorUpdate up;
      char *t;

      for (t = strtok_r (line, " \t", &save); t != NULL;
          t = strtok_r (NULL, " \t", &save)) {
        if (ntok == 6)
          die (lineno, "too many fields", copy);
        tok[ntok++] = t;
      }
      if (ntok < 4)
        die (lineno, "expected 'arrival_us abs24 payload_bytes ssrc "
            "[now_us [seq]]'", copy);
      if (!parse_i64 (tok[0], &arrival_us) || arrival_us < 0)
        die (lineno, "bad arrival time", copy);
      if (!parse_u64 (tok[1], 1, &send24) || send24 > 0xFFFFFF)
        die (lineno, "bad 24-bit abs-send-time", copy);
      if (!parse_u64 (tok[2], 0, &size) || size > 0xFFFFFFF)
        die (lineno, "bad payload size", copy);
      if (!parse_u64 (tok[3], 1, &ssrc) || ssrc > 0xFFFFFFFFu)
        die (lineno, "bad ssrc", copy);
      now_us = arrival_us;
      if (ntok >= 5 && (!parse_i64 (tok[4], &now_us) || now_us < 0))
        die (lineno, "bad now_us", copy);
      if (ntok == 6 && (!parse_u64 (tok[5], 0, &seq) || seq > 0xFFFF))
        die (lineno, "bad RTP sequence number", copy);

      estimator_packet (&estimator, arrival_us, now_us, (uint32_t) send24,
          (size_t) size, (uint32_t) ssrc, ntok == 6 ? (int32_t) seq : -1, &up);
      /* The estimator clock in ms, rounded as libwebrtc's Timestamp::ms(). */
      {
        int64_t now_ms = (now_us + 500) / 1000;
        BweBandwidthUsage state = estimator_state (&estimator);

        switch (mode) {
          case OUTPUT_ESTIMATES:
            if (up.updated && (!have_printed || up.bitrate_bps != last_printed)) {
              printf ("%" PRId64 " %" PRIu32 "\n", now_ms, up.bitrate_bps);
              have_printed = 1;
              last_printed = up.bitrate_bps;
            }
            break;
          case OUTPUT_REMB:{
            uint64_t send_bps;
            if (up.updated && bwe_remb_throttler_on_estimate (&throttler,
                    now_us, up.bitrate_bps, &send_bps))
              printf ("%" PRId64 " %" PRIu64 "\n", now_ms, send_bps);
            break;
          }
          case OUTPUT_STATES:
            if (state != last_state)
              printf ("%" PRId64 " state %s\n", now_ms,
                  bwe_bandwidth_usage_name (state));
            break;
          case OUTPUT_SYNC:
            printf ("%d %" PRIu32 " %" PRIu32 " %d\n", up.updated ? 1 : 0,
                up.updated ? up.bitrate_bps : 0,
                estimator_latest (&estimator), (int) state);
            fflush (stdout);
            break;
        }
        last_state = state;
      }
      continue;
    }

    if (*p != '#') {
      char *t;
      for (t = strtok_r (line, " \t", &save); t != NULL;
          t = strtok_r (NULL, " \t", &save)) {
        if (ntok == 3)
          break;
        tok[ntok++] = t;
      }
      if (ntok > 0 && strcmp (tok[0], "rtt") == 0) {
        int64_t rtt_ms = 0;
        if (ntok != 2 || !parse_rtt_ms (tok[1], &rtt_ms))
          die (lineno, "expected 'rtt <ms>'", copy);
        estimator_set_rtt (&estimator, rtt_ms);
      } else if (ntok > 0 && strcmp (tok[0], "remove") == 0) {
        uint64_t ssrc = 0;
        if (ntok != 2 || !parse_u64 (tok[1], 1, &ssrc) || ssrc > 0xFFFFFFFFu)
          die (lineno, "expected 'remove <ssrc>'", copy);
        estimator_remove (&estimator, (uint32_t) ssrc);
      }
    }
    if (mode == OUTPUT_SYNC) {
      printf ("ok\n");
      fflush (stdout);
    }
  }
  if (!estimator.improved)
    bwe_remote_estimator_release (&estimator.remote);
  if (ferror (stdin)) {
    fprintf (stderr, "bwe-replay: error reading stdin\n");
    return 2;
  }
  return 0;
}
