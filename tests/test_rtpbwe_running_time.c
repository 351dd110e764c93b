/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtpbwe's arrival time is running time: a segment that starts late, a seek
 * or a loop in a replayed capture, a flush, and buffers without timestamps
 * between buffers with them all give what a replay from zero gives, packet
 * for packet, with nothing skipped. */
#include "rtpbwe_harness.h"

/* Where the seek goes and where the flush comes in seed101 (11409 packets). */
#define SEEK_FROM 6000
#define SEEK_TO 2000
#define FLUSH_AT 5000
/* A segment that starts 1000 s into the buffer times. */
#define LATE_START (1000 * GST_SECOND)

/* A fresh element fed trace [from, to) with DTS = arrival + offset: its
 * estimates and REMBs. */
static void
replay_from_zero (GArray * trace, guint from, guint to, gint64 offset_ns,
    GArray ** est, GArray ** rembs)
{
  Bwe b;

  bwe_setup (&b, CAPS_AST3);
  push_trace (&b, trace, from, to, offset_ns, FALSE);
  *est = pop_estimates (&b);
  *rembs = drain_rembs (&b);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 0);
  bwe_teardown (&b);
}

static gint64
arrival_ns (GArray * trace, guint i)
{
  return g_array_index (trace, TracePacket, i).arrival_us * GST_USECOND;
}

/* Buffer times 1000 s on, in a segment that starts there: the same
 * estimates, REMBs and timestamps as the trace from zero; a buffer before
 * the segment is counted apart. */
START_TEST (test_late_segment_start)
{
  GArray *trace = read_trace ("seed101");
  GArray *est, *rembs, *ref_est, *ref_rembs;
  Bwe b;

  replay_from_zero (trace, 0, trace->len, 0, &ref_est, &ref_rembs);

  bwe_setup (&b, CAPS_AST3);
  push_segment (&b, LATE_START, 0);
  push_trace (&b, trace, 0, trace->len, LATE_START, FALSE);
  est = pop_estimates (&b);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      trace->len);
  /* before the segment's start: no running time */
  fail_unless_equals_int (gst_harness_push (b.h, ast_packet (7, 0, 0, 100, 3,
              LATE_START - GST_MSECOND)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (b.h));
  fail_unless_equals_uint64 (stat_u64 (b.h->element,
          "skipped-before-segment"), 1);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 1);
  rembs = drain_rembs (&b);
  bwe_teardown (&b);

  assert_same_rates (est, ref_est, "estimate");
  assert_same_rates (rembs, ref_rembs, "REMB");
  g_array_unref (est);
  g_array_unref (rembs);
  g_array_unref (ref_est);
  g_array_unref (ref_rembs);
  g_array_unref (trace);
}
END_TEST

/* In that late segment, buffers without DTS or PTS half-way: the clock's
 * running time takes over in the same time base (nothing counted as time
 * going backwards), the estimates stay those of the trace from zero. */
START_TEST (test_late_segment_then_clock)
{
  GArray *trace = read_trace ("seed101");
  guint half = 3000, end = 6000, i;
  GArray *est, *ref_est, *ref_rembs;
  Bwe b;

  replay_from_zero (trace, 0, end, 0, &ref_est, &ref_rembs);

  bwe_setup (&b, CAPS_AST3);
  push_segment (&b, LATE_START, 0);
  push_trace (&b, trace, 0, half, LATE_START, FALSE);
  for (i = half; i < end; i++) {
    gst_harness_set_time (b.h, (GstClockTime) arrival_ns (trace, i));
    push_trace (&b, trace, i, i + 1, 0, TRUE);
  }
  est = pop_estimates (&b);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      end);
  bwe_teardown (&b);

  assert_same_rates (est, ref_est, "estimate");
  g_array_unref (est);
  g_array_unref (ref_est);
  g_array_unref (ref_rembs);
  g_array_unref (trace);
}
END_TEST

