/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/aimd_rate_control_unittest.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's aimd_rate_control_unittest.cc in Check (gcc-reference.md 2.5),
 * receive side (send_side = false), no field trials.
 *
 * Where libwebrtc checks a range, the exact value is derived here by hand from
 * libwebrtc's unit arithmetic: DataRate * TimeDelta rounds to whole bytes,
 * DataSize / TimeDelta truncates to bit/s, DataRate * double rounds to the
 * nearest bit/s, TimeDelta::Seconds(double) truncates to µs. */
#include <check.h>
#include <stdlib.h>

#include "aimd.h"

#define MS INT64_C(1000)
/* The tests' simulated clock starts at 123456 ms. */
#define CLOCK_INITIAL_US (INT64_C(123456) * MS)
#define MIN_BWE_PERIOD_US (2000 * MS)
#define DEFAULT_PERIOD_US (3000 * MS)
#define MAX_BWE_PERIOD_US (50000 * MS)
/* After an over-use the estimate backs off to 85 % of the throughput. */
static const double kFractionAfterOveruse = 0.85;

typedef struct
{
  BweAimd aimd;
  int64_t clock_us;
} States;

static void
states_init (States * s)
{
  bwe_aimd_init (&s->aimd);
  s->clock_us = CLOCK_INITIAL_US;
}

static void
set_estimate (States * s, int64_t bitrate_bps)
{
  bwe_aimd_set_estimate (&s->aimd, bitrate_bps, s->clock_us);
}

static void
update (States * s, BweBandwidthUsage usage, int64_t throughput_bps)
{
  bwe_aimd_update (&s->aimd, usage, true, throughput_bps, s->clock_us);
}

static void
update_without_throughput (States * s, BweBandwidthUsage usage)
{
  bwe_aimd_update (&s->aimd, usage, false, 0, s->clock_us);
}

static double
near_max_rate (const States * s)
{
  return bwe_aimd_near_max_increase_rate_bps_per_second (&s->aimd);
}

START_TEST (test_min_near_max_increase_rate_on_low_bandwidth)
{
  States s;

  states_init (&s);
  /* 30 kbps: 125 B frames over (200 + 100) * 2 ms = 1666 bit/s, floor 4000. */
  set_estimate (&s, 30000);
  ck_assert (near_max_rate (&s) == 4000.0);
}
END_TEST

START_TEST (test_near_max_increase_rate_is_5kbps_on_90kbps_and_200ms_rtt)
{
  States s;

  states_init (&s);
  /* 375 B frames (one packet) per 600 ms: 375 * 8 / 0.6 = 5000. */
  set_estimate (&s, 90000);
  ck_assert (near_max_rate (&s) == 5000.0);
}
END_TEST

START_TEST (test_near_max_increase_rate_is_5kbps_on_60kbps_and_100ms_rtt)
{
  States s;

  states_init (&s);
  /* 250 B per (100 + 100) * 2 ms = 5000. */
  set_estimate (&s, 60000);
  bwe_aimd_set_rtt (&s.aimd, 100 * MS);
  ck_assert (near_max_rate (&s) == 5000.0);
}
END_TEST

START_TEST (test_get_increase_rate_and_bandwidth_period)
{
  States s;
  double rate;

  states_init (&s);
  set_estimate (&s, 300000);
  update (&s, BWE_USAGE_OVERUSING, 300000);
  /* Backed off to 0.85 * 300000 = 255000: frames of
   * (255000 * 33333 µs + 4e6) / 8e6 = 1062 B in one packet, per 600 ms:
   * 1062 * 8e6 / 600000 = 14160 bit/s (libwebrtc: 14000 +- 1000). */
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 255000);
  rate = near_max_rate (&s);
  ck_assert (rate >= 13000.0 && rate <= 15000.0);
  ck_assert (rate == 14160.0);
  /* Throughput == estimate: no decrease recorded, default period. */
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      DEFAULT_PERIOD_US);
}
END_TEST

START_TEST (test_bwe_limited_by_acked_bitrate)
{
  const int64_t kAckedBitrate = 10000;
  States s;

  states_init (&s);
  set_estimate (&s, kAckedBitrate);
  while (s.clock_us - CLOCK_INITIAL_US < 20000 * MS) {
    update (&s, BWE_USAGE_NORMAL, kAckedBitrate);
    s.clock_us += 100 * MS;
  }
  ck_assert (bwe_aimd_valid_estimate (&s.aimd));
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd),
      (int64_t) (1.5 * kAckedBitrate + 10000));
}
END_TEST

