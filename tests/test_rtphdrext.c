/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtphdrextabssendtime: found by URI at a rank payloaders use, stamped by a
 * payloader whose caps carry the extmap, read back by a depayloader. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>

#define ABS_SEND_TIME_URI "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define EXT_ID 3
#define MASK24 0xFFFFFFu

/* The 6.18 value of a monotonic time, as the extension is documented to
 * write it (nearest 1/2^18 s, modulo 64 s). */
static guint32
abs24_of_us (gint64 us)
{
  guint64 t = (guint64) us % (G_GUINT64_CONSTANT (64) * G_USEC_PER_SEC);

  return (guint32) (((t << 18) + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC) & MASK24;
}

static GstCaps *
rtp_caps_with_extmap (void)
{
  return gst_caps_from_string ("application/x-rtp, media=(string)audio, "
      "clock-rate=(int)44100, encoding-name=(string)L16, "
      "encoding-params=(string)1, channels=(int)1, payload=(int)96, "
      "extmap-3=(string)" ABS_SEND_TIME_URI);
}

static GstBuffer *
audio_buffer (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 441 * 2, NULL);

  gst_buffer_memset (buf, 0, 0, 441 * 2);
  GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  return buf;
}

START_TEST (test_factory)
{
  GstRTPHeaderExtension *ext =
      gst_rtp_header_extension_create_from_uri (ABS_SEND_TIME_URI);
  GstElementFactory *f;
  GstBuffer *buf = gst_buffer_new ();

  fail_unless (ext != NULL);
  f = gst_element_get_factory (GST_ELEMENT (ext));
  fail_unless_equals_string (GST_OBJECT_NAME (f), "rtphdrextabssendtime");
  fail_unless_equals_string (gst_rtp_header_extension_get_uri (ext),
      ABS_SEND_TIME_URI);
  fail_unless (gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (f)) >=
      GST_RANK_MARGINAL);
  fail_unless_equals_int (gst_rtp_header_extension_get_max_size (ext, buf), 3);
  gst_buffer_unref (buf);
  gst_object_unref (ext);
}
END_TEST

/* Writes into a 3-byte area and compares with the monotonic clock read
 * before and after; reading those bytes back gives the same value. */
START_TEST (test_write_read_direct)
{
  GstRTPHeaderExtension *ext =
      gst_rtp_header_extension_create_from_uri (ABS_SEND_TIME_URI);
  GstRTPHeaderExtension *reader =
      gst_rtp_header_extension_create_from_uri (ABS_SEND_TIME_URI);
  GstBuffer *in = gst_buffer_new ();
  GstBuffer *out = gst_buffer_new ();
  guint8 data[3];
  guint32 before, after, v;
  guint last;
  GstReferenceTimestampMeta *meta;
  GstCaps *meta_caps = gst_caps_from_string ("timestamp/x-abs-send-time");

  gst_rtp_header_extension_set_id (ext, EXT_ID);
  gst_rtp_header_extension_set_id (reader, EXT_ID);
  before = abs24_of_us (g_get_monotonic_time ());
  fail_unless_equals_int (gst_rtp_header_extension_write (ext, in,
          GST_RTP_HEADER_EXTENSION_ONE_BYTE, out, data, sizeof data), 3);
  after = abs24_of_us (g_get_monotonic_time ());
  v = GST_READ_UINT24_BE (data);
  fail_unless (((v - before) & MASK24) <= ((after - before) & MASK24));
  g_object_get (ext, "last-send-time", &last, NULL);
  fail_unless_equals_int (last, v);

  fail_unless (gst_rtp_header_extension_read (reader,
          GST_RTP_HEADER_EXTENSION_ONE_BYTE, data, sizeof data, out));
  g_object_get (reader, "last-send-time", &last, NULL);
  fail_unless_equals_int (last, v);
  meta = gst_buffer_get_reference_timestamp_meta (out, meta_caps);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->timestamp,
      gst_util_uint64_scale_int (v, GST_SECOND, 1 << 18));

  /* a 2-byte element is not abs-send-time */
  fail_if (gst_rtp_header_extension_read (reader,
          GST_RTP_HEADER_EXTENSION_ONE_BYTE, data, 2, out));

  gst_caps_unref (meta_caps);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_object_unref (ext);
  gst_object_unref (reader);
}
END_TEST

