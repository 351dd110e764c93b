/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtpbweadapt under GstHarness and in small pipelines: media and RTCP pass
 * unchanged; REMB in compound and reduced-size RTCP moves x264enc (kbit/s),
 * vp8enc and opusenc (bit/s) by the right amounts; the policy's edges
 * through the element (deadband, increase interval, bounds, share,
 * overhead); SSRC matching; bad RTCP forwarded and counted; the encoder set
 * only in PLAYING; rtp-session's on-feedback-rtcp; the encoder found
 * upstream through bins, queues, parsers, capsfilters and tees; one warning
 * for an encoder it cannot set. */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "remb.h"

#define MS (GST_MSECOND)
#define WAIT_US (10 * G_USEC_PER_SEC)

typedef struct
{
  GstHarness *media;
  GstHarness *rtcp;
  GstBus *bus;
  GstElement *adapt;
  GPtrArray *warnings;          /* texts of the WARNING messages seen */
} Adapt;

static void
adapt_setup (Adapt * a, const gchar * media_caps)
{
  a->media = gst_harness_new_with_padnames ("rtpbweadapt", "sink", "src");
  a->adapt = a->media->element;
  a->rtcp = gst_harness_new_with_element (a->adapt, "rtcp_sink", "rtcp_src");
  a->bus = gst_bus_new ();
  a->warnings = g_ptr_array_new_with_free_func (g_free);
  gst_element_set_bus (a->adapt, a->bus);
  gst_harness_set_src_caps_str (a->media, media_caps);
  gst_harness_set_src_caps_str (a->rtcp, "application/x-rtcp");
}

static void
adapt_teardown (Adapt * a)
{
  gst_element_set_bus (a->adapt, NULL);
  gst_object_unref (a->bus);
  g_ptr_array_unref (a->warnings);
  gst_harness_teardown (a->rtcp);
  gst_harness_teardown (a->media);
}

/* A reduced-size REMB of bps for the given SSRCs, sender SSRC 1. */
static GstBuffer *
remb_buffer (guint64 bps, const guint32 * ssrcs, gsize n, GstClockTime pts)
{
  guint8 data[20 + 4 * 8];
  gsize len = bwe_remb_write (data, sizeof (data), 1, bps, ssrcs, n);
  GstBuffer *buf = gst_buffer_new_memdup (data, len);

  GST_BUFFER_PTS (buf) = pts;
  return buf;
}

/* A compound packet: a receiver report with one block, then the REMB. */
static GstBuffer *
compound_buffer (guint64 bps, GstClockTime pts)
{
  guint8 data[32 + 20];
  GstBuffer *buf;

  memset (data, 0, 32);
  data[0] = 0x81;
  data[1] = 201;
  data[3] = 7;
  data[7] = 1;
  data[11] = 2;
  bwe_remb_write (data + 32, 20, 1, bps, NULL, 0);
  buf = gst_buffer_new_memdup (data, sizeof (data));
  GST_BUFFER_PTS (buf) = pts;
  return buf;
}

/* Pushes RTCP; the same buffer, same bytes, must come out of rtcp_src. */
static void
push_rtcp (Adapt * a, GstBuffer * buf)
{
  GstBuffer *out;
  GstMapInfo m;
  guint8 *copy;
  gsize size = gst_buffer_get_size (buf);

  copy = g_malloc (size + 1);
  gst_buffer_extract (buf, 0, copy, size);
  gst_buffer_ref (buf);
  fail_unless_equals_int (gst_harness_push (a->rtcp, buf), GST_FLOW_OK);
  out = gst_harness_pull (a->rtcp);
  fail_unless (out == buf);
  fail_unless (gst_buffer_map (out, &m, GST_MAP_READ));
  fail_unless_equals_uint64 (m.size, size);
  fail_unless (size == 0 || memcmp (m.data, copy, size) == 0);
  gst_buffer_unmap (out, &m);
  gst_buffer_unref (out);
  gst_buffer_unref (buf);
  g_free (copy);
}

