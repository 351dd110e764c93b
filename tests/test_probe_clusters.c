/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Probe-cluster bookkeeping of libwebrtc's RemoteBitrateEstimatorAbsSendTime
 * (ComputeClusters, FindBestProbe, ProcessClusters), with numbers worked by
 * hand from remote_bitrate_estimator_abs_send_time.cc:
 *  - a delta adds to the running aggregate's num_above_min_delta BEFORE the
 *    aggregate may be closed by that same delta;
 *  - cluster means are integer µs divisions (TimeDelta / int);
 *  - the rate is DataSize / TimeDelta = bytes * 8e6 / µs, truncated;
 *  - FindBestProbe stops at the first bad cluster;
 *  - without clusters the oldest probe goes at 15 probes, with 3 clusters and
 *    no improvement all probes go. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "libc_allocator.h"
#include "probe_clusters.h"

static BweProbeClusters probes;
static BweLibcAllocator alloc;
static int64_t send_us, recv_ms;

static void
setup (void)
{
  bwe_libc_allocator_init (&alloc);
  bwe_probe_clusters_init (&probes, &alloc.allocator);
  send_us = 0;
  recv_ms = 100000;
}

static void
teardown (void)
{
  bwe_probe_clusters_release (&probes);
  ck_assert_uint_eq (alloc.in_use, 0);
}

/* Adds a 1000-byte probe send_delta µs and recv_delta ms after the previous
 * one, then runs ProcessClusters; returns the probe bitrate it would set, or
 * -1 when it sets none. */
static int64_t
add (int64_t send_delta_us, int64_t recv_delta_ms, bool valid,
    int64_t current_bps)
{
  int64_t bps;

  send_us += send_delta_us;
  recv_ms += recv_delta_ms;
  bwe_probe_clusters_add (&probes, send_us, recv_ms, 1000);
  if (!bwe_probe_clusters_process (&probes, valid, current_bps, &bps))
    return -1;
  return bps;
}

/* Identical send and receive times give zero deltas, never a cluster: from the
 * 15th probe on, the oldest is dropped each time, so 14 stay. */
START_TEST (test_no_cluster_keeps_fourteen)
{
  int i;

  for (i = 1; i <= 20; i++) {
    ck_assert_int_eq (add (0, 0, false, 0), -1);
    ck_assert_uint_eq (bwe_probe_clusters_size (&probes), i < 15 ? i : 14);
  }
}

END_TEST;

/* libwebrtc's list has no bound.  4999 deltas of 500 µs send, receive 1, 0,
 * 1, 0 ... ms (2500 ms in all) make one aggregate with no delta above 1 ms on
 * both sides: a bad cluster, no estimate, nothing dropped.  Then deltas of
 * 1000 µs / 1 ms, each above min delta: the aggregate turns good only when
 * those k > (4999 + k) / 2, at k = 5000: count 9999, send mean
 * (2499500 + 5000000) / 9999 = 750, receive mean (2500000 + 5000000) / 9999
 * = 750, 1000 B / 750 µs = 10666666 bit/s.  A list cut to its last 2048
 * probes would turn good after about 1024 of the new deltas. */
START_TEST (test_unbounded_list)
{
  int i;

  ck_assert_int_eq (add (0, 0, false, 0), -1);
  for (i = 0; i < 4999; i++)
    ck_assert_int_eq (add (500, i % 2 == 0 ? 1 : 0, false, 0), -1);
  ck_assert_uint_eq (bwe_probe_clusters_size (&probes), 5000);
  for (i = 1; i < 5000; i++)
    ck_assert_int_eq (add (1000, 1, false, 0), -1);
  ck_assert_uint_eq (bwe_probe_clusters_size (&probes), 9999);
  ck_assert_int_eq (add (1000, 1, false, 0), 10666666);
  ck_assert_uint_eq (probes.probes_dropped, 0);
}

END_TEST;

/* Once a cluster is closed only the last probe is kept (no pop can need the
 * others before the list is cleared); the list's length still counts them.
 * Four deltas of 10 ms then one of 20 ms close a cluster of 800 kbit/s, below
 * the 1 Mbit/s estimate. */
