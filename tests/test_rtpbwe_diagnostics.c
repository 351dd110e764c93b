/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What rtpbwe tells the user: the warning when packets carry no extension it
 * knows (after 100 packets or 2 s, then at most once a minute), its INFO and
 * DEBUG logs, and the rtpbwe-stats messages of stats-interval. */
#include <string.h>

#include "rtpbwe_harness.h"

#define MS (GST_MSECOND)

/* The WARNING messages waiting on the bus. */
static GPtrArray *
pop_warnings (Bwe * b)
{
  GPtrArray *arr = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (b->bus, GST_MESSAGE_WARNING)) != NULL)
    g_ptr_array_add (arr, m);
  return arr;
}

static guint
count_warnings (Bwe * b)
{
  GPtrArray *w = pop_warnings (b);
  guint n = w->len;

  g_ptr_array_unref (w);
  return n;
}

/* One packet of SSRC 1 at t (ns of DTS), abs-send-time at ext_id (0: no
 * header extension). */
static void
push_at (Bwe * b, guint16 seq, GstClockTime t, guint8 ext_id)
{
  fail_unless_equals_int (gst_harness_push (b->h, ast_packet (1, seq,
              (guint32) (t / (GST_SECOND >> 18)) & 0xFFFFFF, 200, ext_id, t)),
      GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (b->h));
}

/* No extmap in the caps, packets with abs-send-time at id 3 every 10 ms:
 * the 100th brings one warning that says what was expected, what came and
 * how to fix it; then none for a minute of arrival time, then one again;
 * with the id property set the packets are estimated and it stops. */
START_TEST (test_warning_after_100_packets)
{
  Bwe b;
  GPtrArray *w;
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;
  guint64 packets;
  guint id;
  GstClockTime t0 = GST_SECOND, warned;
  guint16 seq = 0;
  guint k;

  bwe_setup (&b, "application/x-rtp");
  for (k = 0; k < 99; k++)
    push_at (&b, seq++, t0 + k * 10 * MS, 3);
  fail_unless_equals_int (count_warnings (&b), 0);
  warned = t0 + 99 * 10 * MS;
  push_at (&b, seq++, warned, 3);

  w = pop_warnings (&b);
  fail_unless_equals_int (w->len, 1);
  gst_message_parse_warning (g_ptr_array_index (w, 0), &err, &debug);
  gst_message_parse_warning_details (g_ptr_array_index (w, 0), &details);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT));
  fail_unless (strstr (err->message, "100 consecutive RTP packets (over 1.0 s) "
          "carry no header extension rtpbwe can use (abs-send-time at id none, "
          "transport-wide sequence number at id none, abs-capture-time at id "
          "none)") != NULL,
      err->message);
  fail_unless (strstr (err->message, "extmap-N=(string)URI") != NULL);
  fail_unless (strstr (err->message, "abs-send-time-id, transport-cc-id or "
          "abs-capture-time-id property") != NULL);
  fail_unless (strstr (debug, AST_URI) != NULL, debug);
  fail_unless (strstr (debug, "The last packet carries header extension ids "
          "3 (one-byte form)") != NULL, debug);
  fail_unless (details != NULL);
  fail_unless (gst_structure_get_uint64 (details, "packets", &packets));
  fail_unless_equals_uint64 (packets, 100);
  fail_unless (gst_structure_get_uint (details, "abs-send-time-id", &id));
  fail_unless_equals_int (id, 0);
  fail_unless_equals_string (gst_structure_get_string (details,
          "packet-extensions"), "header extension ids 3 (one-byte form)");
  g_clear_error (&err);
  g_free (debug);
  g_ptr_array_unref (w);

  /* every 100 ms for 59.9 s: quiet; at 60 s after the first: again */
  for (k = 1; k < 600; k++)
    push_at (&b, seq++, warned + k * 100 * MS, 3);
  fail_unless_equals_int (count_warnings (&b), 0);
  push_at (&b, seq++, warned + 60 * GST_SECOND, 3);
  fail_unless_equals_int (count_warnings (&b), 1);

  /* the fix: the id by property */
  g_object_set (b.h->element, "abs-send-time-id", 3, NULL);
  for (k = 1; k <= 300; k++)
    push_at (&b, seq++, warned + 60 * GST_SECOND + k * 10 * MS, 3);
  fail_unless_equals_int (count_warnings (&b), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      300);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped-no-extension"),
      700);
  bwe_teardown (&b);
}
END_TEST

/* Packets without any header extension every 500 ms: the fifth, 2 s after
 * the first, brings the warning, which says the sender writes none. */