/* Keeps the text of a warning aside. */
static void
keep_warning (Adapt * a, GstMessage * m)
{
  GError *err;
  gchar *dbg;

  gst_message_parse_warning (m, &err, &dbg);
  g_ptr_array_add (a->warnings, g_strdup (err->message));
  g_error_free (err);
  g_free (dbg);
}

/* The next rtpbweadapt-bitrate message (fails when there is none); the
 * warnings before it are kept. */
static GstStructure *
next_decision (Adapt * a)
{
  GstMessage *m;

  while ((m = gst_bus_pop (a->bus)) != NULL) {
    const GstStructure *s = gst_message_get_structure (m);

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
      keep_warning (a, m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "rtpbweadapt-bitrate")) {
      GstStructure *copy = gst_structure_copy (s);
      gst_message_unref (m);
      return copy;
    }
    gst_message_unref (m);
  }
  fail ("no rtpbweadapt-bitrate message");
  return NULL;
}

static void
assert_decision (Adapt * a, guint64 remb, guint target, guint bitrate,
    const gchar * encoder, const gchar * reason, GstClockTime ts)
{
  GstStructure *s = next_decision (a);
  guint64 v64;
  guint v;

  fail_unless (gst_structure_get_uint64 (s, "remb", &v64));
  fail_unless_equals_uint64 (v64, remb);
  fail_unless (gst_structure_get_uint (s, "target", &v));
  fail_unless_equals_int (v, target);
  fail_unless (gst_structure_get_uint (s, "bitrate", &v));
  fail_unless_equals_int (v, bitrate);
  fail_unless_equals_string (gst_structure_get_string (s, "encoder"), encoder);
  fail_unless_equals_string (gst_structure_get_string (s, "reason"), reason);
  fail_unless (gst_structure_get_uint64 (s, "timestamp", &v64));
  fail_unless_equals_uint64 (v64, ts);
  gst_structure_free (s);
}

/* No decision waits on the bus (the warnings are kept). */
static void
no_decision (Adapt * a)
{
  GstMessage *m;

  while ((m = gst_bus_pop (a->bus)) != NULL) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
      keep_warning (a, m);
    fail_if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT);
    gst_message_unref (m);
  }
}

/* Exactly one warning was posted, and it says words. */
static void
expect_one_warning (Adapt * a, const gchar * words)
{
  no_decision (a);
  fail_unless_equals_int (a->warnings->len, 1);
  fail_unless (strstr (g_ptr_array_index (a->warnings, 0), words) != NULL,
      "%s", (gchar *) g_ptr_array_index (a->warnings, 0));
}

static guint
stat_uint (GstElement * adapt, const gchar * field)
{
  GstStructure *s;
  guint v = G_MAXUINT;

  g_object_get (adapt, "stats", &s, NULL);
  gst_structure_get_uint (s, field, &v);
  gst_structure_free (s);
  return v;
}

static guint64
stat (GstElement * adapt, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (adapt, "stats", &s, NULL);
  gst_structure_get_uint64 (s, field, &v);
  gst_structure_free (s);
  return v;
}

/* Waiting for the encoder: rtpbweadapt sets it from GStreamer's thread pool,
 * so the test waits (at most WAIT_US) for the value to arrive. */
typedef struct
{
  GMutex lock;
  GCond cond;
} Waiter;

static void
on_notify (GObject * obj, GParamSpec * pspec, Waiter * w)
{
  g_mutex_lock (&w->lock);
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

static gint64
get_number (GObject * obj, const gchar * prop)
{
  GParamSpec *p = g_object_class_find_property (G_OBJECT_GET_CLASS (obj),
      prop);
  GValue v = G_VALUE_INIT;
  gint64 n;

  g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (p));
  g_object_get_property (obj, prop, &v);
  if (G_VALUE_TYPE (&v) == G_TYPE_INT)
    n = g_value_get_int (&v);
  else if (G_VALUE_TYPE (&v) == G_TYPE_UINT)
    n = g_value_get_uint (&v);
  else
    n = (gint64) g_value_get_uint64 (&v);
  g_value_unset (&v);
  return n;
}

