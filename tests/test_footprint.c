/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The core's memory as a media server sees it: state that grows with use,
 * through the caller's allocator, and goes back when streams go idle.  The
 * element holds one remote estimator and one TWCC recorder; a stream feeds
 * one of them (abs-send-time: the estimator, transport-wide numbers: the
 * recorder, as with feedback=auto). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "libc_allocator.h"
#include "remote_estimator.h"
#include "twcc_recorder.h"

#define MS 1000
#define S 1000000
/* A fresh element with one stream holds at most this much core state. */
#define ONE_STREAM_LIMIT_BYTES (16 * 1024)
/* The media server's stream: 100 packets/s of 1000 bytes. */
#define PACKET_INTERVAL_US (10 * MS)
#define PAYLOAD 1000
/* The probing window (2 s) and AIMD's first estimate are over by then. */
#define STEADY_FROM_US (6 * S)

static BweLibcAllocator alloc;
static BweRemoteEstimator est;
static BweTwccRecorder rec;
static uint8_t fb[2048];

static void
setup (void)
{
  BweRemoteEstimatorConfig config;

  /* as the element: its clock never goes back */
  bwe_remote_estimator_config_init (&config);
  config.monotonic_now = true;
  bwe_libc_allocator_init (&alloc);
  bwe_remote_estimator_init (&est, &config, &alloc.allocator);
  bwe_twcc_recorder_init (&rec, 0, &alloc.allocator);
}

static void
teardown (void)
{
  ck_assert_uint_eq (bwe_remote_estimator_heap_bytes (&est) +
      bwe_twcc_recorder_heap_bytes (&rec), alloc.in_use);
  bwe_remote_estimator_release (&est);
  bwe_twcc_recorder_release (&rec);
  ck_assert_uint_eq (alloc.in_use, 0);
}

static uint32_t
abs24 (int64_t t_us)
{
  return (uint32_t) (((t_us << 18) / S) & 0xFFFFFF);
}

/* A packet of ssrc sent at t_us, arriving 20 ms later. */
static void
estimator_packet (uint32_t ssrc, int64_t t_us)
{
  BweEstimatorUpdate up;

  bwe_remote_estimator_incoming_packet (&est, t_us + 20 * MS, t_us + 20 * MS,
      abs24 (t_us), PAYLOAD, ssrc, &up);
}

/* A packet with transport-wide number seq arriving at t_us, after every
 * feedback due before it (as the element runs them). */
static void
twcc_packet (uint16_t seq, int64_t t_us)
{
  int64_t due;

  while ((due = bwe_twcc_recorder_next_process_us (&rec)) < t_us)
    while (bwe_twcc_recorder_process (&rec, due, fb, sizeof fb) > 0) {
    }
  bwe_twcc_recorder_on_packet (&rec, t_us, seq, PAYLOAD, 0x1234);
}

static size_t
state_bytes (void)
{
  return sizeof (BweRemoteEstimator) + sizeof (BweTwccRecorder) + alloc.in_use;
}

/* One abs-send-time stream: under the limit from the first packet on, the
 * probe list gone after the probing window, and from then on not one
 * request to the allocator. */
START_TEST (test_one_estimated_stream)
{
  uint64_t requests = 0;
  size_t peak = 0;
  int64_t t;

  for (t = 0; t < 60 * S; t += PACKET_INTERVAL_US) {
    estimator_packet (0xAB, t);
    if (state_bytes () > peak)
      peak = state_bytes ();
    if (t == STEADY_FROM_US)
      requests = alloc.requests;
  }
  ck_assert_uint_gt (bwe_remote_estimator_latest_estimate (&est), 0);
  ck_assert_uint_le (peak, ONE_STREAM_LIMIT_BYTES);
  ck_assert_uint_eq (alloc.requests, requests);
  /* probing is over for good: no probe list */
  ck_assert_uint_eq (bwe_probe_clusters_heap_bytes (&est.probes), 0);
  /* 100 live 1 ms buckets: a ring of 128, the smallest table. */
  ck_assert_uint_eq (bwe_rate_statistics_heap_bytes (&est.incoming_bitrate),
      128 * sizeof (BweRateBucket));
  ck_assert_uint_eq (bwe_stream_table_heap_bytes (&est.streams),
      2 * BWE_STREAM_TABLE_MIN * sizeof (BweStreamEntry));
}
END_TEST

/* Without the caller's promise that its clock never goes back, a perfectly
 * paced stream (one open cluster, never closed) keeps its probe list after
 * probing, fitted to it: a clock going back into the window would use it. */
START_TEST (test_probe_list_kept_without_promise)
{
  int64_t t;

  bwe_remote_estimator_release (&est);
  bwe_remote_estimator_init (&est, NULL, &alloc.allocator);
  for (t = 0; t < 10 * S; t += PACKET_INTERVAL_US)
    estimator_packet (0xAB, t);
  ck_assert_uint_gt (est.probes.len, 100);
  ck_assert_uint_le (bwe_probe_clusters_heap_bytes (&est.probes),
      2 * est.probes.len * sizeof (BweProbe));
  ck_assert_uint_ge (bwe_probe_clusters_heap_bytes (&est.probes),
      est.probes.len * sizeof (BweProbe));
}
END_TEST

/* One transport-wide stream: the recorder holds the back window and the
 * packets since the last feedback (about 60 here), and stops asking for
 * memory once the stream is steady. */