START_TEST (test_closed_cluster_keeps_last_probe)
{
  int i;

  ck_assert_int_eq (add (0, 0, true, 1000000), -1);
  for (i = 0; i < 4; i++)
    ck_assert_int_eq (add (10000, 10, true, 1000000), -1);
  ck_assert_uint_eq (probes.len, 5);
  ck_assert_int_eq (add (20000, 20, true, 1000000), -1);
  ck_assert_uint_eq (probes.scan.num_clusters, 1);
  ck_assert_uint_eq (probes.len, 1);
  ck_assert_uint_eq (bwe_probe_clusters_size (&probes), 6);
  for (i = 0; i < 100; i++)
    add (20000, 20, true, 1000000);
  ck_assert_uint_eq (probes.len, 1);
  bwe_probe_clusters_trim (&probes, true);
  ck_assert_uint_eq (bwe_probe_clusters_heap_bytes (&probes),
      sizeof (BweProbe));
  ck_assert_uint_eq (probes.probes_dropped, 0);
}

END_TEST;

/* Send deltas 4 x 10 ms, 4 x 20 ms, 4 x 40 ms (each run is >= 2.5 ms off the
 * previous mean, so it starts a new aggregate), receive deltas equal: three
 * clusters of 800, 400 and 200 kbit/s, none above the valid 1 Mbit/s estimate.
 * With the 12th delta the third aggregate reaches 4 and becomes a cluster:
 * three clusters, no improvement -> every probe is dropped. */
START_TEST (test_three_clusters_without_improvement_clear)
{
  static const int64_t deltas_ms[12] =
      { 10, 10, 10, 10, 20, 20, 20, 20, 40, 40, 40, 40 };
  int i;

  ck_assert_int_eq (add (0, 0, true, 1000000), -1);
  for (i = 0; i < 12; i++) {
    ck_assert_int_eq (add (deltas_ms[i] * 1000, deltas_ms[i], true, 1000000),
        -1);
    ck_assert_uint_eq (bwe_probe_clusters_size (&probes), i < 11 ? i + 2 : 0);
  }
}

END_TEST;

/* Cluster 1: 4 deltas of 10 ms -> 1000 B * 8e6 / 10000 µs = 800000, set at
 * once (no valid estimate yet).  Cluster 2: send deltas 5, 5, 5, 5 ms, receive
 * 5, 5, 5, 0 ms.  Its first delta counted towards cluster 1 (counted before
 * the aggregate closes), so cluster 2 has num_above_min_delta 2 (the second
 * and third deltas), not more than 4 / 2: bad, and the scan stops there; the
 * best stays 800000, not above the estimate 800000: no update.
 * A fifth 5 ms delta makes it 3 > 5 / 2: good, means send 5000 µs, receive
 * 20 ms / 5 = 4000 µs -> min(1600000, 2000000) = 1600000. */
START_TEST (test_delta_that_closes_a_cluster_counts_for_it)
{
  int i;

  ck_assert_int_eq (add (0, 0, false, 0), -1);
  for (i = 0; i < 3; i++)
    ck_assert_int_eq (add (10000, 10, false, 0), -1);
  ck_assert_int_eq (add (10000, 10, false, 0), 800000);

  ck_assert_int_eq (add (5000, 5, true, 800000), -1);
  ck_assert_int_eq (add (5000, 5, true, 800000), -1);
  ck_assert_int_eq (add (5000, 5, true, 800000), -1);
  ck_assert_int_eq (add (5000, 0, true, 800000), -1);
  ck_assert_uint_eq (bwe_probe_clusters_size (&probes), 9);
  ck_assert_int_eq (add (5000, 5, true, 800000), 1600000);
}

END_TEST;

/* A bad first cluster hides a good later one.  Cluster 1: send 10 ms, receive
 * 13 ms (receive mean - send mean = 3 ms > 2 ms: bad).  Cluster 2: send and
 * receive 5 ms (good, 1600000).  FindBestProbe breaks at cluster 1: nothing,
 * and with two clusters nothing is cleared either. */
