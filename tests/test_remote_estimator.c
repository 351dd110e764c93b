/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time_unittest.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's remote_bitrate_estimator_abs_send_time_unittest.cc in Check.
 *
 * Each test runs libwebrtc's scenario with its helper and asserts libwebrtc's
 * own tolerance check and, beside it, the exact value libwebrtc 2023 (M112)
 * produces on the same scenario (gcc-reference.md section 2.2): parity means
 * the same number, not one within 50 kbps. */
#include <check.h>
#include <stdlib.h>

#include "remote_estimator.h"
#include "stream_generator.h"

/* libwebrtc's expectation and tolerance in CapacityDropTestHelper. */
#define DROP_DELAY_TOLERANCE_MS 33

static void
assert_near (int64_t expected, int64_t actual, int64_t tolerance)
{
  ck_assert_msg (llabs (expected - actual) <= tolerance,
      "%lld is not within %lld of %lld", (long long) actual,
      (long long) tolerance, (long long) expected);
}

static uint32_t
latest_estimate (TestRbeFixture * f)
{
  return bwe_remote_estimator_latest_estimate (&f->estimator);
}

START_TEST (test_initial_behavior)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  const int kFramerate = 50;
  const int kFrameIntervalMs = 1000 / kFramerate;
  const uint32_t kFrameIntervalAbsSendTime = test_abs_send_time (1, kFramerate);
  uint32_t timestamp = 0, absolute_send_time = 0, bitrate_bps;
  int first_update_index = -1;
  uint32_t first_update_bps = 0;
  int i;

  /* 20 ms of abs-send-time, rounded: 2^18 / 50. */
  ck_assert_uint_eq (kFrameIntervalAbsSendTime, 5243);
  ck_assert_uint_eq (latest_estimate (f), 0);
  test_rbe_advance_ms (f, 1000);
  ck_assert_uint_eq (latest_estimate (f), 0);
  ck_assert (!f->observer.updated);
  test_rbe_observer_reset (f);
  test_rbe_advance_ms (f, 1000);
  for (i = 0; i < 5 * kFramerate + 1 + TEST_NUM_INITIAL_PACKETS; i++) {
    if (i == TEST_NUM_INITIAL_PACKETS) {
      ck_assert_uint_eq (latest_estimate (f), 0);
      ck_assert (!f->observer.updated);
      test_rbe_observer_reset (f);
    }
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, TEST_MTU,
        test_rbe_clock_ms (f), timestamp, absolute_send_time);
    if (first_update_index < 0 && f->observer.updated) {
      first_update_index = i;
      first_update_bps = f->observer.latest_bitrate;
    }
    test_rbe_advance_ms (f, 1000 / kFramerate);
    timestamp += 90 * kFrameIntervalMs;
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        kFrameIntervalAbsSendTime);
  }
  bitrate_bps = latest_estimate (f);
  assert_near (674840, bitrate_bps, TEST_ACCEPTED_BITRATE_ERROR_BPS);
  ck_assert_uint_eq (bitrate_bps, 698099);
  ck_assert (f->observer.updated);
  test_rbe_observer_reset (f);
  ck_assert_uint_eq (f->observer.latest_bitrate, bitrate_bps);

  /* The first estimate comes from the probe detector: the 5th packet closes a
   * cluster of 4 deltas of 20 ms with 1200 B packets, 1200 * 8 / 0.020 =
   * 480000 bit/s, and the rate control's first Normal update adds 1000. */
  ck_assert_int_eq (first_update_index, 4);
  ck_assert_uint_eq (first_update_bps, 481000);

  bwe_remote_estimator_remove_stream (&f->estimator, TEST_DEFAULT_SSRC);
  ck_assert_uint_eq (latest_estimate (f), 0);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_rate_increase_reordering)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  const int kFramerate = 50;
  const int kFrameIntervalMs = 1000 / kFramerate;
  const uint32_t kFrameIntervalAbsSendTime = test_abs_send_time (1, kFramerate);
  uint32_t timestamp = 0, absolute_send_time = 0;
  int i;

  for (i = 0; i < 5 * kFramerate + 1 + TEST_NUM_INITIAL_PACKETS; i++) {
    if (i == TEST_NUM_INITIAL_PACKETS)
      ck_assert (!f->observer.updated);
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, TEST_MTU,
        test_rbe_clock_ms (f), timestamp, absolute_send_time);
    test_rbe_advance_ms (f, kFrameIntervalMs);
    timestamp += 90 * kFrameIntervalMs;
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        kFrameIntervalAbsSendTime);
  }
  ck_assert (f->observer.updated);
  assert_near (674840, f->observer.latest_bitrate,
      TEST_ACCEPTED_BITRATE_ERROR_BPS);
  ck_assert_uint_eq (f->observer.latest_bitrate, 698099);

  /* Every 40 ms a packet, then one sent 20 ms earlier arriving with it. */
  for (i = 0; i < 10; i++) {
    test_rbe_advance_ms (f, 2 * kFrameIntervalMs);
    timestamp += 2 * 90 * kFrameIntervalMs;
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        2 * kFrameIntervalAbsSendTime);
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, 1000,
        test_rbe_clock_ms (f), timestamp, absolute_send_time);
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, 1000,
        test_rbe_clock_ms (f), timestamp - 90 * kFrameIntervalMs,
        test_add_abs_send_time (absolute_send_time,
            (uint32_t) - (int) kFrameIntervalAbsSendTime));
  }
  ck_assert (f->observer.updated);
  assert_near (674840, f->observer.latest_bitrate,
      TEST_ACCEPTED_BITRATE_ERROR_BPS);
  ck_assert_uint_eq (f->observer.latest_bitrate, 698099);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_rate_increase_rtp_timestamps)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  const int kExpectedIterations = 1237;
  uint32_t bitrate_bps = 30000;
  int iterations = 0;

  test_rbe_add_default_stream (f);
  while (bitrate_bps < 500000) {
    bool overuse = test_rbe_generate_and_process_frame (f, TEST_DEFAULT_SSRC,
        bitrate_bps);

    if (overuse) {
      ck_assert_uint_gt (f->observer.latest_bitrate, bitrate_bps);
      bitrate_bps = f->observer.latest_bitrate;
      test_rbe_observer_reset (f);
    } else if (f->observer.updated) {
      bitrate_bps = f->observer.latest_bitrate;
      test_rbe_observer_reset (f);
    }
    iterations++;
    ck_assert_int_le (iterations, kExpectedIterations);
  }
  ck_assert_int_eq (iterations, kExpectedIterations);
  ck_assert_uint_eq (bitrate_bps, 500711);
  test_rbe_fixture_free (f);
}
END_TEST

