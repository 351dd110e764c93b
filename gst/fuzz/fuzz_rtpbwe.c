/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the rtpbwe element through GstHarness: arbitrary buffers (any bytes, any
 * size), arrival times that jump either way or are missing, caps with any
 * extension ids, forced ids and properties, flushes, stats queries and EOS.
 * Whatever comes in: no crash and no GLib critical or warning (fatal here),
 * every buffer leaves on src byte for byte with its timestamps, every buffer is
 * counted in the stats, the estimate stays within [min-bitrate, max-bitrate]
 * (max-bitrate 0: no upper bound), every RTCP packet on rtcp_src is a REMB
 * or a TWCC feedback packet, and exactly the packets the stats count as
 * sent reach rtcp_src, then EOS (waiting for them before each flush and at
 * the end: none escapes the check by chance).
 *
 * Input: a flags byte (feedback mode and mode, estimator, which ids are
 * forced, caps form, custom bitrate bounds), two extension ids for the caps,
 * then records: a
 * buffer (size, time step, timestamp kind, bytes) or an event (new caps, flush,
 * RTT, stats query) until the input runs out; EOS last.
 *
 * One element and its two harnesses serve every input (building them is most
 * of the cost of a short input): before each input the element goes to READY,
 * which resets it, every property of its own goes back to its default, and it
 * starts again with a new stream-start, caps and segment, so that an input
 * runs the same whatever ran before it (a finding replays alone).  The
 * standalone replay (no libFuzzer) runs each input twice and fails if the
 * second run differs from the first in any RTCP packet or in the final
 * stats. */
#include <sched.h>
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
#define ABS_CAPTURE_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
#define MAX_BUFFER_BYTES 2047
/* The element's rtt property range. */
#define MAX_RTT_MS 60000
/* The replay test (the build without libFuzzer) runs every input twice and
 * compares what the two runs gave; libFuzzer runs skip that work. */
#ifdef RTPBWE_FUZZ_TWICE
#define RUN_TWICE TRUE
#else
#define RUN_TWICE FALSE
#endif
#define FNV_OFFSET G_GUINT64_CONSTANT (0xcbf29ce484222325)
#define FNV_PRIME G_GUINT64_CONSTANT (0x100000001b3)

/* Time steps are a signed 16-bit count of one of these units. */
static const GstClockTime step_unit_ns[4] = { GST_USECOND, 100 * GST_USECOND,
  GST_MSECOND, GST_SECOND
};

/* The element (h->element) and its harnesses, built once. */
static GstHarness *h;
static GstHarness *rtcp;
/* The element's own writable properties and their defaults. */
static GParamSpec **props;
static GValue *prop_defaults;
static guint n_props;
/* What one run gave (RTCP packets and final stats), to compare two runs. */
static guint64 run_digest;
/* RTCP packets pulled from rtcp_src in this run. */
static guint64 rtcp_pulled;
/* The buffer pushed last, as it must leave on src, and how often it did. */
static struct
{
  const guint8 *bytes;
  gsize size;
  GstClockTime dts;
  GstClockTime pts;
  guint seen;
} expected;
/* The stats fields read, as quarks (a name costs a global lookup). */
static GQuark q_packets, q_estimated_bitrate, q_remb_packets, q_twcc_packets;

static GstPadProbeReturn check_out (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data);

static void
digest_add (const void *data, gsize n)
{
  const guint8 *p = data;
  gsize i;

  if (!RUN_TWICE)
    return;
  for (i = 0; i < n; i++)
    run_digest = (run_digest ^ p[i]) * FNV_PRIME;
}

static void
drain_events (void)
{
  GstEvent *ev;

  while ((ev = gst_harness_try_pull_event (h)) != NULL)
    gst_event_unref (ev);
  while ((ev = gst_harness_try_pull_upstream_event (h)) != NULL)
    gst_event_unref (ev);
  while ((ev = gst_harness_try_pull_event (rtcp)) != NULL)
    gst_event_unref (ev);
}