START_TEST (test_warning_after_2_seconds)
{
  Bwe b;
  GPtrArray *w;
  const GstStructure *details = NULL;
  guint64 packets;
  guint k;

  bwe_setup (&b, CAPS_AST3);
  for (k = 0; k < 4; k++)
    push_at (&b, (guint16) k, 10 * GST_SECOND + k * 500 * MS, 0);
  fail_unless_equals_int (count_warnings (&b), 0);
  push_at (&b, 4, 12 * GST_SECOND, 0);
  w = pop_warnings (&b);
  fail_unless_equals_int (w->len, 1);
  gst_message_parse_warning_details (g_ptr_array_index (w, 0), &details);
  fail_unless (gst_structure_get_uint64 (details, "packets", &packets));
  fail_unless_equals_uint64 (packets, 5);
  fail_unless (g_str_has_prefix (gst_structure_get_string (details,
              "packet-extensions"), "no header extension"));
  g_ptr_array_unref (w);
  bwe_teardown (&b);
}
END_TEST

/* A stream where every other packet has no extension (audio beside video,
 * say) is no mistake: 1000 packets over 10 s, no warning. */
START_TEST (test_no_warning_when_interleaved)
{
  Bwe b;
  guint k;

  bwe_setup (&b, CAPS_AST3);
  for (k = 0; k < 1000; k++)
    push_at (&b, (guint16) k, GST_SECOND + k * 10 * MS, k % 2 ? 0 : 3);
  fail_unless_equals_int (count_warnings (&b), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped-no-extension"),
      500);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      500);
  bwe_teardown (&b);
}
END_TEST

/* A flush restarts the running time, not the once-a-minute limit: after a
 * warning at the last packet before the flush, the next comes 60 s of
 * arrival time later. */
START_TEST (test_warning_limit_across_flush)
{
  Bwe b;
  guint k;

  bwe_setup (&b, "application/x-rtp");
  for (k = 0; k < 100; k++)
    push_at (&b, (guint16) k, GST_SECOND + k * 10 * MS, 3);
  fail_unless_equals_int (count_warnings (&b), 1);
  push_flush (&b);
  push_segment (&b, 0, 0);
  for (k = 0; k < 120; k++)
    push_at (&b, (guint16) (100 + k), k * 500 * MS, 3);
  fail_unless_equals_int (count_warnings (&b), 0);
  push_at (&b, 220, 60 * GST_SECOND, 3);
  fail_unless_equals_int (count_warnings (&b), 1);
  bwe_teardown (&b);
}
END_TEST

/* stats-interval 1000 ms: a message at the first packet, then at the first
 * packet at or past each multiple of 1 s, once after a silence. */
START_TEST (test_stats_interval_times)
{
  Bwe b;
  GPtrArray *msgs;
  const GstClockTime at[] = { 500 * MS, 900 * MS, 1000 * MS, 1500 * MS,
    7200 * MS, 7300 * MS, 8000 * MS
  };
  const guint64 want_ts[] = { 500 * MS, 1000 * MS, 7200 * MS, 8000 * MS };
  const guint64 want_packets[] = { 1, 3, 5, 7 };
  guint k;

  bwe_setup (&b, CAPS_AST3);
  g_object_set (b.h->element, "stats-interval", 1000, NULL);
  for (k = 0; k < G_N_ELEMENTS (at); k++)
    push_at (&b, (guint16) k, at[k], 3);
  msgs = pop_element_messages (&b, "rtpbwe-stats");
  fail_unless_equals_int (msgs->len, G_N_ELEMENTS (want_ts));
  for (k = 0; k < msgs->len; k++) {
    const GstStructure *s = g_ptr_array_index (msgs, k);
    guint64 ts, packets;

    fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (s, "packets", &packets));
    fail_unless_equals_uint64 (ts, want_ts[k]);
    fail_unless_equals_uint64 (packets, want_packets[k]);
  }
  g_ptr_array_unref (msgs);

  /* 0 stops them */
  g_object_set (b.h->element, "stats-interval", 0, NULL);
  push_at (&b, 10, 9000 * MS, 3);
  msgs = pop_element_messages (&b, "rtpbwe-stats");
  fail_unless_equals_int (msgs->len, 0);
  g_ptr_array_unref (msgs);
  bwe_teardown (&b);
}
END_TEST

/* On a parity trace, every 500 ms: the messages hold the stats property's
 * fields as they were at that packet, also while the estimate stays the
 * same; the default posts none. */
