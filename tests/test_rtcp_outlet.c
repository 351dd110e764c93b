/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtcp_src without a thread per element: the feedback of every rtpbwe in the
 * process is pushed by one small pool (gst/rtcpoutlet.c).  A peer that
 * blocks never blocks the RTP path, nor the other elements' feedback; each
 * element's feedback keeps its order, with stream-start, caps and segment
 * first; flushes unblock it; a thousand elements add a handful of threads.
 *
 * The peers here are "gates": sink pads whose chain function waits until the
 * test opens them, as a sink waiting for PLAYING does. */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#define TWCC_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define CAPS_TWCC5 "application/x-rtp, extmap-5=(string)" TWCC_URI
#define MS GST_MSECOND
/* Waiting longer than this for what must happen fails the test. */
#define DEADLINE_US (10 * G_TIME_SPAN_SECOND)
/* Feedback every 100 ms of arrival time: 5 s of packets give 50. */
#define PACKETS 500
#define PACKET_INTERVAL (10 * MS)

typedef struct
{
  GstPad *pad;
  GMutex lock;
  GCond cond;
  gboolean open;
  guint in_chain;               /* buffers inside the chain function now */
  GPtrArray *got;               /* the events and buffers that arrived */
  gboolean eos;
} Gate;

static GstFlowReturn
gate_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  Gate *g = gst_pad_get_element_private (pad);
  GstFlowReturn ret = GST_FLOW_OK;

  g_mutex_lock (&g->lock);
  g->in_chain++;
  g_cond_broadcast (&g->cond);
  while (!g->open && !GST_PAD_IS_FLUSHING (pad))
    g_cond_wait (&g->cond, &g->lock);
  g->in_chain--;
  if (GST_PAD_IS_FLUSHING (pad))
    ret = GST_FLOW_FLUSHING;
  else
    g_ptr_array_add (g->got, buf);
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->lock);
  if (ret != GST_FLOW_OK)
    gst_buffer_unref (buf);
  return ret;
}

/* Every event is taken (a refused caps event would fail the buffers). */
static gboolean
gate_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  Gate *g = gst_pad_get_element_private (pad);

  g_mutex_lock (&g->lock);
  g->eos |= GST_EVENT_TYPE (event) == GST_EVENT_EOS;
  g_ptr_array_add (g->got, event);
  /* a flush-start sets the pad flushing: the chain wakes up and leaves */
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->lock);
  return TRUE;
}

static void
gate_init (Gate * g, gboolean open)
{
  g->pad = gst_pad_new ("gate", GST_PAD_SINK);
  gst_pad_set_element_private (g->pad, g);
  gst_pad_set_chain_function (g->pad, gate_chain);
  gst_pad_set_event_function (g->pad, gate_event);
  g_mutex_init (&g->lock);
  g_cond_init (&g->cond);
  g->open = open;
  g->in_chain = 0;
  g->eos = FALSE;
  g->got = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_mini_object_unref);
  gst_pad_set_active (g->pad, TRUE);
}

static void
gate_open (Gate * g)
{
  g_mutex_lock (&g->lock);
  g->open = TRUE;
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->lock);
}

/* Waits until the gate holds a buffer in its chain function; FALSE when the
 * deadline passed. */
static gboolean
gate_wait_blocked (Gate * g)
{
  gint64 end = g_get_monotonic_time () + DEADLINE_US;
  gboolean ok = TRUE;

  g_mutex_lock (&g->lock);
  while (g->in_chain == 0 && ok)
    ok = g_cond_wait_until (&g->cond, &g->lock, end);
  g_mutex_unlock (&g->lock);
  return g->in_chain > 0;
}

/* Waits for EOS (or, with n_buffers > 0, that many buffers); FALSE when the
 * deadline passed. */
static gboolean
gate_wait (Gate * g, guint n_buffers)
{
  gint64 end = g_get_monotonic_time () + DEADLINE_US;
  gboolean ok = TRUE;
  guint i, n = 0;

  g_mutex_lock (&g->lock);
  while (ok) {
    for (i = 0, n = 0; i < g->got->len; i++)
      n += GST_IS_BUFFER (g_ptr_array_index (g->got, i));
    if (n_buffers > 0 ? n >= n_buffers : g->eos)
      break;
    ok = g_cond_wait_until (&g->cond, &g->lock, end);
  }
  g_mutex_unlock (&g->lock);
  return ok;
}

static void
gate_clear (Gate * g)
{
  gst_pad_set_active (g->pad, FALSE);
  gst_object_unref (g->pad);
  g_ptr_array_unref (g->got);
  g_mutex_clear (&g->lock);
  g_cond_clear (&g->cond);
}

