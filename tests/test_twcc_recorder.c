/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_estimator_proxy_unittest.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* The TWCC recorder against libwebrtc's RemoteEstimatorProxy tests
 * (remote_estimator_proxy_unittest.cc, gcc-reference 2.7): media SSRC 456,
 * base sequence number 10, base time 123 ms. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libc_allocator.h"
#include "twcc_recorder.h"

#define MS 1000
#define SSRC 456
#define BASE_SEQ 10
#define BASE_TIME (123 * MS)
#define MAX_OUT 64

/* ck_assert records a mark point (a write to a pipe) each time it passes:
 * loops over thousands of statuses test with this instead. */
#define CHECK(expr, ...) \
  do { \
    if (!(expr)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

static BweLibcAllocator alloc;
static BweTwccRecorder rec;
static BweTwccRecorder stepped;
static uint8_t pkt[MAX_OUT][4096];
static size_t pkt_len[MAX_OUT];
static BweTwccStatus st[BWE_TWCC_MAX_STATUSES];

static void
setup (void)
{
  bwe_libc_allocator_init (&alloc);
  bwe_twcc_recorder_init (&rec, 0, &alloc.allocator);
  bwe_twcc_recorder_init (&stepped, 0, &alloc.allocator);
}

/* Everything the recorders held goes back. */
static void
teardown (void)
{
  bwe_twcc_recorder_release (&rec);
  bwe_twcc_recorder_release (&stepped);
  ck_assert_uint_eq (alloc.in_use, 0);
}

static void
packet (uint16_t seq, int64_t arrival_us)
{
  bwe_twcc_recorder_on_packet (&rec, arrival_us, seq, 1000, SSRC);
}

/* One Process() at now: returns the number of feedback packets. */
static int
process_cap (int64_t now_us, size_t cap)
{
  int n = 0;
  size_t len;

  while ((len = bwe_twcc_recorder_process (&rec, now_us, pkt[n], cap)) > 0) {
    ck_assert_uint_le (len, cap);
    pkt_len[n++] = len;
    ck_assert_int_lt (n, MAX_OUT);
  }
  return n;
}

static int
process (int64_t now_us)
{
  return process_cap (now_us, sizeof (pkt[0]));
}

static void
assert_hex (int i, const char *hex)
{
  char got[2 * sizeof (pkt[0]) + 1];
  char want[512];
  size_t k = 0;

  for (size_t j = 0; j < pkt_len[i]; j++)
    sprintf (got + 2 * j, "%02x", pkt[i][j]);
  for (const char *h = hex; *h; h++)
    if (*h != ' ')
      want[k++] = *h;
  want[k] = '\0';
  ck_assert_str_eq (got, want);
}

/* Parses feedback packet i and checks its base sequence number and the
 * received packets (sequence numbers and times to the tick). */
static void
assert_feedback (int i, uint16_t base_seq, const uint16_t * seqs,
    const int64_t * times_us, size_t n)
{
  BweTwccInfo info;
  int count = bwe_twcc_parse (pkt[i], pkt_len[i], &info, st,
      BWE_TWCC_MAX_STATUSES);
  size_t k = 0;

  ck_assert_int_gt (count, 0);
  ck_assert_uint_eq (info.base_seq, base_seq);
  ck_assert_uint_eq (info.media_ssrc, SSRC);
  for (int j = 0; j < count; j++) {
    if (st[j].symbol == BWE_TWCC_NOT_RECEIVED)
      continue;
    ck_assert_uint_lt (k, n);
    ck_assert_uint_eq (st[j].seq, seqs[k]);
    /* Times are whole milliseconds here: exact after decoding. */
    ck_assert_int_eq (st[j].time_us, times_us[k]);
    k++;
  }
  ck_assert_uint_eq (k, n);
}

START_TEST (test_single_packet)
{
  packet (BASE_SEQ, BASE_TIME);
  ck_assert_int_eq (process (100 * MS), 1);
  /* reference 1 x 64 ms, delta 59 ms = 236 ticks, run of one small delta */
  assert_hex (0, "afcd0005 00000000 000001c8 000a 0001 000001 00 2001 ec 01");
}

END_TEST;

START_TEST (test_duplicates_first_wins)
{
  packet (BASE_SEQ, BASE_TIME);
  packet (BASE_SEQ, BASE_TIME + 1000 * MS);
  ck_assert_int_eq (process (100 * MS), 1);
  assert_hex (0, "afcd0005 00000000 000001c8 000a 0001 000001 00 2001 ec 01");
}

END_TEST;

START_TEST (test_missing_start)
{
  packet (BASE_SEQ, BASE_TIME);
  packet (BASE_SEQ + 1, BASE_TIME + 1000 * MS);
  ck_assert_int_eq (process (100 * MS), 1);
  /* Drop BASE_SEQ + 2: the next feedback starts with it, lost. */
  packet (BASE_SEQ + 3, BASE_TIME + 3000 * MS);
  ck_assert_int_eq (process (200 * MS), 1);
  /* base 12, 2 statuses [lost, small]; reference 3123 / 64 = 48 (3072 ms),
   * delta 51 ms = 204 ticks, feedback count 1; a short mixed last chunk is a
   * two-bit vector. */
  assert_hex (0, "afcd0005 00000000 000001c8 000c 0002 000030 01 c400 cc 01");
}

END_TEST;

START_TEST (test_varying_deltas)
{
  const int64_t small = 0xFF * BWE_TWCC_DELTA_TICK_US;

  packet (BASE_SEQ, BASE_TIME);
  packet (BASE_SEQ + 1, BASE_TIME + small);
  packet (BASE_SEQ + 2, BASE_TIME + 2 * small + 1 * MS);
  ck_assert_int_eq (process (100 * MS), 1);
  /* deltas 236, 255 (small), 259 (large) */
  assert_hex (0, "afcd0006 00000000 000001c8 000a 0003 000001 00 d600 "
      "ec ff 0103 0002");
}

END_TEST;

START_TEST (test_too_large_delta_splits)
{
  const int64_t too_large = (int64_t) BWE_TWCC_DELTA_TICK_US << 16;

  packet (BASE_SEQ, BASE_TIME);
  packet (BASE_SEQ + 1, BASE_TIME + too_large);
  ck_assert_int_eq (process (100 * MS), 2);
  assert_hex (0, "afcd0005 00000000 000001c8 000a 0001 000001 00 2001 ec 01");
  /* 16507 ms: reference 257 (16448 ms), delta 59 ms, feedback count 1 */
  assert_hex (1, "afcd0005 00000000 000001c8 000b 0001 000101 01 2001 ec 01");
}

END_TEST;

START_TEST (test_reordering_and_wrap)
{
  packet (BASE_SEQ, BASE_TIME);
  packet (62762, BASE_TIME + 1000 * MS);
  ck_assert_int_eq (process (100 * MS), 1);
  /* 62762 unwraps below 10: base 62762 (0xf52a), 2785 statuses; chunks
   * one-bit [1, 13 lost], run of 2770 lost, run of one large; deltas
   * 140 ticks then -1000 ms (-4000 ticks). */
  assert_hex (0, "afcd0007 00000000 000001c8 f52a 0ae1 000011 00 "
      "a000 0ad2 4001 8c f060 000003");
}

END_TEST;

START_TEST (test_malformed_sequence_numbers)
{
  const uint16_t seqs[] = { BASE_SEQ + 20009, BASE_SEQ + 40009 };
  const int64_t times[] = { BASE_TIME + 28000 * MS, BASE_TIME + 29000 * MS };

  for (int i = 0; i < 10; i++) {
    packet ((uint16_t) (BASE_SEQ + i), BASE_TIME + 3 * i * 1000 * MS);
    packet ((uint16_t) (BASE_SEQ + 20000 + i),
        BASE_TIME + (3 * i + 1) * 1000 * MS);
    packet ((uint16_t) (BASE_SEQ + 40000 + i),
        BASE_TIME + (3 * i + 2) * 1000 * MS);
  }
  /* Every step of 20000 is forward: sequence number s of round i unwraps to
   * s + i * 65536; the map keeps the newest 2^15, so the feedback starts at
   * (BASE_SEQ + 40009 + 9 * 65536 + 1 - 2^15) mod 2^16 = 7252, lost. */
  ck_assert_int_eq (process (100 * MS), 1);
  assert_feedback (0, (uint16_t) (BASE_SEQ + 40009 + 1 -
          BWE_TWCC_MAX_TRACKED), seqs, times, 2);
}

END_TEST;

START_TEST (test_backwards_wrapping_sequence_numbers)
{
  const uint16_t seqs[] = { BASE_SEQ + 40000, BASE_SEQ };
  const int64_t times[] = { BASE_TIME + 1000 * MS, BASE_TIME };

  for (int i = 0; i < 10; i++) {
    packet ((uint16_t) (BASE_SEQ + i), BASE_TIME + 3 * i * 1000 * MS);
    packet ((uint16_t) (BASE_SEQ + 40000 + i),
        BASE_TIME + (3 * i + 1) * 1000 * MS);
    packet ((uint16_t) (BASE_SEQ + 20000 + i),
        BASE_TIME + (3 * i + 2) * 1000 * MS);
  }
  ck_assert_int_eq (process (100 * MS), 1);
  assert_feedback (0, BASE_SEQ + 40000, seqs, times, 2);
}

END_TEST;

START_TEST (test_resends_on_reordering)
{
  const uint16_t seqs1[] = { BASE_SEQ, BASE_SEQ + 2 };
  const int64_t times1[] = { BASE_TIME, BASE_TIME + 2 * MS };
  const uint16_t seqs2[] = { BASE_SEQ + 1, BASE_SEQ + 2 };
  const int64_t times2[] = { BASE_TIME + 1 * MS, BASE_TIME + 2 * MS };

  packet (BASE_SEQ, BASE_TIME);
  packet (BASE_SEQ + 2, BASE_TIME + 2 * MS);
  ck_assert_int_eq (process (100 * MS), 1);
  assert_feedback (0, BASE_SEQ, seqs1, times1, 2);
  /* The late packet is reported again with its neighbour. */
  packet (BASE_SEQ + 1, BASE_TIME + 1 * MS);
  ck_assert_int_eq (process (200 * MS), 1);
  assert_feedback (0, BASE_SEQ + 1, seqs2, times2, 2);
}

END_TEST;

START_TEST (test_back_window_culling)
{
  const int64_t timeout = BASE_TIME + BWE_TWCC_BACK_WINDOW_US;
  const uint16_t s1[] = { BASE_SEQ + 2 };
  const int64_t t1[] = { BASE_TIME };
  const uint16_t s2[] = { BASE_SEQ + 3 };
  const int64_t t2[] = { timeout };
  const uint16_t s3[] = { BASE_SEQ, BASE_SEQ + 1, BASE_SEQ + 3 };
  const int64_t t3[] = { BASE_TIME - 1 * MS, timeout - 1 * MS, timeout };

  packet (BASE_SEQ + 2, BASE_TIME);
  ck_assert_int_eq (process (100 * MS), 1);
  assert_feedback (0, BASE_SEQ + 2, s1, t1, 1);
  packet (BASE_SEQ + 3, timeout);       /* BASE_SEQ + 2 times out here */
  ck_assert_int_eq (process (200 * MS), 1);
  assert_feedback (0, BASE_SEQ + 3, s2, t2, 1);
  /* Older sequence numbers come back in and are reported with the rest. */
  packet (BASE_SEQ, BASE_TIME - 1 * MS);
  packet (BASE_SEQ + 1, timeout - 1 * MS);
  ck_assert_int_eq (process (300 * MS), 1);
  assert_feedback (0, BASE_SEQ, s3, t3, 3);
}

END_TEST;

static int64_t
interval_for (uint32_t bitrate_bps)
{
  bwe_twcc_recorder_release (&rec);
  bwe_twcc_recorder_init (&rec, 0, &alloc.allocator);
  bwe_twcc_recorder_on_bitrate (&rec, bitrate_bps);
  ck_assert_int_eq (process (5000 * MS), 0);
  return bwe_twcc_recorder_next_process_us (&rec) - 5000 * MS;
}

START_TEST (test_intervals)
{
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec), INT64_MAX);
  ck_assert_int_eq (process (5000 * MS), 0);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec) - 5000 * MS,
      100 * MS);
  ck_assert_int_eq (interval_for (300000), 50 * MS);
  ck_assert_int_eq (interval_for (0), 250 * MS);
  ck_assert_int_eq (interval_for (20000), 250 * MS);
  ck_assert_int_eq (interval_for (80000), 136 * MS);
  /* 68 B per 250 ms is 2176 bit/s, 5 % of 43520 bit/s */
  ck_assert_int_eq (interval_for (43520), 250 * MS);
  ck_assert_int_eq (interval_for (43560), 249770);  /* 544e6 / 2178 */
}

