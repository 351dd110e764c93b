/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtpbwe under GstHarness: passthrough, events, estimates and feedback
 * against libwebrtc's own numbers (gcc-reference.md and the parity-dev
 * traces), extension ids from caps and properties, every bad-input kind,
 * property changes while playing and resets on state changes. */
#include <string.h>

#include <gio/gio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "improved_estimator.h"
#include "remb.h"
#include "remb_throttler.h"

#define AST_URI "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define TWCC_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define CAPS_AST3 "application/x-rtp, extmap-3=(string)" AST_URI
#define ACT_URI "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
#define CAPS_ACT7 "application/x-rtp, extmap-7=(string)" ACT_URI
/* NTP seconds of the capture times written: a multiple of 64, so that the
 * 6.18 part (bits 14..37) is the abs-send-time alone */
#define NTP_BASE (G_GUINT64_CONSTANT (0xe9a1b2c0) << 32)
#define NO_EXT -1

typedef struct
{
  GstHarness *h;
  GstHarness *rtcp;
  GstBus *bus;
} Bwe;

static void
bwe_setup (Bwe * b, const gchar * caps)
{
  b->h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  b->rtcp = gst_harness_new_with_element (b->h->element, NULL, "rtcp_src");
  b->bus = gst_bus_new ();
  gst_element_set_bus (b->h->element, b->bus);
  gst_harness_set_src_caps_str (b->h, caps);
}

static void
bwe_teardown (Bwe * b)
{
  gst_element_set_bus (b->h->element, NULL);
  gst_object_unref (b->bus);
  gst_harness_teardown (b->rtcp);
  gst_harness_teardown (b->h);
}

/* An RTP packet: one-byte (or two-byte) header extension with abs-send-time
 * at ast_id and the transport sequence at twcc_id when >= 0, payload bytes
 * of zeros, DTS = arrival. */
static GstBuffer *
rtp_packet (guint32 ssrc, guint16 seq, gint64 abs24, gint twcc_seq,
    gsize payload, GstClockTime dts, guint8 ast_id, guint8 twcc_id,
    gboolean two_byte)
{
  guint8 ext[16];
  gsize ext_len = 0, words, size, pos;
  guint8 *d;
  GstBuffer *buf;

  if (abs24 >= 0) {
    if (two_byte) {
      ext[ext_len++] = ast_id;
      ext[ext_len++] = 3;
    } else {
      ext[ext_len++] = (guint8) ((ast_id << 4) | 2);
    }
    ext[ext_len++] = (guint8) (abs24 >> 16);
    ext[ext_len++] = (guint8) (abs24 >> 8);
    ext[ext_len++] = (guint8) abs24;
  }
  if (twcc_seq >= 0) {
    if (two_byte) {
      ext[ext_len++] = twcc_id;
      ext[ext_len++] = 2;
    } else {
      ext[ext_len++] = (guint8) ((twcc_id << 4) | 1);
    }
    ext[ext_len++] = (guint8) (twcc_seq >> 8);
    ext[ext_len++] = (guint8) twcc_seq;
  }
  words = (ext_len + 3) / 4;
  size = 12 + (ext_len ? 4 + 4 * words : 0) + payload;
  buf = gst_buffer_new_allocate (NULL, size, NULL);
  d = g_malloc0 (size);
  d[0] = ext_len ? 0x90 : 0x80;
  d[1] = 96;
  GST_WRITE_UINT16_BE (d + 2, seq);
  GST_WRITE_UINT32_BE (d + 4, seq * 3000u);
  GST_WRITE_UINT32_BE (d + 8, ssrc);
  pos = 12;
  if (ext_len) {
    GST_WRITE_UINT16_BE (d + 12, two_byte ? 0x1000 : 0xBEDE);
    GST_WRITE_UINT16_BE (d + 14, words);
    memcpy (d + 16, ext, ext_len);
    pos = 16 + 4 * words;
  }
  fail_unless (pos + payload == size);
  gst_buffer_fill (buf, 0, d, size);
  g_free (d);
  GST_BUFFER_DTS (buf) = dts;
  return buf;
}

/* Big-endian, byte by byte: d + 17 is not aligned for GST_WRITE_UINT64_BE's
 * single store. */
static void
put_u64_be (guint8 * d, guint64 v)
{
  gint i;

  for (i = 7; i >= 0; i--, v >>= 8)
    d[i] = (guint8) v;
}

/* An RTP packet whose only extension is abs-capture-time (id, one-byte
 * header): the 8-byte form, or the 16-byte one with a clock offset. */
static GstBuffer *
act_packet (guint32 ssrc, guint16 seq, guint64 ntp, gboolean with_offset,
    gint64 offset, gsize payload, GstClockTime dts, guint8 id)
{
  gsize ext_len = with_offset ? 17 : 9;
  gsize words = (ext_len + 3) / 4;
  gsize size = 12 + 4 + 4 * words + payload;
  guint8 *d = g_malloc0 (size);
  GstBuffer *buf;

  d[0] = 0x90;
  d[1] = 96;
  GST_WRITE_UINT16_BE (d + 2, seq);
  GST_WRITE_UINT32_BE (d + 4, seq * 3000u);
  GST_WRITE_UINT32_BE (d + 8, ssrc);
  GST_WRITE_UINT16_BE (d + 12, 0xBEDE);
  GST_WRITE_UINT16_BE (d + 14, words);
  d[16] = (guint8) ((id << 4) | (ext_len - 2));
  put_u64_be (d + 17, ntp);
  if (with_offset)
    put_u64_be (d + 25, (guint64) offset);
  buf = gst_buffer_new_wrapped (d, size);
  GST_BUFFER_DTS (buf) = dts;
  return buf;
}

/* The parity traces' abs-send-time as a capture time: 8- and 16-byte forms
 * in turn, the offset changing at every packet (it must not be applied), and
 * the NTP time anywhere within half a 6.18 tick (2^13 of 2^32 s) of the
 * abs-send-time, which rounds to it. */
static GstBuffer *
act_packet_from_abs24 (guint32 ssrc, guint16 seq, guint32 abs24, guint n,
    gsize payload, GstClockTime dts)
{
  gint64 jitter = (gint64) ((n * 7919u) % 0x4000u) - 0x2000;
  guint64 ntp = NTP_BASE + ((guint64) abs24 << 14) + (guint64) jitter;

  return act_packet (ssrc, seq, ntp, n % 2 == 1,
      ((gint64) n - 1000) * (1 << 20), payload, dts, 7);
}

static GstBuffer *
ast_packet (guint32 ssrc, guint16 seq, guint32 abs24, gsize payload,
    GstClockTime dts)
{
  return rtp_packet (ssrc, seq, abs24, NO_EXT, payload, dts, 3, 0, FALSE);
}

/* libwebrtc's unit-test helper AbsSendTime(t, denom) (gcc-reference 1.1). */
static guint32
abs_send_time (gint64 t, gint64 denom)
{
  return (guint32) ((((t) << 18) + (denom >> 1)) / denom) & 0xFFFFFF;
}

/* libwebrtc's TestProbeDetection (gcc-reference 2.2): clock from 100 s,
 * 5 x 1000 B every 10 ms, then 5 every 5 ms, SSRC 0, abs-send-time of the
 * send ms.  libwebrtc's estimate afterwards: 1601000. */
static void
push_probe_stream (Bwe * b, gboolean with_dts)
{
  gint64 now_ms = 100000;
  guint i;

  for (i = 0; i < 10; i++) {
    GstBuffer *buf;

    now_ms += i < 5 ? 10 : 5;
    buf = ast_packet (0, (guint16) i, abs_send_time (now_ms, 1000), 1000,
        with_dts ? (GstClockTime) now_ms * GST_MSECOND : GST_CLOCK_TIME_NONE);
    if (!with_dts) {
      gst_harness_set_time (b->h, (GstClockTime) now_ms * GST_MSECOND);
    }
    fail_unless_equals_int (gst_harness_push (b->h, buf), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (b->h));
  }
}

typedef struct
{
  guint bitrate;
  guint64 timestamp;
  guint incoming;
  gchar state[16];
  gchar regime[16];             /* "" when the message has none */
  guint n_ssrcs;
  guint first_ssrc;
} Estimate;

