/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's queueing delay (estimator/queue_delay.c): abs-send-time
 * unwrapping, the one-way delay less its minimum (the base delay, kept in 10
 * buckets of 30 s) and the recent minimum over 20 ms slots.
 *
 * Send times are multiples of 15625 us (4096 ticks of 2^-18 s), exact in both
 * units, unless a test is about the rounding; the expected values follow from
 * the header's contract, the arithmetic is in the comments. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "queue_delay.h"

#define NONE BWE_QUEUE_DELAY_NONE

/* The 24-bit abs-send-time of send_us (a multiple of 15625 us). */
static uint32_t
abs24 (int64_t send_us)
{
  ck_assert_int_eq (send_us % 15625, 0);
  return (uint32_t) ((send_us / 15625 * 4096) & 0xFFFFFF);
}

/* A packet sent at send_us that took owd_us to arrive. */
static int64_t
packet (BweQueueDelay * qd, int64_t send_us, int64_t owd_us)
{
  return bwe_queue_delay_add (qd, send_us + owd_us, abs24 (send_us));
}

START_TEST (test_first_packet_and_one_way_delay)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  /* 0x040000 = 2^18 ticks = 1 s.  One-way delay 1.25 - 1 s = 250 ms is the
   * base: the first packet's queue is 0. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 1250000, 0x040000), 0);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 1000000);
  /* 0x041000 = 1.015625 s, arrival 1.275625 s: delay 260 ms, queue
   * 260 - 250 = 10 ms. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 1275625, 0x041000), 10000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 1015625);
  /* A shorter delay (240 ms) is the new base: queue 0, and the next packet
   * at 250 ms is 10 ms over it. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 1271250, 0x042000), 0);
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 1296875, 0x043000), 10000);
}
END_TEST

/* The 64 s wrap, a packet reordered across it, and the truncation of ticks
 * to us. */
START_TEST (test_unwrap_across_64_s_with_reordering)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  /* 0xFFF000 = 16773120 ticks = 63 s + 258048 ticks; 258048 * 10^6 / 2^18
   * = 984375 us: 63984375 us. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 64000000, 0xFFF000), 0);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 63984375);
  /* 0x003000 after the wrap: (0x003000 - 0xFFF000) mod 2^24 = 0x4000 = 16384
   * ticks = 62500 us forwards: 64046875 us.  Delay 15625 us both times (the
   * base), queue 0. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 64062500, 0x003000), 0);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 64046875);
  /* Reordered from before the wrap: 0xFFF800 - 0x003000 = -0x3800 ticks;
   * 0x1003000 - 0x3800 = 0xFFF800 = 63 s + 260096 ticks, 260096 * 10^6 /
   * 2^18 = 992187.5, truncated: 63992187 us.  Delay 64070000 - 63992187 =
   * 77813, queue 77813 - 15625 = 62188. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 64070000, 0xFFF800), 62188);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 63992187);
  /* In order again: 0x004000 - 0xFFF800 = +0x4800 from the reordered one,
   * 0x1004000 ticks = 64 s + 16384 ticks = 64062500 us.  Delay 17500,
   * queue 1875. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 64080000, 0x004000), 1875);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 64062500);
}
END_TEST

/* More than 32 s before the previous send time is a wrap forwards; exactly
 * 32 s (0x800000 ticks) away is taken as before it. */
START_TEST (test_unwrap_half_range)
{
  BweQueueDelay qd;

  /* 0x800000 - 0 = 2^23 ticks, half the range: 32 s back. */
  bwe_queue_delay_init (&qd);
  bwe_queue_delay_add (&qd, 10000000, 0x000000);
  bwe_queue_delay_add (&qd, 10000000, 0x800000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), -32000000);

  /* 0x7FFFFF - 0: one tick less, forwards: (2^23 - 1) * 10^6 / 2^18 =
   * 31999996.19, truncated. */
  bwe_queue_delay_init (&qd);
  bwe_queue_delay_add (&qd, 10000000, 0x000000);
  bwe_queue_delay_add (&qd, 10000000, 0x7FFFFF);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 31999996);

  /* 0 after 0x900000 (36 s): 36 s before, more than 32: a wrap forwards,
   * 2^24 - 0x900000 = 0x700000 ticks = 28 s: 36 + 28 = 64 s. */
  bwe_queue_delay_init (&qd);
  bwe_queue_delay_add (&qd, 40000000, 0x900000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 36000000);
  bwe_queue_delay_add (&qd, 70000000, 0x000000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 64000000);
}
END_TEST

/* A first packet reordered behind the second unwraps below zero: the floor of
 * the ticks in us. */