static void
check_capacity_drop (int number_of_streams, bool wrap, int64_t offset_ms,
    int64_t libwebrtc_expected_ms, uint32_t steady_bps, int64_t drop_ms,
    uint32_t final_bps)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  TestCapacityDropResult r;

  test_rbe_capacity_drop (f, number_of_streams, wrap, offset_ms, &r);
  assert_near (libwebrtc_expected_ms, r.drop_delay_ms, DROP_DELAY_TOLERANCE_MS);
  ck_assert_int_eq (r.drop_delay_ms, drop_ms);
  ck_assert_uint_eq (r.steady_bitrate_bps, steady_bps);
  if (final_bps != 0)
    ck_assert_uint_eq (r.final_bitrate_bps, final_bps);
  test_rbe_fixture_free (f);
}

START_TEST (test_capacity_drop_one_stream)
{
  check_capacity_drop (1, false, 0, 633, 874135, 600, 425054);
}
END_TEST

/* The arrival clock jumps 30 s ahead of the estimator's clock: InterArrival
 * sees arrival - system time grow by >= 3000 ms and resets. */
START_TEST (test_capacity_drop_pos_offset_change)
{
  check_capacity_drop (1, false, 30000, 267, 874135, 300, 429984);
}
END_TEST

/* 30 s back: three groups look reordered, then InterArrival resets. */
START_TEST (test_capacity_drop_neg_offset_change)
{
  check_capacity_drop (1, false, -30000, 267, 874135, 300, 429984);
}
END_TEST