static GArray *
pop_estimates (Bwe * b)
{
  GArray *arr = g_array_new (FALSE, TRUE, sizeof (Estimate));
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (b->bus, GST_MESSAGE_ELEMENT)) != NULL) {
    const GstStructure *s = gst_message_get_structure (m);
    Estimate e;
    const GValue *ssrcs;

    if (gst_structure_has_name (s, "rtpbwe-estimate")) {
      memset (&e, 0, sizeof e);
      fail_unless (gst_structure_get_uint (s, "bitrate", &e.bitrate));
      fail_unless (gst_structure_get_uint64 (s, "timestamp", &e.timestamp));
      fail_unless (gst_structure_get_uint (s, "incoming-bitrate",
              &e.incoming));
      g_strlcpy (e.state, gst_structure_get_string (s, "state"),
          sizeof e.state);
      if (gst_structure_has_field (s, "regime"))
        g_strlcpy (e.regime, gst_structure_get_string (s, "regime"),
            sizeof e.regime);
      ssrcs = gst_structure_get_value (s, "ssrcs");
      fail_unless (GST_VALUE_HOLDS_ARRAY (ssrcs));
      e.n_ssrcs = gst_value_array_get_size (ssrcs);
      if (e.n_ssrcs > 0)
        e.first_ssrc = g_value_get_uint (gst_value_array_get_value (ssrcs, 0));
      g_array_append_val (arr, e);
    }
    gst_message_unref (m);
  }
  return arr;
}

static guint64
stat_u64 (GstElement * e, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no field %s", field);
  gst_structure_free (s);
  return v;
}

/* rtcp_src is pushed by the RTCP pool, not this thread: EOS on sink, then
 * everything before rtcp_src's EOS has reached its harness. */
static void
drain_rtcp (Bwe * b)
{
  GstEvent *ev;
  gboolean eos = FALSE;

  fail_unless (gst_harness_push_event (b->h, gst_event_new_eos ()));
  while (!eos) {
    ev = gst_harness_pull_event (b->rtcp);
    fail_unless (ev != NULL);
    eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
}

/* After EOS: the REMBs rtcp_src sent, their bitrates (and times) */
static GArray *
pull_rembs (Bwe * b, GArray ** times)
{
  GArray *arr = g_array_new (FALSE, TRUE, sizeof (guint64));
  GstBuffer *buf;

  drain_rtcp (b);
  if (times)
    *times = g_array_new (FALSE, TRUE, sizeof (GstClockTime));
  while ((buf = gst_harness_try_pull (b->rtcp)) != NULL) {
    GstMapInfo map;
    BweRemb remb;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    if (map.size > 1 && map.data[1] == 206) {
      fail_unless_equals_int (bwe_remb_parse (map.data, map.size, &remb), 0);
      g_array_append_val (arr, remb.bitrate_bps);
      if (times)
        g_array_append_val (*times, GST_BUFFER_PTS (buf));
    }
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  return arr;
}

START_TEST (test_probe_estimate)
{
  Bwe b;
  GArray *est, *rembs, *times;
  guint bitrate;
  Estimate *last;

  bwe_setup (&b, CAPS_AST3);
  push_probe_stream (&b, TRUE);

  est = pop_estimates (&b);
  fail_unless (est->len >= 1);
  last = &g_array_index (est, Estimate, est->len - 1);
  fail_unless_equals_int (last->bitrate, 1601000);
  fail_unless_equals_string (last->state, "normal");
  fail_unless_equals_int (last->n_ssrcs, 1);
  fail_unless_equals_int (last->first_ssrc, 0);
  g_object_get (b.h->element, "estimated-bitrate", &bitrate, NULL);
  fail_unless_equals_int (bitrate, 1601000);

  /* the first estimate goes out as REMB at once, with the time of the
   * packet that produced it; a rise within 200 ms waits (RembThrottler) */
  rembs = pull_rembs (&b, &times);
  fail_unless_equals_int (rembs->len, 1);
  fail_unless_equals_uint64 (g_array_index (rembs, guint64, 0),
      g_array_index (est, Estimate, 0).bitrate);
  fail_unless_equals_uint64 (g_array_index (times, GstClockTime, 0),
      g_array_index (est, Estimate, 0).timestamp);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "remb-packets"), 1);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), 10);

  g_array_unref (est);
  g_array_unref (rembs);
  g_array_unref (times);
  bwe_teardown (&b);
}
END_TEST

/* Without DTS or PTS the arrival time is the clock's running time: the
 * harness' test clock set to the same times gives the same estimates. */
START_TEST (test_arrival_from_clock)
{
  Bwe b, c;
  GArray *e1, *e2;
  guint i;

  bwe_setup (&b, CAPS_AST3);
  push_probe_stream (&b, TRUE);
  e1 = pop_estimates (&b);
  bwe_teardown (&b);

  bwe_setup (&c, CAPS_AST3);
  push_probe_stream (&c, FALSE);
  e2 = pop_estimates (&c);
  bwe_teardown (&c);

  fail_unless (e1->len > 0);
  fail_unless_equals_int (e1->len, e2->len);
  for (i = 0; i < e1->len; i++) {
    Estimate *x = &g_array_index (e1, Estimate, i);
    Estimate *y = &g_array_index (e2, Estimate, i);

    fail_unless_equals_int (x->bitrate, y->bitrate);
    fail_unless_equals_uint64 (x->timestamp, y->timestamp);
  }
  g_array_unref (e1);
  g_array_unref (e2);
}
END_TEST

/* DTS wins over PTS: a PTS far away changes nothing. */
START_TEST (test_dts_before_pts)
{
  Bwe b;
  gint64 now_ms = 100000;
  guint i;
  GArray *est;

  bwe_setup (&b, CAPS_AST3);
  for (i = 0; i < 10; i++) {
    GstBuffer *buf;

    now_ms += i < 5 ? 10 : 5;
    buf = ast_packet (0, (guint16) i, abs_send_time (now_ms, 1000), 1000,
        (GstClockTime) now_ms * GST_MSECOND);
    GST_BUFFER_PTS (buf) = (5 - i % 5) * GST_SECOND;
    gst_harness_push (b.h, buf);
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  est = pop_estimates (&b);
  fail_unless (est->len > 0);
  fail_unless_equals_int (g_array_index (est, Estimate, est->len - 1).bitrate,
      1601000);
  g_array_unref (est);
  bwe_teardown (&b);
}
END_TEST

/* Every buffer leaves as it came: the same GstBuffer, bytes, timestamps and
 * flags, good and bad alike. */
START_TEST (test_passthrough)
{
  Bwe b;
  guint i;

  bwe_setup (&b, CAPS_AST3);
  for (i = 0; i < 60; i++) {
    GstBuffer *in, *out;
    GstMapInfo a, c;
    guint8 *copy;
    gsize size;

    if (i % 3 == 0) {
      in = ast_packet (0x1234, (guint16) i, i * 5243u, 100 + i,
          (GstClockTime) (i * 20) * GST_MSECOND);
    } else if (i % 3 == 1) {
      in = gst_buffer_new_allocate (NULL, i % 12, NULL);        /* too short */
      gst_buffer_memset (in, 0, 0xff, i % 12);
    } else {
      in = ast_packet (0x1234, (guint16) i, i * 5243u, 50,
          GST_CLOCK_TIME_NONE);
      gst_buffer_memset (in, 0, 0x40, 1);       /* version 1 */
    }
    GST_BUFFER_PTS (in) = i * GST_MSECOND;
    GST_BUFFER_DURATION (in) = 7 * GST_MSECOND;
    GST_BUFFER_OFFSET (in) = i;
    GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT);
    size = gst_buffer_get_size (in);
    fail_unless (gst_buffer_map (in, &a, GST_MAP_READ));
    copy = g_memdup2 (a.data, size);
    gst_buffer_unmap (in, &a);

    gst_buffer_ref (in);
    fail_unless_equals_int (gst_harness_push (b.h, in), GST_FLOW_OK);
    out = gst_harness_pull (b.h);
    fail_unless (out == in);
    gst_buffer_unref (in);
    fail_unless_equals_int (gst_buffer_get_size (out), size);
    fail_unless (gst_buffer_map (out, &c, GST_MAP_READ));
    fail_unless (memcmp (c.data, copy, size) == 0);
    gst_buffer_unmap (out, &c);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), 7 * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), i);
    if (i % 3 == 0) {
      fail_unless_equals_uint64 (GST_BUFFER_DTS (out),
          (GstClockTime) (i * 20) * GST_MSECOND);
    } else if (i % 3 == 2) {
      fail_if (GST_BUFFER_DTS_IS_VALID (out));
    }
    fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
    gst_buffer_unref (out);
    g_free (copy);
  }
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets"), 60);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), 20);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped-too-short"), 20);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped-bad-version"),
      20);
  bwe_teardown (&b);
}
END_TEST

