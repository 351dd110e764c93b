/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/inter_arrival_unittest.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's inter_arrival_unittest.cc in Check (gcc-reference.md 2.3).
 *
 * Three groupers as in libwebrtc: one on millisecond timestamps, one on 90 kHz
 * RTP timestamps and one on upshifted abs-send-time, fed the same send times in
 * µs.  libwebrtc checks the timestamp delta within a rounding tolerance; here it
 * must also equal, exactly, the difference of the two groups' latest converted
 * timestamps (uint32 arithmetic, across wraps). */
#include <check.h>
#include <stdlib.h>

#include "inter_arrival.h"

#define TIMESTAMP_GROUP_LENGTH_US 5000
#define MIN_STEP_US 20
#define TRIGGER_NEW_GROUP_US (TIMESTAMP_GROUP_LENGTH_US + MIN_STEP_US)
#define BURST_THRESHOLD_MS 5
#define ABS_SEND_TIME_FRACTION 18
#define ABS_SEND_TIME_UPSHIFT 8
#define INTER_ARRIVAL_SHIFT (ABS_SEND_TIME_FRACTION + ABS_SEND_TIME_UPSHIFT)

/* Both convert to 0xfffffffe in the RTP and abs-send-time groupers. */
#define START_RTP_TIMESTAMP_WRAP_US INT64_C(47721858827)
#define START_ABS_SEND_TIME_WRAP_US INT64_C(63999995)

static const double kRtpTimestampToMs = 1.0 / 90.0;
static const double kAstToMs = 1000.0 / (double) (1 << INTER_ARRIVAL_SHIFT);

typedef struct
{
  BweInterArrival ms;
  BweInterArrival rtp;
  BweInterArrival ast;
} Groupers;

static uint32_t
make_rtp_timestamp (int64_t us)
{
  return (uint32_t) ((uint64_t) (us * 90 + 500) / 1000);
}

static uint32_t
make_abs_send_time (int64_t us)
{
  uint32_t abs24 = (uint32_t) ((((uint64_t) us << 18) + 500000) / 1000000) &
      0x00FFFFFFu;

  return abs24 << 8;
}

static void
groupers_init (Groupers * g)
{
  bwe_inter_arrival_init (&g->ms, TIMESTAMP_GROUP_LENGTH_US / 1000, 1.0, true);
  bwe_inter_arrival_init (&g->rtp,
      make_rtp_timestamp (TIMESTAMP_GROUP_LENGTH_US), kRtpTimestampToMs, true);
  bwe_inter_arrival_init (&g->ast,
      make_abs_send_time (TIMESTAMP_GROUP_LENGTH_US), kAstToMs, true);
}

static void
internal_expect_false (BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms, size_t size)
{
  uint32_t ts_delta = 101;
  int64_t t_delta = 303;
  int size_delta = 909;

  ck_assert (!bwe_inter_arrival_compute_deltas (ia, timestamp, arrival_ms,
          arrival_ms, size, &ts_delta, &t_delta, &size_delta));
  /* Nothing is written when no delta is produced. */
  ck_assert_uint_eq (ts_delta, 101);
  ck_assert_int_eq (t_delta, 303);
  ck_assert_int_eq (size_delta, 909);
}

static void
expect_false (Groupers * g, int64_t timestamp_us, int64_t arrival_ms,
    size_t size)
{
  internal_expect_false (&g->rtp, make_rtp_timestamp (timestamp_us),
      arrival_ms, size);
  internal_expect_false (&g->ast, make_abs_send_time (timestamp_us),
      arrival_ms, size);
}