END_TEST;

START_TEST (test_process_schedule)
{
  packet (BASE_SEQ, BASE_TIME);
  /* Armed at the first arrival. */
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec), BASE_TIME);
  ck_assert_int_eq (process (BASE_TIME), 1);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + 100 * MS);
  packet (BASE_SEQ + 1, BASE_TIME + 10 * MS);
  /* Not due yet: nothing, and the schedule stays. */
  ck_assert_int_eq (process (BASE_TIME + 99 * MS), 0);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + 100 * MS);
  /* A lower bitrate lengthens the wait for this period already. */
  bwe_twcc_recorder_on_bitrate (&rec, 20000);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + 250 * MS);
  ck_assert_int_eq (process (BASE_TIME + 100 * MS), 0);
  ck_assert_int_eq (process (BASE_TIME + 250 * MS), 1);
  /* A higher one takes effect after the armed time. */
  bwe_twcc_recorder_on_bitrate (&rec, 300000);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + 500 * MS);
  /* Nothing new: a Process() sends nothing. */
  ck_assert_int_eq (process (BASE_TIME + 500 * MS), 0);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + 550 * MS);
}

END_TEST;

/* An hour without packets: skip_idle leaves one Process() of the 36000 due
 * (one per 100 ms), and the feedback afterwards is the same, byte for byte
 * and in time, as with every Process() run. */