/* The abs-send-time estimator never reads RTP timestamps, so wrapping them must
 * change nothing: the same numbers as test_capacity_drop_one_stream. */
START_TEST (test_capacity_drop_one_stream_wrap)
{
  check_capacity_drop (1, true, 0, 633, 874135, 600, 425054);
}
END_TEST

START_TEST (test_capacity_drop_two_streams_wrap)
{
  check_capacity_drop (2, true, 0, 700, 879889, 700, 0);
}
END_TEST

START_TEST (test_capacity_drop_three_streams_wrap)
{
  check_capacity_drop (3, true, 0, 633, 884185, 633, 0);
}
END_TEST

START_TEST (test_capacity_drop_thirteen_streams_wrap)
{
  check_capacity_drop (13, true, 0, 667, 880815, 667, 0);
}
END_TEST

START_TEST (test_capacity_drop_nineteen_streams_wrap)
{
  check_capacity_drop (19, true, 0, 667, 880297, 667, 0);
}
END_TEST

START_TEST (test_capacity_drop_thirty_streams_wrap)
{
  check_capacity_drop (30, true, 0, 667, 879681, 667, 0);
}
END_TEST

START_TEST (test_timestamp_grouping)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  const int kFramerate = 50;
  const int kFrameIntervalMs = 1000 / kFramerate;
  const uint32_t kFrameIntervalAbsSendTime = test_abs_send_time (1, kFramerate);
  const int kTimestampGroupLength = 15;
  const uint32_t kTimestampGroupLengthAbsSendTime =
      test_abs_send_time (kTimestampGroupLength, 90000);
  const uint32_t kSingleRtpTickAbsSendTime = test_abs_send_time (1, 90000);
  uint32_t timestamp = 0;
  /* Starts 50 frames before the 24-bit wrap so that it wraps in the test. */
  uint32_t absolute_send_time = test_add_abs_send_time (1u << 24,
      (uint32_t) - (int) (50 * kFrameIntervalAbsSendTime));
  int i, j;

  ck_assert_uint_eq (kTimestampGroupLengthAbsSendTime, 44);
  ck_assert_uint_eq (kSingleRtpTickAbsSendTime, 3);
  for (i = 0; i <= 6 * kFramerate; i++) {
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, 1000,
        test_rbe_clock_ms (f), timestamp, absolute_send_time);
    test_rbe_advance_ms (f, kFrameIntervalMs);
    timestamp += 90 * kFrameIntervalMs;
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        kFrameIntervalAbsSendTime);
  }
  ck_assert (f->observer.updated);
  ck_assert_uint_ge (f->observer.latest_bitrate, 400000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 610000);

  /* Batches of 15 packets 1 RTP tick apart (one group), arriving 1 ms apart,
   * then 10 ms more: the link is over-used. */
  for (i = 0; i < 100; i++) {
    for (j = 0; j < kTimestampGroupLength; j++) {
      test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, 100,
          test_rbe_clock_ms (f), timestamp, absolute_send_time);
      test_rbe_advance_ms (f, kFrameIntervalMs / kTimestampGroupLength);
      timestamp += 1;
      absolute_send_time = test_add_abs_send_time (absolute_send_time,
          kSingleRtpTickAbsSendTime);
    }
    test_rbe_advance_ms (f, 10);
    timestamp += (uint32_t) (90 * kFrameIntervalMs - kTimestampGroupLength);
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        test_add_abs_send_time (kFrameIntervalAbsSendTime,
            (uint32_t) - (int) kTimestampGroupLengthAbsSendTime));
  }
  ck_assert (f->observer.updated);
  ck_assert_uint_lt (f->observer.latest_bitrate, 400000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 347480);
  test_rbe_fixture_free (f);
}
END_TEST

