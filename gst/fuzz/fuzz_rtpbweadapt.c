/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the rtpbweadapt element through GstHarness: arbitrary RTCP buffers
 * (any bytes, any size, times that jump either way) on rtcp_sink, media
 * buffers on sink, and its policy properties.  Whatever comes in: no crash and
 * no GLib critical or warning (fatal here), every buffer leaves its src pad
 * byte for byte with its timestamp, every RTCP buffer is counted, every REMB
 * counted is one decision, and the bitrate in force stays within
 * [min-bitrate, max-bitrate] (a ceiling below the floor wins).
 *
 * Input: a flags byte (deadband, min-interval, ssrc, media caps, bounds), the
 * fraction, the overhead in bytes and in percent, then records: a media
 * buffer (size, bytes) or an RTCP buffer (size, time step in ms, bytes)
 * until the input runs out.
 *
 * One element and its two harnesses serve every input: before each input it
 * goes to READY, which resets it, and its properties go back to their
 * defaults, so that an input runs the same whatever ran before it. */
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include "fuzz.h"

#define MAX_RTCP_BYTES 2047

static GstHarness *media;
static GstHarness *rtcp;
static GParamSpec **props;
static GValue *prop_defaults;
static guint n_props;

static const gdouble deadbands[4] = { 3.0, 0.0, 50.0, 100.0 };
static const guint intervals[4] = { 1000, 0, 1, 60000 };
/* min-bitrate, max-bitrate */
static const guint bounds[4][2] = {
  {30000, 0}, {0, 0}, {100000, 50000}, {1000, 2000000}
};

static void
fuzz_teardown (void)
{
  guint i;

  for (i = 0; i < n_props; i++)
    g_value_unset (&prop_defaults[i]);
  g_free (prop_defaults);
  g_free (props);
  gst_harness_teardown (rtcp);
  gst_harness_teardown (media);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GstElement *element;
  GParamSpec **all;
  guint n_all, i;

  /* Only this build's plugin (see fuzz_rtpbwe.c). */
  g_setenv ("GST_PLUGIN_PATH", RTPBWE_PLUGIN_DIR, TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_REGISTRY", RTPBWE_FUZZ_REGISTRY, TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  gst_init (argc, argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  element = gst_element_factory_make ("rtpbweadapt", NULL);
  if (element == NULL)
    abort ();
  media = gst_harness_new_with_element (element, "sink", "src");
  rtcp = gst_harness_new_with_element (element, "rtcp_sink", "rtcp_src");
  gst_object_unref (element);

  all = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n_all);
  props = g_new0 (GParamSpec *, n_all);
  prop_defaults = g_new0 (GValue, n_all);
  for (i = 0; i < n_all; i++) {
    GParamSpec *p = all[i];

    if (p->owner_type != G_OBJECT_TYPE (element)
        || !(p->flags & G_PARAM_WRITABLE))
      continue;
    props[n_props] = p;
    g_value_init (&prop_defaults[n_props], p->value_type);
    g_param_value_set_default (p, &prop_defaults[n_props]);
    n_props++;
  }
  g_free (all);
  atexit (fuzz_teardown);
  return 0;
}

static void
drain (GstHarness * h)
{
  GstBuffer *buf;
  GstEvent *ev;

  while ((buf = gst_harness_try_pull (h)) != NULL)
    gst_buffer_unref (buf);
  while ((ev = gst_harness_try_pull_event (h)) != NULL)
    gst_event_unref (ev);
}