/* A replayed capture seeks back (flushing): the segment starts at the
 * target, the buffers keep their capture times.  From there on the element
 * gives exactly what a fresh replay of the rest from zero gives. */
START_TEST (test_seek_in_replay)
{
  GArray *trace = read_trace ("seed101");
  gint64 target = arrival_ns (trace, SEEK_TO);
  GArray *est, *rembs, *ref_est, *ref_rembs;
  Bwe b;

  replay_from_zero (trace, SEEK_TO, trace->len, -target, &ref_est,
      &ref_rembs);

  bwe_setup (&b, CAPS_AST3);
  push_trace (&b, trace, 0, SEEK_FROM, 0, FALSE);
  /* what went out before the seek */
  g_array_unref (pop_estimates (&b));
  g_array_unref (pull_rembs (&b, (guint) stat_u64 (b.h->element,
              "remb-packets")));

  push_flush (&b);
  push_segment (&b, (GstClockTime) target, 0);
  push_trace (&b, trace, SEEK_TO, trace->len, 0, FALSE);
  est = pop_estimates (&b);
  rembs = drain_rembs (&b);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      SEEK_FROM + trace->len - SEEK_TO);
  bwe_teardown (&b);

  assert_same_rates (est, ref_est, "estimate");
  assert_same_rates (rembs, ref_rembs, "REMB");
  g_array_unref (est);
  g_array_unref (rembs);
  g_array_unref (ref_est);
  g_array_unref (ref_rembs);
  g_array_unref (trace);
}
END_TEST

/* A flush in the middle, then the capture again from its start: the same
 * estimates and REMBs as the first replay of a fresh element. */
START_TEST (test_flush_then_replay)
{
  GArray *trace = read_trace ("seed101");
  GArray *est, *rembs, *ref_est, *ref_rembs;
  Bwe b;

  replay_from_zero (trace, 0, trace->len, 0, &ref_est, &ref_rembs);

  bwe_setup (&b, CAPS_AST3);
  push_trace (&b, trace, 0, FLUSH_AT, 0, FALSE);
  g_array_unref (pop_estimates (&b));
  g_array_unref (pull_rembs (&b, (guint) stat_u64 (b.h->element,
              "remb-packets")));

  push_flush (&b);
  push_segment (&b, 0, 0);
  push_trace (&b, trace, 0, trace->len, 0, FALSE);
  est = pop_estimates (&b);
  rembs = drain_rembs (&b);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 0);
  bwe_teardown (&b);

  assert_same_rates (est, ref_est, "estimate");
  assert_same_rates (rembs, ref_rembs, "REMB");
  g_array_unref (est);
  g_array_unref (rembs);
  g_array_unref (ref_est);
  g_array_unref (ref_rembs);
  g_array_unref (trace);
}
END_TEST

/* A capture played in a loop without flushing: the second segment's base
 * carries the running time on, so the second pass (same buffer times) is
 * not "time going backwards": every packet reaches the estimator. */
START_TEST (test_looped_replay)
{
  GArray *trace = read_trace ("seed102");
  gint64 start = arrival_ns (trace, 0);
  gint64 last = arrival_ns (trace, trace->len - 1);
  Bwe b;

  bwe_setup (&b, CAPS_AST3);
  push_trace (&b, trace, 0, trace->len, 0, FALSE);
  push_segment (&b, (GstClockTime) start,
      (GstClockTime) (last + 20 * GST_MSECOND));
  push_trace (&b, trace, 0, trace->len, 0, FALSE);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      2 * trace->len);
  bwe_teardown (&b);
  g_array_unref (trace);
}
END_TEST

static Suite *
rtpbwe_running_time_suite (void)
{
  Suite *s = suite_create ("rtpbwe_running_time");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_late_segment_start);
  tcase_add_test (tc, test_late_segment_then_clock);
  tcase_add_test (tc, test_seek_in_replay);
  tcase_add_test (tc, test_flush_then_replay);
  tcase_add_test (tc, test_looped_replay);
  return s;
}

GST_CHECK_MAIN (rtpbwe_running_time);