/* TestWrappingHelper: the sender goes silent for silence_time_s, long enough
 * for the stream to time out; the estimate must then drop, not be confused by
 * the abs-send-time wrap. */
static void
check_wrapping (int silence_time_s)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  const int kFramerate = 100;
  const int kFrameIntervalMs = 1000 / kFramerate;
  const uint32_t kFrameIntervalAbsSendTime = test_abs_send_time (1, kFramerate);
  uint32_t absolute_send_time = 0, timestamp = 0;
  uint32_t bitrate_before, bitrate_after;
  int i;

  for (i = 0; i < 3000; i++) {
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, 1000,
        test_rbe_clock_ms (f), timestamp, absolute_send_time);
    timestamp += (uint32_t) kFrameIntervalMs;
    test_rbe_advance_ms (f, kFrameIntervalMs);
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        kFrameIntervalAbsSendTime);
  }
  bitrate_before = latest_estimate (f);

  test_rbe_advance_ms (f, (int64_t) silence_time_s * 1000);
  absolute_send_time = test_add_abs_send_time (absolute_send_time,
      test_abs_send_time (silence_time_s, 1));
  for (i = 0; i < 21; i++) {
    test_rbe_incoming_packet (f, TEST_DEFAULT_SSRC, 1000,
        test_rbe_clock_ms (f), timestamp, absolute_send_time);
    timestamp += (uint32_t) kFrameIntervalMs;
    test_rbe_advance_ms (f, 2 * kFrameIntervalMs);
    absolute_send_time = test_add_abs_send_time (absolute_send_time,
        kFrameIntervalAbsSendTime);
  }
  bitrate_after = latest_estimate (f);
  ck_assert_uint_lt (bitrate_after, bitrate_before);
  ck_assert_uint_eq (bitrate_before, 1210000);
  ck_assert_uint_eq (bitrate_after, 356110);
  test_rbe_fixture_free (f);
}

START_TEST (test_short_timeout_and_wrap)
{
  /* 35 s: abs-send-time wraps (64 s period) while the stream is away. */
  check_wrapping (35);
}
END_TEST

START_TEST (test_long_timeout_and_wrap)
{
  /* 10 * 64 s: the abs-send-time difference is 0 across the silence. */
  check_wrapping (10 * 64);
}
END_TEST

/* libwebrtc only checks that Process() after a stream timeout does not crash;
 * Process() is a no-op there.  What can be checked here: after the timeout the
 * old stream is gone and a new one is tracked alone, with no estimate. */
START_TEST (test_process_after_timeout)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  const int64_t kStreamTimeOutMs = 2000;
  const int64_t kProcessIntervalMs = 1000;
  uint32_t ssrcs[4], bps;

  test_rbe_incoming_packet (f, 0, 1000, test_rbe_clock_ms (f), 0, 0);
  ck_assert_uint_eq (bwe_remote_estimator_ssrcs (&f->estimator, ssrcs, 4), 1);
  ck_assert_uint_eq (ssrcs[0], 0);
  test_rbe_advance_ms (f, kStreamTimeOutMs + 1);
  test_rbe_advance_ms (f, kProcessIntervalMs);
  /* One sample, 3 s old: no incoming rate. */
  ck_assert (!bwe_remote_estimator_incoming_bitrate (&f->estimator,
          f->clock_us, &bps));
  test_rbe_incoming_packet (f, 7, 1000, test_rbe_clock_ms (f), 0, 0);
  ck_assert_uint_eq (bwe_remote_estimator_ssrcs (&f->estimator, ssrcs, 4), 1);
  ck_assert_uint_eq (ssrcs[0], 7);
  ck_assert (!f->observer.updated);
  ck_assert_uint_eq (latest_estimate (f), 0);
  test_rbe_fixture_free (f);
}
END_TEST

