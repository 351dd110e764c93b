/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's delivered rate (estimator/delivery_rate.c): payload
 * bytes in slots of 50 ms that open at the first arrival (slot n holds
 * [first + 50 ms n, first + 50 ms (n + 1))); a window sums every slot that
 * ends after now - window and divides by the time from the oldest such
 * slot's start to now (the whole-slot span); bytes * 8 * 10^6 / span,
 * truncated. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "delivery_rate.h"

#define T0 1000000

/* A packet of 1250 bytes every 10 ms from T0 to T0 + 990 ms: 1 Mbit/s. */
static void
one_megabit (BweDeliveryRate * dr)
{
  int k;

  for (k = 0; k < 100; k++)
    bwe_delivery_rate_add (dr, T0 + k * 10000, 1250, 0);
}

static int64_t
rate (const BweDeliveryRate * dr, int64_t now_us, int64_t window_us)
{
  uint32_t bps = 0;

  if (!bwe_delivery_rate_get (dr, now_us, window_us, &bps))
    return -1;
  return bps;
}

static int64_t
busy (const BweDeliveryRate * dr, int64_t now_us, int64_t window_us,
    int64_t min_busy_us)
{
  uint32_t bps = 0;

  if (!bwe_delivery_rate_busy (dr, now_us, window_us, min_busy_us, &bps))
    return -1;
  return bps;
}

START_TEST (test_no_rate_before_a_whole_window)
{
  BweDeliveryRate dr;

  bwe_delivery_rate_init (&dr);
  ck_assert_int_eq (rate (&dr, T0, 1000), -1);
  ck_assert_int_eq (busy (&dr, T0, 1000, 0), -1);
  one_megabit (&dr);
  /* now - first = 999999 < 1 s */
  ck_assert_int_eq (rate (&dr, T0 + 999999, 1000000), -1);
  /* At T0 + 1 s: slots 0..19, 100 packets = 10^6 bits over 1 s. */
  ck_assert_int_eq (rate (&dr, T0 + 1000000, 1000000), 1000000);
}
END_TEST

START_TEST (test_whole_slot_span)
{
  BweDeliveryRate dr;

  bwe_delivery_rate_init (&dr);
  one_megabit (&dr);
  /* now T0 + 1 s, 500 ms: slots ending after T0 + 500 ms are 10..19 (slot 9
   * ends at T0 + 500 ms), packets 50..99, 500000 bits over T0 + 1 s - (T0 +
   * 500 ms). */
  ck_assert_int_eq (rate (&dr, T0 + 1000000, 500000), 1000000);
  /* now T0 + 995 ms: slot 9 = [450, 500) ms ends after 495 ms and counts
   * whole: packets 45..99 = 55 x 10000 bits over 995 - 450 = 545 ms:
   * 550000 * 10^6 / 545000 = 1009174.3 */
  ck_assert_int_eq (rate (&dr, T0 + 995000, 500000), 1009174);
  /* now T0 + 990 ms (the last packet's arrival), 100 ms: slots 17..19 (slot
   * 17 = [850, 900) ends after 890): packets 85..99 = 150000 bits over
   * 990 - 850 = 140 ms: 1071428.57 */
  ck_assert_int_eq (rate (&dr, T0 + 990000, 100000), 1071428);
}
END_TEST

/* A window longer than the history (32 slots, 1.6 s) reads the history. */
START_TEST (test_window_longer_than_history)
{
  BweDeliveryRate dr;
  int k;

  bwe_delivery_rate_init (&dr);
  /* A packet every 10 ms for 2 s: 2500 bytes for the first 400 ms (2
   * Mbit/s), 1250 after (1 Mbit/s).  Slots 0..39; the ring keeps the last
   * 32, 8..39 (from T0 + 400 ms): the 2 Mbit/s part has left it. */
  for (k = 0; k < 200; k++)
    bwe_delivery_rate_add (&dr, T0 + k * 10000, k < 40 ? 2500 : 1250, 0);
  /* now T0 + 2 s, 2 s: packets 40..199 = 1.6 * 10^6 bits over 2000 - 400
   * ms. */
  ck_assert_int_eq (rate (&dr, T0 + 2000000, 2000000), 1000000);
  /* 1.6 s exactly: the same slots. */
  ck_assert_int_eq (rate (&dr, T0 + 2000000, 1600000), 1000000);
  /* 1.55 s: slots 9..39, packets 45..199: 1.55 * 10^6 bits over 1.55 s */
  ck_assert_int_eq (rate (&dr, T0 + 2000000, 1550000), 1000000);
  /* 1.6 s from T0 + 1.99 s (the last arrival): slot 7 = [350, 400) ms ends
   * after 390 but has left the ring: still slots 8..39, 1.6 * 10^6 bits over
   * 1990 - 400 ms = 1006289.3 */
  ck_assert_int_eq (rate (&dr, T0 + 1990000, 1600000), 1006289);
}
END_TEST