static void
restart (guint flags)
{
  guint i;

  if (gst_element_set_state (media->element, GST_STATE_READY)
      != GST_STATE_CHANGE_SUCCESS)
    abort ();
  for (i = 0; i < n_props; i++)
    g_object_set_property (G_OBJECT (media->element), props[i]->name,
        &prop_defaults[i]);
  drain (media);
  drain (rtcp);
  if (gst_element_set_state (media->element, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_SUCCESS)
    abort ();
  gst_harness_set_src_caps_str (media, (flags & 0x20) ?
      "application/x-rtp, ssrc=(uint)4660" : "video/x-h264");
  gst_harness_set_src_caps_str (rtcp, "application/x-rtcp");
}

/* Pushes bytes on h; the same bytes and PTS must leave its src pad. */
static void
push_through (GstHarness * h, const guint8 * bytes, gsize size,
    GstClockTime pts)
{
  GstBuffer *buf = size > 0 ? gst_buffer_new_memdup (bytes, size) :
      gst_buffer_new (), *out;
  GstMapInfo m;

  GST_BUFFER_PTS (buf) = pts;
  if (gst_harness_push (h, buf) != GST_FLOW_OK)
    abort ();
  out = gst_harness_pull (h);
  if (out == NULL || GST_BUFFER_PTS (out) != pts
      || !gst_buffer_map (out, &m, GST_MAP_READ))
    abort ();
  if (m.size != size || (size > 0 && memcmp (m.data, bytes, size) != 0))
    abort ();
  gst_buffer_unmap (out, &m);
  gst_buffer_unref (out);
}

static guint64
stat (const GstStructure * s, const gchar * field)
{
  guint64 v;

  if (!gst_structure_get_uint64 (s, field, &v))
    abort ();
  return v;
}

static void
check_stats (guint64 rtcp_pushed, guint min, guint max)
{
  GstStructure *s;
  guint64 rembs;
  guint bitrate;

  g_object_get (media->element, "stats", &s, NULL);
  rembs = stat (s, "remb-packets");
  if (stat (s, "rtcp-buffers") != rtcp_pushed)
    abort ();
  if (rembs != stat (s, "applied") + stat (s, "clamped") + stat (s,
          "deadband") + stat (s, "rate-limited"))
    abort ();
  if (!gst_structure_get_uint (s, "bitrate", &bitrate))
    abort ();
  if (rembs > 0 && max != 0 && bitrate > max)
    abort ();
  if (rembs > 0 && bitrate < min && !(max != 0 && bitrate == max))
    abort ();
  gst_structure_free (s);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzReader r = { data, size };
  guint flags = fuzz_take (&r, 1);
  guint min = bounds[flags >> 6][0], max = bounds[flags >> 6][1];
  GstClockTime pts = 10 * GST_SECOND;
  guint64 rtcp_pushed = 0;

  /* one at a time: the order arguments are evaluated in is not C's */
  gdouble fraction = fuzz_take (&r, 1) / 255.0;
  guint overhead = fuzz_take (&r, 1);
  gdouble overhead_percent = fuzz_take (&r, 1) % 101;

  restart (flags);
  g_object_set (media->element, "deadband", deadbands[flags & 3],
      "min-interval", intervals[(flags >> 2) & 3],
      "ssrc", (flags & 0x10) ? 0x1234 : 0, "min-bitrate", min,
      "max-bitrate", max, "fraction", fraction, "overhead", overhead,
      "overhead-percent", overhead_percent, NULL);
  while (r.left > 0) {
    guint kind = fuzz_take (&r, 1);
    gsize n;

    if (kind & 0x80) {
      n = MIN (kind & 0x7f, r.left);
      push_through (media, r.p, n, pts);
    } else {
      gint16 step = (gint16) fuzz_take (&r, 2);
      gsize want = fuzz_take (&r, 2) & MAX_RTCP_BYTES;

      n = MIN (want, r.left);
      /* running time stays positive: backwards steps are clamped at 0 */
      pts = step < 0 && (GstClockTime) (-step) * GST_MSECOND > pts ? 0 :
          pts + step * (gint64) GST_MSECOND;
      push_through (rtcp, r.p, n, pts);
      rtcp_pushed++;
    }
    r.p += n;
    r.left -= n;
  }
  check_stats (rtcp_pushed, min, max);
  return 0;
}
