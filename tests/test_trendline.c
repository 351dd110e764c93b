/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trendline estimator (libwebrtc's TrendlineEstimator, default settings) with
 * numbers derived by hand from its definition:
 *   accumulated_delay += recv_delta - send_delta
 *   smoothed = 0.9 * smoothed + 0.1 * accumulated
 *   trend = least-squares slope of smoothed against arrival time over the last
 *           20 deltas (0 until 20 deltas are in)
 *   modified = min(num_of_deltas, 60) * trend * 4, compared with a threshold
 *   that starts at 12.5 and moves by k * (|modified| - threshold) * dt_ms
 *   (k 0.039 towards smaller, 0.0087 towards larger, dt <= 100, in [6, 600]). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "trendline.h"

/* Feeds n deltas with the given send and receive spacing (ms), one every
 * recv_delta ms of arrival time starting at recv_delta. */
static void
feed (BweTrendline * t, int n, double send_delta, double recv_delta,
    int64_t * arrival_ms)
{
  int i;

  for (i = 0; i < n; i++) {
    *arrival_ms += (int64_t) recv_delta;
    bwe_trendline_update (t, recv_delta, send_delta, 0, *arrival_ms, 1200, true);
  }
}

/* Constant delay: trend 0, so the threshold falls with k_down.  Delta 1: no
 * detection (fewer than 2 deltas), 12.5.  Delta 2: first threshold update,
 * dt = 0, 12.5.  Delta 3: 12.5 - 0.039 * 12.5 * 10 = 7.625.  Delta 4:
 * 7.625 - 0.039 * 7.625 * 10 = 4.65125, clamped to 6. */
START_TEST (test_flat_delay_threshold_falls_to_floor)
{
  BweTrendline t;
  int64_t arrival = 0;

  bwe_trendline_init (&t);
  feed (&t, 1, 10, 10, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 12.5, 1e-12);
  feed (&t, 1, 10, 10, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 12.5, 1e-12);
  feed (&t, 1, 10, 10, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 7.625, 1e-12);
  feed (&t, 1, 10, 10, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 6.0, 1e-12);
  feed (&t, 100, 10, 10, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 6.0, 1e-12);
  ck_assert_double_eq (bwe_trendline_trend (&t), 0.0);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_NORMAL);
}
END_TEST

/* Delay growing 1 ms per delta, deltas 20 ms apart: accumulated = n and
 * smoothed s_n = n - 9 + 9 * 0.9^n (solves s_n = 0.9 s_(n-1) + 0.1 n, s_0 = 0).
 * With 19 deltas the window is not full: trend 0.  At 20 deltas the slope of
 * s_1..s_20 against x_i = 20 (i - 1) ms, in exact rational arithmetic, is
 * 0.0325165168476839; modified = 20 * 0.0325 * 4 = 2.6 < 6: normal. */
START_TEST (test_window_fills_at_20_deltas)
{
  BweTrendline t;
  int64_t arrival = 0;

  bwe_trendline_init (&t);
  feed (&t, 19, 19, 20, &arrival);
  ck_assert_double_eq (bwe_trendline_trend (&t), 0.0);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_NORMAL);
  feed (&t, 1, 19, 20, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_trend (&t), 0.0325165168476839,
      1e-13);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_NORMAL);
}
END_TEST

/* The same ramp for 300 deltas: 9 * 0.9^n is below 1e-12 for the whole window,
 * so the points are on a line of slope 1 ms per 20 ms: trend 0.05 and
 * modified = 60 * 0.05 * 4 = 12.  The threshold (6 after the flat start) moves
 * up by 0.0087 * 20 = 17.4 % of the gap per delta and stays just below 12, so
 * the detector signals over-use and keeps it. */
START_TEST (test_rising_delay_overuses)
{
  BweTrendline t;
  int64_t arrival = 0;

  bwe_trendline_init (&t);
  feed (&t, 300, 19, 20, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_trend (&t), 0.05, 1e-9);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 12.0, 1e-6);
  ck_assert (bwe_trendline_threshold (&t) < 12.0);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_OVERUSING);
}
END_TEST

/* Mirror image: delay falling 1 ms per 20 ms gives trend -0.05, modified -12
 * below -threshold: under-use. */
START_TEST (test_falling_delay_underuses)
{
  BweTrendline t;
  int64_t arrival = 0;

  bwe_trendline_init (&t);
  feed (&t, 300, 21, 20, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_trend (&t), -0.05, 1e-9);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 12.0, 1e-6);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_UNDERUSING);
}
END_TEST

/* Over-use needs more than 10 ms over the threshold and two samples: with a
 * steep ramp (10 ms per 20 ms, trend -> 0.5) the first sample above the
 * threshold starts the timer at send_delta / 2 = 5 ms (not yet), the second
 * adds 10 ms (15 > 10, count 2): over-use exactly one delta later. */
START_TEST (test_overuse_needs_two_samples)
{
  BweTrendline t;
  int64_t arrival = 0;
  int n = 0;

  bwe_trendline_init (&t);
  /* 19 flat deltas bring the threshold to its floor of 6 with trend 0. */
  feed (&t, 19, 20, 20, &arrival);
  ck_assert_double_eq_tol (bwe_trendline_threshold (&t), 6.0, 1e-12);
  /* Then receive spacing 20 for send spacing 10 (+10 ms per delta). */
  while (t.time_over_using == -1 && n < 100) {
    feed (&t, 1, 10, 20, &arrival);
    n++;
  }
  ck_assert_int_lt (n, 100);
  ck_assert_double_eq (t.time_over_using, 5.0);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_NORMAL);
  feed (&t, 1, 10, 20, &arrival);
  ck_assert_int_eq (bwe_trendline_state (&t), BWE_USAGE_OVERUSING);
}
END_TEST

/* Without calculated deltas nothing changes. */
START_TEST (test_no_deltas_no_change)
{
  BweTrendline t;

  bwe_trendline_init (&t);
  bwe_trendline_update (&t, 100, 1, 0, 10, 1200, false);
  ck_assert_int_eq (t.num_of_deltas, 0);
  ck_assert_double_eq (t.accumulated_delay, 0.0);
}
END_TEST

static Suite *
trendline_suite (void)
{
  Suite *s = suite_create ("trendline");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_flat_delay_threshold_falls_to_floor);
  tcase_add_test (tc, test_window_fills_at_20_deltas);
  tcase_add_test (tc, test_rising_delay_overuses);
  tcase_add_test (tc, test_falling_delay_underuses);
  tcase_add_test (tc, test_overuse_needs_two_samples);
  tcase_add_test (tc, test_no_deltas_no_change);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (trendline_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