/* The rate falls as the stream goes quiet, then there is none. */
START_TEST (test_quiet_stream)
{
  BweDeliveryRate dr;

  bwe_delivery_rate_init (&dr);
  one_megabit (&dr);
  /* now T0 + 1.4 s, 500 ms: slots ending after T0 + 900 ms: 18, 19 (ends
   * 950, 1000): packets 90..99 = 100000 bits over 1400 - 900 = 500 ms. */
  ck_assert_int_eq (rate (&dr, T0 + 1400000, 500000), 200000);
  /* T0 + 1.45 s: slot 19 only: packets 95..99 = 50000 bits over 500 ms */
  ck_assert_int_eq (rate (&dr, T0 + 1450000, 500000), 100000);
  /* From T0 + 1.5 s no slot ends after now - 500 ms. */
  ck_assert_int_eq (rate (&dr, T0 + 1500000, 500000), -1);
  ck_assert_int_eq (rate (&dr, T0 + 1400000, 400000), -1);
  /* A packet after 2 s of silence: 40 slots on, more than the 32 kept, so
   * the history is cleared and the new slot is [T0 + 3 s, T0 + 3.05 s).  At
   * T0 + 3.5 s it is the only slot that ends after T0 + 3 s: 10000 bits over
   * 3.5 - 3 s.  The history starts again there: a rate needs a whole
   * window of it again. */
  bwe_delivery_rate_add (&dr, T0 + 3000000, 1250, 0);
  ck_assert_int_eq (rate (&dr, T0 + 3499999, 500000), -1);
  ck_assert_int_eq (rate (&dr, T0 + 3500000, 500000), 20000);
}
END_TEST

/* The bottleneck's rate: busy bytes over busy time of the window's slots.
 * Slot 0 = [T0, T0 + 50 ms). */
START_TEST (test_busy_rate)
{
  BweDeliveryRate dr;
  int k;

  bwe_delivery_rate_init (&dr);
  bwe_delivery_rate_add (&dr, T0, 1000, 0);
  /* Five 1000-byte packets that each waited behind the one before, 2 ms
   * apart: 40000 bits in 10 ms of busy time = 4 Mbit/s. */
  for (k = 1; k <= 5; k++)
    bwe_delivery_rate_add (&dr, T0 + k * 2000, 1000, 2000);
  ck_assert_int_eq (busy (&dr, T0 + 10000, 50000, 10000), 4000000);
  /* Less busy time than asked for: none. */
  ck_assert_int_eq (busy (&dr, T0 + 10000, 50000, 10001), -1);
  /* The delivered rate over the slot counts every byte and the idle time:
   * 48000 bits over 50 ms. */
  ck_assert_int_eq (rate (&dr, T0 + 50000, 50000), 960000);

  /* Slot 6 = [T0 + 300, T0 + 350) ms.  A gap of 4 slots (200 ms) or more is
   * not a queue's: counted as delivered, not busy. */
  bwe_delivery_rate_add (&dr, T0 + 300000, 1000, 200000);
  ck_assert_int_eq (busy (&dr, T0 + 310000, 50000, 1), -1);
  /* 199999 us is: 8000 bits over it, 40000.2 bit/s. */
  bwe_delivery_rate_add (&dr, T0 + 310000, 1000, 199999);
  ck_assert_int_eq (busy (&dr, T0 + 320000, 50000, 1), 40000);
  /* 1500 bytes after 10 ms: (8000 + 12000) bits over 209999 us = 95238.55 */
  bwe_delivery_rate_add (&dr, T0 + 320000, 1500, 10000);
  ck_assert_int_eq (busy (&dr, T0 + 330000, 50000, 1), 95238);
  /* 400 ms before T0 + 330 ms reaches slot 0 again: the busy packets'
   * 40000 + 8000 + 12000 bits over 10000 + 199999 + 10000 us =
   * 60000 * 10^6 / 219999 = 272728.5 */
  ck_assert_int_eq (busy (&dr, T0 + 330000, 400000, 1), 272728);
}
END_TEST

/* Rates over 32 bits saturate at 2^32 - 1. */
START_TEST (test_32_bit_saturation)
{
  BweDeliveryRate dr;

  bwe_delivery_rate_init (&dr);
  /* 600 MB in one slot: 4.8 * 10^9 bits over the 50 ms slot, 9.6 * 10^10
   * bit/s, is above 2^32 - 1 */
  bwe_delivery_rate_add (&dr, T0, 600000000, 0);
  ck_assert_int_eq (rate (&dr, T0 + 50000, 50000), UINT32_MAX);
  /* 500 MB: 4 * 10^9 bits over 1 s fits */
  bwe_delivery_rate_init (&dr);
  bwe_delivery_rate_add (&dr, T0, 500000000, 0);
  ck_assert_int_eq (rate (&dr, T0 + 1000000, 1000000), 4000000000u);

  /* 2^32 - 1 bit/s exactly: 536870911.875 bytes in 1 s is not a whole
   * number; 536870912 bytes (2^32 bits) over 1 s is one over: saturated,
   * and 536870911 bytes (2^32 - 8 bits) is not. */
  bwe_delivery_rate_init (&dr);
  bwe_delivery_rate_add (&dr, T0, 536870912, 0);
  ck_assert_int_eq (rate (&dr, T0 + 1000000, 1000000), UINT32_MAX);
  bwe_delivery_rate_init (&dr);
  bwe_delivery_rate_add (&dr, T0, 536870911, 0);
  ck_assert_int_eq (rate (&dr, T0 + 1000000, 1000000), 4294967288u);
  /* The busy rate too: 600 MB in 1 ms of busy time. */
  bwe_delivery_rate_add (&dr, T0 + 1000, 600000000, 1000);
  ck_assert_int_eq (busy (&dr, T0 + 1000, 50000, 1000), UINT32_MAX);
}
END_TEST

static Suite *
delivery_rate_suite (void)
{
  Suite *s = suite_create ("delivery_rate");
  TCase *tc = tcase_create ("delivery_rate");

  tcase_add_test (tc, test_no_rate_before_a_whole_window);
  tcase_add_test (tc, test_whole_slot_span);
  tcase_add_test (tc, test_window_longer_than_history);
  tcase_add_test (tc, test_quiet_stream);
  tcase_add_test (tc, test_busy_rate);
  tcase_add_test (tc, test_32_bit_saturation);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (delivery_rate_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