/* 1000-byte probes: send at (send_step_ms) and arrive at (recv_step_ms)
 * intervals, times as libwebrtc's probe tests produce them. */
static void
send_probes (TestRbeFixture * f, int count, size_t size, int64_t send_step_ms,
    int64_t recv_step_ms, int64_t * send_time_ms)
{
  int i;

  for (i = 0; i < count; i++) {
    int64_t now_ms;

    test_rbe_advance_ms (f, recv_step_ms);
    *send_time_ms += send_step_ms;
    now_ms = test_rbe_clock_ms (f);
    test_rbe_incoming_packet (f, 0, size, now_ms,
        (uint32_t) (90 * *send_time_ms), test_abs_send_time (*send_time_ms,
            1000));
  }
}

START_TEST (test_probe_detection)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t now_ms = test_rbe_clock_ms (f);

  /* Sent (and received) at 8 * 1000 / 10 = 800 kbps, then 1600 kbps; the
   * abs-send-time is the receive clock. */
  send_probes (f, 5, 1000, 10, 10, &now_ms);
  send_probes (f, 5, 1000, 5, 5, &now_ms);
  ck_assert_int_eq (now_ms, test_rbe_clock_ms (f));
  ck_assert (f->observer.updated);
  ck_assert_uint_gt (f->observer.latest_bitrate, 1500000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 1601000);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probe_detection_non_paced_packets)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int i;

  /* 800 kbps of probes, each followed by a small unpaced packet with the same
   * send and arrival time, handed to the estimator 5 ms later. */
  for (i = 0; i < 5; i++) {
    int64_t now_ms;

    test_rbe_advance_ms (f, 5);
    now_ms = test_rbe_clock_ms (f);
    test_rbe_incoming_packet (f, 0, 1000, now_ms, (uint32_t) (90 * now_ms),
        test_abs_send_time (now_ms, 1000));
    test_rbe_advance_ms (f, 5);
    test_rbe_incoming_packet (f, 0, 100, now_ms, (uint32_t) (90 * now_ms),
        test_abs_send_time (now_ms, 1000));
  }
  ck_assert (f->observer.updated);
  ck_assert_uint_gt (f->observer.latest_bitrate, 800000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 801000);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probe_detection_too_high_bitrate)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t send_time_ms = 0;
  int i;

  send_probes (f, 5, 1000, 10, 10, &send_time_ms);
  /* Sent at 1600 kbps but dispersed by the link to 1000 kbps (8 ms apart);
   * libwebrtc passes the send time in ms as the RTP timestamp here. */
  for (i = 0; i < 5; i++) {
    test_rbe_advance_ms (f, 8);
    send_time_ms += 5;
    test_rbe_incoming_packet (f, 0, 1000, test_rbe_clock_ms (f),
        (uint32_t) send_time_ms, test_abs_send_time (send_time_ms, 1000));
  }
  ck_assert (f->observer.updated);
  assert_near (800000, f->observer.latest_bitrate, 10000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 801000);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probe_detection_slightly_faster_arrival)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t send_time_ms = 0;

  /* Sent at 800 kbps, arriving at 1600 kbps: still a good probe (the
   * arrival is at most 5 ms faster), the lower send rate counts. */
  send_probes (f, 5, 1000, 10, 5, &send_time_ms);
  ck_assert (f->observer.updated);
  ck_assert_uint_gt (f->observer.latest_bitrate, 800000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 801000);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probe_detection_faster_arrival)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t send_time_ms = 0;

  /* Arrival 9 ms faster than sending: not a probe, and nothing else gives an
   * estimate. */
  send_probes (f, 5, 1000, 10, 1, &send_time_ms);
  ck_assert (!f->observer.updated);
  ck_assert_uint_eq (latest_estimate (f), 0);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probe_detection_slower_arrival)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t send_time_ms = 0;

  /* Sent at 1600 kbps, arriving at 8 * 1000 / 7 = 1142.857 kbps. */
  send_probes (f, 5, 1000, 5, 7, &send_time_ms);
  ck_assert (f->observer.updated);
  assert_near (1140000, f->observer.latest_bitrate, 10000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 1143857);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probe_detection_slower_arrival_high_bitrate)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t send_time_ms = 0;

  /* Sent at 8000 kbps, arriving at 4000 kbps. */
  send_probes (f, 5, 1000, 1, 2, &send_time_ms);
  ck_assert (f->observer.updated);
  assert_near (4000000, f->observer.latest_bitrate, 10000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 4001000);
  test_rbe_fixture_free (f);
}
END_TEST

