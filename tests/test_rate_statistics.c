/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's rtc_base/rate_statistics_unittest.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's rtc_base/rate_statistics_unittest.cc in Check (window 500 ms,
 * scale 8000: bytes per ms to bit/s), plus the estimator's own window
 * (1000 ms) with arrival times going backwards.
 *
 * The expected values are libwebrtc's (its tests assert them exactly), and
 * for the added cases they are worked by hand from rate_statistics.cc:
 * Update() aligns a time earlier than the newest bucket to that bucket, and
 * Rate() is (int64) (count * (8000.0f / active_window) + 0.5f) in float. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "libc_allocator.h"
#include "rate_statistics.h"

#define WINDOW_MS 500

static BweRateStatistics stats;
static BweLibcAllocator alloc;

static void
setup (void)
{
  bwe_libc_allocator_init (&alloc);
  bwe_rate_statistics_init (&stats, WINDOW_MS, 8000.0f, &alloc.allocator);
}

/* Everything the ring held goes back. */
static void
teardown (void)
{
  bwe_rate_statistics_release (&stats);
  ck_assert_uint_eq (alloc.in_use, 0);
}

/* A fresh RateStatistics(window_ms, 8000) in stats. */
static void
fresh (int64_t window_ms)
{
  bwe_rate_statistics_release (&stats);
  bwe_rate_statistics_init (&stats, window_ms, 8000.0f, &alloc.allocator);
}

/* Rate(now): -1 for nullopt. */
static int64_t
rate (int64_t now_ms)
{
  int64_t r;

  if (!bwe_rate_statistics_rate (&stats, now_ms, &r))
    return -1;
  return r;
}

START_TEST (test_strict_mode)
{
  const int64_t packet_size = 1500;
  const int64_t expected_bps = packet_size * 1000 * 8;
  int64_t now_ms = 0;
  int i;

  ck_assert_int_eq (rate (now_ms), -1);
  /* One sample is not enough. */
  bwe_rate_statistics_update (&stats, packet_size, now_ms++);
  ck_assert_int_eq (rate (now_ms), -1);
  /* Two samples over a 2 ms active window: 3000 B * 8000 / 2. */
  bwe_rate_statistics_update (&stats, packet_size, now_ms);
  ck_assert_int_eq (rate (now_ms), expected_bps);

  bwe_rate_statistics_reset (&stats);
  ck_assert_int_eq (rate (now_ms), -1);

  /* libwebrtc's own tolerance: buckets leave the window 10 ms at a time. */
  for (i = 0; i < 100000; ++i) {
    if (i % 10 == 0)
      bwe_rate_statistics_update (&stats, packet_size, now_ms);
    if (i > 10) {
      int64_t samples = i / 10 + 1;
      int64_t total_bits = samples * packet_size * 8;
      int64_t expected = (1000 * total_bits) / (i + 1);
      int64_t r = rate (now_ms);
      ck_assert_int_ge (r, 0);
      ck_assert_int_le (llabs (r - expected), 22000);
    }
    now_ms += 1;
  }
  now_ms += WINDOW_MS;
  ck_assert_int_eq (rate (now_ms), -1);
}

END_TEST;

START_TEST (test_increasing_then_decreasing_bitrate)
{
  const int64_t expected = 8000000;
  int64_t now_ms = 0, bitrate = -1, prev_error = expected;

  ck_assert_int_eq (rate (now_ms), -1);
  bwe_rate_statistics_update (&stats, 1000, ++now_ms);
  while (++now_ms < 10000) {
    int64_t error;
    bwe_rate_statistics_update (&stats, 1000, now_ms);
    bitrate = rate (now_ms);
    ck_assert_int_ge (bitrate, 0);
    error = llabs (expected - bitrate);
    ck_assert_int_le (error, prev_error + 1);
    prev_error = error;
  }
  ck_assert_int_eq (bitrate, expected);

  /* Zero bytes per ms: the rate falls until it reaches 0. */
  while (++now_ms < 20000) {
    int64_t r;
    bwe_rate_statistics_update (&stats, 0, now_ms);
    r = rate (now_ms);
    if (r >= 0 && r != bitrate) {
      ck_assert_int_lt (r, bitrate);
    } else {
      ck_assert_int_eq (r, 0);
      break;
    }
    bitrate = r;
  }
  while (++now_ms < 20000) {
    bwe_rate_statistics_update (&stats, 0, now_ms);
    ck_assert_int_eq (rate (now_ms), 0);
  }
}

END_TEST;

