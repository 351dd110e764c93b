/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The remote estimator's stream table: libwebrtc keeps an unbounded std::map of
 * SSRC -> last seen time, drops entries not seen for more than 2 s on every
 * packet, and restarts the delay filters when none is left.  Ours is a fixed
 * table of BWE_MAX_SSRCS with a hash and a lower bound on the last-seen times;
 * these tests pin the behaviour that has to stay identical, and the documented
 * behaviour past the capacity. */
#include <check.h>
#include <stdlib.h>

#include "libc_allocator.h"
#include "remote_estimator.h"

static BweRemoteEstimator e;
static BweLibcAllocator alloc;

/* A 100-byte packet (no probing) of ssrc at t_us with a send time matching it. */
static void
packet (uint32_t ssrc, int64_t t_us)
{
  BweEstimatorUpdate up;
  uint32_t abs24 = (uint32_t) (((t_us << 18) / 1000000) & 0xFFFFFF);

  bwe_remote_estimator_incoming_packet (&e, t_us, t_us, abs24, 100, ssrc, &up);
}

static size_t
ssrcs (uint32_t * out, size_t max)
{
  return bwe_remote_estimator_ssrcs (&e, out, max);
}

static void
setup (void)
{
  bwe_libc_allocator_init (&alloc);
  bwe_remote_estimator_init (&e, NULL, &alloc.allocator);
}

/* What the estimator holds is what it was given, and all goes back. */
static void
teardown (void)
{
  ck_assert_uint_eq (bwe_remote_estimator_heap_bytes (&e), alloc.in_use);
  bwe_remote_estimator_release (&e);
  ck_assert_uint_eq (alloc.in_use, 0);
}

/* Reported in ascending order, like std::map's keys. */
START_TEST (test_ssrcs_ascending)
{
  uint32_t out[8];

  packet (30, 1000000);
  packet (10, 1001000);
  packet (20, 1002000);
  ck_assert_uint_eq (ssrcs (out, 8), 3);
  ck_assert_uint_eq (out[0], 10);
  ck_assert_uint_eq (out[1], 20);
  ck_assert_uint_eq (out[2], 30);
  /* A short array gets the smallest ones; the count is still all of them. */
  ck_assert_uint_eq (ssrcs (out, 2), 3);
  ck_assert_uint_eq (out[0], 10);
  ck_assert_uint_eq (out[1], 20);
}
END_TEST

/* "now - last_seen > 2000 ms" times out: 2000 ms exactly does not. */
START_TEST (test_timeout_is_strictly_more_than_2s)
{
  uint32_t out[4];

  packet (1, 10000000);
  packet (2, 12000000);
  ck_assert_uint_eq (ssrcs (out, 4), 2);
  packet (2, 12000001);
  ck_assert_uint_eq (ssrcs (out, 4), 1);
  ck_assert_uint_eq (out[0], 2);
}
END_TEST

/* The clock may go back (now_us lines): a stream seen at an earlier clock is
 * still found when it times out, and a later-stamped one is kept. */
START_TEST (test_timeout_with_clock_going_back)
{
  uint32_t out[4];

  packet (1, 10000000);
  packet (2, 5000000);
  packet (3, 7000000);
  ck_assert_uint_eq (ssrcs (out, 4), 3);
  packet (3, 7000001);
  ck_assert_uint_eq (ssrcs (out, 4), 2);
  ck_assert_uint_eq (out[0], 1);
  ck_assert_uint_eq (out[1], 3);
}
END_TEST

/* RemoveStream; with no stream left LatestEstimate() is 0 and the next packet
 * restarts the inter-arrival filter. */
START_TEST (test_remove_stream)
{
  uint32_t out[4];

  packet (7, 1000000);
  packet (8, 1001000);
  bwe_remote_estimator_remove_stream (&e, 7);
  bwe_remote_estimator_remove_stream (&e, 99);  /* unknown: nothing happens */
  ck_assert_uint_eq (ssrcs (out, 4), 1);
  ck_assert_uint_eq (out[0], 8);
  bwe_remote_estimator_remove_stream (&e, 8);
  ck_assert_uint_eq (ssrcs (out, 4), 0);
  ck_assert_uint_eq (bwe_remote_estimator_latest_estimate (&e), 0);
  ck_assert_int_ge (e.inter_arrival.current.complete_time_ms, 0);
  packet (9, 1002000);
  /* Reset, then this packet opened a new first group. */
  ck_assert_int_eq (e.inter_arrival.prev.complete_time_ms, -1);
  ck_assert_int_eq (e.inter_arrival.current.complete_time_ms, 1002);
}
END_TEST