static void
wait_property (GstElement * el, const gchar * prop, gint64 want)
{
  Waiter w;
  gchar *detail = g_strconcat ("notify::", prop, NULL);
  gulong id;
  gint64 end = g_get_monotonic_time () + WAIT_US;

  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  id = g_signal_connect (el, detail, G_CALLBACK (on_notify), &w);
  g_mutex_lock (&w.lock);
  while (get_number (G_OBJECT (el), prop) != want
      && g_cond_wait_until (&w.cond, &w.lock, end));
  g_mutex_unlock (&w.lock);
  g_signal_handler_disconnect (el, id);
  fail_unless_equals_int64 (get_number (G_OBJECT (el), prop), want);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
  g_free (detail);
}

/* Waits until a stats counter reaches n. */
static void
wait_stat (GstElement * adapt, const gchar * field, guint64 n)
{
  gint64 end = g_get_monotonic_time () + WAIT_US;

  while (stat (adapt, field) < n && g_get_monotonic_time () < end)
    g_usleep (1000);
  fail_unless_equals_uint64 (stat (adapt, field), n);
}

/* An encoder of its own, in PLAYING, handed to rtpbweadapt. */
static GstElement *
playing_encoder (Adapt * a, const gchar * factory, const gchar * name)
{
  GstElement *enc = gst_element_factory_make (factory, name);

  fail_unless (enc != NULL, "%s missing (tools/setup.sh installs it)", factory);
  gst_object_ref_sink (enc);
  fail_if (gst_element_set_state (enc, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  g_object_set (a->adapt, "encoder", enc, NULL);
  return enc;
}

static void
drop_encoder (GstElement * enc)
{
  gst_element_set_state (enc, GST_STATE_NULL);
  gst_object_unref (enc);
}

GST_START_TEST (test_passthrough)
{
  Adapt a;
  GstBuffer *in, *out;
  GstEvent *ev;

  adapt_setup (&a, "video/x-h264, stream-format=byte-stream");
  in = gst_buffer_new_memdup ("frame", 5);
  GST_BUFFER_PTS (in) = 40 * MS;
  GST_BUFFER_DTS (in) = 33 * MS;
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DELTA_UNIT);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (a.media, in), GST_FLOW_OK);
  out = gst_harness_pull (a.media);
  fail_unless (out == in);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 40 * MS);
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), 33 * MS);
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  /* the media caps and the RTCP caps each reach their own src pad */
  while ((ev = gst_harness_try_pull_event (a.media)) != NULL) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps (ev, &caps);
      fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
              "video/x-h264"));
    }
    gst_event_unref (ev);
  }
  fail_unless_equals_int (gst_harness_events_received (a.rtcp), 3);
  /* RTCP with no REMB passes untouched, and decides nothing */
  push_rtcp (&a, compound_buffer (0, 0));
  fail_unless_equals_uint64 (stat (a.adapt, "rtcp-buffers"), 1);
  adapt_teardown (&a);
}

GST_END_TEST;

/* x264enc's bitrate is in kbit/s: 1234560 bit/s (what the REMB mantissa
 * carries for 1234567) is 1234, and a compound RTCP brings it down. */
GST_START_TEST (test_x264enc_kbps)
{
  Adapt a;
  GstElement *enc;

  adapt_setup (&a, "video/x-h264");
  enc = playing_encoder (&a, "x264enc", "x264");
  fail_unless_equals_int (get_number (G_OBJECT (enc), "bitrate"), 2048);
  push_rtcp (&a, remb_buffer (1234567, NULL, 0, 0));
  /* x264enc's own 2048 kbit/s was in force: a decrease, at once */
  assert_decision (&a, 1234560, 1234560, 1234560, "x264", "applied", 0);
  wait_property (enc, "bitrate", 1234);
  push_rtcp (&a, compound_buffer (600000, 100 * MS));
  assert_decision (&a, 600000, 600000, 600000, "x264", "applied", 100 * MS);
  wait_property (enc, "bitrate", 600);
  fail_unless_equals_int (get_number (G_OBJECT (a.adapt), "bitrate"), 600000);
  wait_stat (a.adapt, "encoder-sets", 2);
  drop_encoder (enc);
  adapt_teardown (&a);
}