START_TEST (test_skip_idle)
{
  const int64_t later = BASE_TIME + INT64_C (3600000) * MS + 7 * MS;
  uint8_t buf[4096];
  int calls = 0;
  size_t len;

  bwe_twcc_recorder_on_packet (&stepped, BASE_TIME, BASE_SEQ, 1000, SSRC);
  packet (BASE_SEQ, BASE_TIME);
  /* nothing skipped before the first Process() */
  bwe_twcc_recorder_skip_idle (&rec, later);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec), BASE_TIME);
  ck_assert_int_eq (process (BASE_TIME), 1);
  ck_assert_uint_gt (bwe_twcc_recorder_process (&stepped, BASE_TIME, buf,
          sizeof buf), 0);
  ck_assert_uint_eq (bwe_twcc_recorder_process (&stepped, BASE_TIME, buf,
          sizeof buf), 0);

  /* nor while a packet waits to be reported */
  packet (BASE_SEQ + 1, BASE_TIME + 10 * MS);
  bwe_twcc_recorder_on_packet (&stepped, BASE_TIME + 10 * MS, BASE_SEQ + 1,
      1000, SSRC);
  bwe_twcc_recorder_skip_idle (&rec, later);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + 100 * MS);
  ck_assert_int_eq (process (BASE_TIME + 100 * MS), 1);

  for (;;) {
    int64_t due = bwe_twcc_recorder_next_process_us (&stepped);

    if (due >= later)
      break;
    while ((len = bwe_twcc_recorder_process (&stepped, due, buf,
                sizeof buf)) > 0)
      CHECK (due == BASE_TIME + 100 * MS, "sent at %lld", (long long) due);
    calls++;
  }
  ck_assert_int_eq (calls, 36000);

  bwe_twcc_recorder_skip_idle (&rec, later);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      BASE_TIME + INT64_C (3600000) * MS);
  ck_assert_int_eq (process (BASE_TIME + INT64_C (3600000) * MS), 0);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec),
      bwe_twcc_recorder_next_process_us (&stepped));

  packet (BASE_SEQ + 2, later);
  bwe_twcc_recorder_on_packet (&stepped, later, BASE_SEQ + 2, 1000, SSRC);
  for (int i = 0; i < 3; i++) {
    int64_t due = bwe_twcc_recorder_next_process_us (&rec);

    ck_assert_int_eq (due, bwe_twcc_recorder_next_process_us (&stepped));
    ck_assert_int_eq (process (due), i == 0);
    len = bwe_twcc_recorder_process (&stepped, due, buf, sizeof buf);
    ck_assert_uint_eq (len, i == 0 ? pkt_len[0] : 0);
    if (i == 0)
      ck_assert_mem_eq (buf, pkt[0], len);
    ck_assert_uint_eq (bwe_twcc_recorder_process (&stepped, due, buf,
            sizeof buf), 0);
  }
}

