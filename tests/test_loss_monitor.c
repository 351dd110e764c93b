/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's loss monitor (estimator/loss_monitor.c): losses from
 * RTP sequence numbers per SSRC, loss events as TFRC groups them, and TFRC's
 * loss event rate (RFC 5348, 5.4) with the weights 1, 1, 1, 1, .8, .6, .4,
 * .2.  A loss interval is counted in packets received from one event's start
 * (the packet that showed the loss included) to the next's. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "loss_monitor.h"

#define MS 1000

static BweLossMonitor lm;

static void
setup (void)
{
  bwe_loss_monitor_init (&lm);
}

static uint32_t
add (uint32_t ssrc, int32_t seq, int64_t now_us)
{
  return bwe_loss_monitor_add (&lm, ssrc, seq, now_us, 0);
}

START_TEST (test_gaps)
{
  ck_assert_uint_eq (add (1, 10, 0), 0);
  ck_assert_uint_eq (add (1, 11, 1 * MS), 0);
  /* 12 and 13 skipped */
  ck_assert_uint_eq (add (1, 14, 2 * MS), 2);
  ck_assert_uint_eq (add (1, 15, 3 * MS), 0);
  ck_assert_uint_eq (lm.lost, 2);
  ck_assert_uint_eq (lm.received, 4);
  ck_assert_uint_eq (lm.events, 1);
}
END_TEST

/* A packet from behind the highest takes one loss back; never below 0. */
START_TEST (test_reordering_takes_loss_back)
{
  ck_assert_uint_eq (add (1, 10, 0), 0);
  ck_assert_uint_eq (add (1, 14, 1 * MS), 3);
  ck_assert_uint_eq (add (1, 12, 2 * MS), 0);
  ck_assert_uint_eq (lm.lost, 2);
  ck_assert_uint_eq (add (1, 11, 3 * MS), 0);
  ck_assert_uint_eq (add (1, 13, 4 * MS), 0);
  ck_assert_uint_eq (lm.lost, 0);
  /* a duplicate with nothing lost */
  ck_assert_uint_eq (add (1, 13, 5 * MS), 0);
  ck_assert_uint_eq (lm.lost, 0);
  /* the highest is still 14 */
  ck_assert_uint_eq (add (1, 15, 6 * MS), 0);
  ck_assert_uint_eq (add (1, 17, 7 * MS), 1);
  ck_assert_uint_eq (lm.lost, 1);
  ck_assert_uint_eq (lm.received, 8);
  /* taking losses back does not undo the event */
  ck_assert_uint_eq (lm.events, 2);
}
END_TEST

START_TEST (test_sequence_wrap)
{
  ck_assert_uint_eq (add (1, 65534, 0), 0);
  ck_assert_uint_eq (add (1, 65535, 1 * MS), 0);
  ck_assert_uint_eq (add (1, 0, 2 * MS), 0);
  ck_assert_uint_eq (add (1, 1, 3 * MS), 0);
  ck_assert_uint_eq (lm.lost, 0);
  /* 65533 is 4 behind 1: late */
  ck_assert_uint_eq (add (1, 65533, 4 * MS), 0);
  ck_assert_uint_eq (add (1, 2, 5 * MS), 0);

  /* a gap across the wrap: 65535 and 0 lost */
  bwe_loss_monitor_init (&lm);
  ck_assert_uint_eq (add (1, 65534, 0), 0);
  ck_assert_uint_eq (add (1, 1, 1 * MS), 2);
}
END_TEST

/* A jump of more than 1000 either way restarts the sequence. */
START_TEST (test_restart)
{
  ck_assert_uint_eq (add (1, 100, 0), 0);
  /* 1001 ahead: a restart, nothing lost */
  ck_assert_uint_eq (add (1, 1101, 1 * MS), 0);
  ck_assert_uint_eq (add (1, 1102, 2 * MS), 0);
  /* 1000 ahead: 999 lost */
  ck_assert_uint_eq (add (1, 2102, 3 * MS), 999);
  /* 1102 behind: a restart at 1000, the losses stay */
  ck_assert_uint_eq (add (1, 1000, 4 * MS), 0);
  ck_assert_uint_eq (lm.lost, 999);
  ck_assert_uint_eq (add (1, 1001, 5 * MS), 0);
  /* 1000 behind 1001: late, one taken back, the highest stays 1001 */
  ck_assert_uint_eq (add (1, 1, 6 * MS), 0);
  ck_assert_uint_eq (lm.lost, 998);
  ck_assert_uint_eq (add (1, 1002, 7 * MS), 0);
  ck_assert_uint_eq (lm.lost, 998);
}
END_TEST