static void
internal_expect_true (BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms, size_t size, uint32_t expected_ts_delta,
    uint32_t exact_ts_delta, int64_t expected_t_delta, int expected_size_delta,
    uint32_t timestamp_near)
{
  uint32_t ts_delta = 101;
  int64_t t_delta = 303;
  int size_delta = 909;
  int64_t diff;

  ck_assert (bwe_inter_arrival_compute_deltas (ia, timestamp, arrival_ms,
          arrival_ms, size, &ts_delta, &t_delta, &size_delta));
  diff = (int64_t) expected_ts_delta - (int64_t) ts_delta;
  ck_assert_msg (llabs (diff) <= timestamp_near,
      "ts delta %u not within %u of %u", ts_delta, timestamp_near,
      expected_ts_delta);
  ck_assert_uint_eq (ts_delta, exact_ts_delta);
  ck_assert_int_eq (t_delta, expected_t_delta);
  ck_assert_int_eq (size_delta, expected_size_delta);
}

/* The new packet at timestamp_us completes the previous group: expects the
 * deltas between the groups whose latest send times are group_us and
 * prev_group_us (libwebrtc's expectation: expected_delta_us within
 * timestamp_near ticks). */
static void
expect_true (Groupers * g, int64_t timestamp_us, int64_t arrival_ms,
    size_t size, int64_t expected_delta_us, int64_t expected_t_delta,
    int expected_size_delta, uint32_t timestamp_near, int64_t group_us,
    int64_t prev_group_us)
{
  internal_expect_true (&g->rtp, make_rtp_timestamp (timestamp_us),
      arrival_ms, size, make_rtp_timestamp (expected_delta_us),
      make_rtp_timestamp (group_us) - make_rtp_timestamp (prev_group_us),
      expected_t_delta, expected_size_delta, timestamp_near);
  internal_expect_true (&g->ast, make_abs_send_time (timestamp_us),
      arrival_ms, size, make_abs_send_time (expected_delta_us),
      make_abs_send_time (group_us) - make_abs_send_time (prev_group_us),
      expected_t_delta, expected_size_delta, timestamp_near << 8);
}

START_TEST (test_first_packet)
{
  Groupers g;

  groupers_init (&g);
  expect_false (&g, 0, 17, 1);
}
END_TEST

START_TEST (test_first_group)
{
  Groupers g;
  int64_t arrival_time = 17, g1_arrival_time, g2_arrival_time;

  groupers_init (&g);
  g1_arrival_time = arrival_time;
  expect_false (&g, 0, arrival_time, 1);

  arrival_time += BURST_THRESHOLD_MS + 1;
  g2_arrival_time = arrival_time;
  expect_false (&g, TRIGGER_NEW_GROUP_US, arrival_time, 2);

  /* Only the first packet of the third group gives the deltas G2 - G1. */
  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_true (&g, 2 * TRIGGER_NEW_GROUP_US, arrival_time, 1,
      TRIGGER_NEW_GROUP_US, g2_arrival_time - g1_arrival_time, 1, 0,
      TRIGGER_NEW_GROUP_US, 0);
}
END_TEST

START_TEST (test_second_group)
{
  Groupers g;
  int64_t arrival_time = 17, g1_arrival_time, g2_arrival_time, g3_arrival_time;

  groupers_init (&g);
  g1_arrival_time = arrival_time;
  expect_false (&g, 0, arrival_time, 1);

  arrival_time += BURST_THRESHOLD_MS + 1;
  g2_arrival_time = arrival_time;
  expect_false (&g, TRIGGER_NEW_GROUP_US, arrival_time, 2);

  arrival_time += BURST_THRESHOLD_MS + 1;
  g3_arrival_time = arrival_time;
  expect_true (&g, 2 * TRIGGER_NEW_GROUP_US, arrival_time, 1,
      TRIGGER_NEW_GROUP_US, g2_arrival_time - g1_arrival_time, 1, 0,
      TRIGGER_NEW_GROUP_US, 0);

  /* The 4th group's first packet gives G3 - G2. */
  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_true (&g, 3 * TRIGGER_NEW_GROUP_US, arrival_time, 2,
      TRIGGER_NEW_GROUP_US, g3_arrival_time - g2_arrival_time, -1, 0,
      2 * TRIGGER_NEW_GROUP_US, TRIGGER_NEW_GROUP_US);
}
END_TEST