START_TEST (test_probing_ignores_small_packets)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t now_ms = test_rbe_clock_ms (f);

  /* 200-byte packets are not probes (the limit is strictly more than 200). */
  send_probes (f, 5, 200, 10, 10, &now_ms);
  ck_assert (!f->observer.updated);
  send_probes (f, 5, 1000, 10, 10, &now_ms);
  test_rbe_advance_ms (f, 1000);
  ck_assert (f->observer.updated);
  assert_near (800000, f->observer.latest_bitrate, 10000);
  ck_assert_uint_eq (f->observer.latest_bitrate, 801000);
  test_rbe_fixture_free (f);
}
END_TEST

/* Not in libwebrtc's tests: the probe size limit is "more than 200 bytes".
 * 201-byte packets 10 ms apart (send and arrival) form a cluster:
 * 201 * 8 / 0.010 = 160800 bit/s, + 1000 from the first Normal update. */
START_TEST (test_probing_accepts_201_byte_packets)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t now_ms = test_rbe_clock_ms (f);

  send_probes (f, 5, 201, 10, 10, &now_ms);
  ck_assert (f->observer.updated);
  ck_assert_uint_eq (f->observer.latest_bitrate, 161800);
  test_rbe_fixture_free (f);
}
END_TEST

/* Probes count for 2 s after the first packet (strictly), once there is an
 * estimate.  An 800 kbit/s cluster at 0..40 ms gives the estimate 801000;
 * a periodic update at the next packet raises it (multiplicatively, below
 * 1.6 Mbit/s).  Then 1000-byte packets 5 ms apart from start_ms: the 4th
 * 5 ms delta completes a 1.6 Mbit/s cluster (5000 µs means, after the
 * abs-send-time rounding) only if its packet arrives before 2000 ms. */
static uint32_t
probe_at_window_end (int64_t start_ms, bool * updated_by_last)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t t0 = test_rbe_clock_ms (f), now_ms = t0;
  uint32_t latest;
  int i;

  for (i = 0; i < 5; i++) {
    test_rbe_incoming_packet (f, 0, 1000, now_ms, (uint32_t) (90 * now_ms),
        test_abs_send_time (now_ms, 1000));
    if (i < 4) {
      test_rbe_advance_ms (f, 10);
      now_ms = test_rbe_clock_ms (f);
    }
  }
  ck_assert (f->observer.updated);
  ck_assert_uint_eq (f->observer.latest_bitrate, 801000);
  test_rbe_advance_ms (f, t0 + start_ms - now_ms);
  now_ms = test_rbe_clock_ms (f);
  for (i = 0; i < 5; i++) {
    test_rbe_observer_reset (f);
    test_rbe_incoming_packet (f, 0, 1000, now_ms, (uint32_t) (90 * now_ms),
        test_abs_send_time (now_ms, 1000));
    if (i == 0)
      ck_assert_uint_lt (f->observer.latest_bitrate, 1000000);
    if (i < 4) {
      test_rbe_advance_ms (f, 5);
      now_ms = test_rbe_clock_ms (f);
    }
  }
  ck_assert_int_eq (now_ms - t0, start_ms + 20);
  *updated_by_last = f->observer.updated;
  latest = latest_estimate (f);
  test_rbe_fixture_free (f);
  return latest;
}