/* An RTP packet with the transport-wide sequence number seq (one-byte
 * extension, id 5), 1000 bytes of payload, DTS dts. */
static GstBuffer *
twcc_packet (guint16 seq, GstClockTime dts)
{
  guint8 d[12 + 8 + 1000] = { 0 };
  GstBuffer *buf;

  d[0] = 0x90;
  d[1] = 96;
  GST_WRITE_UINT16_BE (d + 2, seq);
  GST_WRITE_UINT32_BE (d + 4, seq * 900u);
  GST_WRITE_UINT32_BE (d + 8, 0x1234);
  GST_WRITE_UINT16_BE (d + 12, 0xBEDE);
  GST_WRITE_UINT16_BE (d + 14, 1);
  d[16] = (5 << 4) | 1;
  /* byte by byte: GST_WRITE_UINT16_BE at an odd offset is a misaligned
   * store, which UBSan stops on */
  d[17] = (guint8) (seq >> 8);
  d[18] = (guint8) seq;
  buf = gst_buffer_new_memdup (d, sizeof d);
  GST_BUFFER_DTS (buf) = dts;
  return buf;
}

/* rtpbwe under a harness, its rtcp_src linked to gate. */
static GstHarness *
bwe_with_gate (Gate * g)
{
  GstHarness *h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  GstPad *rtcp = gst_element_get_static_pad (h->element, "rtcp_src");

  fail_unless_equals_int (gst_pad_link (rtcp, g->pad), GST_PAD_LINK_OK);
  gst_object_unref (rtcp);
  gst_harness_set_src_caps_str (h, CAPS_TWCC5);
  return h;
}

