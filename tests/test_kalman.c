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

static Suite *
kalman_suite (void)
{
  Suite *s = suite_create ("kalman");
  TCase *tc = tcase_create ("min_frame_period");

  tcase_add_test (tc, test_min_frame_period_strictly_increasing);
  tcase_add_test (tc, test_min_frame_period_mixed);
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
