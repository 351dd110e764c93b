/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile input through the rtpbwe element: every buffer, however broken, must
 * leave on src byte for byte with its timestamps, be counted in the stats under
 * its reason, and raise no GLib critical (fatal in gstcheck).  Each test pushes
 * one kind of bad input and checks the count of exactly that reason. */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "remb.h"
#include "twcc_feedback.h"

#define ABS_SEND_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define TRANSPORT_CC_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define ABS_ID 3
#define TCC_ID 5
#define SSRC 0x11223344u
#define MAX_PACKET 70000
/* The estimator's SSRC table (BWE_MAX_SSRCS in remote_estimator.h). */
#define MAX_SSRCS 256
/* 90 kHz RTP, 30 fps: a frame every 33 ms, 1/30 s of abs-send-time
 * (2^18 / 30 = 8738 ticks, as libwebrtc's test helper rounds it). */
#define FRAME_NS (33 * GST_MSECOND)
#define FRAME_ABS 8738u

/* Byte by byte: the packets are built at odd offsets, where GStreamer's
 * GST_WRITE_* macros store misaligned words (undefined behaviour, which UBSan
 * stops on). */
static void
put_be (guint8 * p, guint64 v, gsize bytes)
{
  while (bytes-- > 0) {
    p[bytes] = v & 0xFF;
    v >>= 8;
  }
}

typedef struct
{
  GstHarness *h;
  GstHarness *rtcp;
  guint64 pushed;
  GstClockTime now;
  guint32 abs;
  guint16 seq;
} Hostile;

static guint8 pkt[MAX_PACKET];

static Hostile *
hostile_new (void)
{
  Hostile *t = g_new0 (Hostile, 1);
  GstCaps *caps = gst_caps_from_string ("application/x-rtp, media=video, "
      "clock-rate=90000, extmap-3=(string)" ABS_SEND_TIME_URI
      ", extmap-5=(string)" TRANSPORT_CC_URI);

  t->h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  t->rtcp = gst_harness_new_with_element (t->h->element, NULL, "rtcp_src");
  gst_harness_set_src_caps (t->h, caps);
  t->now = 10 * GST_SECOND;
  return t;
}

/* Every RTCP packet the element sent is a REMB or a TWCC feedback packet. */
static guint
drain_rtcp (Hostile * t)
{
  GstBuffer *buf;
  guint n = 0;

  while ((buf = gst_harness_try_pull (t->rtcp)) != NULL) {
    GstMapInfo map;
    BweRemb remb;
    BweTwccInfo info;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    fail_unless (bwe_remb_parse (map.data, map.size, &remb) == 0
        || bwe_twcc_parse (map.data, map.size, &info, NULL, 0) > 0);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    n++;
  }
  return n;
}

static void
hostile_free (Hostile * t)
{
  drain_rtcp (t);
  gst_harness_teardown (t->rtcp);
  gst_harness_teardown (t->h);
  g_free (t);
}

/* Pushes bytes with the given DTS and PTS; the same bytes and timestamps must
 * come out on src. */
static void
push_ts (Hostile * t, const guint8 * data, gsize n, GstClockTime dts,
    GstClockTime pts)
{
  GstBuffer *in = n > 0 ? gst_buffer_new_memdup (data, n) : gst_buffer_new ();
  GstBuffer *out;

  GST_BUFFER_DTS (in) = dts;
  GST_BUFFER_PTS (in) = pts;
  fail_unless_equals_int (gst_harness_push (t->h, in), GST_FLOW_OK);
  t->pushed++;
  out = gst_harness_try_pull (t->h);
  fail_unless (out != NULL);
  fail_unless_equals_uint64 (gst_buffer_get_size (out), n);
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), dts);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), pts);
  if (n > 0)
    fail_unless (gst_buffer_memcmp (out, 0, data, n) == 0);
  gst_buffer_unref (out);
  drain_rtcp (t);
}