GST_END_TEST;

/* vp8enc's target-bitrate is in bit/s (libvpx keeps whole kbit/s). */
GST_START_TEST (test_vp8enc_bps)
{
  Adapt a;
  GstElement *enc;

  adapt_setup (&a, "video/x-vp8");
  enc = playing_encoder (&a, "vp8enc", "vp8");
  fail_unless_equals_int (get_number (G_OBJECT (enc), "target-bitrate"),
      256000);
  push_rtcp (&a, compound_buffer (300000, 0));
  assert_decision (&a, 300000, 300000, 300000, "vp8", "applied", 0);
  wait_property (enc, "target-bitrate", 300000);
  /* an increase one second later: applied */
  push_rtcp (&a, remb_buffer (500000, NULL, 0, 1000 * MS));
  assert_decision (&a, 500000, 500000, 500000, "vp8", "applied", 1000 * MS);
  wait_property (enc, "target-bitrate", 500000);
  drop_encoder (enc);
  adapt_teardown (&a);
}

GST_END_TEST;

/* opusenc's bitrate is in bit/s, at most 650000: above that, clamped; its
 * share of a REMB shared with video. */
GST_START_TEST (test_opusenc_bps)
{
  Adapt a;
  GstElement *enc;

  adapt_setup (&a, "audio/x-opus");
  g_object_set (a.adapt, "min-bitrate", 6000, NULL);
  enc = playing_encoder (&a, "opusenc", "opus");
  push_rtcp (&a, remb_buffer (48000, NULL, 0, 0));
  assert_decision (&a, 48000, 48000, 48000, "opus", "applied", 0);
  wait_property (enc, "bitrate", 48000);
  push_rtcp (&a, remb_buffer (1000000, NULL, 0, 1000 * MS));
  assert_decision (&a, 1000000, 1000000, 650000, "opus", "clamped", 1000 * MS);
  wait_property (enc, "bitrate", 650000);
  /* a tenth of 200000 is 20000, a decrease, at once */
  g_object_set (a.adapt, "fraction", 0.1, NULL);
  push_rtcp (&a, remb_buffer (200000, NULL, 0, 1001 * MS));
  assert_decision (&a, 200000, 20000, 20000, "opus", "applied", 1001 * MS);
  wait_property (enc, "bitrate", 20000);
  fail_unless_equals_uint64 (stat (a.adapt, "clamped"), 1);
  fail_unless_equals_uint64 (stat (a.adapt, "applied"), 2);
  drop_encoder (enc);
  adapt_teardown (&a);
}

GST_END_TEST;

/* The policy through the element, in the RTCP's time, with no encoder: the
 * bitrate is still published, and one warning says why nothing is set. */
