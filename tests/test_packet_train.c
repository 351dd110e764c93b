/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's packet trains (estimator/packet_train.c): packets sent
 * within the gap of the one before form a train; a train of 2 packets or more
 * is sampled when the next train starts, as its bytes after the first over
 * its arrival span (dispersed: spread more than 1.25x its send span and over
 * 500 us) or over the longer of both spans (a floor); bits * 10^6 / span,
 * truncated. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "packet_train.h"

#define GAP 5000
#define WINDOW 2000000

static BwePacketTrain t;

static void
setup (void)
{
  bwe_packet_train_init (&t);
}

static bool
add (int64_t send_us, int64_t arrival_us, uint32_t bytes)
{
  return bwe_packet_train_add (&t, send_us, arrival_us, bytes, GAP);
}

/* A train of two packets sent together, the second of `bytes` arriving
 * spread_us after the first (dispersed when spread_us > 500): bytes * 8 *
 * 10^6 / spread_us.  Sampled when the next train starts. */
static void
pair (int64_t send_us, int64_t arrival_us, uint32_t bytes, int64_t spread_us)
{
  ck_assert (add (send_us, arrival_us, 1000));
  ck_assert (!add (send_us, arrival_us + spread_us, bytes));
}

START_TEST (test_membership_and_return_value)
{
  /* The first packet starts a train: true. */
  ck_assert (add (0, 100000, 1000));
  /* sent 5000 us (the gap) after: joins */
  ck_assert (!add (5000, 102000, 1000));
  /* 5001 us after: a new train */
  ck_assert (add (10001, 104000, 1000));
  /* sent before the previous one (reordered): a new train */
  ck_assert (add (10000, 106000, 1000));
  /* arrived before the previous one: a new train */
  ck_assert (add (10500, 105999, 1000));
  /* sent at the same time, arrived at the same time: joins */
  ck_assert (!add (10500, 105999, 1000));
  /* Samples: the first train (2 packets, arrival span 2000 us, over 500 but
   * not over 1.25 x its send span of 5000 us) is a floor over the longer
   * span: 8000 bits / 5 ms = 1.6 Mbit/s.  The trains of one packet give
   * none.  The last one is still open. */
  ck_assert_int_eq (t.count, 1);
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 200000, WINDOW), 1600000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 200000, WINDOW, 1), 0);
  /* Closing the last one: arrival span 0, no sample. */
  ck_assert (add (100000, 200000, 1000));
  ck_assert_int_eq (t.count, 1);
}
END_TEST

START_TEST (test_dispersed_sample)
{
  /* Sent 1 ms apart, arriving 2 ms apart: arrival span 6000 us > 1.25 x 3000
   * and > 500: dispersed, 3 x 1000 bytes = 24000 bits / 6 ms = 4 Mbit/s. */
  ck_assert (add (0, 100000, 1000));
  ck_assert (!add (1000, 102000, 1000));
  ck_assert (!add (2000, 104000, 1000));
  ck_assert (!add (3000, 106000, 1000));
  ck_assert (add (20000, 120000, 1000));
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 120000, WINDOW, 1),
      4000000);
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 120000, WINDOW), 0);
  ck_assert_int_eq (t.samples[0].at_us, 106000);
}
END_TEST

/* The 1.25 spread: 4000 us sent, 5000 us arrived is not more than 1.25 x 4000
 * (a floor over 5000 us); 5001 us is dispersed.  2 x 1500 bytes after the
 * first = 24000 bits. */
START_TEST (test_floor_and_spread_boundary)
{
  ck_assert (add (0, 100000, 1500));
  ck_assert (!add (2000, 102000, 1500));
  ck_assert (!add (4000, 105000, 1500));
  ck_assert (add (50000, 150000, 1500));
  /* 24000 * 10^6 / 5000 */
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 150000, WINDOW), 4800000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 150000, WINDOW, 1), 0);

  ck_assert (!add (52000, 152000, 1500));
  ck_assert (!add (54000, 155001, 1500));
  ck_assert (add (100000, 200000, 1500));
  /* 24000 * 10^6 / 5001 = 4799040.19 */
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 200000, WINDOW, 1),
      4799040);
  /* the floor is still the first train's */
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 200000, WINDOW), 4800000);
}
END_TEST

/* A floor is over the longer span: a train that arrived faster than it was
 * sent was carried at its send rate; spreads of 500 us or less are the
 * clock's, not a bottleneck's. */
START_TEST (test_floor_spans)
{
  /* sent over 4000 us, arrived over 1000: floor 8000 bits / 4 ms */
  ck_assert (add (0, 100000, 1000));
  ck_assert (!add (4000, 101000, 1000));
  /* sent together, arrived 500 us apart: not dispersed (500 is not over
   * 500), a floor over 500 us: 8000 bits / 0.5 ms = 16 Mbit/s */
  ck_assert (add (10000, 110000, 1000));
  ck_assert (!add (10000, 110500, 1000));
  ck_assert (add (20000, 120000, 1000));
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 120000, WINDOW), 16000000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 120000, WINDOW, 1), 0);
  ck_assert_int_eq (t.count, 2);
  ck_assert_uint_eq (t.samples[0].bps, 2000000);
  /* 501 us is over the clock's 500: dispersed, 8000 bits / 501 us =
   * 15968063.9 */
  ck_assert (!add (20000, 120501, 1000));
  ck_assert (add (30000, 130000, 1000));
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 130000, WINDOW, 1),
      15968063);
}
END_TEST