/* Losses less than event_us (100 ms) after the event's start join it; at
 * event_us a new event starts, timed from the start, not the last loss. */
START_TEST (test_loss_events_grouped)
{
  const int64_t event_us = 100 * MS;
  const int64_t t = 1000 * MS;

  ck_assert_uint_eq (bwe_loss_monitor_add (&lm, 1, 0, t, event_us), 0);
  ck_assert_uint_eq (lm.events, 0);
  ck_assert_uint_eq (bwe_loss_monitor_add (&lm, 1, 2, t, event_us), 1);
  ck_assert_uint_eq (lm.events, 1);
  ck_assert_uint_eq (bwe_loss_monitor_add (&lm, 1, 4, t + 50 * MS, event_us),
      1);
  ck_assert_uint_eq (bwe_loss_monitor_add (&lm, 1, 7, t + 99999, event_us),
      2);
  ck_assert_uint_eq (lm.events, 1);
  /* 100 ms after the start, 1 us after the last loss */
  ck_assert_uint_eq (bwe_loss_monitor_add (&lm, 1, 9, t + 100 * MS,
          event_us), 1);
  ck_assert_uint_eq (lm.events, 2);
  ck_assert_uint_eq (bwe_loss_monitor_add (&lm, 1, 11, t + 150 * MS,
          event_us), 1);
  ck_assert_uint_eq (lm.events, 2);
  ck_assert_uint_eq (lm.lost, 6);
}
END_TEST

/* TFRC's loss event rate.  Every loss here is an event of its own
 * (event_us 0), one packet lost at a time. */
static int32_t next_seq;
static int64_t clock_us;

static void
receive (int n)
{
  int i;

  for (i = 0; i < n; i++) {
    ck_assert_uint_eq (add (1, next_seq++, clock_us), 0);
    clock_us += MS;
  }
}

/* One packet lost, then one received: a loss event. */
static void
lose_one (void)
{
  next_seq++;
  ck_assert_uint_eq (add (1, next_seq++, clock_us), 1);
  clock_us += MS;
}

/* Closes an interval of n packets: n - 1 received, then the event. */
static void
interval (int n)
{
  receive (n - 1);
  lose_one ();
}

START_TEST (test_tfrc_event_rate)
{
  next_seq = 0;
  clock_us = 0;
  receive (1);
  ck_assert_double_eq (bwe_loss_monitor_event_rate (&lm), 0);
  /* The first event closes no interval: still no rate (the open interval
   * alone would give 1 at once, then 1/9 after 9 packets). */
  lose_one ();
  ck_assert_double_eq (bwe_loss_monitor_event_rate (&lm), 0);
  receive (9);
  ck_assert_double_eq (bwe_loss_monitor_event_rate (&lm), 0);
  /* closed: 10 (the 9, and the packet that showed the loss) */
  lose_one ();
  interval (20);
  /* closed 20, 10: (20 + 10) / 2 = 15; with the empty open one
   * (0 + 20 + 10) / 3 = 10, shorter: 1/15 */
  ck_assert_double_eq_tol (bwe_loss_monitor_event_rate (&lm), 1.0 / 15,
      1e-15);
  /* open 20: (20 + 20 + 10) / 3 = 16.67 > 15: 3/50 */
  receive (20);
  ck_assert_double_eq_tol (bwe_loss_monitor_event_rate (&lm), 0.06, 1e-15);
  receive (9);
  lose_one ();                  /* closes 30 */
  interval (40);
  interval (50);
  interval (60);
  interval (70);
  interval (80);
  /* Newest first 80, 70, 60, 50, 40, 30, 20, 10: weighted (80 + 70 + 60 +
   * 50 + .8 x 40 + .6 x 30 + .4 x 20 + .2 x 10) / 6 = 320 / 6; with the
   * empty open one (0 + 80 + 70 + 60 + .8 x 50 + .6 x 40 + .4 x 30 + .2 x 20)
   * / 6 = 290 / 6: 6 / 320 = 0.01875 */
  ck_assert_double_eq_tol (bwe_loss_monitor_event_rate (&lm), 0.01875,
      1e-15);
  /* open 100: (100 + 290) / 6 = 65 > 320 / 6: 1/65 = 0.0153846 */
  receive (100);
  ck_assert_double_eq_tol (bwe_loss_monitor_event_rate (&lm), 1.0 / 65,
      1e-15);
  /* closes 101; 10 leaves the 8: (101 + 80 + 70 + 60 + .8 x 50 + .6 x 40 +
   * .4 x 30 + .2 x 20) / 6 = 391 / 6: 0.0153453 */
  lose_one ();
  ck_assert_double_eq_tol (bwe_loss_monitor_event_rate (&lm), 6.0 / 391,
      1e-15);
  ck_assert_uint_eq (lm.events, 10);
  /* RFC 5348's n = 8 intervals are kept */
  ck_assert_int_eq (lm.num_intervals, 8);
}
END_TEST