GST_START_TEST (test_policy_edges)
{
  Adapt a;

  adapt_setup (&a, "video/x-h264");
  /* 1000000, 1029996 and 1030000 are exact REMB values (mantissa << 2) */
  push_rtcp (&a, remb_buffer (1000000, NULL, 0, 10 * MS));
  assert_decision (&a, 1000000, 1000000, 1000000, "", "applied", 10 * MS);
  /* 3 % up half a second later: held until a second has passed */
  push_rtcp (&a, remb_buffer (1030000, NULL, 0, 510 * MS));
  assert_decision (&a, 1030000, 1030000, 1000000, "", "rate-limited", 510 * MS);
  /* 4 bit/s under 3 %: no change, even once allowed */
  push_rtcp (&a, remb_buffer (1029996, NULL, 0, 1010 * MS));
  assert_decision (&a, 1029996, 1029996, 1000000, "", "deadband", 1010 * MS);
  push_rtcp (&a, remb_buffer (1030000, NULL, 0, 1010 * MS));
  assert_decision (&a, 1030000, 1030000, 1030000, "", "applied", 1010 * MS);
  /* a decrease right after: at once */
  push_rtcp (&a, remb_buffer (900000, NULL, 0, 1020 * MS));
  assert_decision (&a, 900000, 900000, 900000, "", "applied", 1020 * MS);
  /* below min-bitrate (libwebrtc's 30000): the bound */
  push_rtcp (&a, remb_buffer (10000, NULL, 0, 1030 * MS));
  assert_decision (&a, 10000, 10000, 30000, "", "clamped", 1030 * MS);
  /* max-bitrate, changed while playing; and 40 bytes a packet of overhead:
   * 2000000 bit/s is ceil (2000000 / 9600) = 209 packets, 66880 bit/s */
  g_object_set (a.adapt, "max-bitrate", 1500000, "overhead", 40, NULL);
  push_rtcp (&a, remb_buffer (2000000, NULL, 0, 3000 * MS));
  assert_decision (&a, 2000000, 1933120, 1500000, "", "clamped", 3000 * MS);
  g_object_set (a.adapt, "max-bitrate", 0, "overhead", 0,
      "overhead-percent", 10.0, "deadband", 0.0, "min-interval", 0, NULL);
  push_rtcp (&a, remb_buffer (2000000, NULL, 0, 3001 * MS));
  assert_decision (&a, 2000000, 1800000, 1800000, "", "applied", 3001 * MS);
  fail_unless_equals_int (get_number (G_OBJECT (a.adapt), "bitrate"), 1800000);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-packets"), 8);
  fail_unless_equals_uint64 (stat (a.adapt, "applied"), 4);
  fail_unless_equals_uint64 (stat (a.adapt, "clamped"), 2);
  fail_unless_equals_uint64 (stat (a.adapt, "deadband"), 1);
  fail_unless_equals_uint64 (stat (a.adapt, "rate-limited"), 1);
  fail_unless_equals_uint64 (stat (a.adapt, "encoder-sets"), 0);
  /* one warning only, for all those decisions */
  expect_one_warning (&a, "No encoder upstream of rtpbweadapt");
  /* READY starts afresh */
  gst_element_set_state (a.adapt, GST_STATE_READY);
  fail_unless_equals_int (get_number (G_OBJECT (a.adapt), "bitrate"), 0);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-packets"), 0);
  adapt_teardown (&a);
}

GST_END_TEST;

static void
notify_count (GObject * obj, GParamSpec * pspec, gint * n)
{
  (*n)++;
}

/* notify::bitrate once per change of the bitrate in force */
GST_START_TEST (test_bitrate_notify)
{
  Adapt a;
  gint n = 0;

  adapt_setup (&a, "video/x-h264");
  g_signal_connect (a.adapt, "notify::bitrate", G_CALLBACK (notify_count), &n);
  push_rtcp (&a, remb_buffer (500000, NULL, 0, 0));
  push_rtcp (&a, remb_buffer (500000, NULL, 0, 2000 * MS));
  push_rtcp (&a, remb_buffer (400000, NULL, 0, 2001 * MS));
  fail_unless_equals_int (n, 2);
  adapt_teardown (&a);
}

GST_END_TEST;

/* SSRCs: the property, the caps of RTP after the payloader, or its first
 * packet; a REMB that lists no SSRC always counts. */