START_TEST (test_accumulated_group)
{
  Groupers g;
  int64_t arrival_time = 17, g1_arrival_time, g2_arrival_time, g2_timestamp;
  int64_t timestamp;
  int i;

  groupers_init (&g);
  g1_arrival_time = arrival_time;
  expect_false (&g, 0, arrival_time, 1);

  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_false (&g, TRIGGER_NEW_GROUP_US, 28, 2);
  timestamp = TRIGGER_NEW_GROUP_US;
  for (i = 0; i < 10; i++) {
    arrival_time += BURST_THRESHOLD_MS + 1;
    timestamp += MIN_STEP_US;
    expect_false (&g, timestamp, arrival_time, 1);
  }
  g2_arrival_time = arrival_time;
  g2_timestamp = timestamp;

  arrival_time = 500;
  expect_true (&g, 2 * TRIGGER_NEW_GROUP_US, arrival_time, 100, g2_timestamp,
      g2_arrival_time - g1_arrival_time, (2 + 10) - 1, 0, g2_timestamp, 0);
}
END_TEST

START_TEST (test_out_of_order_packet)
{
  Groupers g;
  int64_t arrival_time = 17, timestamp = 0;
  int64_t g1_timestamp, g1_arrival_time, g2_timestamp, g2_arrival_time;
  int i;

  groupers_init (&g);
  expect_false (&g, timestamp, arrival_time, 1);
  g1_timestamp = timestamp;
  g1_arrival_time = arrival_time;

  arrival_time += 11;
  timestamp += TRIGGER_NEW_GROUP_US;
  expect_false (&g, timestamp, 28, 2);
  for (i = 0; i < 10; i++) {
    arrival_time += BURST_THRESHOLD_MS + 1;
    timestamp += MIN_STEP_US;
    expect_false (&g, timestamp, arrival_time, 1);
  }
  g2_timestamp = timestamp;
  g2_arrival_time = arrival_time;

  /* Sent before the current group started: dropped. */
  arrival_time = 281;
  expect_false (&g, g1_timestamp, arrival_time, 100);

  arrival_time = 500;
  timestamp = 2 * TRIGGER_NEW_GROUP_US;
  expect_true (&g, timestamp, arrival_time, 100, g2_timestamp - g1_timestamp,
      g2_arrival_time - g1_arrival_time, (2 + 10) - 1, 0, g2_timestamp,
      g1_timestamp);
}
END_TEST

START_TEST (test_out_of_order_within_group)
{
  Groupers g;
  int64_t arrival_time = 17, timestamp = 0;
  int64_t g1_timestamp, g1_arrival_time, g2_timestamp, g2_arrival_time;
  int i;

  groupers_init (&g);
  expect_false (&g, timestamp, arrival_time, 1);
  g1_timestamp = timestamp;
  g1_arrival_time = arrival_time;

  timestamp += TRIGGER_NEW_GROUP_US;
  arrival_time += 11;
  expect_false (&g, TRIGGER_NEW_GROUP_US, 28, 2);
  timestamp += 10 * MIN_STEP_US;
  g2_timestamp = timestamp;
  for (i = 0; i < 10; i++) {
    /* Decreasing send times, but not before the group's first packet: they
     * are accumulated into the group. */
    arrival_time += BURST_THRESHOLD_MS + 1;
    expect_false (&g, timestamp, arrival_time, 1);
    timestamp -= MIN_STEP_US;
  }
  g2_arrival_time = arrival_time;

  arrival_time = 281;
  timestamp = g1_timestamp;
  expect_false (&g, timestamp, arrival_time, 100);

  timestamp = 2 * TRIGGER_NEW_GROUP_US;
  arrival_time = 500;
  expect_true (&g, timestamp, arrival_time, 100, g2_timestamp - g1_timestamp,
      g2_arrival_time - g1_arrival_time, (2 + 10) - 1, 0, g2_timestamp,
      g1_timestamp);
}
END_TEST

