/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/congestion_controller/remb_throttler_unittest.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's remb_throttler_unittest.cc in Check (gcc-reference.md 2.6).
 * libwebrtc's mock sender fails on any call it does not expect, so each
 * "throttled" step here asserts that nothing is sent. */
#include <check.h>
#include <stdlib.h>

#include "remb_throttler.h"

#define MS 1000

START_TEST (test_call_remb_sender_on_first_receive_bitrate_change)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 12345, &sent));
  ck_assert_uint_eq (sent, 12345);
}
END_TEST

START_TEST (test_throttles_small_receive_bitrate_decrease)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 12346, &sent));
  ck_assert_uint_eq (sent, 12346);
  /* 12345 * 103 / 100 = 12715 > 12346: not a large enough drop. */
  sent = 0;
  ck_assert (!bwe_remb_throttler_on_estimate (&t, 100 * MS, 12345, &sent));
  ck_assert_uint_eq (sent, 0);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 201 * MS, 12345, &sent));
  ck_assert_uint_eq (sent, 12345);
}
END_TEST

START_TEST (test_do_not_throttle_large_receive_bitrate_decrease)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 2345, &sent));
  ck_assert_uint_eq (sent, 2345);
  /* 1234 * 103 / 100 = 1271 <= 2345: sent at once. */
  ck_assert (bwe_remb_throttler_on_estimate (&t, 1 * MS, 1234, &sent));
  ck_assert_uint_eq (sent, 1234);
}
END_TEST

START_TEST (test_throttles_receive_bitrate_increase)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 1234, &sent));
  ck_assert_uint_eq (sent, 1234);
  sent = 0;
  ck_assert (!bwe_remb_throttler_on_estimate (&t, 100 * MS, 2345, &sent));
  ck_assert_uint_eq (sent, 0);
  /* More than 200 ms after the last REMB. */
  ck_assert (bwe_remb_throttler_on_estimate (&t, 201 * MS, 2345, &sent));
  ck_assert_uint_eq (sent, 2345);
}
END_TEST

/* The 200 ms interval is inclusive: at exactly +200 ms an increase goes out
 * (libwebrtc skips only while now < last + 200 ms). */
START_TEST (test_interval_boundary)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 1234, &sent));
  ck_assert (!bwe_remb_throttler_on_estimate (&t, 199999, 2345, &sent));
  ck_assert (bwe_remb_throttler_on_estimate (&t, 200 * MS, 2345, &sent));
  ck_assert_uint_eq (sent, 2345);
}
END_TEST

START_TEST (test_call_remb_sender_on_set_max_desired_receive_bitrate)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_set_max_desired (&t, 0, 1234, &sent));
  ck_assert_uint_eq (sent, 1234);
}
END_TEST

START_TEST (test_call_remb_sender_with_min_of_max_desired_and_on_received_bitrate)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 1234, &sent));
  ck_assert_uint_eq (sent, 1234);
  /* A cap above what was sent 1 ms ago changes nothing now. */
  sent = 0;
  ck_assert (!bwe_remb_throttler_set_max_desired (&t, 1 * MS, 4567, &sent));
  ck_assert_uint_eq (sent, 0);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 201 * MS, 5678, &sent));
  ck_assert_uint_eq (sent, 4567);
}
END_TEST

/* The "large drop" rule is bitrate * 103 / 100 <= last sent, in integers:
 * after 10300, 10000 (exactly 10300) goes out at once, 10001 (10301) waits. */
START_TEST (test_decrease_threshold_boundary)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 10300, &sent));
  ck_assert (!bwe_remb_throttler_on_estimate (&t, 1 * MS, 10001, &sent));
  ck_assert (bwe_remb_throttler_on_estimate (&t, 2 * MS, 10000, &sent));
  ck_assert_uint_eq (sent, 10000);
}
END_TEST

/* A new cap within 200 ms of the last REMB is sent only when it is below the
 * last value sent: equal to it changes nothing. */
START_TEST (test_max_desired_equal_to_last_sent)
{
  BweRembThrottler t;
  uint64_t sent = 0;

  bwe_remb_throttler_init (&t);
  ck_assert (bwe_remb_throttler_on_estimate (&t, 0, 1234, &sent));
  ck_assert (!bwe_remb_throttler_set_max_desired (&t, 1 * MS, 1234, &sent));
  ck_assert (bwe_remb_throttler_set_max_desired (&t, 2 * MS, 1233, &sent));
  ck_assert_uint_eq (sent, 1233);
}
END_TEST

static Suite *
remb_throttler_suite (void)
{
  Suite *s = suite_create ("remb_throttler");
  TCase *tc = tcase_create ("throttling");

  tcase_add_test (tc, test_call_remb_sender_on_first_receive_bitrate_change);
  tcase_add_test (tc, test_throttles_small_receive_bitrate_decrease);
  tcase_add_test (tc, test_do_not_throttle_large_receive_bitrate_decrease);
  tcase_add_test (tc, test_throttles_receive_bitrate_increase);
  tcase_add_test (tc, test_interval_boundary);
  tcase_add_test (tc, test_decrease_threshold_boundary);
  tcase_add_test (tc, test_max_desired_equal_to_last_sent);
  tcase_add_test (tc, test_call_remb_sender_on_set_max_desired_receive_bitrate);
  tcase_add_test (tc,
      test_call_remb_sender_with_min_of_max_desired_and_on_received_bitrate);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (remb_throttler_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