START_TEST (test_bwe_not_limited_by_decreasing_acked_bitrate)
{
  const int64_t kAckedBitrate = 100000;
  States s;
  int64_t prev_estimate, new_estimate;

  states_init (&s);
  set_estimate (&s, kAckedBitrate);
  while (s.clock_us - CLOCK_INITIAL_US < 20000 * MS) {
    update (&s, BWE_USAGE_NORMAL, kAckedBitrate);
    s.clock_us += 100 * MS;
  }
  ck_assert (bwe_aimd_valid_estimate (&s.aimd));
  prev_estimate = bwe_aimd_latest_estimate (&s.aimd);
  /* The increase stops at the limit 1.5 * 100000 + 10000 exactly. */
  ck_assert_int_eq (prev_estimate, 160000);
  /* A lower throughput lowers the limit but never the estimate. */
  update (&s, BWE_USAGE_NORMAL, kAckedBitrate / 2);
  new_estimate = bwe_aimd_latest_estimate (&s.aimd);
  ck_assert (llabs (new_estimate - 160000) <= 2000);
  ck_assert_int_eq (new_estimate, prev_estimate);
}
END_TEST

/* libwebrtc starts this one with SetStartBitrate(300 kbps), which the receive
 * side never calls and the core does not have; SetEstimate sets the same
 * current bitrate and validity, and the explicit throughput of the over-use
 * makes the remaining difference (latest throughput) irrelevant. */
START_TEST (test_default_period_until_first_overuse)
{
  States s;

  states_init (&s);
  set_estimate (&s, 300000);
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      DEFAULT_PERIOD_US);
  s.clock_us += 100 * MS;
  update (&s, BWE_USAGE_OVERUSING, 280000);
  ck_assert_int_ne (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      DEFAULT_PERIOD_US);
  /* 0.85 * 280000 = 238000, a decrease of 62000; at 238 kbps the frames are
   * 992 B, 992 * 8e6 / 600000 = 13226 bit/s, 62000 / 13226 s = 4687736 µs. */
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 238000);
  ck_assert (near_max_rate (&s) == 13226.0);
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      4687736);
}
END_TEST

START_TEST (test_expected_period_after_20kbps_drop_and_5kbps_increase)
{
  const int64_t kInitialBitrate = 110000;
  /* (110000 - 20000) / 0.85 = 105882 (truncated): backs off to 90000. */
  const int64_t kAckedBitrate =
      (int64_t) ((kInitialBitrate - 20000) / kFractionAfterOveruse);
  States s;

  states_init (&s);
  set_estimate (&s, kInitialBitrate);
  s.clock_us += 100 * MS;
  update (&s, BWE_USAGE_OVERUSING, kAckedBitrate);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 90000);
  ck_assert (near_max_rate (&s) == 5000.0);
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      4000 * MS);
}
END_TEST

START_TEST (test_bandwidth_period_is_not_below_min)
{
  const int64_t kInitialBitrate = 10000;
  States s;

  states_init (&s);
  set_estimate (&s, kInitialBitrate);
  s.clock_us += 100 * MS;
  /* 10000 - 0.85 * 9999 = 1501 at 4000 bit/s: 0.375 s, raised to 2 s. */
  update (&s, BWE_USAGE_OVERUSING, kInitialBitrate - 1);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 8499);
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      MIN_BWE_PERIOD_US);
}
END_TEST

START_TEST (test_bandwidth_period_is_not_above_max_no_smoothing_exp)
{
  const int64_t kInitialBitrate = 10010000;
  const int64_t kAckedBitrate = (int64_t) (10000 / kFractionAfterOveruse);
  States s;

  states_init (&s);
  set_estimate (&s, kInitialBitrate);
  s.clock_us += 100 * MS;
  /* 10 Mbps down to 0.85 * 11764 = 9999: 2500 s at 4000 bit/s, cut to 50 s. */
  update (&s, BWE_USAGE_OVERUSING, kAckedBitrate);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 9999);
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      MAX_BWE_PERIOD_US);
}
END_TEST