/* rtcp_src: stream-start, caps application/x-rtcp, a TIME segment and a gap
 * before the first buffer; EOS on both pads at the end. */
START_TEST (test_rtcp_events)
{
  Bwe b;
  GstEvent *ev;
  GstCaps *caps;
  const GstSegment *seg;
  GstBuffer *buf;

  bwe_setup (&b, CAPS_AST3);
  push_probe_stream (&b, TRUE);

  ev = gst_harness_pull_event (b.rtcp);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_STREAM_START);
  gst_event_unref (ev);
  ev = gst_harness_pull_event (b.rtcp);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_CAPS);
  gst_event_parse_caps (ev, &caps);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "application/x-rtcp"));
  gst_event_unref (ev);
  ev = gst_harness_pull_event (b.rtcp);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_SEGMENT);
  gst_event_parse_segment (ev, &seg);
  fail_unless_equals_int (seg->format, GST_FORMAT_TIME);
  gst_event_unref (ev);
  /* a gap at the first packet's arrival lets a sink preroll */
  ev = gst_harness_pull_event (b.rtcp);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_GAP);
  {
    GstClockTime ts, dur;

    gst_event_parse_gap (ev, &ts, &dur);
    fail_unless_equals_uint64 (ts, 100010 * GST_MSECOND);
  }
  gst_event_unref (ev);
  buf = gst_harness_pull (b.rtcp);
  fail_unless (buf != NULL);
  gst_buffer_unref (buf);

  fail_unless (gst_harness_push_event (b.h, gst_event_new_eos ()));
  /* the src side: events after the harness' own stream-start/caps/segment */
  while ((ev = gst_harness_try_pull_event (b.h)) != NULL) {
    GstEventType t = GST_EVENT_TYPE (ev);

    gst_event_unref (ev);
    if (t == GST_EVENT_EOS)
      break;
  }
  fail_unless (ev != NULL);
  ev = gst_harness_pull_event (b.rtcp);
  fail_unless (ev != NULL);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_EOS);
  gst_event_unref (ev);
  bwe_teardown (&b);
}
END_TEST