END_TEST;

START_TEST (test_feedback_count_wraps)
{
  for (int i = 0; i < 300; i++) {
    packet ((uint16_t) i, BASE_TIME + i * 100 * MS);
    ck_assert_int_eq (process (BASE_TIME + i * 100 * MS), 1);
    ck_assert_uint_eq (pkt[0][19], (uint8_t) i);
  }
  ck_assert_uint_eq (bwe_twcc_recorder_feedback_count (&rec), 300);
}

END_TEST;

START_TEST (test_flush_tail)
{
  const uint16_t seqs[] = { 11, 12 };
  const int64_t times[] = { BASE_TIME + 20 * MS, BASE_TIME + 30 * MS };
  size_t len;

  packet (10, BASE_TIME);
  ck_assert_int_eq (process (BASE_TIME), 1);
  packet (11, BASE_TIME + 20 * MS);
  packet (12, BASE_TIME + 30 * MS);
  len = bwe_twcc_recorder_flush (&rec, pkt[0], sizeof (pkt[0]));
  ck_assert_uint_gt (len, 0);
  pkt_len[0] = len;
  assert_feedback (0, 11, seqs, times, 2);
  ck_assert_uint_eq (bwe_twcc_recorder_flush (&rec, pkt[0], sizeof (pkt[0])),
      0);
}