START_TEST (test_sending_rate_bounded_when_throughput_not_estimated)
{
  const int64_t kInitialBitrateBps = 123000;
  const int64_t kInitializationTimeMs = 5000;
  States s;
  int i;

  states_init (&s);
  update (&s, BWE_USAGE_NORMAL, kInitialBitrateBps);
  ck_assert (!bwe_aimd_valid_estimate (&s.aimd));
  /* More than 5 s after the first throughput: initialized to it. */
  s.clock_us += (kInitializationTimeMs + 1) * MS;
  update (&s, BWE_USAGE_NORMAL, kInitialBitrateBps);
  ck_assert (bwe_aimd_valid_estimate (&s.aimd));
  /* Hold -> Increase with no time elapsed: the minimum step of 1000. */
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 124000);
  for (i = 0; i < 100; i++) {
    update_without_throughput (&s, BWE_USAGE_NORMAL);
    s.clock_us += 100 * MS;
  }
  ck_assert (bwe_aimd_latest_estimate (&s.aimd) <=
      kInitialBitrateBps * 1.5 + 10000);
  /* 8 % a second for 10 s would pass 1.5 * 123000 + 10000: it stops there. */
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 194500);
}
END_TEST

/* Hand-derived: 80 bytes at 5 % of the estimate, within [200 ms, 1 s]. */
START_TEST (test_feedback_interval)
{
  States s;

  states_init (&s);
  set_estimate (&s, 64000);
  ck_assert_int_eq (bwe_aimd_feedback_interval_us (&s.aimd), 200 * MS);
  set_estimate (&s, 1000000);
  ck_assert_int_eq (bwe_aimd_feedback_interval_us (&s.aimd), 200 * MS);
  /* 640 bits at 1500 bit/s. */
  set_estimate (&s, 30000);
  ck_assert_int_eq (bwe_aimd_feedback_interval_us (&s.aimd), 426666);
  set_estimate (&s, 12800);
  ck_assert_int_eq (bwe_aimd_feedback_interval_us (&s.aimd), 1000 * MS);
  set_estimate (&s, 5000);
  ck_assert_int_eq (bwe_aimd_feedback_interval_us (&s.aimd), 1000 * MS);
}
END_TEST

/* Before any estimate the rate control sits at its 30 Mbit/s maximum and has
 * no valid estimate; estimates are clamped to at least 5000 bit/s. */
START_TEST (test_initial_state_and_min_bitrate)
{
  States s;

  states_init (&s);
  ck_assert (!bwe_aimd_valid_estimate (&s.aimd));
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 30000000);
  set_estimate (&s, 1000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 5000);
  set_estimate (&s, 10000);
  s.clock_us += 100 * MS;
  /* 0.85 * 2000 = 1700, raised to the minimum. */
  update (&s, BWE_USAGE_OVERUSING, 2000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 5000);
}
END_TEST

/* The first throughput starts a 5 s wait; only an update strictly more than
 * 5 s later initializes the estimate to the throughput (then Hold ->
 * Increase with no time elapsed adds the minimum 1000). */
START_TEST (test_initialization_time)
{
  States s;

  states_init (&s);
  update (&s, BWE_USAGE_NORMAL, 100000);
  s.clock_us += 5000 * MS;
  update (&s, BWE_USAGE_NORMAL, 100000);
  ck_assert (!bwe_aimd_valid_estimate (&s.aimd));
  s.clock_us += 1;
  update (&s, BWE_USAGE_NORMAL, 100000);
  ck_assert (bwe_aimd_valid_estimate (&s.aimd));
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 101000);
}
END_TEST

/* An over-use initializes at once: 0.85 * 400000 below the 30 Mbit/s start;
 * no decrease is recorded since there was no estimate before. */
START_TEST (test_overuse_initializes)
{
  States s;

  states_init (&s);
  update (&s, BWE_USAGE_OVERUSING, 400000);
  ck_assert (bwe_aimd_valid_estimate (&s.aimd));
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 340000);
  ck_assert_int_eq (bwe_aimd_expected_bandwidth_period_us (&s.aimd),
      DEFAULT_PERIOD_US);
}
END_TEST

/* TimeToReduceFurther: after rtt clamped to [10, 200] ms since the last
 * change, or at once when the throughput is below half the estimate. */