/* An unlinked rtcp_src is no error and EOS still goes out on src. */
START_TEST (test_rtcp_unlinked)
{
  GstHarness *h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  gint64 now_ms = 100000;
  guint i;
  GstEvent *ev;
  gboolean eos = FALSE;

  gst_harness_set_src_caps_str (h, CAPS_AST3);
  for (i = 0; i < 10; i++) {
    now_ms += i < 5 ? 10 : 5;
    fail_unless_equals_int (gst_harness_push (h, ast_packet (0, (guint16) i,
                abs_send_time (now_ms, 1000), 1000,
                (GstClockTime) now_ms * GST_MSECOND)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  fail_unless_equals_uint64 (stat_u64 (h->element, "remb-packets"), 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    eos |= GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (eos);
  gst_harness_teardown (h);
}
END_TEST

/* Flushes reach both source pads. */
START_TEST (test_flush_both_pads)
{
  Bwe b;
  GstEvent *ev;
  gboolean start = FALSE, stop = FALSE;

  bwe_setup (&b, CAPS_AST3);
  push_probe_stream (&b, TRUE);
  fail_unless (gst_harness_push_event (b.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (b.h, gst_event_new_flush_stop (TRUE)));
  while ((ev = gst_harness_try_pull_event (b.rtcp)) != NULL) {
    start |= GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_START;
    stop |= GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP;
    gst_event_unref (ev);
  }
  fail_unless (start && stop);
  start = stop = FALSE;
  while ((ev = gst_harness_try_pull_event (b.h)) != NULL) {
    start |= GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_START;
    stop |= GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP;
    gst_event_unref (ev);
  }
  fail_unless (start && stop);
  bwe_teardown (&b);
}
END_TEST

static const gchar *
parity_dir (void)
{
  const gchar *d = g_getenv ("RTPBWE_PARITY_DIR");

  fail_unless (d != NULL, "RTPBWE_PARITY_DIR is not set");
  return d;
}

/* Lines of a (possibly gzipped) file of the parity set. */
static gchar **
read_lines (const gchar * name)
{
  gchar *path = g_build_filename (parity_dir (), name, NULL);
  GFile *f = g_file_new_for_path (path);
  GError *err = NULL;
  GInputStream *in = G_INPUT_STREAM (g_file_read (f, NULL, &err));
  GOutputStream *mem = g_memory_output_stream_new_resizable ();
  gchar **lines;
  gchar *text;

  fail_unless (in != NULL, "cannot read %s", path);
  if (g_str_has_suffix (name, ".gz")) {
    GConverter *z =
        G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
    GInputStream *zin = g_converter_input_stream_new (in, z);

    g_object_unref (z);
    g_object_unref (in);
    in = zin;
  }
  fail_unless (g_output_stream_splice (mem, in,
          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &err) >= 0);
  g_output_stream_write (mem, "", 1, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  g_object_unref (mem);
  g_object_unref (in);
  g_object_unref (f);
  g_free (path);
  return lines;
}

/* Per-SSRC RTP sequence numbers for trace packets, in arrival order. */
static guint16
next_seq (GHashTable * seqs, guint32 ssrc)
{
  guint16 s = GPOINTER_TO_UINT (g_hash_table_lookup (seqs,
          GUINT_TO_POINTER (ssrc)));

  g_hash_table_insert (seqs, GUINT_TO_POINTER (ssrc),
      GUINT_TO_POINTER ((guint) (guint16) (s + 1)));
  return s;
}

/* What a REMB carries for bps: an 18-bit mantissa, truncated
 * (gcc-reference 1.8, libwebrtc's rtcp_packet/remb.cc). */
static guint64
remb_encoded (guint64 bps)
{
  guint exp = 0;

  while (bps > 0x3FFFF) {
    bps >>= 1;
    exp++;
  }
  return bps << exp;
}

static const gchar *const seeds[] = { "seed101", "seed102", "seed103",
  "seed104"
};

static gchar **
read_seed_file (const gchar * seed, const gchar * suffix)
{
  gchar *name = g_strconcat (seed, suffix, NULL);
  gchar **lines = read_lines (name);

  g_free (name);
  return lines;
}

/* The four parity traces (several streams, capacity steps, loss, reordering
 * jitter, silences, abs-send-time wraps) as RTP through the element: the estimate changes are libwebrtc's .ref line for
 * line (time = arrival rounded to ms, as libwebrtc receives it) and the
 * REMBs its .remb.  Iterations from G_N_ELEMENTS (seeds) on carry the same
 * send times in abs-capture-time only (id 7 from the caps), and must give
 * the very same estimates and REMBs. */
START_TEST (test_parity_seeds)
{
  const gchar *seed = seeds[_i % G_N_ELEMENTS (seeds)];
  gboolean capture = _i >= (gint) G_N_ELEMENTS (seeds);
  Bwe b;
  gchar **trace = read_seed_file (seed, ".trace.gz");
  gchar **ref = read_seed_file (seed, ".ref");
  gchar **remb = read_seed_file (seed, ".remb");
  GHashTable *seqs = g_hash_table_new (NULL, NULL);
  GString *got = g_string_new (NULL), *want = g_string_new (NULL);
  GString *got_remb = g_string_new (NULL), *want_remb = g_string_new (NULL);
  guint i, last = 0, n = 0;
  GArray *est, *rembs, *times;

  bwe_setup (&b, capture ? CAPS_ACT7 : CAPS_AST3);
  for (i = 0; trace[i] != NULL; i++) {
    gint64 arrival;
    guint64 abs24, payload, ssrc;
    gchar *p = trace[i], *e;
    GstBuffer *buf;
    guint16 seq;

    if (!g_ascii_isdigit (*p))
      continue;
    arrival = g_ascii_strtoll (p, &e, 10);
    abs24 = g_ascii_strtoull (e, &e, 0);
    payload = g_ascii_strtoull (e, &e, 10);
    ssrc = g_ascii_strtoull (e, &e, 10);
    seq = next_seq (seqs, (guint32) ssrc);
    if (capture)
      buf = act_packet_from_abs24 ((guint32) ssrc, seq, (guint32) abs24, n,
          payload, (GstClockTime) arrival * GST_USECOND);
    else
      buf = ast_packet ((guint32) ssrc, seq, (guint32) abs24, payload,
          (GstClockTime) arrival * GST_USECOND);
    fail_unless_equals_int (gst_harness_push (b.h, buf), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (b.h));
    n++;
  }
  fail_unless (n > 1000);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), n);
  fail_unless_equals_uint64 (stat_u64 (b.h->element,
          "packets-abs-capture-time"), capture ? n : 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-abs-send-time"),
      capture ? 0 : n);

  est = pop_estimates (&b);
  for (i = 0; i < est->len; i++) {
    Estimate *x = &g_array_index (est, Estimate, i);

    if (i == 0 || x->bitrate != last)
      g_string_append_printf (got, "%" G_GUINT64_FORMAT " %u\n",
          (x->timestamp / 1000 + 500) / 1000, x->bitrate);
    last = x->bitrate;
  }
  for (i = 0; ref[i] != NULL; i++)
    if (*ref[i])
      g_string_append_printf (want, "%s\n", ref[i]);
  fail_unless (want->len > 0);
  fail_unless_equals_string (got->str, want->str);

  rembs = pull_rembs (&b, &times);
  for (i = 0; i < rembs->len; i++)
    g_string_append_printf (got_remb, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
        "\n", (g_array_index (times, GstClockTime, i) / 1000 + 500) / 1000,
        g_array_index (rembs, guint64, i));
  for (i = 0; remb[i] != NULL; i++) {
    guint64 ms, bps;
    gchar *e;

    if (!*remb[i])
      continue;
    ms = g_ascii_strtoull (remb[i], &e, 10);
    bps = g_ascii_strtoull (e, NULL, 10);
    g_string_append_printf (want_remb, "%" G_GUINT64_FORMAT " %"
        G_GUINT64_FORMAT "\n", ms, remb_encoded (bps));
  }
  fail_unless_equals_string (got_remb->str, want_remb->str);

  g_array_unref (est);
  g_array_unref (rembs);
  g_array_unref (times);
  g_string_free (got, TRUE);
  g_string_free (want, TRUE);
  g_string_free (got_remb, TRUE);
  g_string_free (want_remb, TRUE);
  g_hash_table_unref (seqs);
  g_strfreev (trace);
  g_strfreev (ref);
  g_strfreev (remb);
  bwe_teardown (&b);
}
END_TEST

/* The parity traces' TWCC packets (transport-wide sequence, id 5 from the caps):
 * rtcp_src carries libwebrtc's RemoteEstimatorProxy feedback byte for byte
 * (.twccref, sender SSRC 0), each timestamped with its Process() time, then
 * at EOS the tail that libwebrtc had not sent yet. */
START_TEST (test_twcc_seeds)
{
  const gchar *seed = seeds[_i];
  Bwe b;
  gchar **trace = read_seed_file (seed, ".twcc.gz");
  gchar **ref = read_seed_file (seed, ".twccref");
  GHashTable *seqs = g_hash_table_new (NULL, NULL);
  guint i, r = 0, n_ref = 0, tail = 0;
  GstBuffer *buf;

  bwe_setup (&b, "application/x-rtp, extmap-5=(string)" TWCC_URI);
  for (i = 0; trace[i] != NULL; i++) {
    gint64 arrival;
    guint64 tseq, payload, ssrc;
    gchar *e;

    if (!g_ascii_isdigit (*trace[i]))
      continue;
    arrival = g_ascii_strtoll (trace[i], &e, 10);
    tseq = g_ascii_strtoull (e, &e, 0);
    payload = g_ascii_strtoull (e, &e, 10);
    ssrc = g_ascii_strtoull (e, &e, 10);
    gst_harness_push (b.h, rtp_packet ((guint32) ssrc, next_seq (seqs,
                (guint32) ssrc), NO_EXT, (gint) tseq, payload,
            (GstClockTime) arrival * GST_USECOND, 0, 5, FALSE));
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  drain_rtcp (&b);

  for (i = 0; ref[i] != NULL; i++)
    if (*ref[i])
      n_ref++;
  while ((buf = gst_harness_try_pull (b.rtcp)) != NULL) {
    GstMapInfo map;
    gchar *hex;
    guint k;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    hex = g_malloc (2 * map.size + 1);
    for (k = 0; k < map.size; k++)
      g_snprintf (hex + 2 * k, 3, "%02x", map.data[k]);
    if (r < n_ref) {
      gchar *want = strstr (ref[r], "hex=");
      guint64 ms = g_ascii_strtoull (ref[r], NULL, 10);

      fail_unless (want != NULL);
      fail_unless_equals_string (hex, want + 4);
      fail_unless_equals_uint64 ((GST_BUFFER_PTS (buf) / 1000 + 500) / 1000,
          ms);
      r++;
    } else {
      /* the tail: RTPFB FMT 15 past the last Process() */
      fail_unless_equals_int (map.data[1], 205);
      fail_unless_equals_int (map.data[0] & 0x1f, 15);
      tail++;
    }
    g_free (hex);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (r, n_ref);
  fail_unless (tail >= 1);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "twcc-packets"),
      n_ref + tail);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), 0);

  g_hash_table_unref (seqs);
  g_strfreev (trace);
  g_strfreev (ref);
  bwe_teardown (&b);
}
END_TEST

/* max-rtcp-size cuts the feedback into smaller packets: none above the
 * limit, and together they still cover every transport sequence number of
 * the trace. */
START_TEST (test_twcc_max_size)
{
  Bwe b;
  gchar **trace = read_lines ("seed102.twcc.gz");
  GHashTable *seqs = g_hash_table_new (NULL, NULL);
  guint8 *covered = g_malloc0 (65536), *seen = g_malloc0 (65536);
  guint i, n = 0, largest = 0;
  GstBuffer *buf;

  bwe_setup (&b, "application/x-rtp, extmap-5=(string)" TWCC_URI);
  g_object_set (b.h->element, "max-rtcp-size", 40, NULL);
  for (i = 0; trace[i] != NULL; i++) {
    gint64 arrival;
    guint64 tseq, payload, ssrc;
    gchar *e;

    if (!g_ascii_isdigit (*trace[i]))
      continue;
    arrival = g_ascii_strtoll (trace[i], &e, 10);
    tseq = g_ascii_strtoull (e, &e, 0);
    payload = g_ascii_strtoull (e, &e, 10);
    ssrc = g_ascii_strtoull (e, &e, 10);
    seen[tseq & 0xffff] = 1;
    gst_harness_push (b.h, rtp_packet ((guint32) ssrc, next_seq (seqs,
                (guint32) ssrc), NO_EXT, (gint) tseq, payload,
            (GstClockTime) arrival * GST_USECOND, 0, 5, FALSE));
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  drain_rtcp (&b);
  while ((buf = gst_harness_try_pull (b.rtcp)) != NULL) {
    GstMapInfo m;
    guint base, count, k;

    fail_unless (gst_buffer_map (buf, &m, GST_MAP_READ));
    fail_unless (m.size <= 40);
    fail_unless_equals_int (m.data[1], 205);
    largest = MAX (largest, m.size);
    base = GST_READ_UINT16_BE (m.data + 12);
    count = GST_READ_UINT16_BE (m.data + 14);
    for (k = 0; k < count; k++)
      covered[(base + k) & 0xffff] = 1;
    gst_buffer_unmap (buf, &m);
    gst_buffer_unref (buf);
    n++;
  }
  for (i = 0; i < 65536; i++)
    if (seen[i])
      fail_unless (covered[i], "seq %u not reported", i);
  /* libwebrtc sends 603 packets of up to 56 bytes on this trace */
  fail_unless (largest > 32);
  fail_unless (n > 603);
  g_free (covered);
  g_free (seen);
  g_hash_table_unref (seqs);
  g_strfreev (trace);
  bwe_teardown (&b);
}
END_TEST

static guint
probe_estimate_with (const gchar * caps, guint prop_id, guint8 packet_id,
    gboolean two_byte, gboolean array_caps)
{
  Bwe b;
  gint64 now_ms = 100000;
  guint i, bitrate;

  bwe_setup (&b, caps);
  if (prop_id)
    g_object_set (b.h->element, "abs-send-time-id", prop_id, NULL);
  for (i = 0; i < 10; i++) {
    now_ms += i < 5 ? 10 : 5;
    gst_harness_push (b.h, rtp_packet (0, (guint16) i,
            abs_send_time (now_ms, 1000), NO_EXT, 1000,
            (GstClockTime) now_ms * GST_MSECOND, packet_id, 0, two_byte));
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  g_object_get (b.h->element, "estimated-bitrate", &bitrate, NULL);
  bwe_teardown (&b);
  return bitrate;
}

START_TEST (test_ext_ids)
{
  /* from the caps, one-byte and two-byte */
  fail_unless_equals_int (probe_estimate_with (CAPS_AST3, 0, 3, FALSE, FALSE),
      1601000);
  fail_unless_equals_int (probe_estimate_with (CAPS_AST3, 0, 3, TRUE, FALSE),
      1601000);
  /* the SDP form [direction, uri, attributes] */
  fail_unless_equals_int (probe_estimate_with ("application/x-rtp, "
          "extmap-3=(string)<\"sendrecv\", \"" AST_URI "\", \"\">", 0, 3,
          FALSE, FALSE), 1601000);
  /* a two-byte id above 14 */
  fail_unless_equals_int (probe_estimate_with ("application/x-rtp, "
          "extmap-200=(string)" AST_URI, 0, 200, TRUE, FALSE), 1601000);
  /* caps say 4, packets carry 3: nothing */
  fail_unless_equals_int (probe_estimate_with ("application/x-rtp, "
          "extmap-4=(string)" AST_URI, 0, 3, FALSE, FALSE), 0);
  /* no extmap at all (rtpbin's request-rtp-decoder tap): the property */
  fail_unless_equals_int (probe_estimate_with ("application/x-rtp", 3, 3,
          FALSE, FALSE), 1601000);
  /* the property wins over the caps */
  fail_unless_equals_int (probe_estimate_with ("application/x-rtp, "
          "extmap-4=(string)" AST_URI, 3, 3, FALSE, FALSE), 1601000);
  fail_unless_equals_int (probe_estimate_with (CAPS_AST3, 4, 3, FALSE,
          FALSE), 0);
}
END_TEST

/* libwebrtc's probe stream (push_probe_stream) with the send times in
 * abs-capture-time only: the capture time is the send ms as UQ32.32. */
static guint
probe_estimate_capture (const gchar * caps, guint prop_id, gboolean with_offset,
    gsize ext_size, guint64 * from_capture, guint64 * skipped)
{
  Bwe b;
  gint64 now_ms = 100000;
  guint i, bitrate;

  bwe_setup (&b, caps);
  if (prop_id)
    g_object_set (b.h->element, "abs-capture-time-id", prop_id, NULL);
  for (i = 0; i < 10; i++) {
    guint64 ntp;
    GstBuffer *buf;

    now_ms += i < 5 ? 10 : 5;
    ntp = NTP_BASE + ((guint64) now_ms << 32) / 1000;
    buf = act_packet (0, (guint16) i, ntp, with_offset, -(gint64) i * (1 << 30),
        1000, (GstClockTime) now_ms * GST_MSECOND, 7);
    if (ext_size != 0) {
      /* a length of the element that neither form has */
      GstMapInfo m;

      fail_unless (gst_buffer_map (buf, &m, GST_MAP_WRITE));
      m.data[16] = (guint8) ((7 << 4) | (ext_size - 1));
      gst_buffer_unmap (buf, &m);
    }
    gst_harness_push (b.h, buf);
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  g_object_get (b.h->element, "estimated-bitrate", &bitrate, NULL);
  *from_capture = stat_u64 (b.h->element, "packets-abs-capture-time");
  *skipped = stat_u64 (b.h->element, "skipped");
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-abs-send-time"),
      0);
  bwe_teardown (&b);
  return bitrate;
}

/* Senders that stamp abs-capture-time and no abs-send-time: the id from the
 * caps or the property, both forms; libwebrtc's probe estimate of the same
 * send times in abs-send-time is 1601000. */
START_TEST (test_abs_capture_time)
{
  guint64 n, skipped;

  fail_unless_equals_int (probe_estimate_capture (CAPS_ACT7, 0, FALSE, 0, &n,
          &skipped), 1601000);
  fail_unless_equals_uint64 (n, 10);
  fail_unless_equals_uint64 (skipped, 0);
  /* the 16-byte form; the clock offset (changing) is not applied */
  fail_unless_equals_int (probe_estimate_capture (CAPS_ACT7, 0, TRUE, 0, &n,
          &skipped), 1601000);
  fail_unless_equals_uint64 (n, 10);
  /* bare caps (request-rtp-decoder): the property */
  fail_unless_equals_int (probe_estimate_capture ("application/x-rtp", 7,
          FALSE, 0, &n, &skipped), 1601000);
  /* bare caps, no property: no send time, counted */
  fail_unless_equals_int (probe_estimate_capture ("application/x-rtp", 0,
          FALSE, 0, &n, &skipped), 0);
  fail_unless_equals_uint64 (n, 0);
  fail_unless_equals_uint64 (skipped, 10);
  /* the caps name another extension with the id: not read as capture time */
  fail_unless_equals_int (probe_estimate_capture (CAPS_AST3
          ", extmap-7=(string)" TWCC_URI, 0, FALSE, 0, &n, &skipped), 0);
  fail_unless_equals_uint64 (n, 0);
  /* 12 bytes: neither form, skipped as ext-wrong-size */
  fail_unless_equals_int (probe_estimate_capture (CAPS_ACT7, 0, TRUE, 12, &n,
          &skipped), 0);
  fail_unless_equals_uint64 (n, 0);
  fail_unless_equals_uint64 (skipped, 10);
}
END_TEST

static GstBuffer *
bytes_buffer (const guint8 * d, gsize n, GstClockTime dts)
{
  GstBuffer *buf = gst_buffer_new_memdup (d, n);

  GST_BUFFER_DTS (buf) = dts;
  return buf;
}

/* Every kind of bad input: forwarded unchanged, skipped by the estimator,
 * counted under its own reason; the estimate of the good packets around
 * them is libwebrtc's. */
START_TEST (test_bad_input)
{
  Bwe b;
  gint64 now_ms = 100000;
  guint i, bitrate;
  struct
  {
    const gchar *reason;
    guint8 d[24];
    gsize n;
  } bad[] = {
    {"skipped-too-short", {0x90, 96, 0, 1}, 4},
    {"skipped-bad-version", {0x50, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9}, 12},
    {"skipped-rtcp", {0x80, 0xc8, 0, 6, 0, 0, 0, 9, 0, 0, 0, 0}, 12},
    {"skipped-csrc-past-end", {0x83, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2,
            3, 4}, 16},
    {"skipped-ext-past-end", {0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe,
            0xde, 0, 3, 0x32, 1, 2, 3}, 20},
    {"skipped-padding-invalid", {0xb0, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe,
            0xde, 0, 1, 0x32, 1, 2, 3, 0, 0, 0, 9}, 24},
    {"skipped-ext-element-past-end", {0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9,
            0xbe, 0xde, 0, 1, 0x35, 1, 2, 3}, 20},
    {"skipped-ext-reserved-id", {0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe,
            0xde, 0, 1, 0xf2, 1, 2, 3}, 20},
    {"skipped-ext-wrong-size", {0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe,
            0xde, 0, 1, 0x31, 1, 2, 0}, 20},
    {"skipped-no-extension", {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9}, 12},
  };
  guint n_bad = G_N_ELEMENTS (bad);

  bwe_setup (&b, CAPS_AST3);
  for (i = 0; i < 10; i++) {
    guint k;

    now_ms += i < 5 ? 10 : 5;
    /* all bad kinds between good packets, at the same arrival time */
    for (k = 0; k < n_bad; k++) {
      GstBuffer *in = bytes_buffer (bad[k].d, bad[k].n,
          (GstClockTime) now_ms * GST_MSECOND);
      GstBuffer *out;
      GstMapInfo m;

      gst_buffer_ref (in);
      fail_unless_equals_int (gst_harness_push (b.h, in), GST_FLOW_OK);
      out = gst_harness_pull (b.h);
      fail_unless (out == in);
      fail_unless (gst_buffer_map (out, &m, GST_MAP_READ));
      fail_unless_equals_int (m.size, bad[k].n);
      fail_unless (memcmp (m.data, bad[k].d, m.size) == 0);
      gst_buffer_unmap (out, &m);
      gst_buffer_unref (out);
      gst_buffer_unref (in);
    }
    gst_harness_push (b.h, ast_packet (0, (guint16) i,
            abs_send_time (now_ms, 1000), 1000,
            (GstClockTime) now_ms * GST_MSECOND));
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  /* time going backwards */
  gst_harness_push (b.h, ast_packet (0, 10, abs_send_time (now_ms + 5, 1000),
          1000, (GstClockTime) (now_ms - 1) * GST_MSECOND));
  gst_buffer_unref (gst_harness_pull (b.h));
  /* a duplicate, a reordered packet and a sequence jump: counted, estimated */
  gst_harness_push (b.h, ast_packet (0, 9, abs_send_time (now_ms, 1000), 1000,
          (GstClockTime) now_ms * GST_MSECOND));
  gst_buffer_unref (gst_harness_pull (b.h));
  gst_harness_push (b.h, ast_packet (0, 7, abs_send_time (now_ms, 1000), 1000,
          (GstClockTime) now_ms * GST_MSECOND));
  gst_buffer_unref (gst_harness_pull (b.h));
  gst_harness_push (b.h, ast_packet (0, 5000, abs_send_time (now_ms, 1000),
          1000, (GstClockTime) now_ms * GST_MSECOND));
  gst_buffer_unref (gst_harness_pull (b.h));

  for (i = 0; i < n_bad; i++)
    fail_unless_equals_uint64 (stat_u64 (b.h->element, bad[i].reason), 10);
  fail_unless_equals_uint64 (stat_u64 (b.h->element,
          "skipped-time-backwards"), 1);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped"),
      10 * n_bad + 1);
  /* the no-extension packet (SSRC 9, seq 1) came 10 times: 9 duplicates */
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "duplicates"), 9 + 2);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "reordered"), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "seq-jumps"), 1);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets"),
      10 * n_bad + 10 + 4);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      10 + 3);
  g_object_get (b.h->element, "estimated-bitrate", &bitrate, NULL);
  fail_unless_equals_int (bitrate, 1601000);
  bwe_teardown (&b);
}
END_TEST