END_TEST;

START_TEST (test_small_cap_splits)
{
  /* 600 packets, every 5th lost, in one period; feedback limited to 100
   * bytes comes as consecutive packets, each starting after the last packet
   * the previous one reported received.  (A packet that fills up right after
   * a loss still lists that loss, as libwebrtc's does.) */
  int n, received = 0;
  uint16_t expect_base = 1000;

  for (int i = 0; i < 600; i++)
    if (i % 5 != 4)
      packet ((uint16_t) (1000 + i), BASE_TIME + i * 300);
  n = process_cap (BASE_TIME + 600 * 300, 100);
  ck_assert_int_gt (n, 5);
  for (int i = 0; i < n; i++) {
    BweTwccInfo info;
    int count = bwe_twcc_parse (pkt[i], pkt_len[i], &info, st, 4096);

    ck_assert_int_gt (count, 0);
    ck_assert_uint_eq (info.base_seq, expect_base);
    ck_assert_uint_eq (info.fb_count, i);
    for (int j = 0; j < count; j++)
      if (st[j].symbol != BWE_TWCC_NOT_RECEIVED)
        expect_base = (uint16_t) (st[j].seq + 1);
    received += (int) info.num_received;
  }
  /* The last packet (seq 1598) ends the map; 1599 was never seen. */
  ck_assert_uint_eq (expect_base, 1599);
  ck_assert_int_eq (received, 480);
  ck_assert_uint_eq (bwe_twcc_recorder_process (&rec, BASE_TIME + 600 * 300,
          pkt[0], BWE_TWCC_MIN_CAP - 1), 0);
}