/* The median of the dispersed samples (the upper middle one of an even
 * count), and none with fewer than min_samples. */
START_TEST (test_median)
{
  /* 125, 625, 250, 500, 375 bytes over 1 ms: 1, 5, 2, 4, 3 Mbit/s */
  pair (0, 100000, 125, 1000);
  pair (20000, 120000, 625, 1000);
  pair (40000, 140000, 250, 1000);
  pair (60000, 160000, 500, 1000);
  ck_assert (add (80000, 180000, 1000));
  /* 4 samples: 1, 2, 4, 5: the upper middle, 4 Mbit/s */
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 180000, WINDOW, 4),
      4000000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 180000, WINDOW, 5), 0);
  ck_assert (!add (80000, 181000, 375));
  ck_assert (add (100000, 200000, 1000));
  /* 5 samples: 3 Mbit/s */
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 200000, WINDOW, 5),
      3000000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 200000, WINDOW, 6), 0);
  /* no dispersed sample: no floor */
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 200000, WINDOW), 0);
}
END_TEST

/* Samples older than the window are left out: a sample of the train whose
 * last packet arrived at 101000 counts up to now = 101000 + window. */
START_TEST (test_window_expiry)
{
  pair (0, 100000, 1000, 1000);         /* 8 Mbit/s at 101000 */
  pair (20000, 120000, 250, 1000);      /* 2 Mbit/s at 121000 */
  /* a floor: sent over 2 ms, arrived over 1 ms, 3 Mbit/s (750 bytes / 2 ms)
   * at 131000 */
  ck_assert (add (30000, 130000, 1000));
  ck_assert (!add (32000, 131000, 750));
  ck_assert (add (100000, 200000, 1000));
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 101000 + WINDOW, WINDOW,
          1), 8000000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 101001 + WINDOW, WINDOW,
          1), 2000000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 121001 + WINDOW, WINDOW,
          1), 0);
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 131000 + WINDOW, WINDOW),
      3000000);
  ck_assert_uint_eq (bwe_packet_train_floor (&t, 131001 + WINDOW, WINDOW), 0);
}
END_TEST

/* The last BWE_TRAIN_SAMPLES samples are kept: one more replaces the oldest.
 * Sample k (k = 0, 1, ...) is (k + 1) x 125 bytes over 1 ms: k + 1 Mbit/s. */
START_TEST (test_oldest_sample_replaced)
{
  int k;

  for (k = 0; k < BWE_TRAIN_SAMPLES; k++)
    pair (k * 20000, 100000 + k * 20000, (k + 1) * 125, 1000);
  ck_assert (add (BWE_TRAIN_SAMPLES * 20000, 100000 + BWE_TRAIN_SAMPLES *
          20000, 1000));
  ck_assert_int_eq (t.count, BWE_TRAIN_SAMPLES);
  /* 1 .. N Mbit/s: the sample at N / 2 */
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 1000000, WINDOW, 1),
      (BWE_TRAIN_SAMPLES / 2 + 1) * 1000000);
  /* one more, N + 1 Mbit/s, takes the place of 1 Mbit/s: 2 .. N + 1 */
  ck_assert (!add (BWE_TRAIN_SAMPLES * 20000, 101000 + BWE_TRAIN_SAMPLES *
          20000, (BWE_TRAIN_SAMPLES + 1) * 125));
  ck_assert (add (BWE_TRAIN_SAMPLES * 20000 + 10000, 110000 +
          BWE_TRAIN_SAMPLES * 20000, 1000));
  ck_assert_int_eq (t.count, BWE_TRAIN_SAMPLES);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 1000000, WINDOW, 1),
      (BWE_TRAIN_SAMPLES / 2 + 2) * 1000000);
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 1000000, WINDOW,
          BWE_TRAIN_SAMPLES + 1), 0);
}
END_TEST

/* A rate over 32 bits is held at 2^32 - 1. */
START_TEST (test_saturation)
{
  /* 600 MB over 1 ms */
  pair (0, 100000, 600000000, 1000);
  ck_assert (add (10000, 110000, 1000));
  ck_assert_uint_eq (bwe_packet_train_capacity (&t, 110000, WINDOW, 1),
      UINT32_MAX);
}
END_TEST

static Suite *
packet_train_suite (void)
{
  Suite *s = suite_create ("packet_train");
  TCase *tc = tcase_create ("packet_train");

  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_membership_and_return_value);
  tcase_add_test (tc, test_dispersed_sample);
  tcase_add_test (tc, test_floor_and_spread_boundary);
  tcase_add_test (tc, test_floor_spans);
  tcase_add_test (tc, test_median);
  tcase_add_test (tc, test_window_expiry);
  tcase_add_test (tc, test_oldest_sample_replaced);
  tcase_add_test (tc, test_saturation);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (packet_train_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