GST_START_TEST (test_ssrc)
{
  static const guint32 ours = 0x1234, other = 0x5678;
  static const guint32 both[] = { 0x5678, 0x1234 };
  Adapt a;
  guint8 rtp[12] = { 0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };

  adapt_setup (&a, "application/x-rtp, ssrc=(uint)4660");
  push_rtcp (&a, remb_buffer (500000, &other, 1, 0));
  no_decision (&a);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-ignored"), 1);
  push_rtcp (&a, remb_buffer (500000, both, 2, 0));
  assert_decision (&a, 500000, 500000, 500000, "", "applied", 0);
  push_rtcp (&a, remb_buffer (400000, NULL, 0, MS));
  assert_decision (&a, 400000, 400000, 400000, "", "applied", MS);
  adapt_teardown (&a);

  /* no ssrc in the caps: the first RTP packet's */
  adapt_setup (&a, "application/x-rtp");
  push_rtcp (&a, remb_buffer (500000, &other, 1, 0));
  assert_decision (&a, 500000, 500000, 500000, "", "applied", 0);
  gst_harness_push (a.media, gst_buffer_new_memdup (rtp, sizeof (rtp)));
  gst_buffer_unref (gst_harness_pull (a.media));
  fail_unless_equals_int (stat_uint (a.adapt, "ssrc"), 0x1234);
  push_rtcp (&a, remb_buffer (400000, &other, 1, MS));
  fail_unless_equals_uint64 (stat (a.adapt, "remb-ignored"), 1);
  push_rtcp (&a, remb_buffer (400000, &ours, 1, MS));
  assert_decision (&a, 400000, 400000, 400000, "", "applied", MS);
  /* the property wins */
  g_object_set (a.adapt, "ssrc", other, NULL);
  push_rtcp (&a, remb_buffer (300000, &ours, 1, 2 * MS));
  fail_unless_equals_uint64 (stat (a.adapt, "remb-ignored"), 2);
  push_rtcp (&a, remb_buffer (300000, &other, 1, 2 * MS));
  assert_decision (&a, 300000, 300000, 300000, "", "applied", 2 * MS);
  adapt_teardown (&a);
}

GST_END_TEST;

/* Broken RTCP passes unchanged, is counted, decides nothing; what is whole
 * before the break still counts. */
GST_START_TEST (test_bad_rtcp)
{
  static const guint8 garbage[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
  static const guint32 three[] = { 1, 2, 3 };
  Adapt a;
  guint8 data[64];
  gsize len;
  GstBuffer *buf;

  adapt_setup (&a, "video/x-h264");
  push_rtcp (&a, gst_buffer_new_memdup (garbage, sizeof (garbage)));
  push_rtcp (&a, gst_buffer_new ());
  /* a REMB whose SSRC count says 4 in room for 3 */
  len = bwe_remb_write (data, sizeof (data), 1, 500000, three, 3);
  data[16] = 4;
  push_rtcp (&a, gst_buffer_new_memdup (data, len));
  /* a whole REMB, then a header whose length runs past the end */
  len = bwe_remb_write (data, sizeof (data), 1, 700000, NULL, 0);
  memcpy (data + len, "\x81\xc9\x00\x07\x00\x00", 6);
  buf = gst_buffer_new_memdup (data, len + 6);
  GST_BUFFER_PTS (buf) = 5 * MS;
  push_rtcp (&a, buf);
  assert_decision (&a, 700000, 700000, 700000, "", "applied", 5 * MS);
  /* a truncated REMB alone */
  push_rtcp (&a, gst_buffer_new_memdup (data, 12));
  fail_unless_equals_uint64 (stat (a.adapt, "rtcp-buffers"), 5);
  fail_unless_equals_uint64 (stat (a.adapt, "rtcp-malformed"), 3);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-malformed"), 1);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-packets"), 1);
  adapt_teardown (&a);
}

GST_END_TEST;

/* Not PLAYING: decided and published, but the encoder is left alone until it
 * plays and media flows again. */