START_TEST (test_two_bursts)
{
  Groupers g;
  int64_t g1_arrival_time = 17, g2_arrival_time, g2_timestamp;
  int64_t timestamp = TRIGGER_NEW_GROUP_US, arrival_time = 100;
  int i;

  groupers_init (&g);
  expect_false (&g, 0, g1_arrival_time, 1);

  /* 100 ms of silence, then packets 5 ms apart but sent 30 ms apart: a burst,
   * one group. */
  for (i = 0; i < 10; i++) {
    timestamp += 30000;
    arrival_time += BURST_THRESHOLD_MS;
    expect_false (&g, timestamp, arrival_time, 1);
  }
  g2_arrival_time = arrival_time;
  g2_timestamp = timestamp;

  timestamp += 30000;
  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_true (&g, timestamp, arrival_time, 100, g2_timestamp,
      g2_arrival_time - g1_arrival_time, 10 - 1, 0, g2_timestamp, 0);
}
END_TEST

START_TEST (test_no_bursts)
{
  Groupers g;
  int64_t timestamp = TRIGGER_NEW_GROUP_US, arrival_time = 28;

  groupers_init (&g);
  expect_false (&g, 0, 17, 1);
  expect_false (&g, timestamp, arrival_time, 2);
  expect_true (&g, TRIGGER_NEW_GROUP_US + 30000,
      arrival_time + BURST_THRESHOLD_MS + 1, 100, timestamp - 0,
      arrival_time - 17, 2 - 1, 0, timestamp, 0);
}
END_TEST

/* Steps through the 32-bit range a quarter at a time (so nothing looks
 * reordered), then slowly across the wrap point. */
static void
wrap_test_helper (int64_t wrap_start_us, uint32_t timestamp_near,
    bool unorderly_within_group)
{
  Groupers g;
  int64_t arrival_time = 17, g4_arrival_time, g5_arrival_time, g6_arrival_time;
  const int64_t q = wrap_start_us / 4, h = wrap_start_us / 2;
  int64_t g5_latest_us = wrap_start_us + MIN_STEP_US * 9;
  int i;

  groupers_init (&g);
  expect_false (&g, 0, arrival_time, 1);

  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_false (&g, q, arrival_time, 1);

  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_true (&g, h, arrival_time, 1, q, 6, 0, 0, q, 0);

  arrival_time += BURST_THRESHOLD_MS + 1;
  g4_arrival_time = arrival_time;
  expect_true (&g, h + q, arrival_time, 1, q, 6, 0, timestamp_near, h, q);

  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_true (&g, wrap_start_us, arrival_time, 2, q, 6, 0, timestamp_near,
      h + q, h);
  for (i = 0; i < 10; i++) {
    arrival_time += BURST_THRESHOLD_MS + 1;
    if (unorderly_within_group)
      expect_false (&g, wrap_start_us + MIN_STEP_US * (9 - i), arrival_time, 1);
    else
      expect_false (&g, wrap_start_us + MIN_STEP_US * i, arrival_time, 1);
  }
  g5_arrival_time = arrival_time;

  /* Sent before the group's first packet: dropped. */
  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_false (&g, wrap_start_us - 100, arrival_time, 100);

  arrival_time += BURST_THRESHOLD_MS + 1;
  g6_arrival_time = arrival_time;
  expect_true (&g, wrap_start_us + TRIGGER_NEW_GROUP_US, arrival_time, 10,
      q + 9 * MIN_STEP_US, g5_arrival_time - g4_arrival_time, (2 + 10) - 1,
      timestamp_near, g5_latest_us, h + q);

  /* Before G6's first packet: dropped. */
  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_false (&g, wrap_start_us + TIMESTAMP_GROUP_LENGTH_US, arrival_time,
      100);

  arrival_time += BURST_THRESHOLD_MS + 1;
  expect_true (&g, wrap_start_us + 2 * TRIGGER_NEW_GROUP_US, arrival_time, 100,
      TRIGGER_NEW_GROUP_US - 9 * MIN_STEP_US,
      g6_arrival_time - g5_arrival_time, 10 - (2 + 10), timestamp_near,
      wrap_start_us + TRIGGER_NEW_GROUP_US, g5_latest_us);
}