START_TEST (test_stats_interval_trace)
{
  GArray *trace = read_trace ("seed101");
  guint n = 3000, i, m = 0, unchanged = 0;
  GstClockTime period = 500 * MS, due = 0;
  GPtrArray *msgs;
  GstStructure *final;
  Bwe b;

  bwe_setup (&b, CAPS_AST3);
  push_trace (&b, trace, 0, 200, 0, FALSE);
  msgs = pop_element_messages (&b, "rtpbwe-stats");
  fail_unless_equals_int (msgs->len, 0);
  g_ptr_array_unref (msgs);
  bwe_teardown (&b);

  bwe_setup (&b, CAPS_AST3);
  g_object_set (b.h->element, "stats-interval", 500, NULL);
  push_trace (&b, trace, 0, n, 0, FALSE);
  msgs = pop_element_messages (&b, "rtpbwe-stats");
  g_object_get (b.h->element, "stats", &final, NULL);
  for (i = 0; i < n; i++) {
    GstClockTime t = g_array_index (trace, TracePacket, i).arrival_us * 1000;
    const GstStructure *s;
    guint64 ts, packets;

    if (t < due)
      continue;
    due = (t / period + 1) * period;
    fail_unless (m < msgs->len);
    s = g_ptr_array_index (msgs, m);
    fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (s, "packets", &packets));
    fail_unless_equals_uint64 (ts, t);
    fail_unless_equals_uint64 (packets, i + 1);
    fail_unless_equals_uint64 (gst_structure_n_fields (s),
        gst_structure_n_fields (final) + 1);
    if (m > 0) {
      guint a = 1, c = 2;

      gst_structure_get_uint (g_ptr_array_index (msgs, m - 1),
          "estimated-bitrate", &a);
      gst_structure_get_uint (s, "estimated-bitrate", &c);
      unchanged += a == c && a != 0;
    }
    m++;
  }
  fail_unless_equals_int (msgs->len, m);
  /* about 16 s of trace */
  fail_unless (m > 25, "%u messages", m);
  fail_unless (unchanged > 0);
  gst_structure_free (final);
  g_ptr_array_unref (msgs);
  bwe_teardown (&b);
  g_array_unref (trace);
}
END_TEST

typedef struct
{
  GMutex lock;
  GPtrArray *lines;             /* "LEVEL text" */
} LogCapture;

static void
capture_log (GstDebugCategory * cat, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object, GstDebugMessage * msg,
    gpointer user_data)
{
  LogCapture *c = user_data;

  if (strcmp (gst_debug_category_get_name (cat), "rtpbwe") != 0)
    return;
  g_mutex_lock (&c->lock);
  /* gst_debug_level_get_name() pads the names */
  g_ptr_array_add (c->lines, g_strdup_printf ("%s %s",
          level == GST_LEVEL_INFO ? "INFO" : level == GST_LEVEL_DEBUG ?
          "DEBUG" : "OTHER", gst_debug_message_get (msg)));
  g_mutex_unlock (&c->lock);
}

static guint
count_lines (LogCapture * c, const gchar * prefix)
{
  guint i, n = 0;

  for (i = 0; i < c->lines->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (c->lines, i), prefix);
  return n;
}

/* INFO: the ids found in the caps, each change of the estimate, each REMB;
 * DEBUG: each skipped packet with its reason. */
START_TEST (test_logs)
{
  GArray *trace = read_trace ("seed101");
  LogCapture c;
  GArray *est;
  Bwe b;
  guint i, changes = 0;
  guint64 last = 0;

  g_mutex_init (&c.lock);
  c.lines = g_ptr_array_new_with_free_func (g_free);
  gst_debug_set_threshold_for_name ("rtpbwe", GST_LEVEL_DEBUG);
  gst_debug_add_log_function (capture_log, &c, NULL);

  bwe_setup (&b, CAPS_AST3);
  push_trace (&b, trace, 0, 3000, 0, FALSE);
  fail_unless_equals_int (gst_harness_push (b.h, ast_packet (9, 0, 0, 10, 0,
              g_array_index (trace, TracePacket, 2999).arrival_us * 1000 +
              GST_MSECOND)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (b.h));
  est = pop_estimates (&b);
  for (i = 0; i < est->len; i++) {
    guint64 bps = g_array_index (est, TimedRate, i).bitrate;

    changes += bps != last;
    last = bps;
  }
  g_array_unref (drain_rembs (&b));

  gst_debug_remove_log_function (capture_log);
  gst_debug_set_threshold_for_name ("rtpbwe", GST_LEVEL_ERROR);
  fail_unless_equals_int (count_lines (&c, "INFO ids in the caps: "
          "abs-send-time 3, transport-cc 0, abs-capture-time 0"), 1);
  fail_unless (changes > 10);
  fail_unless_equals_int (count_lines (&c, "INFO estimate "), changes);
  fail_unless_equals_int (count_lines (&c, "INFO REMB "),
      stat_u64 (b.h->element, "remb-packets"));
  fail_unless_equals_int (count_lines (&c, "DEBUG skipped: no known "
          "extension (abs-send-time id 3, transport-cc id 0, abs-capture-time "
          "id 0)"), 1);

  bwe_teardown (&b);
  g_array_unref (est);
  g_array_unref (trace);
  g_ptr_array_unref (c.lines);
  g_mutex_clear (&c.lock);
}
END_TEST

static Suite *
rtpbwe_diagnostics_suite (void)
{
  Suite *s = suite_create ("rtpbwe_diagnostics");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_warning_after_100_packets);
  tcase_add_test (tc, test_warning_after_2_seconds);
  tcase_add_test (tc, test_no_warning_when_interleaved);
  tcase_add_test (tc, test_warning_limit_across_flush);
  tcase_add_test (tc, test_stats_interval_times);
  tcase_add_test (tc, test_stats_interval_trace);
  tcase_add_test (tc, test_logs);
  return s;
}

GST_CHECK_MAIN (rtpbwe_diagnostics);