/* A buffer without DTS or PTS in an element with no clock: skipped as
 * no-time, forwarded. */
START_TEST (test_no_time)
{
  GstHarness *h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  GstBuffer *in, *out;

  gst_harness_use_systemclock (h);
  gst_element_set_clock (h->element, NULL);
  gst_harness_set_src_caps_str (h, CAPS_AST3);
  in = ast_packet (0, 1, 100, 100, GST_CLOCK_TIME_NONE);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out == in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  fail_unless_equals_uint64 (stat_u64 (h->element, "skipped-no-time"), 1);
  fail_unless_equals_uint64 (stat_u64 (h->element, "skipped"), 1);
  gst_harness_teardown (h);
}
END_TEST

/* A packet with sequence 7 after 9 that was never seen: reordered. */
START_TEST (test_reordered)
{
  GstHarness *h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  guint16 seqs[] = { 1, 2, 4, 3, 3, 5 };
  guint i;

  gst_harness_set_src_caps_str (h, CAPS_AST3);
  for (i = 0; i < G_N_ELEMENTS (seqs); i++) {
    gst_harness_push (h, ast_packet (7, seqs[i], 100 * i, 100,
            i * GST_MSECOND));
    gst_buffer_unref (gst_harness_pull (h));
  }
  fail_unless_equals_uint64 (stat_u64 (h->element, "reordered"), 1);
  fail_unless_equals_uint64 (stat_u64 (h->element, "duplicates"), 1);
  fail_unless_equals_uint64 (stat_u64 (h->element, "packets-estimated"), 6);
  gst_harness_teardown (h);
}
END_TEST