START_TEST (test_reset_after_silence)
{
  const int64_t expected = 8000000;
  int64_t now_ms = 0, bitrate = -1;

  while (++now_ms < 10000) {
    bwe_rate_statistics_update (&stats, 1000, now_ms);
    bitrate = rate (now_ms);
  }
  ck_assert_int_eq (bitrate, expected);

  /* Silence longer than the window: no rate, and the next samples start a
   * new active window (now - first_timestamp + 1 = 2 ms). */
  now_ms += WINDOW_MS + 1;
  ck_assert_int_eq (rate (now_ms), -1);
  bwe_rate_statistics_update (&stats, 1000, now_ms);
  ++now_ms;
  bwe_rate_statistics_update (&stats, 1000, now_ms);
  ck_assert_int_eq (rate (now_ms), expected);

  bwe_rate_statistics_reset (&stats);
  ck_assert_int_eq (rate (now_ms), -1);
  bwe_rate_statistics_update (&stats, 1000, now_ms);
  ++now_ms;
  bwe_rate_statistics_update (&stats, 1000, now_ms);
  ck_assert_int_eq (rate (now_ms), expected);
}

END_TEST;

START_TEST (test_respects_window_size_edges)
{
  int64_t now_ms = 0;

  /* One byte per ms as one big sample: invalid until the window is full. */
  bwe_rate_statistics_update (&stats, WINDOW_MS, now_ms);
  now_ms += WINDOW_MS - 2;
  ck_assert_int_eq (rate (now_ms), -1);
  ++now_ms;
  ck_assert_int_eq (rate (now_ms), 1000 * 8);
  bwe_rate_statistics_update (&stats, WINDOW_MS, now_ms);
  ck_assert_int_eq (rate (now_ms), 2 * 1000 * 8);
  /* The first sample leaves the window. */
  now_ms += 1;
  ck_assert_int_eq (rate (now_ms), 1000 * 8);
}

END_TEST;

START_TEST (test_handles_zero_counts)
{
  int64_t now_ms = 0;

  bwe_rate_statistics_update (&stats, WINDOW_MS, now_ms);
  now_ms += WINDOW_MS - 1;
  bwe_rate_statistics_update (&stats, 0, now_ms);
  ck_assert_int_eq (rate (now_ms), 1000 * 8);
  ++now_ms;
  ck_assert_int_eq (rate (now_ms), 0);
  now_ms += WINDOW_MS;
  ck_assert_int_eq (rate (now_ms), -1);
}

END_TEST;

START_TEST (test_handles_quiet_periods)
{
  int64_t now_ms = 0;

  bwe_rate_statistics_update (&stats, 0, now_ms);
  now_ms += WINDOW_MS - 1;
  ck_assert_int_eq (rate (now_ms), 0);
  ++now_ms;
  ck_assert_int_eq (rate (now_ms), -1);
  /* Far away: the first new point alone gives no rate, the second does. */
  now_ms += 2 * WINDOW_MS;
  bwe_rate_statistics_update (&stats, 0, now_ms);
  ck_assert_int_eq (rate (now_ms), -1);
  ++now_ms;
  bwe_rate_statistics_update (&stats, 0, now_ms);
  ck_assert_int_eq (rate (now_ms), 0);
}

END_TEST;

START_TEST (test_handles_big_numbers)
{
  const int64_t large = INT64_C (0x100000000);
  int64_t now_ms = 0;

  bwe_rate_statistics_update (&stats, large, now_ms++);
  bwe_rate_statistics_update (&stats, large, now_ms);
  /* 2^33 B * (8000 / 2) is exact in float. */
  ck_assert_int_eq (rate (now_ms), large * 8000);
}

END_TEST;

START_TEST (test_handles_too_large_numbers)
{
  int64_t now_ms = 0;

  /* The accumulator overflows: no rate. */
  bwe_rate_statistics_update (&stats, INT64_MAX, now_ms++);
  bwe_rate_statistics_update (&stats, INT64_MAX, now_ms);
  ck_assert_int_eq (rate (now_ms), -1);
}

END_TEST;

START_TEST (test_handles_somewhat_large_numbers)
{
  int64_t now_ms = 0;

  /* No overflow, but the rate does not fit int64. */
  bwe_rate_statistics_update (&stats, INT64_MAX / 4, now_ms++);
  bwe_rate_statistics_update (&stats, INT64_MAX / 4, now_ms);
  ck_assert_int_eq (rate (now_ms), -1);
}

END_TEST;