static void
fuzz_teardown (void)
{
  guint i;

  for (i = 0; i < n_props; i++)
    g_value_unset (&prop_defaults[i]);
  g_free (prop_defaults);
  g_free (props);
  gst_harness_teardown (rtcp);
  gst_harness_teardown (h);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GstElement *element;
  GParamSpec **all;
  guint n_all, i;
  struct sched_param no_priority = { 0 };

  /* Batch scheduling for this thread and every thread made after it: the
   * rtcp_src task then runs when the pushing thread waits for it instead of
   * taking the CPU at each packet it is woken for (two context switches a
   * packet on a busy machine, more than half of the time of a run).  What
   * the task pushes is awaited wherever it is checked, so no check depends
   * on when it runs. */
  sched_setscheduler (0, SCHED_BATCH, &no_priority);

  /* Only this build's plugin: no system plugin is needed, and scanning them in
   * process (an ASan plugin cannot go through GStreamer's scanner) is slow. */
  g_setenv ("GST_PLUGIN_PATH", RTPBWE_PLUGIN_DIR, TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_REGISTRY", RTPBWE_FUZZ_REGISTRY, TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  gst_init (argc, argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  element = gst_element_factory_make ("rtpbwe", NULL);
  if (element == NULL)
    abort ();
  h = gst_harness_new_with_element (element, "sink", "src");
  rtcp = gst_harness_new_with_element (element, NULL, "rtcp_src");
  gst_object_unref (element);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, check_out, NULL,
      NULL);

  /* Every property rtpbwe adds, whether this target sets it or not, so that
   * one added later is reset too. */
  all = g_object_class_list_properties (G_OBJECT_GET_CLASS (h->element),
      &n_all);
  props = g_new0 (GParamSpec *, n_all);
  prop_defaults = g_new0 (GValue, n_all);
  for (i = 0; i < n_all; i++) {
    GParamSpec *p = all[i];

    if (p->owner_type != G_OBJECT_TYPE (h->element)
        || !(p->flags & G_PARAM_WRITABLE)
        || (p->flags & G_PARAM_CONSTRUCT_ONLY))
      continue;
    props[n_props] = p;
    g_value_init (&prop_defaults[n_props], p->value_type);
    g_param_value_set_default (p, &prop_defaults[n_props]);
    n_props++;
  }
  g_free (all);
  q_packets = g_quark_from_static_string ("packets");
  q_estimated_bitrate = g_quark_from_static_string ("estimated-bitrate");
  q_remb_packets = g_quark_from_static_string ("remb-packets");
  q_twcc_packets = g_quark_from_static_string ("twcc-packets");
  atexit (fuzz_teardown);
  return 0;
}

static GstCaps *
make_caps (guint abs_id, guint twcc_id, gboolean array_form)
{
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000, NULL);
  const gchar *uris[3] = { ABS_SEND_TIME_URI, TRANSPORT_CC_URI,
    ABS_CAPTURE_TIME_URI
  };
  /* abs-capture-time's id is derived from the other two rather than read
   * from a third input byte, so that the corpus keeps its meaning */
  guint ids[3] = { abs_id, twcc_id, (abs_id + twcc_id) & 0xff };
  gint i;

  for (i = 0; i < 3; i++) {
    gchar name[32];

    if (ids[i] == 0 || (i == 2 && (ids[2] == abs_id || ids[2] == twcc_id)))
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

/* Stops the element (READY resets its state), sets its properties back to
 * their defaults and drops whatever the harnesses still hold. */
static void
stop_and_reset (void)
{
  GstBuffer *buf;
  guint i;

  if (gst_element_set_state (h->element, GST_STATE_READY)
      != GST_STATE_CHANGE_SUCCESS)
    abort ();
  for (i = 0; i < n_props; i++)
    g_object_set_property (G_OBJECT (h->element), props[i]->name,
        &prop_defaults[i]);
  while ((buf = gst_harness_try_pull (h)) != NULL)
    gst_buffer_unref (buf);
  while ((buf = gst_harness_try_pull (rtcp)) != NULL)
    gst_buffer_unref (buf);
  drain_events ();
}

/* What gst_harness_new_with_element() and gst_harness_set_src_caps() send at
 * the start: PLAYING, then stream-start, caps and segment. */
static void
start (GstCaps * caps)
{
  if (gst_element_set_state (h->element, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_SUCCESS)
    abort ();
  if (!gst_harness_push_event (h, gst_event_new_stream_start ("fuzz")))
    abort ();
  gst_harness_set_src_caps (h, caps);
}

static void
check_rtcp (GstBuffer * buf)
{
  GstMapInfo map;
  BweRemb remb;
  BweTwccInfo info;
  GstClockTime ts = GST_BUFFER_PTS (buf);

  gst_buffer_map (buf, &map, GST_MAP_READ);
  if (bwe_remb_parse (map.data, map.size, &remb) != 0
      && bwe_twcc_parse (map.data, map.size, &info, NULL, 0) < 0)
    abort ();
  digest_add (map.data, map.size);
  digest_add (&ts, sizeof ts);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  rtcp_pulled++;
}

/* The RTCP packets that reached rtcp_src so far. */
static void
drain_rtcp (void)
{
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (rtcp)) != NULL)
    check_rtcp (buf);
}

/* Waits for every RTCP packet the element counted (sent) to reach rtcp_src:
 * its task pushes them a little later.  Before a flush, which drops those
 * still waiting, so that every one is checked and none is lost by chance. */
static void
wait_rtcp (guint64 sent)
{
  while (rtcp_pulled < sent) {
    GstBuffer *buf = gst_harness_pull (rtcp);

    if (buf == NULL)
      abort ();
    check_rtcp (buf);
  }
}

/* The stats and the estimate agree with what was pushed; returns how many
 * RTCP packets the element sent, and the stats as a string in str when not
 * NULL. */