static void
count_notify (GObject * o, GParamSpec * p, guint * n)
{
  (*n)++;
}

/* Properties marked changeable in PLAYING apply to the next packet. */
START_TEST (test_properties_in_playing)
{
  Bwe b;
  gint64 now_ms = 100000;
  guint i, notifies = 0;
  GArray *rembs;
  GParamSpec *p;

  bwe_setup (&b, "application/x-rtp");
  p = g_object_class_find_property (G_OBJECT_GET_CLASS (b.h->element),
      "feedback");
  fail_unless (p->flags & GST_PARAM_MUTABLE_PLAYING);
  p = g_object_class_find_property (G_OBJECT_GET_CLASS (b.h->element),
      "abs-send-time-id");
  fail_unless (p->flags & GST_PARAM_MUTABLE_PLAYING);
  p = g_object_class_find_property (G_OBJECT_GET_CLASS (b.h->element),
      "estimator");
  fail_unless (p->flags & GST_PARAM_MUTABLE_READY);

  g_signal_connect (b.h->element, "notify::estimated-bitrate",
      G_CALLBACK (count_notify), &notifies);
  g_object_set (b.h->element, "feedback", 4 /* none */ ,
      "remb-sender-ssrc", 0x11223344, NULL);
  for (i = 0; i < 10; i++) {
    now_ms += i < 5 ? 10 : 5;
    /* the id becomes known after 2 packets, feedback is switched on after 5 */
    if (i == 2)
      g_object_set (b.h->element, "abs-send-time-id", 3, NULL);
    if (i == 5)
      g_object_set (b.h->element, "feedback", 1 /* remb */ , NULL);
    gst_harness_push (b.h, ast_packet (0, (guint16) i,
            abs_send_time (now_ms, 1000), 1000,
            (GstClockTime) now_ms * GST_MSECOND));
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "skipped-no-extension"),
      2);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), 8);
  /* estimates before packet 5 sent no REMB; the first one after it did */
  rembs = pull_rembs (&b, NULL);
  fail_unless (notifies >= 1);
  fail_unless (rembs->len >= 1);
  g_array_unref (rembs);
  bwe_teardown (&b);
}
END_TEST

/* The REMB's sender SSRC follows remb-sender-ssrc, also when set in
 * PLAYING. */
START_TEST (test_remb_sender_ssrc)
{
  Bwe b;
  GstBuffer *buf;
  GstMapInfo m;
  BweRemb remb;

  bwe_setup (&b, CAPS_AST3);
  g_object_set (b.h->element, "remb-sender-ssrc", 0xcafe0001u, NULL);
  push_probe_stream (&b, TRUE);
  buf = gst_harness_pull (b.rtcp);
  fail_unless (gst_buffer_map (buf, &m, GST_MAP_READ));
  fail_unless_equals_int (bwe_remb_parse (m.data, m.size, &remb), 0);
  fail_unless_equals_int (remb.sender_ssrc, 0xcafe0001u);
  fail_unless_equals_int (remb.num_ssrcs, 1);
  fail_unless_equals_int (remb.ssrcs[0], 0);
  /* reduced-size: one PSFB packet, nothing else */
  fail_unless_equals_int (m.size, 4 * (GST_READ_UINT16_BE (m.data + 2) + 1));
  gst_buffer_unmap (buf, &m);
  gst_buffer_unref (buf);
  bwe_teardown (&b);
}
END_TEST

/* PAUSED -> READY -> PLAYING starts afresh: counters and estimate at 0 (with
 * a notify), then the same stream gives the same estimates again. */