/* The estimator's 1000 ms window with an arrival time that goes back.
 * Update(1000 B, 100), Update(1000 B, 200), Update(500 B, 150): the last one
 * is aligned to the newest bucket (200), not put at 150.
 * Rate(200): 2500 B over 200 - 100 + 1 = 101 ms:
 *   8000.0f / 101 = 79.20792f, * 2500 = 198019.8f, + 0.5f -> 198020.
 * Rate(1150): buckets before 1150 - 1000 + 1 = 151 leave (the one at 100);
 *   the 500 B stay with the bucket at 200: 1500 B, and first_timestamp 100 <=
 *   150, so a full 1000 ms window: 1500 * 8 = 12000 (8000 if the late packet
 *   had been kept at 150).
 * Rate(1201): the bucket at 200 leaves too: no samples, no rate. */
START_TEST (test_time_going_backwards_joins_newest_bucket)
{
  fresh (1000);
  bwe_rate_statistics_update (&stats, 1000, 100);
  bwe_rate_statistics_update (&stats, 1000, 200);
  bwe_rate_statistics_update (&stats, 500, 150);
  ck_assert_int_eq (rate (200), 198020);
  ck_assert_int_eq (rate (1150), 12000);
  ck_assert_int_eq (rate (1201), -1);
}

END_TEST;

/* An earlier time never moves first_timestamp back while samples are held:
 * Update(1000 B, 100), Update(500 B, 50) -> first_timestamp stays 100, so
 * Rate(100) has a 1 ms active window (no rate) and Rate(101) 2 ms:
 * 1500 * (8000 / 2) = 6000000.  Rate(49), before first_timestamp, has an
 * active window of 49 - 100 + 1 < 1: no rate. */
START_TEST (test_earlier_time_keeps_first_timestamp)
{
  fresh (1000);
  bwe_rate_statistics_update (&stats, 1000, 100);
  bwe_rate_statistics_update (&stats, 500, 50);
  ck_assert_int_eq (rate (49), -1);
  ck_assert_int_eq (rate (100), -1);
  ck_assert_int_eq (rate (101), 6000000);
}

END_TEST;

/* The steady case (the estimator's per-packet shortcut) holds only where
 * Rate() has a full window before the packet and Update() only adds: with a
 * sample every ms from 0, the window is full from 1000 (first_timestamp +
 * window); after the last bucket (1999) it is in the window until
 * 1999 + 999 = 2998, and Rate(2999) has no sample left.  Buckets stay in
 * the ring until it is full (1024 of them): the next new bucket is not steady,
 * Update() then drops the dead ones. */
START_TEST (test_steady_bounds)
{
  int64_t t, prunes = 0;

  fresh (1000);
  ck_assert (!bwe_rate_statistics_steady (&stats, 100, 0));
  for (t = 0; t < 1000; t++)
    bwe_rate_statistics_update (&stats, 100, t);
  ck_assert (!bwe_rate_statistics_steady (&stats, 100, 999));
  ck_assert (bwe_rate_statistics_steady (&stats, 100, 1000));
  for (t = 1000; t < 2000; t++) {
    if (stats.tail - stats.head == BWE_RATE_STATISTICS_RING) {
      /* Update() prunes: the dead buckets before t - 999 leave the ring. */
      ck_assert (!bwe_rate_statistics_steady (&stats, 100, t));
      bwe_rate_statistics_update (&stats, 100, t);
      prunes++;
      continue;
    }
    ck_assert (bwe_rate_statistics_steady (&stats, 100, t));
    bwe_rate_statistics_update_steady (&stats, 100, t);
  }
  /* Full at 1024 (buckets 0..1023), pruned to 25..1024; full again 25 ms
   * later each time: 1024, 1049, ..., 1999. */
  ck_assert_int_eq (prunes, 40);
  /* 1000 samples of 100 B in the last 1000 ms: 100000 B * 8 = 800 kbit/s. */
  ck_assert_int_eq (rate (1999), 800000);
  ck_assert (bwe_rate_statistics_steady (&stats, 100, 2998));
  ck_assert (!bwe_rate_statistics_steady (&stats, 100, 2999));
  ck_assert_int_eq (rate (2999), -1);
  /* Counts near the overflow guard are not steady. */
  ck_assert (!bwe_rate_statistics_steady (&stats, INT64_C (1) << 62, 1999));
}

END_TEST;

/* An overflow is only cleared by Reset() (libwebrtc never clears it on its
 * own): after it, a silence that empties the window and a full second of
 * ordinary samples still give no rate, and no steady case. */