END_TEST;

START_TEST (test_tracks_at_most_2_15)
{
  /* 40000 packets without a Process(): only the newest 2^15 stay. */
  BweTwccInfo info;
  int count;
  static uint8_t big[BWE_TWCC_MAX_PACKET_BYTES];
  size_t len;

  for (int i = 0; i < 40000; i++)
    packet ((uint16_t) i, BASE_TIME + i * 10);
  len = bwe_twcc_recorder_process (&rec, BASE_TIME + 400 * MS, big,
      sizeof (big));
  ck_assert_uint_gt (len, 0);
  count = bwe_twcc_parse (big, len, &info, NULL, 0);
  ck_assert_int_eq (count, BWE_TWCC_MAX_TRACKED);
  ck_assert_uint_eq (info.base_seq, 40000 - BWE_TWCC_MAX_TRACKED);
  ck_assert_uint_eq (info.num_received, BWE_TWCC_MAX_TRACKED);
  ck_assert_uint_eq (bwe_twcc_recorder_process (&rec, BASE_TIME + 400 * MS,
          big, sizeof (big)), 0);
}

END_TEST;

START_TEST (test_negative_arrival_ignored)
{
  packet (BASE_SEQ, -1);
  ck_assert_int_eq (bwe_twcc_recorder_next_process_us (&rec), INT64_MAX);
  ck_assert_int_eq (process (100 * MS), 0);
}

END_TEST;

/* ---- a long random run, driven as the element drives it ---- */

#define STRESS_PACKETS 120000

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t
rng (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t) ((rng_state * 2685821657736338717ull) >> 32);
}

typedef struct
{
  int64_t arrival_us;
  int64_t seq;                  /* unwrapped, as sent */
} StressPacket;

static StressPacket stress[STRESS_PACKETS + STRESS_PACKETS / 10];
static int64_t first_arrival[STRESS_PACKETS];
static bool reported[STRESS_PACKETS];
static int64_t latest_sent[65536];      /* unwrapped seq per 16-bit seq */