START_TEST (test_unwrap_below_zero)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  bwe_queue_delay_add (&qd, 1000000, 0x000000);
  /* 0xFFFFFF - 0 = -1 tick: -3.81 us, floored to -4. */
  bwe_queue_delay_add (&qd, 1000000, 0xFFFFFF);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), -4);
  /* 0x100000 - 0xFFFFFF = 0x100001 ticks forwards from -1 tick: 0x100000
   * ticks = 4 s. */
  bwe_queue_delay_add (&qd, 5000000, 0x100000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 4000000);
  /* 0xF00000 - 0x100000 = 0xE00000 >= 2^23: 2^24 - 0xE00000 = 0x200000
   * ticks = 8 s back: 4 - 8 = -4 s. */
  bwe_queue_delay_add (&qd, 5000000, 0xF00000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), -4000000);
}
END_TEST

/* The base delay is the minimum over 10 buckets of 30 s, the first bucket
 * opening at the first arrival (100000 us here): bucket n holds arrivals in
 * [100000 + 30 s n, 100000 + 30 s (n + 1)).  A packet every 10 s (send times
 * 0, 10, 20 ... s wrap the 24 bits five times) with a one-way delay of
 * 120 ms, except the first (100 ms, bucket 0) and the one sent at 30 s
 * (110 ms, arrival 30.11 s: bucket 1). */
START_TEST (test_base_forgets_minimum_when_its_bucket_leaves)
{
  BweQueueDelay qd;
  int k;

  bwe_queue_delay_init (&qd);
  ck_assert_int_eq (packet (&qd, 0, 100000), 0);
  for (k = 1; k <= 29; k++) {
    int64_t owd = k == 3 ? 110000 : 120000;
    /* base 100 ms: 20 ms (10 ms for the 110 ms one) */
    ck_assert_int_eq (packet (&qd, k * INT64_C (10000000), owd), owd - 100000);
  }
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 290000000);
  /* 1 us before bucket 0 is reused (arrival 300099999, send 299953125 =
   * 19197 x 15625 us, delay 146874): the base is still 100 ms. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 300099999, abs24 (299953125)),
      46874);
  /* At 300100000 bucket 0 (10 buckets ago) is reused and its 100 ms minimum
   * forgotten: the base is bucket 1's 110 ms; delay 146875, queue 36875. */
  ck_assert_int_eq (bwe_queue_delay_add (&qd, 300100000, abs24 (299953125)),
      36875);
  for (k = 30; k <= 32; k++)
    ck_assert_int_eq (packet (&qd, k * INT64_C (10000000), 120000), 10000);
  /* Arrival 330.12 s is past 330.1 s, where bucket 1 leaves: every minimum
   * left is 120 ms, the queue is 0. */
  ck_assert_int_eq (packet (&qd, 330000000, 120000), 0);
  ck_assert_int_eq (qd.base_us, 120000);
}
END_TEST

/* Silence longer than the 10 buckets forgets the whole history.  The first
 * arrival (50000) opens bucket 0, ending at 30050000; an arrival 9 buckets
 * after that end or later (>= 300050000) moves 10 buckets and clears them. */
START_TEST (test_base_forgotten_after_long_silence)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  ck_assert_int_eq (packet (&qd, 0, 50000), 0);
  ck_assert_int_eq (packet (&qd, 15625, 80000), 30000);
  /* Sent 320 s later (5 x 64 s, 24 bits as for 31250 us), 90 ms delay,
   * arrival 320121250.  After 320 s of silence the send time is unwrapped
   * to the 64 s turn nearest the arrival's advance (320 s): 320031250 us,
   * the delay 90000 us.  The history was cleared: the delay is the new
   * base. */
  ck_assert_int_eq (packet (&qd, 320031250, 90000), 0);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 320031250);
  ck_assert_int_eq (qd.base_us, 90000);
  /* 100 ms: 10 ms over the new base. */
  ck_assert_int_eq (packet (&qd, 320046875, 100000), 10000);
}
END_TEST

/* A pause of 40 s, shorter than the history: the 24-bit send time has
 * advanced 40 s, which the previous packet alone would read as 24 s back
 * (a wrap).  Unwrapped around the arrival's advance it is 40 s on: the
 * queue is what it was, not 64 s. */
START_TEST (test_pause_longer_than_half_the_wrap)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  ck_assert_int_eq (packet (&qd, 0, 50000), 0);
  ck_assert_int_eq (packet (&qd, 15625, 60000), 10000);
  /* Sent at 40015625 us (2561 x 15625), 55 ms delay: queue 5 ms. */
  ck_assert_int_eq (packet (&qd, 40015625, 55000), 5000);
  ck_assert_int_eq (bwe_queue_delay_send_us (&qd), 40015625);
  /* A pause of exactly 16 s (the long-silence rule) and of 15.9 s: both
   * plain advances (the second 15.890625 s), well within the 32 s of the
   * wrap. */
  ck_assert_int_eq (packet (&qd, 56015625, 50000), 0);
  ck_assert_int_eq (packet (&qd, 71906250, 52000), 2000);
}
END_TEST

