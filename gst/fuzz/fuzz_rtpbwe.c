/* Fuzzes the rtpbwe element through GstHarness: arbitrary buffers (any bytes, any
 * size), arrival times that jump either way or are missing, caps with any
 * extension ids, forced ids and properties, flushes, stats queries and EOS.
 * Whatever comes in: no crash and no GLib critical or warning (fatal here),
 * every buffer leaves on src byte for byte with its timestamps, every buffer is
 * counted in the stats, the estimate stays within [min, max] and every RTCP
 * packet on rtcp_src is a REMB or a TWCC feedback packet.
 *
 * Input: a flags byte (feedback mode, estimator, which ids are forced, caps
 * form, custom bitrate bounds), two extension ids for the caps, then records: a
 * buffer (size, time step, timestamp kind, bytes) or an event (new caps, flush,
 * RTT, stats query) until the input runs out; EOS last. */
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include "fuzz.h"
#include "remb.h"
#include "twcc_feedback.h"

#define ABS_SEND_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define TRANSPORT_CC_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define MAX_BUFFER_BYTES 2047
/* The element's rtt property range. */
#define MAX_RTT_MS 60000

/* Time steps are a signed 16-bit count of one of these units. */
static const GstClockTime step_unit_ns[4] = { GST_USECOND, 100 * GST_USECOND,
  GST_MSECOND, GST_SECOND
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* Only this build's plugin: no system plugin is needed, and scanning them in
   * process (an ASan plugin cannot go through GStreamer's scanner) is slow. */
  g_setenv ("GST_PLUGIN_PATH", RTPBWE_PLUGIN_DIR, TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_REGISTRY", RTPBWE_FUZZ_REGISTRY, TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  gst_init (argc, argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static GstCaps *
make_caps (guint abs_id, guint twcc_id, gboolean array_form)
{
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000, NULL);
  const gchar *uris[2] = { ABS_SEND_TIME_URI, TRANSPORT_CC_URI };
  guint ids[2] = { abs_id, twcc_id };
  gint i;

  for (i = 0; i < 2; i++) {
    gchar name[32];

    if (ids[i] == 0)
      continue;
    g_snprintf (name, sizeof (name), "extmap-%u", ids[i]);
    if (array_form) {
      /* webrtcbin's form: <direction, URI, attributes> */
      GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;

      g_value_init (&arr, GST_TYPE_ARRAY);
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, "");
      gst_value_array_append_value (&arr, &v);
      g_value_set_string (&v, uris[i]);
      gst_value_array_append_value (&arr, &v);
      g_value_set_string (&v, "");
      gst_value_array_append_value (&arr, &v);
      gst_caps_set_value (caps, name, &arr);
      g_value_unset (&v);
      g_value_unset (&arr);
    } else {
      gst_caps_set_simple (caps, name, G_TYPE_STRING, uris[i], NULL);
    }
  }
  return caps;
}

static void
drain_rtcp (GstHarness * rtcp)
{
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (rtcp)) != NULL) {
    GstMapInfo map;
    BweRemb remb;
    BweTwccInfo info;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    if (bwe_remb_parse (map.data, map.size, &remb) != 0
        && bwe_twcc_parse (map.data, map.size, &info, NULL, 0) < 0)
      abort ();
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
}

static void
check_stats (GstHarness * h, guint64 pushed, guint min_bps, guint max_bps)
{
  GstStructure *stats = NULL;
  guint64 packets = 0;
  guint estimate = 0;

  g_object_get (h->element, "stats", &stats, "estimated-bitrate", &estimate,
      NULL);
  if (stats == NULL || !gst_structure_get_uint64 (stats, "packets", &packets)
      || packets != pushed)
    abort ();
  gst_structure_free (stats);
  if (estimate != 0 && min_bps <= max_bps
      && (estimate < min_bps || estimate > max_bps))
    abort ();
}