static void
push_packets (GstHarness * h, guint from, guint n)
{
  guint i;

  for (i = from; i < from + n; i++) {
    fail_unless_equals_int (gst_harness_push (h, twcc_packet ((guint16) i,
                i * PACKET_INTERVAL)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
}

typedef struct
{
  GstHarness *h;
  GMutex lock;
  GCond cond;
  gboolean done;
} Feeder;

static gpointer
feed (gpointer data)
{
  Feeder *f = data;

  push_packets (f->h, 0, PACKETS);
  fail_unless (gst_harness_push_event (f->h, gst_event_new_eos ()));
  g_mutex_lock (&f->lock);
  f->done = TRUE;
  g_cond_signal (&f->cond);
  g_mutex_unlock (&f->lock);
  return NULL;
}

static guint64
stat_u64 (GstElement * e, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v));
  gst_structure_free (s);
  return v;
}

/* A peer blocked from the first feedback on: the 500 RTP packets and EOS all
 * go through (in another thread, which must finish while the peer still
 * blocks).  Opened, the peer gets stream-start, caps, segment, then every
 * feedback packet in order of time, then EOS. */
GST_START_TEST (test_blocked_peer_never_blocks_rtp)
{
  Gate g;
  GstHarness *h;
  Feeder f = { NULL };
  GThread *t;
  gint64 end = g_get_monotonic_time () + DEADLINE_US;
  guint i, n_buf = 0, sticky = 0;
  GstClockTime last = 0;

  gate_init (&g, FALSE);
  h = bwe_with_gate (&g);
  f.h = h;
  g_mutex_init (&f.lock);
  g_cond_init (&f.cond);
  t = g_thread_new ("feeder", feed, &f);
  g_mutex_lock (&f.lock);
  while (!f.done && g_cond_wait_until (&f.cond, &f.lock, end)) {
  }
  g_mutex_unlock (&f.lock);
  fail_unless (f.done, "the RTP path blocked behind rtcp_src");
  g_thread_join (t);
  fail_unless (gate_wait_blocked (&g));
  fail_unless_equals_uint64 (stat_u64 (h->element, "packets"), PACKETS);
  fail_unless (stat_u64 (h->element, "twcc-packets") >= 49);

  gate_open (&g);
  fail_unless (gate_wait (&g, 0));
  for (i = 0; i < g.got->len; i++) {
    GstMiniObject *o = g_ptr_array_index (g.got, i);

    if (GST_IS_BUFFER (o)) {
      fail_unless_equals_int (sticky, 3);
      fail_unless (GST_BUFFER_PTS (o) >= last);
      last = GST_BUFFER_PTS (o);
      n_buf++;
    } else if (n_buf == 0) {
      GstEventType type = GST_EVENT_TYPE (o);

      if (type == GST_EVENT_STREAM_START || type == GST_EVENT_CAPS
          || type == GST_EVENT_SEGMENT)
        sticky++;
    }
  }
  fail_unless_equals_uint64 (n_buf, stat_u64 (h->element, "twcc-packets"));
  fail_unless_equals_int (GST_EVENT_TYPE (g_ptr_array_index (g.got,
              g.got->len - 1)), GST_EVENT_EOS);
  gst_harness_teardown (h);
  gate_clear (&g);
  g_mutex_clear (&f.lock);
  g_cond_clear (&f.cond);
}

GST_END_TEST;

/* Ten elements whose peers block hold ten pushes; an eleventh element's
 * feedback still arrives: the pool gives a thread to each stuck push. */
#define BLOCKED 10
GST_START_TEST (test_blocked_peers_never_block_others)
{
  Gate gates[BLOCKED], free_gate;
  GstHarness *hs[BLOCKED], *h;
  guint k;

  for (k = 0; k < BLOCKED; k++) {
    gate_init (&gates[k], FALSE);
    hs[k] = bwe_with_gate (&gates[k]);
    push_packets (hs[k], 0, 20);
  }
  for (k = 0; k < BLOCKED; k++)
    fail_unless (gate_wait_blocked (&gates[k]), "peer %u never reached", k);

  gate_init (&free_gate, TRUE);
  h = bwe_with_gate (&free_gate);
  push_packets (h, 0, 50);
  fail_unless (gate_wait (&free_gate, 3),
      "feedback stuck behind blocked peers");

  for (k = 0; k < BLOCKED; k++) {
    gate_open (&gates[k]);
    gst_harness_teardown (hs[k]);
    gate_clear (&gates[k]);
  }
  gst_harness_teardown (h);
  gate_clear (&free_gate);
}

GST_END_TEST;

/* A flush unblocks a blocked push: flush-start reaches the peer, what waited
 * is dropped, flush-stop follows, and feedback flows again afterwards with
 * stream-start, caps and segment first. */
GST_START_TEST (test_flush_unblocks)
{
  Gate g;
  GstHarness *h;
  GstSegment seg;
  guint i, start = 0, stop = 0, after_stop = 0;

  gate_init (&g, FALSE);
  h = bwe_with_gate (&g);
  push_packets (h, 0, 100);
  fail_unless (gate_wait_blocked (&g));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  gate_open (&g);
  push_packets (h, 100, 100);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (gate_wait (&g, 0));
  for (i = 0; i < g.got->len; i++) {
    GstMiniObject *o = g_ptr_array_index (g.got, i);

    if (GST_IS_EVENT (o) && GST_EVENT_TYPE (o) == GST_EVENT_FLUSH_START)
      start = i + 1;
    else if (GST_IS_EVENT (o) && GST_EVENT_TYPE (o) == GST_EVENT_FLUSH_STOP)
      stop = i + 1;
    else if (stop > 0 && GST_IS_BUFFER (o)) {
      /* a fresh estimate: feedback of the packets after the flush only */
      fail_unless (GST_BUFFER_PTS (o) >= 100 * PACKET_INTERVAL);
      after_stop++;
    }
  }
  fail_unless (start > 0 && stop > start);
  fail_unless (after_stop >= 9);
  gst_harness_teardown (h);
  gate_clear (&g);
}

GST_END_TEST;

static guint
threads_now (void)
{
  GDir *d = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  fail_unless (d != NULL);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

/* 300 elements, all sending feedback (to peers that never block): a few
 * threads for all of them, not one each. */
#define MANY 300
GST_START_TEST (test_threads_shared)
{
  GstHarness *hs[MANY];
  Gate gates[MANY];
  guint k, before = threads_now (), during;

  for (k = 0; k < MANY; k++) {
    gate_init (&gates[k], TRUE);
    hs[k] = bwe_with_gate (&gates[k]);
    push_packets (hs[k], 0, 30);
  }
  for (k = 0; k < MANY; k++)
    fail_unless (gate_wait (&gates[k], 2));
  during = threads_now ();
  fail_unless (during <= before + 8, "%u threads for %u elements (%u before)",
      during, MANY, before);
  for (k = 0; k < MANY; k++) {
    gst_harness_teardown (hs[k]);
    gate_clear (&gates[k]);
  }
}

GST_END_TEST;

static Suite *
rtcp_outlet_suite (void)
{
  Suite *s = suite_create ("rtcp_outlet");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_blocked_peer_never_blocks_rtp);
  tcase_add_test (tc, test_blocked_peers_never_block_others);
  tcase_add_test (tc, test_flush_unblocks);
  tcase_add_test (tc, test_threads_shared);
  return s;
}

GST_CHECK_MAIN (rtcp_outlet);