START_TEST (test_state_reset)
{
  Bwe b;
  GArray *e1, *e2;
  guint bitrate, notifies = 0, i;

  bwe_setup (&b, CAPS_AST3);
  push_probe_stream (&b, TRUE);
  e1 = pop_estimates (&b);

  g_signal_connect (b.h->element, "notify::estimated-bitrate",
      G_CALLBACK (count_notify), &notifies);
  fail_unless_equals_int (gst_element_set_state (b.h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (notifies, 1);
  g_object_get (b.h->element, "estimated-bitrate", &bitrate, NULL);
  fail_unless_equals_int (bitrate, 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets"), 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "remb-packets"), 0);

  fail_unless_equals_int (gst_element_set_state (b.h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  gst_harness_set_src_caps_str (b.h, CAPS_AST3);
  push_probe_stream (&b, TRUE);
  e2 = pop_estimates (&b);
  fail_unless (e1->len > 0);
  fail_unless_equals_int (e1->len, e2->len);
  for (i = 0; i < e1->len; i++) {
    fail_unless_equals_int (g_array_index (e1, Estimate, i).bitrate,
        g_array_index (e2, Estimate, i).bitrate);
    fail_unless_equals_uint64 (g_array_index (e1, Estimate, i).timestamp,
        g_array_index (e2, Estimate, i).timestamp);
  }
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "remb-packets"), 1);
  g_array_unref (e1);
  g_array_unref (e2);
  bwe_teardown (&b);
}
END_TEST

/* The element in mode, started afresh: the mode applies from a start. */
static void
bwe_setup_mode (Bwe * b, const gchar * caps, const gchar * mode)
{
  bwe_setup (b, caps);
  fail_unless_equals_int (gst_element_set_state (b->h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_util_set_object_arg (G_OBJECT (b->h->element), "mode", mode);
  fail_unless_equals_int (gst_element_set_state (b->h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  gst_harness_set_src_caps_str (b->h, caps);
}

static gchar *
stat_string (GstElement * e, const gchar * field)
{
  GstStructure *s;
  gchar *v = NULL;

  g_object_get (e, "stats", &s, NULL);
  if (gst_structure_has_field (s, field))
    v = g_strdup (gst_structure_get_string (s, field));
  gst_structure_free (s);
  return v;
}

static void
assert_stat_string (GstElement * e, const gchar * field, const gchar * want)
{
  gchar *got = stat_string (e, field);

  if (want == NULL)
    fail_unless (got == NULL, "stats has %s=%s", field, got);
  else
    fail_unless_equals_string (got, want);
  g_free (got);
}

/* 2 s of 1000-byte packets every 10 ms (800 kbit/s) over a path of 20 ms
 * without a queue, from 100 s on. */
static void
push_steady_stream (Bwe * b)
{
  guint i;

  for (i = 0; i < 200; i++) {
    gint64 arrival_ms = 100000 + 10 * i;

    fail_unless_equals_int (gst_harness_push (b->h, ast_packet (7, (guint16) i,
                abs_send_time (arrival_ms - 20, 1000), 1000,
                (GstClockTime) arrival_ms * GST_MSECOND)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (b->h));
  }
}

/* mode: libwebrtc by default, changeable in NULL/READY, taking effect at the
 * next start: set in PLAYING the element still gives libwebrtc's 1601000 for
 * its probe test, then after READY it runs the improved estimator, whose
 * messages and stats carry the regime. */
START_TEST (test_mode_property)
{
  Bwe b;
  GParamSpec *p;
  GArray *est;
  gint mode;
  guint i;

  bwe_setup (&b, CAPS_AST3);
  p = g_object_class_find_property (G_OBJECT_GET_CLASS (b.h->element), "mode");
  fail_unless (p != NULL && G_IS_PARAM_SPEC_ENUM (p));
  fail_unless (p->flags & GST_PARAM_MUTABLE_READY);
  fail_if (p->flags & GST_PARAM_MUTABLE_PLAYING);
  g_object_get (b.h->element, "mode", &mode, NULL);
  fail_unless_equals_int (mode, 0);
  assert_stat_string (b.h->element, "mode", "libwebrtc");
  assert_stat_string (b.h->element, "regime", NULL);

  gst_util_set_object_arg (G_OBJECT (b.h->element), "mode", "improved");
  g_object_get (b.h->element, "mode", &mode, NULL);
  fail_unless_equals_int (mode, 1);
  push_probe_stream (&b, TRUE);
  est = pop_estimates (&b);
  fail_unless (est->len >= 1);
  fail_unless_equals_int (g_array_index (est, Estimate, est->len - 1).bitrate,
      1601000);
  for (i = 0; i < est->len; i++)
    fail_unless_equals_string (g_array_index (est, Estimate, i).regime, "");
  assert_stat_string (b.h->element, "mode", "libwebrtc");
  g_array_unref (est);

  /* a flush does not switch either: only a start does */
  fail_unless (gst_harness_push_event (b.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (b.h, gst_event_new_flush_stop (TRUE)));
  assert_stat_string (b.h->element, "mode", "libwebrtc");

  fail_unless_equals_int (gst_element_set_state (b.h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (b.h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  gst_harness_set_src_caps_str (b.h, CAPS_AST3);
  assert_stat_string (b.h->element, "mode", "improved");
  assert_stat_string (b.h->element, "regime", "start");
  push_steady_stream (&b);
  est = pop_estimates (&b);
  fail_unless (est->len >= 1);
  for (i = 0; i < est->len; i++)
    fail_unless (strlen (g_array_index (est, Estimate, i).regime) > 0);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), 200);
  g_array_unref (est);
  bwe_teardown (&b);
}
END_TEST

/* The RTP sequence number of the n-th packet of a stream in the improved
 * parity test: every 25th one missing (loss), from near the wrap. */
static guint16
lossy_seq (GHashTable * counts, guint32 ssrc)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts,
          GUINT_TO_POINTER (ssrc))) + 1;

  if (n % 25 == 0)
    n++;
  g_hash_table_insert (counts, GUINT_TO_POINTER (ssrc), GUINT_TO_POINTER (n));
  return (guint16) (65000 + n);
}

/* mode=improved on two parity traces, the RTP sequence numbers with gaps and
 * a wrap: every rtpbwe-estimate message (bitrate, time, incoming bitrate,
 * state, regime, SSRCs) and every REMB is what BweImprovedEstimator and
 * libwebrtc's RembThrottler give for the same packets.  The second run sets
 * rtt to 50 ms in PLAYING at the 3000th packet, the core's at the same
 * packet. */
START_TEST (test_improved_seeds)
{
  const gchar *seed = seeds[_i % 2 == 0 ? 0 : 2];
  gboolean set_rtt = _i >= 2;
  Bwe b;
  gchar **trace = read_seed_file (seed, ".trace.gz");
  GHashTable *counts = g_hash_table_new (NULL, NULL);
  BweImprovedEstimator *core = g_new0 (BweImprovedEstimator, 1);
  BweRembThrottler throttler;
  GArray *want = g_array_new (FALSE, TRUE, sizeof (Estimate));
  GArray *want_remb = g_array_new (FALSE, TRUE, sizeof (guint64));
  GArray *want_remb_ts = g_array_new (FALSE, TRUE, sizeof (GstClockTime));
  GArray *est, *rembs, *times;
  guint i, n = 0, regimes = 0;

  bwe_setup_mode (&b, CAPS_AST3, "improved");
  bwe_improved_estimator_init (core, NULL);
  bwe_remb_throttler_init (&throttler);
  for (i = 0; trace[i] != NULL; i++) {
    gint64 arrival;
    guint64 abs24, payload, ssrc, remb;
    gchar *e;
    guint16 seq;
    BweEstimatorUpdate up;

    if (!g_ascii_isdigit (*trace[i]))
      continue;
    arrival = g_ascii_strtoll (trace[i], &e, 10);
    abs24 = g_ascii_strtoull (e, &e, 0);
    payload = g_ascii_strtoull (e, &e, 10);
    ssrc = g_ascii_strtoull (e, &e, 10);
    seq = lossy_seq (counts, (guint32) ssrc);
    if (set_rtt && n == 3000) {
      g_object_set (b.h->element, "rtt", 50, NULL);
      bwe_improved_estimator_set_rtt (core, 50);
    }
    fail_unless_equals_int (gst_harness_push (b.h, ast_packet ((guint32) ssrc,
                seq, (guint32) abs24, payload,
                (GstClockTime) arrival * GST_USECOND)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (b.h));
    n++;

    bwe_improved_estimator_incoming_packet (core, arrival, arrival,
        (guint32) abs24, payload, (guint32) ssrc, seq, &up);
    if (up.updated) {
      Estimate x;
      guint32 ssrcs[BWE_MAX_SSRCS];

      memset (&x, 0, sizeof x);
      x.bitrate = up.bitrate_bps;
      x.timestamp = (guint64) arrival * 1000;
      if (!bwe_improved_estimator_incoming_bitrate (core, arrival, &x.incoming))
        x.incoming = 0;
      g_strlcpy (x.state, bwe_bandwidth_usage_name
          (bwe_improved_estimator_state (core)), sizeof x.state);
      g_strlcpy (x.regime, bwe_regime_name (bwe_improved_estimator_regime
              (core)), sizeof x.regime);
      x.n_ssrcs = bwe_improved_estimator_ssrcs (core, arrival, ssrcs,
          BWE_MAX_SSRCS);
      x.first_ssrc = x.n_ssrcs > 0 ? ssrcs[0] : 0;
      g_array_append_val (want, x);
      if (bwe_remb_throttler_on_estimate (&throttler, arrival, up.bitrate_bps,
              &remb)) {
        GstClockTime ts = (GstClockTime) arrival * GST_USECOND;

        remb = remb_encoded (remb);
        g_array_append_val (want_remb, remb);
        g_array_append_val (want_remb_ts, ts);
      }
    }
  }
  fail_unless (n > 1000);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"), n);
  assert_stat_string (b.h->element, "mode", "improved");

  est = pop_estimates (&b);
  fail_unless (want->len > 50, "only %u estimates", want->len);
  fail_unless_equals_int (est->len, want->len);
  for (i = 0; i < est->len; i++) {
    Estimate *g = &g_array_index (est, Estimate, i);
    Estimate *w = &g_array_index (want, Estimate, i);

    fail_unless_equals_int (g->bitrate, w->bitrate);
    fail_unless_equals_uint64 (g->timestamp, w->timestamp);
    fail_unless_equals_int (g->incoming, w->incoming);
    fail_unless_equals_string (g->state, w->state);
    fail_unless_equals_string (g->regime, w->regime);
    fail_unless_equals_int (g->n_ssrcs, w->n_ssrcs);
    fail_unless_equals_int (g->first_ssrc, w->first_ssrc);
    regimes |= 1u << (g->regime[0] - 'a');
  }
  /* the run goes through more than one regime */
  fail_unless (regimes & (regimes - 1));

  rembs = pull_rembs (&b, &times);
  fail_unless_equals_int (rembs->len, want_remb->len);
  for (i = 0; i < rembs->len; i++) {
    fail_unless_equals_uint64 (g_array_index (rembs, guint64, i),
        g_array_index (want_remb, guint64, i));
    fail_unless_equals_uint64 (g_array_index (times, GstClockTime, i),
        g_array_index (want_remb_ts, GstClockTime, i));
  }
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "remb-packets"),
      rembs->len);

  g_array_unref (est);
  g_array_unref (rembs);
  g_array_unref (times);
  g_array_unref (want);
  g_array_unref (want_remb);
  g_array_unref (want_remb_ts);
  g_free (core);
  g_hash_table_unref (counts);
  g_strfreev (trace);
  bwe_teardown (&b);
}
END_TEST

/* Transport-wide feedback does not depend on mode: a parity trace whose
 * packets carry both abs-send-time (20 ms before the arrival) and the
 * transport-wide sequence number, feedback=both, gives the same TWCC packets
 * byte for byte and at the same times in both modes, libwebrtc's .twccref
 * first; the REMBs come from each mode's estimator. */
static GPtrArray *
twcc_with_estimator (const gchar * mode, guint * n_remb)
{
  Bwe b;
  gchar **trace = read_lines ("seed101.twcc.gz");
  GHashTable *seqs = g_hash_table_new (NULL, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GstBuffer *buf;
  guint i;

  bwe_setup_mode (&b, "application/x-rtp, extmap-3=(string)" AST_URI
      ", extmap-5=(string)" TWCC_URI, mode);
  g_object_set (b.h->element, "feedback", 3 /* both */ , NULL);
  for (i = 0; trace[i] != NULL; i++) {
    gint64 arrival;
    guint64 tseq, payload, ssrc;
    gchar *e;

    if (!g_ascii_isdigit (*trace[i]))
      continue;
    arrival = g_ascii_strtoll (trace[i], &e, 10);
    tseq = g_ascii_strtoull (e, &e, 0);
    payload = g_ascii_strtoull (e, &e, 10);
    ssrc = g_ascii_strtoull (e, &e, 10);
    gst_harness_push (b.h, rtp_packet ((guint32) ssrc, next_seq (seqs,
                (guint32) ssrc), abs_send_time (arrival - 20000, 1000000),
            (gint) tseq, payload, (GstClockTime) arrival * GST_USECOND, 3, 5,
            FALSE));
    gst_buffer_unref (gst_harness_pull (b.h));
  }
  assert_stat_string (b.h->element, "mode", mode);
  fail_unless (stat_u64 (b.h->element, "packets-estimated") > 1000);
  fail_unless_equals_uint64 (stat_u64 (b.h->element, "packets-estimated"),
      stat_u64 (b.h->element, "packets-twcc"));
  drain_rtcp (&b);
  *n_remb = 0;
  while ((buf = gst_harness_try_pull (b.rtcp)) != NULL) {
    GstMapInfo map;
    gchar *hex;
    guint k;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    if (map.data[1] == 205) {
      hex = g_malloc (2 * map.size + 1);
      for (k = 0; k < map.size; k++)
        g_snprintf (hex + 2 * k, 3, "%02x", map.data[k]);
      g_ptr_array_add (out, g_strdup_printf ("%" G_GUINT64_FORMAT " %s",
              GST_BUFFER_PTS (buf), hex));
      g_free (hex);
    } else {
      fail_unless_equals_int (map.data[1], 206);
      (*n_remb)++;
    }
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  g_hash_table_unref (seqs);
  g_strfreev (trace);
  bwe_teardown (&b);
  return out;
}

START_TEST (test_twcc_same_in_both_modes)
{
  guint n_remb_libwebrtc, n_remb_improved, i, n_ref = 0;
  GPtrArray *a = twcc_with_estimator ("libwebrtc", &n_remb_libwebrtc);
  GPtrArray *b = twcc_with_estimator ("improved", &n_remb_improved);
  gchar **ref = read_lines ("seed101.twccref");

  for (i = 0; ref[i] != NULL; i++) {
    if (*ref[i] == '\0')
      continue;
    fail_unless (n_ref < a->len);
    fail_unless_equals_string (strchr (g_ptr_array_index (a, n_ref), ' ') + 1,
        strstr (ref[i], "hex=") + 4);
    n_ref++;
  }
  fail_unless (n_ref > 100);
  fail_unless_equals_int (a->len, b->len);
  for (i = 0; i < a->len; i++)
    fail_unless_equals_string (g_ptr_array_index (a, i),
        g_ptr_array_index (b, i));
  fail_unless (n_remb_libwebrtc > 0);
  fail_unless (n_remb_improved > 0);
  g_strfreev (ref);
  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
}
END_TEST

static Suite *
rtpbwe_suite (void)
{
  Suite *s = suite_create ("rtpbwe");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_probe_estimate);
  tcase_add_test (tc, test_arrival_from_clock);
  tcase_add_test (tc, test_dts_before_pts);
  tcase_add_test (tc, test_passthrough);
  tcase_add_test (tc, test_rtcp_events);
  tcase_add_test (tc, test_rtcp_unlinked);
  tcase_add_test (tc, test_flush_both_pads);
  tcase_add_loop_test (tc, test_parity_seeds, 0, 2 * G_N_ELEMENTS (seeds));
  tcase_add_loop_test (tc, test_twcc_seeds, 0, G_N_ELEMENTS (seeds));
  tcase_add_test (tc, test_twcc_max_size);
  tcase_add_test (tc, test_ext_ids);
  tcase_add_test (tc, test_abs_capture_time);
  tcase_add_test (tc, test_bad_input);
  tcase_add_test (tc, test_no_time);
  tcase_add_test (tc, test_reordered);
  tcase_add_test (tc, test_properties_in_playing);
  tcase_add_test (tc, test_remb_sender_ssrc);
  tcase_add_test (tc, test_state_reset);
  tcase_add_test (tc, test_mode_property);
  tcase_add_loop_test (tc, test_improved_seeds, 0, 4);
  tcase_add_test (tc, test_twcc_same_in_both_modes);
  return s;
}

GST_CHECK_MAIN (rtpbwe);