START_TEST (test_wrap_values)
{
  /* The start values sit just before the uint32 wrap: 2 RTP ticks, and the
   * last 24-bit abs-send-time tick (upshifted by 8). */
  ck_assert_uint_eq (make_rtp_timestamp (START_RTP_TIMESTAMP_WRAP_US),
      0xfffffffeu);
  ck_assert_uint_eq (make_abs_send_time (START_ABS_SEND_TIME_WRAP_US),
      0xffffff00u);
}
END_TEST

START_TEST (test_rtp_timestamp_wrap)
{
  wrap_test_helper (START_RTP_TIMESTAMP_WRAP_US, 1, false);
}
END_TEST

START_TEST (test_abs_send_time_wrap)
{
  wrap_test_helper (START_ABS_SEND_TIME_WRAP_US, 1, false);
}
END_TEST

START_TEST (test_rtp_timestamp_wrap_out_of_order_within_group)
{
  wrap_test_helper (START_RTP_TIMESTAMP_WRAP_US, 1, true);
}
END_TEST

START_TEST (test_abs_send_time_wrap_out_of_order_within_group)
{
  wrap_test_helper (START_ABS_SEND_TIME_WRAP_US, 1, true);
}
END_TEST

/* Not in libwebrtc's tests: a burst ends after 100 ms.  Packets sent 30 ms
 * apart but arriving 5 ms apart (negative propagation delta) join the group
 * of the first one while they arrive less than 100 ms after it: arrivals 205
 * to 295 join the group started at 200; the packet at 300 starts a new group
 * and completes G2 - G1 (latest send time 100 + 19 * 30 = 670 against 0,
 * arrival 295 - 17, 20 packets against 1). */
START_TEST (test_burst_ends_after_100_ms)
{
  BweInterArrival ia;
  uint32_t ts_delta = 101;
  int64_t t_delta = 303;
  int size_delta = 909;
  int i;

  bwe_inter_arrival_init (&ia, TIMESTAMP_GROUP_LENGTH_US / 1000, 1.0, true);
  ck_assert (!bwe_inter_arrival_compute_deltas (&ia, 0, 17, 17, 1, &ts_delta,
          &t_delta, &size_delta));
  for (i = 0; i < 20; i++) {
    int64_t arrival_ms = 200 + 5 * i;

    ck_assert (!bwe_inter_arrival_compute_deltas (&ia, 100 + 30 * i,
            arrival_ms, arrival_ms, 1, &ts_delta, &t_delta, &size_delta));
  }
  ck_assert (bwe_inter_arrival_compute_deltas (&ia, 100 + 30 * 20, 300, 300,
          1, &ts_delta, &t_delta, &size_delta));
  ck_assert_uint_eq (ts_delta, 670);
  ck_assert_int_eq (t_delta, 295 - 17);
  ck_assert_int_eq (size_delta, 20 - 1);
}
END_TEST

static bool
feed (BweInterArrival * ia, uint32_t ts, int64_t arrival_ms,
    uint32_t * ts_delta, int64_t * t_delta, int *size_delta)
{
  return bwe_inter_arrival_compute_deltas (ia, ts, arrival_ms, arrival_ms, 1,
      ts_delta, t_delta, size_delta);
}

/* Burst edges on the ms grouper (1 tick = 1 ms, groups of 5):
 * - a packet whose arrival delta equals its send delta (propagation 0) is
 *   not in the burst: ts 8 at 108 after ts 3 at 103 starts G2, and ts 20
 *   then completes G2 - G1 = (8 - 3, 108 - 103, 1 - 2);
 * - a packet with the same send time as the group's latest joins it however
 *   late it arrives: ts 130 at 200 joins G1 (100 at 100, 130 at 103 by
 *   burst), which completes at ts 300 as (130 - 0, 200 - 17, 3 - 1). */