/* Pushes one buffer and checks it comes out on src unchanged. */
static void
push_checked (GstHarness * h, const guint8 * bytes, gsize n, GstClockTime dts,
    GstClockTime pts)
{
  GstBuffer *in = n > 0 ? gst_buffer_new_memdup (bytes, n) : gst_buffer_new ();
  GstBuffer *out;
  GstMapInfo map;

  GST_BUFFER_DTS (in) = dts;
  GST_BUFFER_PTS (in) = pts;
  if (gst_harness_push (h, in) != GST_FLOW_OK)
    abort ();
  out = gst_harness_try_pull (h);
  if (out == NULL || gst_buffer_get_size (out) != n
      || GST_BUFFER_DTS (out) != dts || GST_BUFFER_PTS (out) != pts)
    abort ();
  gst_buffer_map (out, &map, GST_MAP_READ);
  if (n > 0 && memcmp (map.data, bytes, n) != 0)
    abort ();
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzReader r = { data, size };
  guint flags = fuzz_take (&r, 1);
  guint abs_id = fuzz_take (&r, 1), twcc_id = fuzz_take (&r, 1);
  guint min_bps = 5000, max_bps = 30000000;
  GstElement *element;
  GstHarness *h, *rtcp;
  GstClockTime t = 10 * GST_SECOND;
  guint64 pushed = 0;
  const guint8 *last = NULL;
  gsize last_size = 0;
  GstSegment segment;

  /* Properties first: some only apply when the element starts. */
  element = gst_element_factory_make ("rtpbwe", NULL);
  g_object_set (element, "feedback", (flags & 7) % 5,
      "estimator", (flags >> 3) & 1, NULL);
  if (flags & 0x10)
    g_object_set (element, "abs-send-time-id", fuzz_take (&r, 1), NULL);
  if (flags & 0x20)
    g_object_set (element, "transport-cc-id", fuzz_take (&r, 1), NULL);
  if (flags & 0x80) {
    min_bps = fuzz_take (&r, 3);
    max_bps = fuzz_take (&r, 4);
    g_object_set (element, "rtt", fuzz_take (&r, 2) % (MAX_RTT_MS + 1),
        "min-bitrate", min_bps, "max-bitrate", max_bps, NULL);
  }
  h = gst_harness_new_with_element (element, "sink", "src");
  rtcp = gst_harness_new_with_element (element, NULL, "rtcp_src");
  gst_object_unref (element);
  gst_harness_set_src_caps (h, make_caps (abs_id, twcc_id, flags & 0x40));
  gst_segment_init (&segment, GST_FORMAT_TIME);

  while (r.left > 0) {
    guint head = fuzz_take (&r, 1);

    if ((head >> 6) < 3) {
      /* A buffer: size, time step (unit from head), timestamp kind (DTS and
       * PTS, PTS only, none, DTS going back), bytes or, with bit 4, the
       * previous buffer's bytes again (a duplicate). */
      gsize n = fuzz_take (&r, 2) & MAX_BUFFER_BYTES;
      gint16 step = (gint16) fuzz_take (&r, 2);
      guint kind = (head >> 2) & 3;
      GstClockTime delta = (GstClockTime) ABS (step) * step_unit_ns[head & 3];

      if (step < 0 || kind == 3)
        t = t > delta ? t - delta : 0;
      else
        t += delta;
      if (!(head & 0x10) || last == NULL) {
        n = MIN (n, r.left);
        last = r.p;
        last_size = n;
        r.p += n;
        r.left -= n;
      }
      push_checked (h, last, last_size, kind == 0 || kind == 3 ? t :
          GST_CLOCK_TIME_NONE, kind == 0 ? t + GST_MSECOND : (kind == 1 ? t :
              GST_CLOCK_TIME_NONE));
      pushed++;
    } else {
      switch (head & 3) {
        case 0:{
          guint a = fuzz_take (&r, 1), b = fuzz_take (&r, 1);
          gst_harness_set_src_caps (h, make_caps (a, b, head & 4));
          break;
        }
        case 1:
          gst_harness_push_event (h, gst_event_new_flush_start ());
          gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
          gst_harness_push_event (h, gst_event_new_segment (&segment));
          break;
        case 2:
          g_object_set (h->element, "rtt", fuzz_take (&r, 2) % (MAX_RTT_MS + 1),
              NULL);
          break;
        default:
          check_stats (h, pushed, min_bps, max_bps);
          break;
      }
    }
    drain_rtcp (rtcp);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  check_stats (h, pushed, min_bps, max_bps);
  drain_rtcp (rtcp);
  gst_harness_teardown (rtcp);
  gst_harness_teardown (h);
  return 0;
}