START_TEST (test_first_bad_cluster_stops_the_scan)
{
  int i;

  ck_assert_int_eq (add (0, 0, false, 0), -1);
  for (i = 0; i < 4; i++)
    ck_assert_int_eq (add (10000, 13, false, 0), -1);
  for (i = 0; i < 6; i++)
    ck_assert_int_eq (add (5000, 5, false, 0), -1);
  ck_assert_uint_eq (bwe_probe_clusters_size (&probes), 11);
}

END_TEST;

/* Send deltas 10000, 10000, 10001, 10001 µs: the mean is 40002 / 4 = 10000 µs
 * in integer division (10000.5 in real numbers would give 799960), receive 10
 * ms each: 1000 B * 8e6 / 10000 = 800000. */
START_TEST (test_cluster_means_are_integer_divisions)
{
  ck_assert_int_eq (add (0, 0, false, 0), -1);
  ck_assert_int_eq (add (10000, 10, false, 0), -1);
  ck_assert_int_eq (add (10000, 10, false, 0), -1);
  ck_assert_int_eq (add (10001, 10, false, 0), -1);
  ck_assert_int_eq (add (10001, 10, false, 0), 800000);
}

END_TEST;

/* Cluster quality at its edges: the receive mean may exceed the send mean by
 * at most 2 ms, the send mean the receive mean by at most 5 ms (µs means).
 * Send 10000 / receive 12 ms: 2000 µs, good, min(800000, 666666).  Send
 * 9999: 2001 µs, bad.  Send 15000 / receive 10 ms: 5000 µs, good,
 * min(533333, 800000).  Send 15001: bad. */
static int64_t
four_deltas (int64_t send_delta_us, int64_t recv_delta_ms)
{
  int64_t bps = -1;
  int i;

  teardown ();
  setup ();
  add (0, 0, false, 0);
  for (i = 0; i < 4; i++)
    bps = add (send_delta_us, recv_delta_ms, false, 0);
  return bps;
}

START_TEST (test_cluster_quality_edges)
{
  ck_assert_int_eq (four_deltas (10000, 12), 666666);
  ck_assert_int_eq (four_deltas (9999, 12), -1);
  ck_assert_int_eq (four_deltas (15000, 10), 533333);
  ck_assert_int_eq (four_deltas (15001, 10), -1);
}

END_TEST;

/* A send delta joins the open aggregate while it is less than 2.5 ms from
 * the aggregate's mean send delta.  After 4 x 10000 µs (mean 10000): 12499
 * joins, the cluster has send mean 52499 / 5 = 10499 µs (761977 bit/s) and
 * receive mean 52 ms / 5 = 10400 µs (769230); 12500 closes the 800000
 * cluster and starts a new aggregate of one delta, which is no cluster. */
START_TEST (test_cluster_send_deviation_edge)
{
  ck_assert_int_eq (four_deltas (10000, 10), 800000);
  ck_assert_int_eq (add (12499, 12, false, 0), 761977);

  ck_assert_int_eq (four_deltas (10000, 10), 800000);
  ck_assert_int_eq (add (12500, 12, false, 0), 800000);
}

END_TEST;

static Suite *
probe_clusters_suite (void)
{
  Suite *s = suite_create ("probe_clusters");
  TCase *tc = tcase_create ("bookkeeping");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_closed_cluster_keeps_last_probe);
  tcase_add_test (tc, test_no_cluster_keeps_fourteen);
  tcase_add_test (tc, test_three_clusters_without_improvement_clear);
  tcase_add_test (tc, test_delta_that_closes_a_cluster_counts_for_it);
  tcase_add_test (tc, test_first_bad_cluster_stops_the_scan);
  tcase_add_test (tc, test_cluster_means_are_integer_divisions);
  tcase_add_test (tc, test_cluster_quality_edges);
  tcase_add_test (tc, test_cluster_send_deviation_edge);
  tcase_add_test (tc, test_unbounded_list);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (probe_clusters_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