/* Past BWE_MAX_SSRCS the stream seen longest ago is evicted and counted. */
START_TEST (test_capacity_evicts_oldest)
{
  uint32_t out[BWE_MAX_SSRCS];
  uint32_t i;

  for (i = 0; i < BWE_MAX_SSRCS + 44; i++)
    packet (1000 + i, 1000000 + i * 1000);
  ck_assert_uint_eq (ssrcs (out, BWE_MAX_SSRCS), BWE_MAX_SSRCS);
  ck_assert_uint_eq (e.ssrcs_evicted, 44);
  ck_assert_uint_eq (out[0], 1044);
  ck_assert_uint_eq (out[BWE_MAX_SSRCS - 1], 1000 + BWE_MAX_SSRCS + 43);
}
END_TEST

/* SSRCs that collide in the hash survive removals in any order. */
START_TEST (test_hash_collisions_and_removal)
{
  uint32_t out[64], ssrc[32];
  uint32_t inv = 2654435761u, i, j;

  /* The slot is the top 9 bits of ssrc * 2654435761 (mod 2^32).  With inv the
   * multiplicative inverse of that constant, j * inv maps to j: all j < 2^23
   * land in slot 0. */
  for (i = 0; i < 5; i++)
    inv *= 2 - 2654435761u * inv;
  ck_assert_uint_eq (inv * 2654435761u, 1);
  for (i = 0; i < 32; i++) {
    ssrc[i] = (i + 1) * inv;
    ck_assert_uint_eq ((ssrc[i] * 2654435761u) >> 23, 0);
    packet (ssrc[i], 1000000 + i);
  }
  for (i = 0; i < 32; i += 3)
    bwe_remote_estimator_remove_stream (&e, ssrc[i]);
  ck_assert_uint_eq (ssrcs (out, 64), 32 - 11);
  for (i = 0; i < 32; i++)
    packet (ssrc[i], 1100000 + i);
  ck_assert_uint_eq (ssrcs (out, 64), 32);
  /* Each SSRC once, ascending. */
  for (i = 1; i < 32; i++)
    ck_assert_uint_lt (out[i - 1], out[i]);
  for (i = 0; i < 32; i++) {
    for (j = 0; j < 32 && out[j] != ssrc[i]; j++);
    ck_assert_uint_lt (j, 32);
  }
}
END_TEST

/* A probe of ten 5000-byte packets 1 ms apart measures about 40 Mbit/s.
 * libwebrtc's ClampBitrate only raises to the minimum, so the estimate goes
 * past the 30 Mbit/s it starts from; max_bitrate_bps is an opt-in bound. */
static uint32_t
probe_40mbps (const BweRemoteEstimatorConfig * config)
{
  BweEstimatorUpdate up;
  int64_t t_ms;

  bwe_remote_estimator_release (&e);
  bwe_remote_estimator_init (&e, config, &alloc.allocator);
  for (t_ms = 1000; t_ms < 1010; t_ms++) {
    uint32_t abs24 = (uint32_t) ((((t_ms << 18) + 500) / 1000) & 0xFFFFFF);
    bwe_remote_estimator_incoming_packet (&e, t_ms * 1000, t_ms * 1000, abs24,
        5000, 1, &up);
  }
  return bwe_remote_estimator_latest_estimate (&e);
}

START_TEST (test_estimate_unbounded_by_default)
{
  ck_assert_uint_gt (probe_40mbps (NULL), 39000000);
}
END_TEST

START_TEST (test_max_bitrate_bounds_the_estimate)
{
  BweRemoteEstimatorConfig config;

  bwe_remote_estimator_config_init (&config);
  ck_assert_uint_eq (config.max_bitrate_bps, 0);
  config.max_bitrate_bps = 35000000;
  ck_assert_uint_eq (probe_40mbps (&config), 35000000);
}
END_TEST

static Suite *
streams_suite (void)
{
  Suite *s = suite_create ("remote_streams");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_ssrcs_ascending);
  tcase_add_test (tc, test_timeout_is_strictly_more_than_2s);
  tcase_add_test (tc, test_timeout_with_clock_going_back);
  tcase_add_test (tc, test_remove_stream);
  tcase_add_test (tc, test_capacity_evicts_oldest);
  tcase_add_test (tc, test_hash_collisions_and_removal);
  tcase_add_test (tc, test_estimate_unbounded_by_default);
  tcase_add_test (tc, test_max_bitrate_bounds_the_estimate);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (streams_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