START_TEST (test_steady_never_after_overflow)
{
  int64_t t;

  fresh (1000);
  bwe_rate_statistics_update (&stats, INT64_MAX, 0);
  bwe_rate_statistics_update (&stats, INT64_MAX, 1);
  ck_assert_int_eq (rate (1), -1);
  for (t = 2000; t < 4000; t++) {
    ck_assert (!bwe_rate_statistics_steady (&stats, 100, t));
    bwe_rate_statistics_update (&stats, 100, t);
  }
  ck_assert_int_eq (rate (3999), -1);
  bwe_rate_statistics_reset (&stats);
  for (t = 4000; t < 5000; t++)
    bwe_rate_statistics_update (&stats, 100, t);
  ck_assert (bwe_rate_statistics_steady (&stats, 100, 5000));
}

END_TEST;

/* A full ring (1024 buckets, dead ones kept until needed) leaves the steady
 * case for a new bucket until Update() prunes it, but not for the newest
 * bucket's own time. */
START_TEST (test_steady_full_ring)
{
  int64_t t;

  fresh (1000);
  for (t = 0; t < BWE_RATE_STATISTICS_RING; t++)
    bwe_rate_statistics_update (&stats, 100, t);
  ck_assert (bwe_rate_statistics_steady (&stats, 100, t - 1));
  ck_assert (!bwe_rate_statistics_steady (&stats, 100, t));
  bwe_rate_statistics_update (&stats, 100, t);
  ck_assert (bwe_rate_statistics_steady (&stats, 100, t + 1));
  /* Buckets 25..1024 are in the window at 1024: 1000 * 100 B. */
  ck_assert_int_eq (rate (t), 800000);
}

END_TEST;

static uint64_t
next_random (uint64_t * s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* The shortcut against Rate() then Update() on the same samples: steps of
 * 0-3 ms, times going back up to 50 ms, silences around the window length;
 * the rates read after every sample must be equal. */
START_TEST (test_steady_equals_rate_then_update)
{
  static BweRateStatistics plain, shortcut;
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  int64_t now = 0, steady = 0, i;

  bwe_rate_statistics_init (&plain, 1000, 8000.0f, &alloc.allocator);
  bwe_rate_statistics_init (&shortcut, 1000, 8000.0f, &alloc.allocator);
  for (i = 0; i < 150000; i++) {
    uint64_t r = next_random (&seed);
    int64_t count = (int64_t) (r % 1500), a, b;
    bool ok_a, ok_b;

    if (r % 997 == 0)
      now += 900 + (int64_t) (r >> 20) % 200;
    else if (r % 89 == 0)
      now -= (int64_t) (r >> 20) % 50;
    else
      now += (int64_t) (r >> 20) % 4;
    bwe_rate_statistics_available (&plain, now);
    bwe_rate_statistics_update_erased (&plain, count, now);
    if (bwe_rate_statistics_steady (&shortcut, count, now)) {
      bwe_rate_statistics_update_steady (&shortcut, count, now);
      steady++;
    } else {
      bwe_rate_statistics_available (&shortcut, now);
      bwe_rate_statistics_update_erased (&shortcut, count, now);
    }
    ok_a = bwe_rate_statistics_rate (&plain, now, &a);
    ok_b = bwe_rate_statistics_rate (&shortcut, now, &b);
    ck_assert_int_eq (ok_a, ok_b);
    if (ok_a)
      ck_assert_int_eq (a, b);
  }
  /* Most samples take the shortcut, as in the estimator. */
  ck_assert_int_gt (steady, 100000);
  bwe_rate_statistics_release (&plain);
  bwe_rate_statistics_release (&shortcut);
}

END_TEST;

static Suite *
rate_statistics_suite (void)
{
  Suite *s = suite_create ("rate_statistics");
  TCase *tc = tcase_create ("libwebrtc");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_strict_mode);
  tcase_add_test (tc, test_increasing_then_decreasing_bitrate);
  tcase_add_test (tc, test_reset_after_silence);
  tcase_add_test (tc, test_respects_window_size_edges);
  tcase_add_test (tc, test_handles_zero_counts);
  tcase_add_test (tc, test_handles_quiet_periods);
  tcase_add_test (tc, test_handles_big_numbers);
  tcase_add_test (tc, test_handles_too_large_numbers);
  tcase_add_test (tc, test_handles_somewhat_large_numbers);
  tcase_add_test (tc, test_time_going_backwards_joins_newest_bucket);
  tcase_add_test (tc, test_earlier_time_keeps_first_timestamp);
  suite_add_tcase (s, tc);
  tc = tcase_create ("steady");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_steady_bounds);
  tcase_add_test (tc, test_steady_full_ring);
  tcase_add_test (tc, test_steady_never_after_overflow);
  tcase_add_test (tc, test_steady_equals_rate_then_update);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (rate_statistics_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