START_TEST (test_burst_edges)
{
  BweInterArrival ia;
  uint32_t ts_delta = 0;
  int64_t t_delta = 0;
  int size_delta = 0;

  bwe_inter_arrival_init (&ia, 5, 1.0, true);
  ck_assert (!feed (&ia, 0, 100, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 3, 103, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 8, 108, &ts_delta, &t_delta, &size_delta));
  ck_assert (feed (&ia, 20, 120, &ts_delta, &t_delta, &size_delta));
  ck_assert_uint_eq (ts_delta, 5);
  ck_assert_int_eq (t_delta, 5);
  ck_assert_int_eq (size_delta, -1);

  bwe_inter_arrival_init (&ia, 5, 1.0, true);
  ck_assert (!feed (&ia, 0, 17, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 100, 100, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 130, 103, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 130, 200, &ts_delta, &t_delta, &size_delta));
  ck_assert (feed (&ia, 300, 300, &ts_delta, &t_delta, &size_delta));
  ck_assert_uint_eq (ts_delta, 130);
  ck_assert_int_eq (t_delta, 200 - 17);
  ck_assert_int_eq (size_delta, 3 - 1);
}
END_TEST

/* The burst test rounds the send delta to the nearest ms: on the 90 kHz
 * grouper 60 ticks are 0.67 ms -> 1 ms, not 0, so a packet 60 ticks after
 * the latest one but 97 ms later is no burst and starts a new group. */
START_TEST (test_burst_send_delta_is_rounded)
{
  BweInterArrival ia;
  uint32_t ts_delta = 0;
  int64_t t_delta = 0;
  int size_delta = 0;

  bwe_inter_arrival_init (&ia, 450, 1.0 / 90.0, true);
  ck_assert (!feed (&ia, 0, 17, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 1000, 100, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 4000, 103, &ts_delta, &t_delta, &size_delta));
  ck_assert (feed (&ia, 4060, 200, &ts_delta, &t_delta, &size_delta));
  ck_assert_uint_eq (ts_delta, 4000);
  ck_assert_int_eq (t_delta, 103 - 17);
  ck_assert_int_eq (size_delta, 2 - 1);
}
END_TEST

/* Without burst grouping, a group completing 1 ms before the previous one is
 * reordered: no delta. */
START_TEST (test_group_reordered_by_1_ms)
{
  BweInterArrival ia;
  uint32_t ts_delta = 0;
  int64_t t_delta = 0;
  int size_delta = 0;

  bwe_inter_arrival_init (&ia, 5, 1.0, false);
  ck_assert (!feed (&ia, 0, 100, &ts_delta, &t_delta, &size_delta));
  ck_assert (!feed (&ia, 10, 110, &ts_delta, &t_delta, &size_delta));
  ck_assert (feed (&ia, 20, 109, &ts_delta, &t_delta, &size_delta));
  ck_assert_int_eq (t_delta, 10);
  ck_assert (!feed (&ia, 30, 130, &ts_delta, &t_delta, &size_delta));
}
END_TEST

typedef struct
{
  uint32_t send_time_ms;
  int64_t arrival_time_ms;
  int64_t system_time_ms;
} JumpClock;

static bool
jump_step (BweInterArrival * ia, JumpClock * c, int64_t extra_arrival_ms,
    uint32_t * send_delta, int64_t * arrival_delta, int *size_delta)
{
  const int kTimeDeltaMs = 30;
  const size_t kPacketSize = 1000;

  c->send_time_ms += kTimeDeltaMs;
  c->arrival_time_ms += kTimeDeltaMs + extra_arrival_ms;
  c->system_time_ms += kTimeDeltaMs;
  return bwe_inter_arrival_compute_deltas (ia, c->send_time_ms,
      c->arrival_time_ms, c->system_time_ms, kPacketSize, send_delta,
      arrival_delta, size_delta);
}

