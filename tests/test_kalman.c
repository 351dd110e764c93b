/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libwebrtc's OveruseEstimator (overuse_estimator.cc): the noise filter's
 * frame period is the minimum of the last 60 ts_delta values
 * (UpdateMinFramePeriod: drop the oldest at 60, then min over the rest and the
 * new value).
 *
 * Worked by hand from overuse_estimator.cc: with size_delta 0 and
 * t_delta == ts_delta (whole ms) every residual is exactly 0, so the offset
 * and slope never move, avg_noise stays 0 and each stable update does
 *   var_noise = beta * var_noise,  beta = pow(1 - 0.01, min_frame_period * 30.0 / 1000.0)
 * from var_noise 50 (alpha is 0.01 up to 300 deltas; the floor of 1 is never
 * reached here).  The test folds that product with its own plain 60-value
 * window, so the estimator's windowed minimum must equal libwebrtc's scan. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "kalman.h"

#define WINDOW 60

/* ts_delta values fed one by one; the expected var_noise after each. */
static void
check_sequence (const double *ts, int count)
{
  BweKalman k;
  double expected = 50.0;
  int i, j;

  bwe_kalman_init (&k);
  for (i = 0; i < count; i++) {
    double min = ts[i];
    for (j = i - (WINDOW - 1); j < i; j++)
      if (j >= 0 && ts[j] < min)
        min = ts[j];
    expected = pow (1 - 0.01, min * 30.0 / 1000.0) * expected;
    bwe_kalman_update (&k, (int64_t) ts[i], ts[i], 0, BWE_USAGE_NORMAL, 0);
    ck_assert_msg (bwe_kalman_var_noise (&k) == expected,
        "delta %d: var_noise %.17g, expected %.17g", i,
        bwe_kalman_var_noise (&k), expected);
    ck_assert (bwe_kalman_offset (&k) == 0.0);
  }
}

/* 80 strictly increasing frame periods (20, 21, ... 99 ms): from the 61st on
 * the minimum is the value 59 places back (21 ms at the 61st), not the new
 * one. */
START_TEST (test_min_frame_period_strictly_increasing)
{
  double ts[80];
  int i;

  for (i = 0; i < 80; i++)
    ts[i] = 20 + i;
  check_sequence (ts, 80);
}

END_TEST;

/* Decreasing, then flat, then increasing again, then a dip: the minimum
 * follows the new values down at once and lets old small values go only when
 * they are 60 deltas old. */
START_TEST (test_min_frame_period_mixed)
{
  double ts[300];
  int i;

  for (i = 0; i < 300; i++) {
    if (i < 40)
      ts[i] = 100 - i;          /* 100 .. 61 */
    else if (i < 90)
      ts[i] = 33;
    else if (i < 220)
      ts[i] = 10 + (i - 90);    /* 10 .. 139 */
    else
      ts[i] = 5 + (i % 7);
  }
  check_sequence (ts, 300);
}

END_TEST;

/* The steps below were computed, in double precision, by following
 * overuse_estimator.cc's equations by hand (gcc-reference.md 1.3) from the
 * default options: slope 8/512, offset 0, E = diag(100, 0.1), process noise
 * (1e-13, 1e-3), noise average 0 and variance 50. */
#define REL_TOL 1e-12

static void
assert_close (double actual, double expected)
{
  double tol = REL_TOL * (fabs (expected) > 1e-300 ? fabs (expected) : 1.0);

  ck_assert_msg (fabs (actual - expected) <= tol, "%.17g is not %.17g",
      actual, expected);
}

START_TEST (test_initial_state)
{
  BweKalman k;

  bwe_kalman_init (&k);
  ck_assert (bwe_kalman_offset (&k) == 0.0);
  ck_assert_int_eq (bwe_kalman_num_of_deltas (&k), 0);
  ck_assert (bwe_kalman_var_noise (&k) == 50.0);
  ck_assert (k.slope == 8.0 / 512.0);
  ck_assert (k.E[0][0] == 100.0 && k.E[1][1] == 0.1);
  ck_assert (k.E[0][1] == 0.0 && k.E[1][0] == 0.0);
}
END_TEST

/* Three updates exercising each branch:
 * 1. Normal, t 25 ms, ts 20 ms, +1000 B: residual 5 - 0.015625 * 1000 =
 *    -10.625, inside 3 sqrt(50); the noise is updated with
 *    beta = 0.99^(20 * 30 / 1000) before the gain.
 * 2. Over-using with the offset falling (it went from 0 to about -1.07e-8):
 *    the offset's process noise is raised by 10 * 1e-3; no noise update.
 *    t 18, ts 30 (the minimum frame period stays 20), -500 B.
 * 3. Normal, t 60, ts 25, 0 B: residual 35.02 above 3 sqrt(50.37) = 21.29, so
 *    the noise sees the clamped residual but the state the full one. */