/* 16 SSRCs followed; a new one replaces the one seen longest ago. */
START_TEST (test_ssrc_eviction)
{
  uint32_t k;

  ck_assert_int_eq (BWE_LOSS_STREAMS, 16);
  /* ssrc 100 + k seen at k + 1 ms, seq 0 */
  for (k = 0; k < 16; k++)
    ck_assert_uint_eq (add (100 + k, 0, (k + 1) * MS), 0);
  ck_assert_uint_eq (add (100, 1, 17 * MS), 0);
  /* 101 (2 ms) is now seen longest ago: 200 takes its place */
  ck_assert_uint_eq (add (200, 0, 18 * MS), 0);
  /* 100 is remembered (highest 1): 2, 3, 4 lost */
  ck_assert_uint_eq (add (100, 5, 19 * MS), 3);
  /* 101 is new again (no loss for its jump), and replaces 102 (3 ms) */
  ck_assert_uint_eq (add (101, 50, 20 * MS), 0);
  ck_assert_uint_eq (add (103, 10, 21 * MS), 9);
  ck_assert_uint_eq (add (102, 10, 22 * MS), 0);
  ck_assert_int_eq (lm.num_streams, 16);
}
END_TEST

START_TEST (test_remove)
{
  ck_assert_uint_eq (add (7, 0, 0), 0);
  ck_assert_uint_eq (add (8, 0, 0), 0);
  ck_assert_uint_eq (add (7, 1, 1 * MS), 0);
  bwe_loss_monitor_remove (&lm, 7);
  /* forgotten: its next packet starts it again */
  ck_assert_uint_eq (add (7, 10, 2 * MS), 0);
  ck_assert_uint_eq (add (7, 12, 3 * MS), 1);
  /* 8 unchanged */
  ck_assert_uint_eq (add (8, 3, 4 * MS), 2);
  /* removing what is not followed changes nothing */
  bwe_loss_monitor_remove (&lm, 9);
  ck_assert_int_eq (lm.num_streams, 2);
}
END_TEST

/* seq < 0: the SSRC is seen, nothing else. */
START_TEST (test_unknown_sequence_number)
{
  uint32_t k;

  ck_assert_uint_eq (add (1, -1, 0), 0);
  ck_assert_uint_eq (lm.received, 0);
  ck_assert_uint_eq (add (1, 5, 1 * MS), 0);
  ck_assert_uint_eq (add (1, -1, 2 * MS), 0);
  ck_assert_uint_eq (add (1, -100, 3 * MS), 0);
  ck_assert_uint_eq (lm.received, 1);
  /* 6 lost */
  ck_assert_uint_eq (add (1, 7, 4 * MS), 1);

  /* Seen counts for the eviction: 16 streams seen at 1 .. 16 ms, then the
   * oldest (100) without a sequence number at 17 ms: 101 is evicted. */
  bwe_loss_monitor_init (&lm);
  for (k = 0; k < 16; k++)
    ck_assert_uint_eq (add (100 + k, 0, (k + 1) * MS), 0);
  ck_assert_uint_eq (add (100, -1, 17 * MS), 0);
  ck_assert_uint_eq (add (300, 0, 18 * MS), 0);
  ck_assert_uint_eq (add (100, 3, 19 * MS), 2);
  ck_assert_uint_eq (add (101, 3, 20 * MS), 0);
}
END_TEST

static Suite *
loss_monitor_suite (void)
{
  Suite *s = suite_create ("loss_monitor");
  TCase *tc = tcase_create ("loss_monitor");

  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_gaps);
  tcase_add_test (tc, test_reordering_takes_loss_back);
  tcase_add_test (tc, test_sequence_wrap);
  tcase_add_test (tc, test_restart);
  tcase_add_test (tc, test_loss_events_grouped);
  tcase_add_test (tc, test_tfrc_event_rate);
  tcase_add_test (tc, test_ssrc_eviction);
  tcase_add_test (tc, test_remove);
  tcase_add_test (tc, test_unknown_sequence_number);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (loss_monitor_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