static void
assert_deltas (uint32_t send_delta, int64_t arrival_delta, int size_delta)
{
  ck_assert_uint_eq (send_delta, 30);
  ck_assert_int_eq (arrival_delta, 30);
  ck_assert_int_eq (size_delta, 0);
}

START_TEST (test_positive_arrival_time_jump)
{
  Groupers g;
  JumpClock c = { 10000, 20000, 30000 };
  uint32_t send_delta;
  int64_t arrival_delta;
  int size_delta, i;

  groupers_init (&g);
  ck_assert (!bwe_inter_arrival_compute_deltas (&g.ms, c.send_time_ms,
          c.arrival_time_ms, c.system_time_ms, 1000, &send_delta,
          &arrival_delta, &size_delta));
  ck_assert (!jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
          &size_delta));
  /* The arrival clock jumps 3 s (kArrivalTimeOffsetThresholdMs, written out
   * so that the constant is tested) ahead of the system clock: the group that
   * just completed is still fine... */
  ck_assert (jump_step (&g.ms, &c, 3000,
          &send_delta, &arrival_delta, &size_delta));
  assert_deltas (send_delta, arrival_delta, size_delta);
  /* ...the next one shows the jump and resets the grouper. */
  ck_assert (!jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
          &size_delta));
  for (i = 0; i < 2; i++)
    ck_assert (!jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
            &size_delta));
  ck_assert (jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
          &size_delta));
  assert_deltas (send_delta, arrival_delta, size_delta);
}
END_TEST

START_TEST (test_negative_arrival_time_jump)
{
  Groupers g;
  JumpClock c = { 10000, 20000, 30000 };
  uint32_t send_delta;
  int64_t arrival_delta;
  int size_delta, i;

  groupers_init (&g);
  ck_assert (!bwe_inter_arrival_compute_deltas (&g.ms, c.send_time_ms,
          c.arrival_time_ms, c.system_time_ms, 1000, &send_delta,
          &arrival_delta, &size_delta));
  ck_assert (!jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
          &size_delta));
  ck_assert (jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
          &size_delta));
  assert_deltas (send_delta, arrival_delta, size_delta);

  /* The arrival clock goes back 1 s: three groups look reordered, the third
   * (kReorderedResetThreshold, written out so that the constant is tested)
   * resets, and two more packets are needed before a delta again. */
  c.arrival_time_ms -= 1000;
  for (i = 0; i < 3 + 3; i++)
    ck_assert (!jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
            &size_delta));
  ck_assert (jump_step (&g.ms, &c, 0, &send_delta, &arrival_delta,
          &size_delta));
  assert_deltas (send_delta, arrival_delta, size_delta);
}
END_TEST

static Suite *
inter_arrival_suite (void)
{
  Suite *s = suite_create ("inter_arrival");
  TCase *tc = tcase_create ("grouping");

  tcase_add_test (tc, test_first_packet);
  tcase_add_test (tc, test_first_group);
  tcase_add_test (tc, test_second_group);
  tcase_add_test (tc, test_accumulated_group);
  tcase_add_test (tc, test_out_of_order_packet);
  tcase_add_test (tc, test_out_of_order_within_group);
  tcase_add_test (tc, test_two_bursts);
  tcase_add_test (tc, test_no_bursts);
  tcase_add_test (tc, test_burst_ends_after_100_ms);
  tcase_add_test (tc, test_burst_edges);
  tcase_add_test (tc, test_burst_send_delta_is_rounded);
  tcase_add_test (tc, test_group_reordered_by_1_ms);
  tcase_add_test (tc, test_wrap_values);
  tcase_add_test (tc, test_rtp_timestamp_wrap);
  tcase_add_test (tc, test_abs_send_time_wrap);
  tcase_add_test (tc, test_rtp_timestamp_wrap_out_of_order_within_group);
  tcase_add_test (tc, test_abs_send_time_wrap_out_of_order_within_group);
  tcase_add_test (tc, test_positive_arrival_time_jump);
  tcase_add_test (tc, test_negative_arrival_time_jump);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (inter_arrival_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