START_TEST (test_three_updates)
{
  BweKalman k;

  bwe_kalman_init (&k);
  bwe_kalman_update (&k, 25, 20.0, 1000, BWE_USAGE_NORMAL, 1000);
  assert_close (bwe_kalman_var_noise (&k), 50.36996568935462);
  assert_close (k.avg_noise, -0.06387809859445565);
  assert_close (k.slope, 0.005000005362537398);
  assert_close (bwe_kalman_offset (&k), -1.0731244583837219e-08);
  assert_close (k.E[0][0], 5.047094020493863e-05);
  assert_close (k.E[0][1], -0.0001009999490243504);
  assert_close (k.E[1][0], -0.00010099994902435041);
  assert_close (k.E[1][1], 0.10099999989799005);
  ck_assert_int_eq (bwe_kalman_num_of_deltas (&k), 1);

  bwe_kalman_update (&k, 18, 30.0, -500, BWE_USAGE_OVERUSING, 1018);
  assert_close (bwe_kalman_var_noise (&k), 50.36996568935462);
  assert_close (k.avg_noise, -0.06387809859445565);
  assert_close (k.slope, 0.008808450443639908);
  assert_close (bwe_kalman_offset (&k), -0.024426153194759787);
  assert_close (k.E[0][0], 4.031382638141395e-05);
  assert_close (k.E[0][1], -3.585548548850094e-05);
  assert_close (k.E[1][1], 0.11158218425061953);
  ck_assert_int_eq (bwe_kalman_num_of_deltas (&k), 2);

  bwe_kalman_update (&k, 60, 25.0, 0, BWE_USAGE_NORMAL, 1078);
  assert_close (bwe_kalman_var_noise (&k), 52.776091474290034);
  assert_close (k.avg_noise, 0.06451188034935643);
  assert_close (k.slope, 0.00878470589274066);
  assert_close (bwe_kalman_offset (&k), 0.05012906110138167);
  assert_close (k.E[0][0], 4.031380217345251e-05);
  assert_close (k.E[0][1], -3.577916122860886e-05);
  assert_close (k.E[1][1], 0.11234253467474868);
  ck_assert_int_eq (bwe_kalman_num_of_deltas (&k), 3);
}
END_TEST

/* kDeltaCounterMax: the count saturates at 1000. */
START_TEST (test_num_of_deltas_saturates)
{
  BweKalman k;
  int i;

  bwe_kalman_init (&k);
  for (i = 0; i < 1200; i++)
    bwe_kalman_update (&k, 20, 20.0, 0, BWE_USAGE_NORMAL, 20 * i);
  ck_assert_int_eq (bwe_kalman_num_of_deltas (&k), 1000);
}
END_TEST

/* The noise variance never goes below 1: with identical deltas the residual
 * is 0 and the variance decays geometrically from 50 (by 0.99^0.6 per
 * update, then 0.998^0.6 after 300) until the floor holds it. */
START_TEST (test_noise_floor)
{
  BweKalman k;
  int i;

  bwe_kalman_init (&k);
  for (i = 0; i < 3000; i++)
    bwe_kalman_update (&k, 20, 20.0, 0, BWE_USAGE_NORMAL, 20 * i);
  ck_assert (bwe_kalman_var_noise (&k) == 1.0);
  ck_assert (bwe_kalman_offset (&k) == 0.0);
}
END_TEST

/* Outside the Normal state the noise estimate stays, and the offset's extra
 * process noise is added only when the offset moved against the hypothesis:
 * at the first update offset == prev_offset == 0, so neither over- nor
 * under-use adds it.  Residual -10.625 as in test_three_updates. */
START_TEST (test_first_update_outside_normal)
{
  BweBandwidthUsage hyp[2] = { BWE_USAGE_OVERUSING, BWE_USAGE_UNDERUSING };
  int i;

  for (i = 0; i < 2; i++) {
    BweKalman k;

    bwe_kalman_init (&k);
    bwe_kalman_update (&k, 25, 20.0, 1000, hyp[i], 1000);
    ck_assert (bwe_kalman_var_noise (&k) == 50.0);
    ck_assert (k.avg_noise == 0.0);
    assert_close (k.slope, 0.005000005323228585);
    assert_close (bwe_kalman_offset (&k), -1.0731244623539122e-08);
    assert_close (k.E[0][0], 5.0100974902100906e-05);
    assert_close (k.E[0][1], -0.00010099994939801535);
    assert_close (k.E[1][1], 0.10099999989799005);
  }
}
END_TEST

static Suite *
kalman_suite (void)
{
  Suite *s = suite_create ("kalman");
  TCase *tc = tcase_create ("min_frame_period");

  tcase_add_test (tc, test_min_frame_period_strictly_increasing);
  tcase_add_test (tc, test_min_frame_period_mixed);
  suite_add_tcase (s, tc);
  tc = tcase_create ("updates");
  tcase_add_test (tc, test_initial_state);
  tcase_add_test (tc, test_three_updates);
  tcase_add_test (tc, test_num_of_deltas_saturates);
  tcase_add_test (tc, test_noise_floor);
  tcase_add_test (tc, test_first_update_outside_normal);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (kalman_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