/* Pushes bytes arriving step after the previous buffer (DTS = arrival). */
static void
push (Hostile * t, const guint8 * data, gsize n, GstClockTime step)
{
  t->now += step;
  push_ts (t, data, n, t->now, GST_CLOCK_TIME_NONE);
}

static guint64
stat (Hostile * t, const gchar * name)
{
  GstStructure *s = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (t->h->element, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, name, &v), "no stats field %s",
      name);
  gst_structure_free (s);
  return v;
}

/* The counts every test ends with: all buffers counted, each under one reason. */
static void
check_counted (Hostile * t)
{
  static const gchar *const reasons[] = {
    "skipped-too-short", "skipped-bad-version", "skipped-rtcp",
    "skipped-csrc-past-end", "skipped-ext-past-end", "skipped-padding-invalid",
    "skipped-ext-element-past-end", "skipped-ext-reserved-id",
    "skipped-ext-wrong-size", "skipped-no-time", "skipped-time-backwards",
    "skipped-no-extension",
  };
  guint64 sum = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (reasons); i++)
    sum += stat (t, reasons[i]);
  fail_unless_equals_uint64 (stat (t, "skipped"), sum);
  fail_unless_equals_uint64 (stat (t, "packets"), t->pushed);
  /* the default feedback mode sends a packet to one side only */
  fail_unless_equals_uint64 (sum + stat (t, "packets-estimated") +
      stat (t, "packets-twcc"), t->pushed);
}

static guint
estimate (Hostile * t)
{
  guint bps;

  g_object_get (t->h->element, "estimated-bitrate", &bps, NULL);
  return bps;
}

/* An RTP header (12 bytes + CSRCs), version 2; returns its size. */
static gsize
rtp_header (guint8 * p, guint8 pt, guint16 seq, guint32 ssrc, guint csrcs)
{
  guint i;

  p[0] = 0x80 | csrcs;
  p[1] = pt;
  put_be (p + 2, seq, 2);
  put_be (p + 4, seq * 3000u, 4);
  put_be (p + 8, ssrc, 4);
  for (i = 0; i < csrcs; i++)
    put_be (p + 12 + 4 * i, 1000 + i, 4);
  return 12 + 4 * csrcs;
}

/* A well-formed packet: one-byte extension block with abs-send-time (and the
 * transport-wide sequence number when tseq >= 0), payload bytes after it. */
static gsize
good_packet (guint8 * p, guint16 seq, guint32 ssrc, guint32 abs, gint tseq,
    gsize payload)
{
  gsize n = rtp_header (p, 96, seq, ssrc, 0);
  gsize words = tseq >= 0 ? 2 : 1;

  p[0] |= 0x10;
  put_be (p + n, 0xBEDE, 2);
  put_be (p + n + 2, words, 2);
  n += 4;
  memset (p + n, 0, 4 * words);
  p[n] = (ABS_ID << 4) | 2;
  put_be (p + n + 1, abs & 0xFFFFFF, 3);
  if (tseq >= 0) {
    p[n + 4] = (TCC_ID << 4) | 1;
    put_be (p + n + 5, tseq, 2);
  }
  n += 4 * words;
  memset (p + n, 0xAB, payload);
  return n + payload;
}

/* One frame of a 30 fps stream with abs-send-time. */
static void
push_frame (Hostile * t, guint32 ssrc, gsize payload)
{
  gsize n = good_packet (pkt, t->seq++, ssrc, t->abs, -1, payload);

  t->abs = (t->abs + FRAME_ABS) & 0xFFFFFF;
  push (t, pkt, n, FRAME_NS);
}