START_TEST (test_forget_base)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  ck_assert_int_eq (packet (&qd, 0, 100000), 0);
  ck_assert_int_eq (packet (&qd, 15625, 130000), 30000);
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 146000, 100000), 0);
  bwe_queue_delay_forget_base (&qd);
  /* The recent samples go with the base. */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 146000, 100000), NONE);
  /* A new path 150 ms long: its first packet sets the base, queue 0; the
   * next at 160 ms queued 10 ms. */
  ck_assert_int_eq (packet (&qd, 31250, 150000), 0);
  ck_assert_int_eq (packet (&qd, 46875, 160000), 10000);
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 210000, 100000), 0);
}
END_TEST

START_TEST (test_recent_none_without_packets)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 0, 100000), NONE);
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 1000000, 100000), NONE);
}
END_TEST

/* The recent minimum over whole 20 ms slots.  Base delay 40 ms; the first
 * arrival (40000 us) opens slot 0 = [40000, 60000), slot n = [40000 + 20000 n,
 * 60000 + 20000 n).  Samples: 0 in slot 0; 30000 and 12000 in slot 2; 20000
 * in slot 3; 25000 in slot 4. */
START_TEST (test_recent_minimum_over_slots)
{
  BweQueueDelay qd;

  bwe_queue_delay_init (&qd);
  ck_assert_int_eq (packet (&qd, 0, 40000), 0);
  ck_assert_int_eq (packet (&qd, 15625, 40000 + 30000), 30000);     /* 85625 */
  ck_assert_int_eq (packet (&qd, 31250, 40000 + 12000), 12000);     /* 83250 */
  ck_assert_int_eq (packet (&qd, 46875, 40000 + 20000), 20000);     /* 106875 */
  ck_assert_int_eq (packet (&qd, 62500, 40000 + 25000), 25000);     /* 127500 */

  /* now 130000: a slot counts when its end is after now - window. */
  /* 100 ms: slots 4..0 (ends 140000 .. 60000 > 30000): min 0 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 130000, 100000), 0);
  /* 60 ms: ends > 70000: slots 4, 3, 2, 1 (empty): 12000 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 130000, 60000), 12000);
  /* 40 ms: ends > 90000: slot 2 (end 100000) counts whole, its 12000 from
   * 83250 included */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 130000, 40000), 12000);
  /* 30 ms: ends > 100000: slots 4, 3: 20000 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 130000, 30000), 20000);
  /* 10 ms: ends > 120000: slot 4: 25000 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 130000, 10000), 25000);
  /* a window over 100 ms is 5 slots: 0 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 130000, 1000000), 0);

  /* Arrival 168125 (sample 50000): two steps, slot 5 = [140000, 160000)
   * reuses and clears slot 0's place, slot 6 = [160000, 180000) slot 1's. */
  ck_assert_int_eq (packet (&qd, 78125, 40000 + 50000), 50000);
  /* 100 ms before 170000: slots 6, 5 (empty), 4, 3, 2: 12000; the 0 of slot
   * 0 is gone. */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 170000, 100000), 12000);
  /* 60 ms: ends > 110000: slots 6, 5, 4, 3: 20000 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 170000, 60000), 20000);
  /* now 200000: ends > 100000: slots 6 .. 3 (slot 2 ends at 100000): 20000 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 200000, 100000), 20000);
  /* now 275000: slot 6 ends at 180000 > 175000: 50000 */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 275000, 100000), 50000);
  /* now 280000: no slot ends after 180000: no packet in the window */
  ck_assert_int_eq (bwe_queue_delay_recent (&qd, 280000, 100000), NONE);
}
END_TEST

static Suite *
queue_delay_suite (void)
{
  Suite *s = suite_create ("queue_delay");
  TCase *tc = tcase_create ("queue_delay");

  tcase_add_test (tc, test_first_packet_and_one_way_delay);
  tcase_add_test (tc, test_unwrap_across_64_s_with_reordering);
  tcase_add_test (tc, test_unwrap_half_range);
  tcase_add_test (tc, test_unwrap_below_zero);
  tcase_add_test (tc, test_base_forgets_minimum_when_its_bucket_leaves);
  tcase_add_test (tc, test_base_forgotten_after_long_silence);
  tcase_add_test (tc, test_pause_longer_than_half_the_wrap);
  tcase_add_test (tc, test_forget_base);
  tcase_add_test (tc, test_recent_none_without_packets);
  tcase_add_test (tc, test_recent_minimum_over_slots);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (queue_delay_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