/* 0x000000 at 0 s, 0x040000 at 1 s, 0x000000 again at 64 s: the 64 s wrap. */
START_TEST (test_meta_time_of_value)
{
  GstRTPHeaderExtension *reader =
      gst_rtp_header_extension_create_from_uri (ABS_SEND_TIME_URI);
  GstBuffer *out = gst_buffer_new ();
  const guint8 one_and_a_half_s[3] = { 0x06, 0x00, 0x00 };
  GstCaps *meta_caps = gst_caps_from_string ("timestamp/x-abs-send-time");
  GstReferenceTimestampMeta *meta;

  gst_rtp_header_extension_set_id (reader, EXT_ID);
  fail_unless (gst_rtp_header_extension_read (reader,
          GST_RTP_HEADER_EXTENSION_ONE_BYTE, one_and_a_half_s, 3, out));
  meta = gst_buffer_get_reference_timestamp_meta (out, meta_caps);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->timestamp, 1500 * GST_MSECOND);
  gst_caps_unref (meta_caps);
  gst_buffer_unref (out);
  gst_object_unref (reader);
}
END_TEST

/* rtpL16pay with an extmap in its src caps creates the extension by itself
 * and every packet carries a 3-byte element with id 3 holding the
 * monotonic time of its writing. */
START_TEST (test_payloader_stamps)
{
  GstHarness *h = gst_harness_new_parse ("rtpL16pay mtu=1400 ! capsfilter "
      "caps=\"application/x-rtp, extmap-3=(string)" ABS_SEND_TIME_URI "\"");
  guint i;

  gst_harness_set_src_caps_str (h,
      "audio/x-raw, format=S16BE, layout=interleaved, rate=44100, channels=1");
  for (i = 0; i < 5; i++) {
    GstBuffer *out;
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gpointer data;
    guint size;
    guint32 before, after, v;

    before = abs24_of_us (g_get_monotonic_time ());
    fail_unless_equals_int (gst_harness_push (h, audio_buffer (i)),
        GST_FLOW_OK);
    after = abs24_of_us (g_get_monotonic_time ());
    out = gst_harness_pull (h);
    fail_unless (gst_rtp_buffer_map (out, GST_MAP_READ, &rtp));
    fail_unless (gst_rtp_buffer_get_extension_onebyte_header (&rtp, EXT_ID, 0,
            &data, &size));
    fail_unless_equals_int (size, 3);
    v = GST_READ_UINT24_BE (data);
    fail_unless (((v - before) & MASK24) <= ((after - before) & MASK24));
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
END_TEST

/* The depayloader with the same extmap reads the value back onto its
 * output buffer: the meta holds exactly the written value. */
START_TEST (test_payloader_depayloader_roundtrip)
{
  GstHarness *h = gst_harness_new_parse ("rtpL16pay mtu=1400 ! capsfilter "
      "name=cf ! rtpL16depay");
  GstCaps *caps = rtp_caps_with_extmap ();
  GstCaps *meta_caps = gst_caps_from_string ("timestamp/x-abs-send-time");
  GstElement *cf = gst_bin_get_by_name (GST_BIN (h->element), "cf");
  GstPad *pad = gst_element_get_static_pad (cf, "src");
  guint i;

  g_object_set (cf, "caps", caps, NULL);
  gst_harness_set_src_caps_str (h,
      "audio/x-raw, format=S16BE, layout=interleaved, rate=44100, channels=1");
  for (i = 0; i < 3; i++) {
    GstBuffer *out;
    GstReferenceTimestampMeta *meta;
    guint32 before, after, v;

    before = abs24_of_us (g_get_monotonic_time ());
    fail_unless_equals_int (gst_harness_push (h, audio_buffer (i)),
        GST_FLOW_OK);
    after = abs24_of_us (g_get_monotonic_time ());
    out = gst_harness_pull (h);
    meta = gst_buffer_get_reference_timestamp_meta (out, meta_caps);
    fail_unless (meta != NULL);
    v = (guint32) gst_util_uint64_scale_int_round (meta->timestamp, 1 << 18,
        GST_SECOND);
    fail_unless_equals_uint64 (meta->timestamp,
        gst_util_uint64_scale_int (v, GST_SECOND, 1 << 18));
    fail_unless (((v - before) & MASK24) <= ((after - before) & MASK24));
    gst_buffer_unref (out);
  }
  gst_object_unref (pad);
  gst_object_unref (cf);
  gst_caps_unref (caps);
  gst_caps_unref (meta_caps);
  gst_harness_teardown (h);
}
END_TEST

static Suite *
rtphdrext_suite (void)
{
  Suite *s = suite_create ("rtphdrextabssendtime");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_factory);
  tcase_add_test (tc, test_write_read_direct);
  tcase_add_test (tc, test_meta_time_of_value);
  tcase_add_test (tc, test_payloader_stamps);
  tcase_add_test (tc, test_payloader_depayloader_roundtrip);
  return s;
}

GST_CHECK_MAIN (rtphdrext);