GST_START_TEST (test_empty_and_shorter_than_header)
{
  Hostile *t = hostile_new ();
  gsize n;

  good_packet (pkt, 1, SSRC, 0, -1, 100);
  for (n = 0; n < 12; n++)
    push (t, pkt, n, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-too-short"), 12);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_versions_0_1_3)
{
  Hostile *t = hostile_new ();
  guint v;

  for (v = 0; v < 4; v++) {
    gsize n = good_packet (pkt, v, SSRC, v * FRAME_ABS, -1, 100);
    pkt[0] = (pkt[0] & 0x3F) | (v << 6);
    push (t, pkt, n, FRAME_NS);
  }
  fail_unless_equals_uint64 (stat (t, "skipped-bad-version"), 3);
  fail_unless_equals_uint64 (stat (t, "packets-estimated"), 1);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_csrc_count_past_end)
{
  Hostile *t = hostile_new ();
  guint cc;

  /* 15 CSRCs announced, 0..14 present */
  for (cc = 0; cc < 15; cc++) {
    gsize n = rtp_header (pkt, 96, cc, SSRC, cc);
    pkt[0] = 0x80 | 15;
    push (t, pkt, n, GST_MSECOND);
  }
  fail_unless_equals_uint64 (stat (t, "skipped-csrc-past-end"), 15);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_extension_length_past_end)
{
  Hostile *t = hostile_new ();
  gsize n = good_packet (pkt, 1, SSRC, 0, -1, 0);

  /* the block says 100 words, 1 follows */
  put_be (pkt + 14, 100, 2);
  push (t, pkt, n, GST_MSECOND);
  /* the extension header itself cut off */
  push (t, pkt, 14, GST_MSECOND);
  /* no payload and the block's last word missing */
  push (t, pkt, n - 4, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-ext-past-end"), 3);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_extension_element_past_block)
{
  Hostile *t = hostile_new ();
  gsize n = good_packet (pkt, 1, SSRC, 0, -1, 20);

  /* abs-send-time element claiming 16 bytes in a 4-byte block */
  pkt[16] = (ABS_ID << 4) | 15;
  push (t, pkt, n, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-ext-element-past-end"), 1);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_extensions_of_the_wrong_size)
{
  Hostile *t = hostile_new ();
  gsize n = good_packet (pkt, 1, SSRC, 0, 7, 20);

  /* abs-send-time in 2 bytes instead of 3 */
  pkt[16] = (ABS_ID << 4) | 1;
  push (t, pkt, n, GST_MSECOND);
  /* transport-wide sequence number in 3 bytes instead of 2 */
  n = good_packet (pkt, 2, SSRC, 0, 7, 20);
  pkt[20] = (TCC_ID << 4) | 2;
  push (t, pkt, n, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-ext-wrong-size"), 2);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_reserved_id_15)
{
  Hostile *t = hostile_new ();
  gsize n = good_packet (pkt, 1, SSRC, 0, -1, 20);

  /* RFC 8285: id 15 ends one-byte parsing; nothing after it can be read */
  pkt[16] = 0xF2;
  push (t, pkt, n, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-ext-reserved-id"), 1);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_padding_longer_than_payload)
{
  Hostile *t = hostile_new ();
  gsize n = good_packet (pkt, 1, SSRC, 0, -1, 10);

  pkt[0] |= 0x20;
  /* 255 bytes of padding in a 10-byte payload */
  pkt[n - 1] = 255;
  push (t, pkt, n, GST_MSECOND);
  /* a padding count of 0 */
  pkt[n - 1] = 0;
  push (t, pkt, n, GST_MSECOND);
  /* the padding exactly as long as the payload is fine */
  pkt[n - 1] = 10;
  push (t, pkt, n, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-padding-invalid"), 2);
  fail_unless_equals_uint64 (stat (t, "packets-estimated"), 1);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_two_byte_extension_headers)
{
  Hostile *t = hostile_new ();
  guint i;

  /* RFC 8285 two-byte form (profile 0x100X): id, length, data; padding 0s */
  for (i = 0; i < 10; i++) {
    gsize n = rtp_header (pkt, 96, i, SSRC, 0);
    static const guint8 block[12] = { 0, ABS_ID, 3, 0, 0, 0, TCC_ID + 100, 0,
      0, 0, 0, 0
    };

    pkt[0] |= 0x10;
    put_be (pkt + n, 0x1000 | i, 2);
    put_be (pkt + n + 2, 3, 2);
    memcpy (pkt + n + 4, block, sizeof (block));
    put_be (pkt + n + 7, i * FRAME_ABS, 3);
    n += 16;
    memset (pkt + n, 0, 200);
    push (t, pkt, n + 200, FRAME_NS);
  }
  fail_unless_equals_uint64 (stat (t, "packets-estimated"), 10);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_rtcp_on_the_rtp_path)
{
  Hostile *t = hostile_new ();
  guint pt;

  /* SR, RR, SDES, BYE, APP as RFC 5761 muxes them: payload types 72..76 */
  for (pt = 200; pt <= 204; pt++) {
    memset (pkt, 0, 32);
    pkt[0] = 0x81;
    pkt[1] = pt;
    put_be (pkt + 2, 7, 2);
    push (t, pkt, 32, GST_MSECOND);
  }
  /* and what rtpbwe itself sends: a REMB */
  push (t, pkt, bwe_remb_write (pkt, MAX_PACKET, 1, 500000,
          (const guint32[]) { SSRC }, 1), GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "skipped-rtcp"), 6);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_random_bytes)
{
  Hostile *t = hostile_new ();
  GRand *rand = g_rand_new_with_seed (7);
  guint i, j;

  for (i = 0; i < 3000; i++) {
    gsize n = g_rand_int_range (rand, 0, 1500);

    for (j = 0; j < n; j++)
      pkt[j] = g_rand_int_range (rand, 0, 256);
    /* a third look like RTP with extensions, so the parser goes deeper */
    if (i % 3 == 0 && n > 16) {
      pkt[0] = 0x90 | (pkt[0] & 0x2F);
      pkt[12] = 0xBE;
      pkt[13] = 0xDE;
    }
    push (t, pkt, n, g_rand_int_range (rand, 0, 20) * GST_MSECOND);
  }
  g_rand_free (rand);
  check_counted (t);
  /* random bytes are seldom well-formed RTP with a known extension */
  fail_unless (stat (t, "skipped") > 2000);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_jumbo_payloads)
{
  Hostile *t = hostile_new ();
  guint i;

  for (i = 0; i < 20; i++) {
    gsize n = good_packet (pkt, i, SSRC, i * FRAME_ABS, -1, MAX_PACKET - 100);
    push (t, pkt, n, FRAME_NS);
  }
  fail_unless_equals_uint64 (stat (t, "packets-estimated"), 20);
  fail_unless_equals_uint64 (stat (t, "bytes"), 20 * (MAX_PACKET - 100 + 20));
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_duplicates)
{
  Hostile *t = hostile_new ();
  gsize n;
  guint i;

  for (i = 0; i < 50; i++)
    push_frame (t, SSRC, 500);
  n = good_packet (pkt, t->seq - 1, SSRC, t->abs, -1, 500);
  for (i = 0; i < 5; i++)
    push (t, pkt, n, GST_MSECOND);
  fail_unless_equals_uint64 (stat (t, "duplicates"), 5);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_capture_time_going_backwards)
{
  Hostile *t = hostile_new ();
  guint i;

  for (i = 0; i < 50; i++)
    push_frame (t, SSRC, 500);
  /* 1 s back, then 1 ms back, then forward again */
  push_ts (t, pkt, good_packet (pkt, t->seq++, SSRC, t->abs, -1, 500),
      t->now - GST_SECOND, GST_CLOCK_TIME_NONE);
  push_ts (t, pkt, good_packet (pkt, t->seq++, SSRC, t->abs, -1, 500),
      t->now - GST_MSECOND, GST_CLOCK_TIME_NONE);
  push_frame (t, SSRC, 500);
  /* PTS only counts as the arrival time too */
  push_ts (t, pkt, good_packet (pkt, t->seq++, SSRC, t->abs, -1, 500),
      GST_CLOCK_TIME_NONE, t->now - GST_SECOND);
  /* no timestamp: the arrival is the clock's running time now, near 0 s,
   * long before this stream's 10 s and more */
  push_ts (t, pkt, good_packet (pkt, t->seq++, SSRC, t->abs, -1, 500),
      GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
  fail_unless_equals_uint64 (stat (t, "skipped-time-backwards"), 4);
  fail_unless_equals_uint64 (stat (t, "packets-estimated"), 51);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_long_silences)
{
  Hostile *t = hostile_new ();
  guint i, bps;

  for (i = 0; i < 300; i++)
    push_frame (t, SSRC, 1000);
  bps = estimate (t);
  fail_unless (bps >= 5000 && bps <= 30000000, "estimate %u", bps);
  /* 3 s of silence: past the 2 s stream timeout */
  t->now += 3 * GST_SECOND;
  t->abs = (t->abs + 3 * (1 << 18)) & 0xFFFFFF;
  for (i = 0; i < 100; i++)
    push_frame (t, SSRC, 1000);
  /* 70 s: the 24-bit abs-send-time (64 s) wraps during the silence */
  t->now += 70 * GST_SECOND;
  t->abs = (t->abs + 70 * (1 << 18)) & 0xFFFFFF;
  for (i = 0; i < 300; i++)
    push_frame (t, SSRC, 1000);
  /* an hour */
  t->now += 3600 * GST_SECOND;
  for (i = 0; i < 300; i++)
    push_frame (t, SSRC, 1000);
  fail_unless_equals_uint64 (stat (t, "packets-estimated"), 1000);
  bps = estimate (t);
  fail_unless (bps >= 5000 && bps <= 30000000, "estimate %u", bps);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

GST_START_TEST (test_new_ssrc_on_every_packet)
{
  Hostile *t = hostile_new ();
  GstStructure *s = NULL;
  const GValue *ssrcs;
  guint i, bps;

  for (i = 0; i < 3000; i++) {
    gsize n = good_packet (pkt, i, 0x10000000u + i, t->abs, i, 1000);

    /* half of them with a transport-wide sequence number too */
    if (i % 2)
      n = good_packet (pkt, i, 0x10000000u + i, t->abs, -1, 1000);
    t->abs = (t->abs + FRAME_ABS / 4) & 0xFFFFFF;
    push (t, pkt, n, FRAME_NS / 4);
  }
  fail_unless_equals_uint64 (stat (t, "packets-estimated") +
      stat (t, "packets-twcc"), 3000);
  fail_unless_equals_uint64 (stat (t, "packets-twcc"), 1500);
  g_object_get (t->h->element, "stats", &s, NULL);
  ssrcs = gst_structure_get_value (s, "ssrcs");
  fail_unless (ssrcs != NULL && gst_value_array_get_size (ssrcs) <= MAX_SSRCS);
  gst_structure_free (s);
  bps = estimate (t);
  fail_unless (bps >= 5000 && bps <= 30000000, "estimate %u", bps);
  check_counted (t);
  hostile_free (t);
}

GST_END_TEST;

static Suite *
hostile_suite (void)
{
  Suite *s = suite_create ("hostile");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_empty_and_shorter_than_header);
  tcase_add_test (tc, test_versions_0_1_3);
  tcase_add_test (tc, test_csrc_count_past_end);
  tcase_add_test (tc, test_extension_length_past_end);
  tcase_add_test (tc, test_extension_element_past_block);
  tcase_add_test (tc, test_extensions_of_the_wrong_size);
  tcase_add_test (tc, test_reserved_id_15);
  tcase_add_test (tc, test_padding_longer_than_payload);
  tcase_add_test (tc, test_two_byte_extension_headers);
  tcase_add_test (tc, test_rtcp_on_the_rtp_path);
  tcase_add_test (tc, test_random_bytes);
  tcase_add_test (tc, test_jumbo_payloads);
  tcase_add_test (tc, test_duplicates);
  tcase_add_test (tc, test_capture_time_going_backwards);
  tcase_add_test (tc, test_long_silences);
  tcase_add_test (tc, test_new_ssrc_on_every_packet);
  return s;
}

GST_CHECK_MAIN (hostile);