static guint64
check_stats (guint64 pushed, guint min_bps, guint max_bps, gchar ** str)
{
  GValue v = G_VALUE_INIT;
  const GstStructure *stats;
  guint64 packets = 0, remb = 0, twcc = 0;
  guint estimate = 0;

  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_object_get_property (G_OBJECT (h->element), "stats", &v);
  stats = gst_value_get_structure (&v);
  if (stats == NULL || !gst_structure_id_get (stats,
          q_packets, G_TYPE_UINT64, &packets,
          q_estimated_bitrate, G_TYPE_UINT, &estimate,
          q_remb_packets, G_TYPE_UINT64, &remb,
          q_twcc_packets, G_TYPE_UINT64, &twcc, NULL) || packets != pushed)
    abort ();
  /* max-bitrate 0 is no upper bound; a minimum above a maximum is not
   * checked (which one wins is the rate control's business) */
  if (estimate != 0 && (max_bps == 0 || min_bps <= max_bps)
      && (estimate < min_bps || (max_bps != 0 && estimate > max_bps)))
    abort ();
  if (str != NULL)
    *str = gst_structure_to_string (stats);
  g_value_unset (&v);
  return remb + twcc;
}

/* After the EOS on sink: every RTCP packet the element sent, exactly those,
 * then the EOS on rtcp_src. */
static void
finish (guint64 pushed, guint min_bps, guint max_bps)
{
  GstEvent *ev;
  GstEventType type;
  gchar *stats = NULL;

  gst_harness_push_event (h, gst_event_new_eos ());
  wait_rtcp (check_stats (pushed, min_bps, max_bps, RUN_TWICE ? &stats : NULL));
  do {
    ev = gst_harness_pull_event (rtcp);
    if (ev == NULL)
      abort ();
    type = GST_EVENT_TYPE (ev);
    gst_event_unref (ev);
  } while (type != GST_EVENT_EOS);
  if (gst_harness_try_pull (rtcp) != NULL)
    abort ();
  if (stats != NULL) {
    digest_add (stats, strlen (stats));
    g_free (stats);
  }
}

/* Every buffer reaching the harness from src is checked against the one
 * pushed, in the pushing thread, then dropped: queueing it in the harness
 * costs a lock and a futex wake-up per buffer. */
static GstPadProbeReturn
check_out (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *out = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  (void) pad;
  (void) user_data;
  if (gst_buffer_get_size (out) != expected.size
      || GST_BUFFER_DTS (out) != expected.dts
      || GST_BUFFER_PTS (out) != expected.pts)
    abort ();
  gst_buffer_map (out, &map, GST_MAP_READ);
  if (expected.size > 0 && memcmp (map.data, expected.bytes,
          expected.size) != 0)
    abort ();
  gst_buffer_unmap (out, &map);
  expected.seen++;
  return GST_PAD_PROBE_DROP;
}

/* Pushes one buffer and checks it comes out on src once, unchanged. */
static void
push_checked (const guint8 * bytes, gsize n, GstClockTime dts, GstClockTime pts)
{
  GstBuffer *in = n > 0 ? gst_buffer_new_memdup (bytes, n) : gst_buffer_new ();

  GST_BUFFER_DTS (in) = dts;
  GST_BUFFER_PTS (in) = pts;
  expected.bytes = bytes;
  expected.size = n;
  expected.dts = dts;
  expected.pts = pts;
  expected.seen = 0;
  if (gst_harness_push (h, in) != GST_FLOW_OK || expected.seen != 1)
    abort ();
}

static void
run (const uint8_t * data, size_t size)
{
  FuzzReader r = { data, size };
  guint flags = fuzz_take (&r, 1);
  guint abs_id = fuzz_take (&r, 1), twcc_id = fuzz_take (&r, 1);
  guint min_bps = 5000, max_bps = 30000000;
  GstElement *element = h->element;
  GstClockTime t = 10 * GST_SECOND;
  guint64 pushed = 0;
  const guint8 *last = NULL;
  gsize last_size = 0;
  GstSegment segment;

  run_digest = FNV_OFFSET;
  rtcp_pulled = 0;
  stop_and_reset ();
  /* Properties first, in READY: some only apply when the element starts.
   * The three feedback values past the five run mode=improved, whose
   * feedback is then picked by the estimator bit too (it has no filter). */
  if ((flags & 7) < 5)
    g_object_set (element, "feedback", flags & 7, "estimator",
        (flags >> 3) & 1, NULL);
  else
    g_object_set (element, "mode", 1 /* improved */ , "feedback",
        ((flags & 7) - 5 + 3 * ((flags >> 3) & 1)) % 5, NULL);
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
  start (make_caps (abs_id, twcc_id, flags & 0x40));
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
      push_checked (last, last_size, kind == 0 || kind == 3 ? t :
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
          wait_rtcp (check_stats (pushed, min_bps, max_bps, NULL));
          gst_harness_push_event (h, gst_event_new_flush_start ());
          gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
          gst_harness_push_event (h, gst_event_new_segment (&segment));
          break;
        case 2:
          g_object_set (element, "rtt", fuzz_take (&r, 2) % (MAX_RTT_MS + 1),
              NULL);
          break;
        default:
          check_stats (pushed, min_bps, max_bps, NULL);
          break;
      }
    }
    drain_rtcp ();
  }
  finish (pushed, min_bps, max_bps);
  drain_events ();
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  run (data, size);
  if (RUN_TWICE) {
    guint64 first = run_digest;

    run (data, size);
    if (run_digest != first)
      abort ();
  }
  return 0;
}