GST_START_TEST (test_not_playing)
{
  Adapt a;
  GstElement *enc;

  adapt_setup (&a, "video/x-h264");
  enc = playing_encoder (&a, "x264enc", "x264");
  gst_element_set_state (enc, GST_STATE_PAUSED);
  push_rtcp (&a, remb_buffer (500000, NULL, 0, 0));
  assert_decision (&a, 500000, 500000, 500000, "x264", "applied", 0);
  wait_stat (a.adapt, "encoder-waits", 1);
  fail_unless_equals_int (get_number (G_OBJECT (enc), "bitrate"), 2048);
  fail_unless_equals_uint64 (stat (a.adapt, "encoder-sets"), 0);
  gst_element_set_state (enc, GST_STATE_PLAYING);
  gst_harness_push (a.media, gst_buffer_new_memdup ("frame", 5));
  gst_buffer_unref (gst_harness_pull (a.media));
  wait_property (enc, "bitrate", 500);
  wait_stat (a.adapt, "encoder-sets", 1);
  drop_encoder (enc);
  adapt_teardown (&a);
}

GST_END_TEST;

/* An encoder not in the table, and an avenc_* (which refuses changes once
 * its codec is open): one warning naming it; the bitrate still published. */
GST_START_TEST (test_encoders_it_cannot_set)
{
  Adapt a;
  GstElement *enc;

  adapt_setup (&a, "image/jpeg");
  enc = playing_encoder (&a, "jpegenc", "jpeg");
  push_rtcp (&a, remb_buffer (500000, NULL, 0, 0));
  assert_decision (&a, 500000, 500000, 500000, "", "applied", 0);
  push_rtcp (&a, remb_buffer (400000, NULL, 0, MS));
  assert_decision (&a, 400000, 400000, 400000, "", "applied", MS);
  expect_one_warning (&a, "Encoder \"jpeg\" (jpegenc) is not one "
      "rtpbweadapt knows");
  fail_unless_equals_int (get_number (G_OBJECT (a.adapt), "bitrate"), 400000);
  drop_encoder (enc);
  adapt_teardown (&a);

  adapt_setup (&a, "video/mpeg");
  enc = playing_encoder (&a, "avenc_mpeg4", "mpeg4");
  push_rtcp (&a, remb_buffer (500000, NULL, 0, 0));
  assert_decision (&a, 500000, 500000, 500000, "", "applied", 0);
  expect_one_warning (&a, "Encoder \"mpeg4\" (avenc_mpeg4) reads "
      "\"bitrate\" only before it opens its codec");
  fail_unless_equals_uint64 (stat (a.adapt, "encoder-sets"), 0);
  drop_encoder (enc);
  adapt_teardown (&a);
}

GST_END_TEST;

/* rtp-session: rtpsession's internal session hands the REMB's FCI over in
 * on-feedback-rtcp (emitted here as rtpsession emits it). */
GST_START_TEST (test_rtp_session)
{
  Adapt a;
  GstElement *rtpsession = gst_element_factory_make ("rtpsession", NULL);
  GObject *session;
  guint8 data[32];
  gsize len = bwe_remb_write (data, sizeof (data), 7, 800000, NULL, 0);
  GstBuffer *fci = gst_buffer_new_memdup (data + 12, len - 12);
  GstBuffer *bad;

  adapt_setup (&a, "video/x-h264");
  g_object_get (rtpsession, "internal-session", &session, NULL);
  g_object_set (a.adapt, "rtp-session", session, NULL);
  g_signal_emit_by_name (session, "on-feedback-rtcp", 206, 15, 7, 0, fci);
  {
    GstStructure *s = next_decision (&a);
    fail_unless_equals_string (gst_structure_get_string (s, "reason"),
        "applied");
    fail_unless_equals_int (get_number (G_OBJECT (a.adapt), "bitrate"), 800000);
    gst_structure_free (s);
  }
  /* other feedback is not REMB; a broken REMB FCI is counted */
  g_signal_emit_by_name (session, "on-feedback-rtcp", 205, 15, 7, 0, fci);
  bad = gst_buffer_new_memdup (data + 12, len - 13);
  g_signal_emit_by_name (session, "on-feedback-rtcp", 206, 15, 7, 0, bad);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-packets"), 1);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-malformed"), 1);
  /* unset: no longer listening */
  g_object_set (a.adapt, "rtp-session", NULL, NULL);
  g_signal_emit_by_name (session, "on-feedback-rtcp", 206, 15, 7, 0, fci);
  fail_unless_equals_uint64 (stat (a.adapt, "remb-packets"), 1);
  gst_buffer_unref (bad);
  gst_buffer_unref (fci);
  g_object_unref (session);
  gst_object_unref (rtpsession);
  adapt_teardown (&a);
}