static int
cmp_arrival (const void *a, const void *b)
{
  const StressPacket *x = a, *y = b;

  if (x->arrival_us != y->arrival_us)
    return x->arrival_us < y->arrival_us ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void
check_feedback (const uint8_t * buf, size_t len, int64_t newest_seq)
{
  BweTwccInfo info;
  int count = bwe_twcc_parse (buf, len, &info, st, BWE_TWCC_MAX_STATUSES);

  ck_assert_int_gt (count, 0);
  ck_assert (info.has_deltas);
  for (int j = 0; j < count; j++) {
    int64_t seq;

    if (st[j].symbol == BWE_TWCC_NOT_RECEIVED)
      continue;
    /* The 16-bit number names the newest packet sent with it. */
    seq = latest_sent[st[j].seq];
    CHECK (seq <= newest_seq && first_arrival[seq] >= 0,
        "seq %lld reported before it arrived", (long long) seq);
    CHECK (llabs (st[j].time_us - first_arrival[seq]) <=
        BWE_TWCC_DELTA_TICK_US / 2, "seq %lld reported at %lld, arrived %lld",
        (long long) seq, (long long) st[j].time_us,
        (long long) first_arrival[seq]);
    reported[seq] = true;
  }
}

START_TEST (test_random_stress)
{
  /* 2 % loss, 3 % of packets late by up to 40 ms, 1 % duplicated within
   * 100 ms, bursts of 1-3 ms spacing, 1 s pauses, the bitrate (so the
   * interval) changing every 5000 packets, feedback in 1200-byte packets. */
  static const uint32_t bitrates[] = { 0, 80000, 300000, 20000, 1000000 };
  size_t n = 0, sent_max;
  int64_t t = 5 * 1000 * MS, newest = -1;
  uint8_t buf[1200];
  size_t len, feedback = 0;

  for (int64_t seq = 0; seq < STRESS_PACKETS; seq++) {
    first_arrival[seq] = -1;
    reported[seq] = false;
    t += rng () % 100 == 0 ? 1000 * MS : (int64_t) (rng () % 3000);
    if (rng () % 50 == 0)
      continue;
    stress[n].seq = seq;
    stress[n].arrival_us = t + (rng () % 33 == 0 ? rng () % 40000 : 0);
    n++;
    if (rng () % 100 == 0) {
      stress[n].seq = seq;
      stress[n].arrival_us = stress[n - 1].arrival_us + 1 + rng () % 100000;
      n++;
    }
  }
  qsort (stress, n, sizeof (stress[0]), cmp_arrival);
  sent_max = n;

  for (size_t i = 0; i < sent_max; i++) {
    int64_t due, seq = stress[i].seq;

    if (i % 5000 == 0)
      bwe_twcc_recorder_on_bitrate (&rec, bitrates[(i / 5000) % 5]);
    /* Every Process() due before this arrival runs first. */
    while ((due = bwe_twcc_recorder_next_process_us (&rec)) <
        stress[i].arrival_us) {
      while ((len = bwe_twcc_recorder_process (&rec, due, buf,
                  sizeof (buf))) > 0) {
        check_feedback (buf, len, newest);
        feedback++;
      }
    }
    if (first_arrival[seq] < 0)
      first_arrival[seq] = stress[i].arrival_us;
    if (seq > newest)
      newest = seq;
    latest_sent[seq & 0xFFFF] = seq;
    bwe_twcc_recorder_on_packet (&rec, stress[i].arrival_us, (uint16_t) seq,
        1200, SSRC);
  }
  while ((len = bwe_twcc_recorder_flush (&rec, buf, sizeof (buf))) > 0) {
    check_feedback (buf, len, newest);
    feedback++;
  }
  ck_assert_uint_gt (feedback, 1000);
  for (int64_t seq = 0; seq < STRESS_PACKETS; seq++)
    CHECK (first_arrival[seq] < 0 || reported[seq],
        "seq %lld never reported", (long long) seq);
}

END_TEST;

static Suite *
twcc_recorder_suite (void)
{
  Suite *s = suite_create ("twcc_recorder");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_single_packet);
  tcase_add_test (tc, test_duplicates_first_wins);
  tcase_add_test (tc, test_missing_start);
  tcase_add_test (tc, test_varying_deltas);
  tcase_add_test (tc, test_too_large_delta_splits);
  tcase_add_test (tc, test_reordering_and_wrap);
  tcase_add_test (tc, test_malformed_sequence_numbers);
  tcase_add_test (tc, test_backwards_wrapping_sequence_numbers);
  tcase_add_test (tc, test_resends_on_reordering);
  tcase_add_test (tc, test_back_window_culling);
  tcase_add_test (tc, test_intervals);
  tcase_add_test (tc, test_process_schedule);
  tcase_add_test (tc, test_skip_idle);
  tcase_add_test (tc, test_feedback_count_wraps);
  tcase_add_test (tc, test_flush_tail);
  tcase_add_test (tc, test_small_cap_splits);
  tcase_add_test (tc, test_tracks_at_most_2_15);
  tcase_add_test (tc, test_negative_arrival_ignored);
  tcase_add_test (tc, test_random_stress);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (twcc_recorder_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