START_TEST (test_time_to_reduce_further)
{
  States s;
  int64_t t0;

  states_init (&s);
  /* Never changed: the last change is at minus infinity. */
  ck_assert (bwe_aimd_time_to_reduce_further (&s.aimd, s.clock_us, 100000));
  set_estimate (&s, 300000);
  t0 = s.clock_us;
  ck_assert (!bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 199999, 150000));
  ck_assert (bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 200000, 150000));
  ck_assert (bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 1, 149999));
  bwe_aimd_set_rtt (&s.aimd, 5 * MS);
  ck_assert (!bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 9999, 150000));
  ck_assert (bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 10000, 150000));
  bwe_aimd_set_rtt (&s.aimd, 300 * MS);
  ck_assert (!bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 199999, 150000));
  ck_assert (bwe_aimd_time_to_reduce_further (&s.aimd, t0 + 200000, 150000));
}
END_TEST

/* Without a link-capacity estimate the increase is multiplicative:
 * 1.08^0.5 after 500 ms, 101000 * 0.0392305 = 3962 (rounded). */
START_TEST (test_multiplicative_increase)
{
  States s;

  states_init (&s);
  set_estimate (&s, 100000);
  update (&s, BWE_USAGE_NORMAL, 100000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 101000);
  s.clock_us += 500 * MS;
  update (&s, BWE_USAGE_NORMAL, 100000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 104962);
}
END_TEST

/* After an over-use the link capacity is known (300 kbit/s) and the increase
 * is additive at the near-max rate: 14160 bit/s at 255 kbit/s for 1 s, then
 * 14946 bit/s at 269160 (1121 B frames) for 0.5 s, truncated: 7473. */
START_TEST (test_additive_increase)
{
  States s;

  states_init (&s);
  set_estimate (&s, 300000);
  update (&s, BWE_USAGE_OVERUSING, 300000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 255000);
  ck_assert (s.aimd.link_capacity.has_estimate);
  s.clock_us += 1000 * MS;
  /* Hold -> Increase: no time elapsed, no increase. */
  update (&s, BWE_USAGE_NORMAL, 300000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 255000);
  s.clock_us += 1000 * MS;
  update (&s, BWE_USAGE_NORMAL, 300000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 269160);
  s.clock_us += 500 * MS;
  update (&s, BWE_USAGE_NORMAL, 300000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 276633);
}
END_TEST

/* LinkCapacityEstimator, by hand: samples are rounded to whole kbit/s,
 * estimate = (1 - a) est + a sample, deviation = (1 - a) dev +
 * a (est - sample)^2 / max(est, 1) clamped to [0.4f, 2.5f], bounds
 * est +- 3 sqrt(dev est) kbit/s truncated to bit/s. */
START_TEST (test_link_capacity_estimator)
{
  BweLinkCapacity lc;

  bwe_link_capacity_init (&lc);
  ck_assert (!lc.has_estimate);
  ck_assert_int_eq (bwe_link_capacity_upper_bound (&lc), INT64_MAX);
  ck_assert_int_eq (bwe_link_capacity_lower_bound (&lc), 0);

  /* First sample: est 500, dev 0.95 * 0.4 raised to 0.4f. */
  bwe_link_capacity_on_overuse_detected (&lc, 500000);
  ck_assert_int_eq (bwe_link_capacity_estimate (&lc), 500000);
  ck_assert_int_eq (bwe_link_capacity_upper_bound (&lc), 542426);
  ck_assert_int_eq (bwe_link_capacity_lower_bound (&lc), 457573);

  /* est 495, dev 0.95 * 0.4f + 0.05 * 95^2 / 495 = 1.29162. */
  bwe_link_capacity_on_overuse_detected (&lc, 400000);
  ck_assert_int_eq (bwe_link_capacity_estimate (&lc), 495000);
  ck_assert_int_eq (bwe_link_capacity_upper_bound (&lc), 570856);
  ck_assert_int_eq (bwe_link_capacity_lower_bound (&lc), 419143);

  /* A probe weighs 0.5: est 1247.5, dev clamped to 2.5. */
  bwe_link_capacity_on_probe_rate (&lc, 2000000);
  ck_assert_int_eq (bwe_link_capacity_estimate (&lc), 1247500);
  ck_assert_int_eq (bwe_link_capacity_upper_bound (&lc), 1415037);
  ck_assert_int_eq (bwe_link_capacity_lower_bound (&lc), 1079962);

  /* Reset forgets the estimate, not the deviation: 0.95 * 2.5 = 2.375. */
  bwe_link_capacity_reset (&lc);
  ck_assert (!lc.has_estimate);
  ck_assert_int_eq (bwe_link_capacity_upper_bound (&lc), INT64_MAX);
  bwe_link_capacity_on_overuse_detected (&lc, 300000);
  ck_assert_int_eq (bwe_link_capacity_upper_bound (&lc), 380078);
  ck_assert_int_eq (bwe_link_capacity_lower_bound (&lc), 219921);

  /* DataRate::kbps() rounds to the nearest kbit/s. */
  bwe_link_capacity_init (&lc);
  bwe_link_capacity_on_overuse_detected (&lc, 123500);
  ck_assert_int_eq (bwe_link_capacity_estimate (&lc), 124000);
  bwe_link_capacity_init (&lc);
  bwe_link_capacity_on_overuse_detected (&lc, 123499);
  ck_assert_int_eq (bwe_link_capacity_estimate (&lc), 123000);
}
END_TEST