GST_END_TEST;

/* The encoder found upstream: out of the bin rtpbweadapt sits in, through a
 * tee, a capsfilter, a parser and a queue, into the bin the encoder sits
 * in; set while the pipeline plays. */
GST_START_TEST (test_upstream_walk)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc is-live=true ! "
      "video/x-raw,width=64,height=64,framerate=10/1 ! "
      "bin.( x264enc name=enc tune=zerolatency speed-preset=ultrafast ) ! "
      "queue ! h264parse ! capsfilter caps=video/x-h264 ! tee ! "
      "bin.( rtpbweadapt name=adapt ) ! fakesink sync=false", NULL);
  GstElement *adapt, *enc, *found, *sink;
  GstPad *src, *rtcp_sink, *rtcp_src, *sinkpad;
  GstSegment seg;
  GstCaps *caps;
  GstBus *bus;
  GstMessage *m;

  fail_unless (pipeline != NULL);
  adapt = gst_bin_get_by_name (GST_BIN (pipeline), "adapt");
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  fail_unless (adapt != NULL && enc != NULL);
  fail_if (GST_OBJECT_PARENT (adapt) == GST_OBJECT (pipeline));
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (GST_OBJECT_PARENT (adapt)), sink);
  rtcp_src = gst_element_get_static_pad (adapt, "rtcp_src");
  sinkpad = gst_element_get_static_pad (sink, "sink");
  fail_unless_equals_int (gst_pad_link (rtcp_src, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
  gst_object_unref (rtcp_src);

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
      == GST_STATE_CHANGE_SUCCESS);
  src = gst_pad_new ("src", GST_PAD_SRC);
  rtcp_sink = gst_element_get_static_pad (adapt, "rtcp_sink");
  fail_unless_equals_int (gst_pad_link (src, rtcp_sink), GST_PAD_LINK_OK);
  gst_pad_set_active (src, TRUE);
  gst_pad_push_event (src, gst_event_new_stream_start ("rtcp"));
  caps = gst_caps_from_string ("application/x-rtcp");
  gst_pad_push_event (src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_segment (&seg));
  fail_unless_equals_int (gst_pad_push (src, remb_buffer (700000, NULL, 0,
              0)), GST_FLOW_OK);
  wait_property (enc, "bitrate", 700);
  g_object_get (adapt, "encoder", &found, NULL);
  fail_unless (found == enc);
  gst_object_unref (found);
  bus = gst_element_get_bus (pipeline);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR)) != NULL) {
    gst_message_unref (m);
    fail ("warning or error from the pipeline");
  }
  gst_object_unref (bus);

  gst_pad_set_active (src, FALSE);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (rtcp_sink);
  gst_object_unref (src);
  gst_object_unref (enc);
  gst_object_unref (adapt);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
rtpbweadapt_suite (void)
{
  Suite *s = suite_create ("rtpbweadapt");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_passthrough);
  tcase_add_test (tc, test_x264enc_kbps);
  tcase_add_test (tc, test_vp8enc_bps);
  tcase_add_test (tc, test_opusenc_bps);
  tcase_add_test (tc, test_policy_edges);
  tcase_add_test (tc, test_bitrate_notify);
  tcase_add_test (tc, test_ssrc);
  tcase_add_test (tc, test_bad_rtcp);
  tcase_add_test (tc, test_not_playing);
  tcase_add_test (tc, test_encoders_it_cannot_set);
  tcase_add_test (tc, test_rtp_session);
  tcase_add_test (tc, test_upstream_walk);
  return s;
}

GST_CHECK_MAIN (rtpbweadapt);