START_TEST (test_probing_window_is_two_seconds)
{
  bool updated;

  /* Last probe at 1999 ms: 1000 * 8 / 0.005 = 1600000, + 1000. */
  ck_assert_uint_eq (probe_at_window_end (1979, &updated), 1601000);
  ck_assert (updated);
  /* At 2000 ms it is no probe any more. */
  ck_assert_uint_lt (probe_at_window_end (1980, &updated), 1000000);
  ck_assert (!updated);
}
END_TEST

/* A stream times out when not seen for more than 2 s, in µs: still there
 * exactly 2 s after its last packet, gone 1 µs later. */
START_TEST (test_stream_timeout_is_strict)
{
  TestRbeFixture *f = test_rbe_fixture_new ();
  int64_t t0_us = f->clock_us;
  uint32_t ssrcs[4];

  test_rbe_incoming_packet (f, 1, 1000, test_rbe_clock_ms (f), 0, 0);
  f->clock_us = t0_us + 2000000;
  test_rbe_incoming_packet (f, 2, 1000, test_rbe_clock_ms (f), 0, 0);
  ck_assert_uint_eq (bwe_remote_estimator_ssrcs (&f->estimator, ssrcs, 4), 2);
  f->clock_us = t0_us + 2000001;
  test_rbe_incoming_packet (f, 2, 1000, test_rbe_clock_ms (f), 0, 0);
  ck_assert_uint_eq (bwe_remote_estimator_ssrcs (&f->estimator, ssrcs, 4), 1);
  ck_assert_uint_eq (ssrcs[0], 2);
  test_rbe_fixture_free (f);
}
END_TEST

static Suite *
remote_estimator_suite (void)
{
  Suite *s = suite_create ("remote_estimator");
  TCase *tc = tcase_create ("abs_send_time");

  /* The 30-stream capacity drop simulates 400 s of traffic. */
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_initial_behavior);
  tcase_add_test (tc, test_rate_increase_reordering);
  tcase_add_test (tc, test_rate_increase_rtp_timestamps);
  tcase_add_test (tc, test_capacity_drop_one_stream);
  tcase_add_test (tc, test_capacity_drop_pos_offset_change);
  tcase_add_test (tc, test_capacity_drop_neg_offset_change);
  tcase_add_test (tc, test_capacity_drop_one_stream_wrap);
  tcase_add_test (tc, test_capacity_drop_two_streams_wrap);
  tcase_add_test (tc, test_capacity_drop_three_streams_wrap);
  tcase_add_test (tc, test_capacity_drop_thirteen_streams_wrap);
  tcase_add_test (tc, test_capacity_drop_nineteen_streams_wrap);
  tcase_add_test (tc, test_capacity_drop_thirty_streams_wrap);
  tcase_add_test (tc, test_timestamp_grouping);
  tcase_add_test (tc, test_short_timeout_and_wrap);
  tcase_add_test (tc, test_long_timeout_and_wrap);
  tcase_add_test (tc, test_process_after_timeout);
  tcase_add_test (tc, test_stream_timeout_is_strict);
  tcase_add_test (tc, test_probe_detection);
  tcase_add_test (tc, test_probe_detection_non_paced_packets);
  tcase_add_test (tc, test_probe_detection_too_high_bitrate);
  tcase_add_test (tc, test_probe_detection_slightly_faster_arrival);
  tcase_add_test (tc, test_probe_detection_faster_arrival);
  tcase_add_test (tc, test_probe_detection_slower_arrival);
  tcase_add_test (tc, test_probe_detection_slower_arrival_high_bitrate);
  tcase_add_test (tc, test_probing_ignores_small_packets);
  tcase_add_test (tc, test_probing_accepts_201_byte_packets);
  tcase_add_test (tc, test_probing_window_is_two_seconds);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (remote_estimator_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
