/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sender's REMB policy (estimator/bitrate_policy.c): the share, the
 * overhead, the bounds, the 3 % deadband on both sides of its edge, and the
 * increase interval on both sides of its edge. */
#include <check.h>
#include <stdint.h>

#include "bitrate_policy.h"

static BweBitratePolicyConfig cfg;
static BweBitratePolicy pol;
static uint32_t share;

static void
setup (void)
{
  bwe_bitrate_policy_config_default (&cfg);
  bwe_bitrate_policy_init (&pol, &cfg);
}

START_TEST (test_defaults)
{
  ck_assert_uint_eq (cfg.min_bps, 30000);
  ck_assert_uint_eq (cfg.max_bps, 0);
  ck_assert_double_eq (cfg.fraction, 1.0);
  ck_assert_uint_eq (cfg.overhead_bytes, 0);
  ck_assert_double_eq (cfg.overhead_percent, 0.0);
  ck_assert_double_eq (cfg.deadband_percent, 3.0);
  ck_assert_int_eq (cfg.min_interval_us, 1000000);
  ck_assert_uint_eq (pol.current_bps, 0);
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1234567), 1234567);
}

END_TEST;

START_TEST (test_share)
{
  cfg.fraction = 0.5;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1000001), 500000);
  cfg.fraction = 1.0;
  /* 40 bytes on each of ceil(1e6 / 9600) = 105 packets a second */
  cfg.overhead_bytes = 40;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1000000), 966400);
  /* 9600 bit/s is exactly one packet a second, 9601 two */
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 9600), 9600 - 320);
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 9601), 9601 - 640);
  cfg.overhead_percent = 5.0;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1000000), 916400);
  cfg.overhead_bytes = 0;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1000000), 950000);
  /* overhead above the rate leaves nothing; a rate above 32 bits saturates */
  cfg.overhead_percent = 100.0;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1000000), 0);
  cfg.overhead_percent = 0.0;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, (uint64_t) 1 << 40),
      UINT32_MAX);
  cfg.fraction = 0.0;
  ck_assert_uint_eq (bwe_bitrate_policy_share (&cfg, 1000000), 0);
}

END_TEST;

START_TEST (test_first_and_bounds)
{
  cfg.max_bps = 1000000;
  bwe_bitrate_policy_init (&pol, &cfg);
  /* nothing in force: the first REMB applies, whatever its size */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 500000, &share),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 500000);
  ck_assert_uint_eq (share, 500000);
  /* below the floor: the floor, a decrease, at once */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1, 10000, &share),
      BWE_BITRATE_CLAMPED);
  ck_assert_uint_eq (pol.current_bps, 30000);
  ck_assert_uint_eq (share, 10000);
  /* above the ceiling, once the interval has passed */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000001, 2000000, NULL),
      BWE_BITRATE_CLAMPED);
  ck_assert_uint_eq (pol.current_bps, 1000000);
  /* still above it: the ceiling is in force already, no change */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 3000000, 3000000, NULL),
      BWE_BITRATE_DEADBAND);
  ck_assert_uint_eq (pol.current_bps, 1000000);
  /* a ceiling below the floor wins */
  cfg.min_bps = 50000;
  cfg.max_bps = 40000;
  bwe_bitrate_policy_init (&pol, &cfg);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 10000, NULL),
      BWE_BITRATE_CLAMPED);
  ck_assert_uint_eq (pol.current_bps, 40000);
}

END_TEST;

START_TEST (test_deadband_edges)
{
  bwe_bitrate_policy_set_current (&pol, 1000000);
  /* 3 % of 1000000 is 30000: one bit/s less is no change, either way */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 1029999, NULL),
      BWE_BITRATE_DEADBAND);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 970001, NULL),
      BWE_BITRATE_DEADBAND);
  ck_assert_uint_eq (pol.current_bps, 1000000);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 970000, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 970000);
  /* and up from there, after the interval: 3 % of 970000 is 29100 */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000000, 999099, NULL),
      BWE_BITRATE_DEADBAND);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000000, 999100, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 999100);
  /* a deadband of 0 applies every change, but not the same value again */
  pol.config.deadband_percent = 0.0;
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000001, 999099, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000002, 999099, NULL),
      BWE_BITRATE_DEADBAND);
}

END_TEST;

START_TEST (test_increase_interval)
{
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 1000000, NULL),
      BWE_BITRATE_APPLIED);
  /* 1 us short of a second: held; a second after the change: applied */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 999999, 2000000, NULL),
      BWE_BITRATE_RATE_LIMITED);
  ck_assert_uint_eq (pol.current_bps, 1000000);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000000, 2000000, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 2000000);
  /* a decrease right after: at once */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 1000001, 1500000, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 1500000);
  /* the next increase counts from that decrease */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 2000000, 1800000, NULL),
      BWE_BITRATE_RATE_LIMITED);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 2000001, 1800000, NULL),
      BWE_BITRATE_APPLIED);
  /* a clock that went backwards does not hold an increase off */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 5, 2500000, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 2500000);
  ck_assert_int_eq (pol.last_change_us, 5);
}

END_TEST;

START_TEST (test_encoder_start_value)
{
  /* x264enc's default 2048 kbit/s is in force before any REMB */
  bwe_bitrate_policy_set_current (&pol, 2048000);
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 2100000, NULL),
      BWE_BITRATE_DEADBAND);
  /* an increase with no change before it is not held */
  ck_assert_int_eq (bwe_bitrate_policy_on_remb (&pol, 0, 2200000, NULL),
      BWE_BITRATE_APPLIED);
  ck_assert_uint_eq (pol.current_bps, 2200000);
}

END_TEST;

static Suite *
bitrate_policy_suite (void)
{
  Suite *s = suite_create ("bitrate_policy");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_share);
  tcase_add_test (tc, test_first_and_bounds);
  tcase_add_test (tc, test_deadband_edges);
  tcase_add_test (tc, test_increase_interval);
  tcase_add_test (tc, test_encoder_start_value);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (bitrate_policy_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