START_TEST (test_one_twcc_stream)
{
  uint64_t requests = 0;
  size_t peak = 0;
  int64_t t;
  uint16_t seq = 0;

  bwe_twcc_recorder_on_bitrate (&rec, 800000);
  for (t = 0; t < 60 * S; t += PACKET_INTERVAL_US) {
    twcc_packet (seq++, t);
    if (state_bytes () > peak)
      peak = state_bytes ();
    if (t == STEADY_FROM_US)
      requests = alloc.requests;
  }
  ck_assert_uint_le (peak, ONE_STREAM_LIMIT_BYTES);
  ck_assert_uint_eq (alloc.requests, requests);
  /* twice the back window (500 ms) and the packets since the last
   * feedback */
  ck_assert_uint_eq (rec.capacity, 128);
  ck_assert_uint_gt (bwe_twcc_recorder_feedback_count (&rec), 500);
}
END_TEST

/* 40 streams, then all but one stop: at the next timeout scan the table
 * shrinks to its smallest, the rate ring to what the one stream needs. */
START_TEST (test_idle_streams_give_memory_back)
{
  size_t busy_table, busy_ring;
  int64_t t;
  uint32_t s;

  for (t = 0; t < 10 * S; t += PACKET_INTERVAL_US)
    for (s = 0; s < 40; s++)
      estimator_packet (100 + s, t + s * 100);
  busy_table = bwe_stream_table_heap_bytes (&est.streams);
  busy_ring = bwe_rate_statistics_heap_bytes (&est.incoming_bitrate);
  ck_assert_uint_eq (est.streams.count, 40);
  ck_assert_uint_eq (busy_table, 2 * 64 * sizeof (BweStreamEntry));
  ck_assert_uint_eq (busy_ring, 1024 * sizeof (BweRateBucket));
  /* one stream, one packet a second: after 2 s the 39 others time out */
  for (; t < 16 * S; t += S)
    estimator_packet (100, t);
  ck_assert_uint_eq (est.streams.count, 1);
  ck_assert_uint_eq (bwe_stream_table_heap_bytes (&est.streams),
      2 * BWE_STREAM_TABLE_MIN * sizeof (BweStreamEntry));
  ck_assert_uint_eq (bwe_rate_statistics_heap_bytes (&est.incoming_bitrate),
      BWE_RATE_STATISTICS_MIN_RING * sizeof (BweRateBucket));
  ck_assert_uint_eq (bwe_probe_clusters_heap_bytes (&est.probes), 0);
}
END_TEST

/* The limits are the same as with fixed tables: past BWE_MAX_SSRCS streams
 * the one seen longest ago is evicted, and the table stops at its limit. */
START_TEST (test_table_limit)
{
  uint32_t s;

  for (s = 0; s < BWE_MAX_SSRCS + 10; s++)
    estimator_packet (1000 + s, s * MS);
  ck_assert_uint_eq (est.streams.count, BWE_MAX_SSRCS);
  ck_assert_uint_eq (est.ssrcs_evicted, 10);
  ck_assert_uint_eq (bwe_stream_table_heap_bytes (&est.streams),
      2 * BWE_MAX_SSRCS * sizeof (BweStreamEntry));
}
END_TEST

/* Without any memory the estimator tracks no stream and estimates nothing,
 * the recorder records nothing: no crash, no feedback. */
START_TEST (test_no_memory_at_all)
{
  BweRemoteEstimator bare;
  BweTwccRecorder bare_rec;
  BweEstimatorUpdate up;
  int64_t t;
  uint16_t seq = 0;

  bwe_remote_estimator_init (&bare, NULL, NULL);
  bwe_twcc_recorder_init (&bare_rec, 0, NULL);
  for (t = 0; t < 10 * S; t += PACKET_INTERVAL_US) {
    bwe_remote_estimator_incoming_packet (&bare, t, t, abs24 (t), PAYLOAD, 7,
        &up);
    ck_assert (!up.updated);
    bwe_twcc_recorder_on_packet (&bare_rec, t, seq++, PAYLOAD, 7);
    ck_assert_uint_eq (bwe_twcc_recorder_process (&bare_rec, t, fb,
            sizeof fb), 0);
  }
  ck_assert_uint_eq (bwe_remote_estimator_ssrcs (&bare, NULL, 0), 0);
  ck_assert_uint_eq (bwe_remote_estimator_heap_bytes (&bare), 0);
  ck_assert_uint_eq (bwe_twcc_recorder_heap_bytes (&bare_rec), 0);
  bwe_remote_estimator_release (&bare);
  bwe_twcc_recorder_release (&bare_rec);
}
END_TEST

/* When the allocator refuses to grow the stream table past its first size,
 * a fifth stream evicts the one seen longest ago, counted as past the
 * limit. */
START_TEST (test_refused_growth_evicts)
{
  uint32_t out[8];
  uint32_t s;

  /* the first packet's rate ring, stream table and probe ring (requests 0
   * to 2) are granted, every later request refused */
  alloc.fail_pattern = ~(uint64_t) 7;
  for (s = 0; s < 5; s++)
    estimator_packet (10 + s, s * MS);
  ck_assert_uint_eq (bwe_remote_estimator_ssrcs (&est, out, 8), 4);
  ck_assert_uint_eq (out[0], 11);
  ck_assert_uint_eq (out[3], 14);
  ck_assert_uint_eq (est.ssrcs_evicted, 1);
  ck_assert_uint_gt (alloc.failed, 0);
}
END_TEST

static Suite *
footprint_suite (void)
{
  Suite *s = suite_create ("footprint");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_one_estimated_stream);
  tcase_add_test (tc, test_probe_list_kept_without_promise);
  tcase_add_test (tc, test_one_twcc_stream);
  tcase_add_test (tc, test_idle_streams_give_memory_back);
  tcase_add_test (tc, test_table_limit);
  tcase_add_test (tc, test_no_memory_at_all);
  tcase_add_test (tc, test_refused_growth_evicts);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (footprint_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