/* The multiplicative factor is 1.08 per second but never more than 1.08:
 * after 2 s, 101000 * 0.08 = 8080. */
START_TEST (test_multiplicative_increase_capped_at_one_second)
{
  States s;

  states_init (&s);
  set_estimate (&s, 100000);
  update (&s, BWE_USAGE_NORMAL, 100000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 101000);
  s.clock_us += 2000 * MS;
  update (&s, BWE_USAGE_NORMAL, 100000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 109080);
}
END_TEST

/* On over-use the link capacity replaces the throughput only when
 * 0.85 * throughput is above the estimate, not equal to it: with a capacity
 * of 200 kbit/s, 0.85 * 300000 = 255000 == current leaves 255000 (not
 * 0.85 * 200000 = 170000). */
START_TEST (test_decrease_equal_to_current_keeps_it)
{
  States s;

  states_init (&s);
  set_estimate (&s, 400000);
  update (&s, BWE_USAGE_OVERUSING, 200000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 170000);
  s.clock_us += 1000 * MS;
  set_estimate (&s, 255000);
  update (&s, BWE_USAGE_OVERUSING, 300000);
  ck_assert_int_eq (bwe_aimd_latest_estimate (&s.aimd), 255000);
}
END_TEST

static Suite *
aimd_suite (void)
{
  Suite *s = suite_create ("aimd");
  TCase *tc = tcase_create ("rate_control");

  tcase_add_test (tc, test_min_near_max_increase_rate_on_low_bandwidth);
  tcase_add_test (tc,
      test_near_max_increase_rate_is_5kbps_on_90kbps_and_200ms_rtt);
  tcase_add_test (tc,
      test_near_max_increase_rate_is_5kbps_on_60kbps_and_100ms_rtt);
  tcase_add_test (tc, test_get_increase_rate_and_bandwidth_period);
  tcase_add_test (tc, test_bwe_limited_by_acked_bitrate);
  tcase_add_test (tc, test_bwe_not_limited_by_decreasing_acked_bitrate);
  tcase_add_test (tc, test_default_period_until_first_overuse);
  tcase_add_test (tc,
      test_expected_period_after_20kbps_drop_and_5kbps_increase);
  tcase_add_test (tc, test_bandwidth_period_is_not_below_min);
  tcase_add_test (tc, test_bandwidth_period_is_not_above_max_no_smoothing_exp);
  tcase_add_test (tc, test_sending_rate_bounded_when_throughput_not_estimated);
  tcase_add_test (tc, test_feedback_interval);
  tcase_add_test (tc, test_initial_state_and_min_bitrate);
  tcase_add_test (tc, test_initialization_time);
  tcase_add_test (tc, test_overuse_initializes);
  tcase_add_test (tc, test_time_to_reduce_further);
  tcase_add_test (tc, test_multiplicative_increase);
  tcase_add_test (tc, test_additive_increase);
  tcase_add_test (tc, test_link_capacity_estimator);
  tcase_add_test (tc, test_multiplicative_increase_capped_at_one_second);
  tcase_add_test (tc, test_decrease_equal_to_current_keeps_it);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (aimd_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
