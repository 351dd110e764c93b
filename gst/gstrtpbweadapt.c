/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-rtpbweadapt
 * @title: rtpbweadapt
 * @see_also: rtpbwe, rtpbin, webrtcbin
 *
 * Since: 0.2
 *
 * The sender's half of receiver-side bandwidth estimation: `rtpbweadapt`
 * applies the REMB (RTCP PSFB FMT 15) that comes back from the receiver to
 * the sender's encoder.  It sits after the encoder (`x264enc ! rtpbweadapt !
 * rtph264pay`) or after the payloader; media passes from `sink` to `src`
 * unchanged.  The feedback RTCP passes from `rtcp_sink` to `rtcp_src`
 * unchanged on its way to rtpbin's `recv_rtcp_sink_N`; instead of those pads
 * an application can set #GstRtpBweAdapt:rtp-session to rtpbin's internal
 * session, whose `on-feedback-rtcp` then hands over the REMB (webrtcbin
 * and other rtpbin applications, where the RTCP is encrypted).
 *
 * REMBs are read from compound and reduced-size RTCP.  A REMB counts when it
 * lists #GstRtpBweAdapt:ssrc, by default the SSRC of the RTP the element
 * sees when it sits after the payloader; a REMB that lists no SSRC, or any
 * REMB when no SSRC is known, counts too.
 *
 * The encoder is the nearest element upstream whose bitrate property the
 * element knows (through queues, parsers, capsfilters, tees, payloaders and
 * bins), or #GstRtpBweAdapt:encoder.  The property and its unit depend on
 * the encoder: x264enc, x265enc, theoraenc, av1enc, the VA, VA-API, NVENC,
 * Quick Sync, MSDK and Media Foundation encoders take kbit/s; vp8enc,
 * vp9enc, openh264enc, opusenc, omx and NVIDIA's nvv4l2 encoders bit/s;
 * V4L2 encoders get control `video_bitrate` in `extra-controls`; avenc_*
 * encoders do not take a new bitrate once they run.  An encoder that is not
 * known gets one warning on the bus; the bitrate is still published.
 *
 * Each REMB counts as a decision: the stream's share of it
 * (#GstRtpBweAdapt:fraction, less #GstRtpBweAdapt:overhead) is clamped to
 * #GstRtpBweAdapt:min-bitrate and #GstRtpBweAdapt:max-bitrate; a change of
 * less than #GstRtpBweAdapt:deadband percent is not applied; decreases are
 * applied at once, increases at most every #GstRtpBweAdapt:min-interval ms.
 * The defaults are libwebrtc's sender's.  The encoder is only set while it
 * is in PLAYING (a target decided before then is set when it gets there).
 *
 * Every decision posts the element message `rtpbweadapt-bitrate`: `remb`
 * (guint64, bit/s, the REMB's bitrate), `target` (guint, bit/s, the share
 * before clamping), `bitrate` (guint, bit/s, in force after the decision),
 * `encoder` (string, the encoder's name, "" when there is none it can set),
 * `reason` (string: `applied`, `clamped` (applied at a bound), `deadband`,
 * `rate-limited`) and `timestamp` (guint64, ns, running time of the RTCP);
 * #GstRtpBweAdapt:bitrate notifies when the bitrate in force changes.
 *
 * ## Example launch lines
 *
 * A sender whose encoder follows the receiver's REMB (the README's sender
 * line; the receiver is `rtpbwe`'s example, which sends REMB to port 5005):
 * |[
 * gst-launch-1.0 -m -v rtpbin name=rb \
 *   videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! \
 *   vp8enc deadline=1 target-bitrate=1000000 ! rtpbweadapt name=adapt ! rtpvp8pay ! \
 *   'application/x-rtp,extmap-3=(string)"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"' ! \
 *   rb.send_rtp_sink_0 rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port=5000 \
 *   rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=5001 sync=false async=false \
 *   udpsrc port=5005 caps=application/x-rtcp ! adapt.rtcp_sink adapt.rtcp_src ! rb.recv_rtcp_sink_0
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstrtpbweadapt.h"
#include "gstrtpbweencoder.h"

#include "bitrate_policy.h"
#include "remb.h"

GST_DEBUG_CATEGORY_STATIC (rtpbweadapt_debug);
#define GST_CAT_DEFAULT rtpbweadapt_debug

#define DEFAULT_MIN_BITRATE BWE_BITRATE_POLICY_MIN_BPS
#define DEFAULT_MAX_BITRATE 0
#define DEFAULT_FRACTION 1.0
#define DEFAULT_OVERHEAD 0
#define DEFAULT_OVERHEAD_PERCENT 0.0
#define DEFAULT_DEADBAND BWE_BITRATE_POLICY_DEADBAND_PERCENT
#define DEFAULT_MIN_INTERVAL (BWE_BITRATE_POLICY_MIN_INTERVAL_US / 1000)
#define DEFAULT_SSRC 0
#define MAX_OVERHEAD 1000

#define RTCP_PSFB 206
#define PSFB_AFB 15

enum
{
  PROP_0,
  PROP_MIN_BITRATE,
  PROP_MAX_BITRATE,
  PROP_FRACTION,
  PROP_OVERHEAD,
  PROP_OVERHEAD_PERCENT,
  PROP_DEADBAND,
  PROP_MIN_INTERVAL,
  PROP_SSRC,
  PROP_ENCODER,
  PROP_RTP_SESSION,
  PROP_BITRATE,
  PROP_STATS,
  PROP_LAST
};

static GParamSpec *properties[PROP_LAST];

static const gchar *const reason_names[] = {
  [BWE_BITRATE_APPLIED] = "applied",
  [BWE_BITRATE_CLAMPED] = "clamped",
  [BWE_BITRATE_DEADBAND] = "deadband",
  [BWE_BITRATE_RATE_LIMITED] = "rate-limited",
};

#define NUM_REASONS G_N_ELEMENTS (reason_names)

struct _GstRtpBweAdapt
{
  GstElement parent;

  GstPad *sinkpad, *srcpad, *rtcp_sinkpad, *rtcp_srcpad;

  /* Properties, under the object lock. */
  guint min_bitrate, max_bitrate;
  gdouble fraction;
  guint overhead;
  gdouble overhead_percent;
  gdouble deadband;
  guint min_interval;
  guint ssrc;
  GstElement *encoder_prop;
  GObject *rtp_session;
  gulong on_feedback_id;

  /* Decision state, under the object lock. */
  BweBitratePolicy policy;
  GstElement *encoder;          /* the one set, NULL when none */
  const GstRtpBweEncoderInfo *encoder_info;
  guint64 encoder_min_bps, encoder_max_bps;
  gboolean encoder_looked_up;
  gboolean warned;
  guint32 media_ssrc;           /* of the RTP seen downstream of a payloader */
  gboolean have_media_ssrc;
  guint bitrate;                /* in force, bit/s */

  /* Encoder writes: the value to set, whether a set is on its way. */
  guint pending_bps;
  gboolean apply_scheduled;
  gint retry_apply;             /* atomic: set when the encoder was not PLAYING */
  GMutex apply_lock;            /* one write at a time, the newest value last */

  /* Streaming threads only. */
  gboolean need_ssrc_from_buffer;       /* media: RTP caps without ssrc */
  GstSegment rtcp_segment;      /* rtcp_sink */

  /* Counters, under the object lock. */
  guint64 rtcp_buffers, remb_packets, remb_ignored, remb_malformed,
      rtcp_malformed, encoder_sets, encoder_waits;
  guint64 decisions[NUM_REASONS];
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate rtcp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtcp"));
static GstStaticPadTemplate rtcp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtcp"));

#define gst_rtp_bwe_adapt_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstRtpBweAdapt, gst_rtp_bwe_adapt, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (rtpbweadapt_debug, "rtpbweadapt", 0,
        "Applies REMB to the sender's encoder"));
GST_ELEMENT_REGISTER_DEFINE (rtpbweadapt, "rtpbweadapt", GST_RANK_NONE,
    GST_TYPE_RTP_BWE_ADAPT);

/* The running time now on the element's clock: the time of feedback that
 * arrives without a buffer (rtp-session), or in a buffer without one. */
static GstClockTime
clock_running_time (GstRtpBweAdapt * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now, base;

  if (clock == NULL)
    return (GstClockTime) g_get_monotonic_time () * GST_USECOND;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

static GstClockTime
rtcp_buffer_time (GstRtpBweAdapt * self, GstBuffer * buf)
{
  GstClockTime t = GST_BUFFER_DTS_OR_PTS (buf);

  if (GST_CLOCK_TIME_IS_VALID (t)
      && self->rtcp_segment.format == GST_FORMAT_TIME)
    t = gst_segment_to_running_time (&self->rtcp_segment, GST_FORMAT_TIME, t);
  return GST_CLOCK_TIME_IS_VALID (t) ? t : clock_running_time (self);
}

/* ---- the encoder ---- */

static gboolean
encoder_playing (GstElement * encoder)
{
  GstState state;

  GST_OBJECT_LOCK (encoder);
  state = GST_STATE (encoder);
  GST_OBJECT_UNLOCK (encoder);
  return state == GST_STATE_PLAYING;
}

/* Runs in GStreamer's shared thread pool for asynchronous element calls
 * (gst_element_call_async), never in a streaming thread.  Not the RTCP
 * thread: an encoder's set_property may wait for a lock its streaming thread
 * holds while it encodes a frame (vpxenc holds its encoder lock across
 * vpx_codec_encode), which would hold up the RTCP path (and, with
 * rtp-session, rtpbin's session) for as long.  Not the media thread either:
 * our chain function runs inside the encoder's own push, under its video
 * encoder stream lock, where such a set_property would deadlock.  The pool
 * thread holds no lock of ours nor of the pipeline, so it may wait. */
static void
apply_to_encoder (GstElement * element, gpointer unused)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (element);
  const GstRtpBweEncoderInfo *info;
  GstElement *encoder;
  guint bps;

  g_mutex_lock (&self->apply_lock);
  GST_OBJECT_LOCK (self);
  self->apply_scheduled = FALSE;
  encoder = self->encoder != NULL ? gst_object_ref (self->encoder) : NULL;
  info = self->encoder_info;
  bps = self->pending_bps;
  GST_OBJECT_UNLOCK (self);

  if (encoder != NULL && !encoder_playing (encoder)) {
    /* the next media buffer asks again */
    GST_DEBUG_OBJECT (self, "%s not in PLAYING, %u bit/s waits",
        GST_OBJECT_NAME (encoder), bps);
    g_atomic_int_set (&self->retry_apply, 1);
    GST_OBJECT_LOCK (self);
    self->encoder_waits++;
    GST_OBJECT_UNLOCK (self);
  } else if (encoder != NULL) {
    guint64 value = gst_rtp_bwe_encoder_set_bps (encoder, info, bps);

    GST_INFO_OBJECT (self, "%s %s = %" G_GUINT64_FORMAT " (%u bit/s)",
        GST_OBJECT_NAME (encoder), info->property, value, bps);
    GST_OBJECT_LOCK (self);
    self->encoder_sets++;
    GST_OBJECT_UNLOCK (self);
  }
  g_mutex_unlock (&self->apply_lock);
  if (encoder != NULL)
    gst_object_unref (encoder);
}

static void
schedule_apply (GstRtpBweAdapt * self)
{
  gst_element_call_async (GST_ELEMENT (self), apply_to_encoder, NULL, NULL);
}

/* Why the encoder, if any, cannot be set; NULL when it can. */
static gchar *
encoder_problem (GstElement * encoder, const GstRtpBweEncoderInfo * info)
{
  GstElementFactory *f;
  const gchar *factory;

  if (encoder == NULL)
    return g_strdup ("No encoder upstream of rtpbweadapt: set its "
        "\"encoder\" property.  The bitrate is published in property "
        "\"bitrate\" and message rtpbweadapt-bitrate only.");
  if (info != NULL && info->kind != GST_RTP_BWE_ENCODER_FIXED_ONCE_OPEN)
    return NULL;
  f = gst_element_get_factory (encoder);
  factory = f ? gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (f)) : "?";
  if (info != NULL)
    return g_strdup_printf ("Encoder \"%s\" (%s) reads \"%s\" only before "
        "it opens its codec: its bitrate is not changed while it runs.  The "
        "bitrate is published in property \"bitrate\" and message "
        "rtpbweadapt-bitrate only.", GST_OBJECT_NAME (encoder), factory,
        info->property);
  return g_strdup_printf ("Encoder \"%s\" (%s) is not one rtpbweadapt knows "
      "the bitrate property of: its bitrate is not set.  The bitrate is "
      "published in property \"bitrate\" and message rtpbweadapt-bitrate "
      "only.", GST_OBJECT_NAME (encoder), factory);
}

/* Finds the encoder (once, and again after new caps or a new `encoder`),
 * takes its range and its bitrate now as the one in force. */
static void
ensure_encoder (GstRtpBweAdapt * self)
{
  const GstRtpBweEncoderInfo *info = NULL;
  GstElement *encoder;
  guint64 min_bps = 0, max_bps = G_MAXUINT64, now_bps = 0;
  gchar *problem = NULL;

  GST_OBJECT_LOCK (self);
  if (self->encoder_looked_up) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  encoder = self->encoder_prop ? gst_object_ref (self->encoder_prop) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (encoder != NULL)
    info = gst_rtp_bwe_encoder_lookup (encoder);
  else
    encoder = gst_rtp_bwe_encoder_find_upstream (self->sinkpad, &info);
  if (info != NULL) {
    gst_rtp_bwe_encoder_range_bps (encoder, info, &min_bps, &max_bps);
    now_bps = gst_rtp_bwe_encoder_get_bps (encoder, info);
  }
  problem = encoder_problem (encoder, info);
  if (problem != NULL)
    info = NULL;

  GST_OBJECT_LOCK (self);
  if (self->encoder != encoder || self->encoder_info != info) {
    GstElement *old = self->encoder;

    self->encoder = encoder;
    self->encoder_info = info;
    self->encoder_min_bps = min_bps;
    self->encoder_max_bps = max_bps;
    bwe_bitrate_policy_set_current (&self->policy,
        (guint) MIN (now_bps, G_MAXUINT32));
    encoder = old;
  }
  self->encoder_looked_up = TRUE;
  if (self->warned && problem != NULL)
    g_clear_pointer (&problem, g_free);
  self->warned |= problem != NULL;
  GST_OBJECT_UNLOCK (self);

  if (encoder != NULL)
    gst_object_unref (encoder);
  if (problem != NULL) {
    GST_ELEMENT_WARNING (self, CORE, NOT_IMPLEMENTED, ("%s", problem), (NULL));
    g_free (problem);
  }
}

/* ---- decisions ---- */

/* The policy's configuration: the properties, and the encoder's range. */
static void
policy_config_locked (GstRtpBweAdapt * self, BweBitratePolicyConfig * c)
{
  guint64 max = self->encoder_max_bps;

  if (self->max_bitrate != 0)
    max = MIN (max, self->max_bitrate);
  c->min_bps = (guint) MAX (self->min_bitrate, MIN (self->encoder_min_bps,
          G_MAXUINT32));
  c->max_bps = max >= G_MAXUINT32 ? 0 : (guint) max;
  c->fraction = self->fraction;
  c->overhead_bytes = self->overhead;
  c->overhead_percent = self->overhead_percent;
  c->deadband_percent = self->deadband;
  c->min_interval_us = (gint64) self->min_interval * 1000;
}

static gboolean
remb_is_ours_locked (GstRtpBweAdapt * self, const BweRemb * remb)
{
  guint32 ssrc = self->ssrc;
  guint i;

  if (ssrc == 0 && self->have_media_ssrc)
    ssrc = self->media_ssrc;
  if (ssrc == 0 || remb->num_ssrcs == 0)
    return TRUE;
  for (i = 0; i < remb->num_ssrcs; i++)
    if (remb->ssrcs[i] == ssrc)
      return TRUE;
  return FALSE;
}

static void
on_remb (GstRtpBweAdapt * self, const BweRemb * remb, GstClockTime now)
{
  BweBitrateReason reason;
  GstStructure *s;
  guint32 share, before;
  gboolean changed, schedule = FALSE;
  gchar *encoder_name;

  GST_OBJECT_LOCK (self);
  if (!remb_is_ours_locked (self, remb)) {
    self->remb_ignored++;
    GST_OBJECT_UNLOCK (self);
    GST_LOG_OBJECT (self, "REMB for other SSRCs ignored");
    return;
  }
  self->remb_packets++;
  GST_OBJECT_UNLOCK (self);

  ensure_encoder (self);

  GST_OBJECT_LOCK (self);
  policy_config_locked (self, &self->policy.config);
  before = self->policy.current_bps;
  reason = bwe_bitrate_policy_on_remb (&self->policy,
      (gint64) (now / GST_USECOND), remb->bitrate_bps, &share);
  self->decisions[reason]++;
  /* the first decision also publishes the encoder's own bitrate */
  changed = self->policy.current_bps != self->bitrate;
  self->bitrate = self->policy.current_bps;
  if (self->policy.current_bps != before && self->encoder_info != NULL) {
    self->pending_bps = self->bitrate;
    schedule = !self->apply_scheduled;
    self->apply_scheduled = TRUE;
  }
  encoder_name = self->encoder_info != NULL ?
      g_strdup (GST_OBJECT_NAME (self->encoder)) : g_strdup ("");
  s = gst_structure_new ("rtpbweadapt-bitrate",
      "remb", G_TYPE_UINT64, (guint64) remb->bitrate_bps,
      "target", G_TYPE_UINT, share,
      "bitrate", G_TYPE_UINT, self->bitrate,
      "encoder", G_TYPE_STRING, encoder_name,
      "reason", G_TYPE_STRING, reason_names[reason],
      "timestamp", G_TYPE_UINT64, (guint64) now, NULL);
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "REMB %" G_GUINT64_FORMAT " bit/s: %s, share %u "
      "bit/s, %s", (guint64) remb->bitrate_bps, reason_names[reason], share,
      encoder_name);
  g_free (encoder_name);
  if (schedule)
    schedule_apply (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BITRATE]);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Every REMB of an RTCP buffer (compound or reduced-size). */
static void
handle_rtcp (GstRtpBweAdapt * self, const guint8 * data, gsize size,
    GstClockTime now)
{
  BweRemb remb;
  gsize offset = 0;
  BweRembNext r;

  GST_OBJECT_LOCK (self);
  self->rtcp_buffers++;
  GST_OBJECT_UNLOCK (self);
  while ((r = bwe_remb_next (data, size, &offset, &remb)) != BWE_REMB_NEXT_END) {
    if (r == BWE_REMB_NEXT_FOUND) {
      on_remb (self, &remb, now);
      continue;
    }
    GST_OBJECT_LOCK (self);
    if (r == BWE_REMB_NEXT_BAD_REMB)
      self->remb_malformed++;
    else
      self->rtcp_malformed++;
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "%s in %" G_GSIZE_FORMAT " bytes of RTCP",
        r == BWE_REMB_NEXT_BAD_REMB ? "malformed REMB" : "malformed RTCP",
        size);
  }
}

/* ---- pads ---- */

static GstFlowReturn
gst_rtp_bwe_adapt_rtcp_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (parent);
  GstMapInfo map;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    handle_rtcp (self, map.data, map.size, rtcp_buffer_time (self, buf));
    gst_buffer_unmap (buf, &map);
  }
  return gst_pad_push (self->rtcp_srcpad, buf);
}

static gboolean
gst_rtp_bwe_adapt_rtcp_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    gst_event_copy_segment (event, &self->rtcp_segment);
  else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_segment_init (&self->rtcp_segment, GST_FORMAT_UNDEFINED);
  return gst_pad_event_default (pad, parent, event);
}

/* The SSRC of RTP media, from its first packet. */
static void
take_ssrc_from_buffer (GstRtpBweAdapt * self, GstBuffer * buf)
{
  guint8 head[12];

  self->need_ssrc_from_buffer = FALSE;
  if (gst_buffer_extract (buf, 0, head, sizeof (head)) != sizeof (head)
      || (head[0] >> 6) != 2)
    return;
  GST_OBJECT_LOCK (self);
  self->media_ssrc = GST_READ_UINT32_BE (head + 8);
  self->have_media_ssrc = TRUE;
  GST_OBJECT_UNLOCK (self);
}

/* Media buffers only pass: no allocation, no lock. */
static GstFlowReturn
gst_rtp_bwe_adapt_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (parent);

  if (G_UNLIKELY (self->need_ssrc_from_buffer))
    take_ssrc_from_buffer (self, buf);
  if (G_UNLIKELY (g_atomic_int_get (&self->retry_apply))
      && g_atomic_int_compare_and_exchange (&self->retry_apply, 1, 0))
    schedule_apply (self);
  return gst_pad_push (self->srcpad, buf);
}

static void
media_caps (GstRtpBweAdapt * self, GstCaps * caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  guint ssrc;
  gboolean rtp = gst_structure_has_name (s, "application/x-rtp");
  gboolean have_ssrc = rtp && gst_structure_get_uint (s, "ssrc", &ssrc);

  GST_OBJECT_LOCK (self);
  self->have_media_ssrc = have_ssrc;
  if (have_ssrc)
    self->media_ssrc = ssrc;
  /* the encoder is looked up again at the next REMB */
  self->encoder_looked_up = FALSE;
  GST_OBJECT_UNLOCK (self);
  self->need_ssrc_from_buffer = rtp && !have_ssrc;
}

static gboolean
gst_rtp_bwe_adapt_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;

    gst_event_parse_caps (event, &caps);
    media_caps (self, caps);
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstIterator *
gst_rtp_bwe_adapt_iterate_internal_links (GstPad * pad, GstObject * parent)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (parent);
  GstPad *other = NULL;
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  if (pad == self->sinkpad)
    other = self->srcpad;
  else if (pad == self->srcpad)
    other = self->sinkpad;
  else if (pad == self->rtcp_sinkpad)
    other = self->rtcp_srcpad;
  else if (pad == self->rtcp_srcpad)
    other = self->rtcp_sinkpad;
  if (other == NULL)
    return NULL;
  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

/* ---- rtp-session ---- */

/* rtpsession parsed a feedback packet; REMB is application feedback. */
static void
on_feedback_rtcp (GObject * session, guint type, guint fbtype,
    guint sender_ssrc, guint media_ssrc, GstBuffer * fci, GstRtpBweAdapt * self)
{
  GstMapInfo map;
  BweRemb remb;
  int r;

  if (type != RTCP_PSFB || fbtype != PSFB_AFB || fci == NULL
      || !gst_buffer_map (fci, &map, GST_MAP_READ))
    return;
  r = bwe_remb_parse_fci (map.data, map.size, sender_ssrc, &remb);
  if (r != 0 && map.size >= 4 && memcmp (map.data, "REMB", 4) == 0) {
    GST_OBJECT_LOCK (self);
    self->remb_malformed++;
    GST_OBJECT_UNLOCK (self);
  }
  gst_buffer_unmap (fci, &map);
  if (r == 0)
    on_remb (self, &remb, clock_running_time (self));
}

static void
set_rtp_session (GstRtpBweAdapt * self, GObject * session)
{
  GObject *old;
  gulong old_id;

  if (session != NULL && !g_signal_lookup ("on-feedback-rtcp",
          G_OBJECT_TYPE (session))) {
    g_warning ("rtpbweadapt: rtp-session must be an RTPSession (rtpbin's "
        "get-internal-session)");
    return;
  }
  GST_OBJECT_LOCK (self);
  old = self->rtp_session;
  old_id = self->on_feedback_id;
  self->rtp_session = session != NULL ? g_object_ref (session) : NULL;
  self->on_feedback_id = 0;
  GST_OBJECT_UNLOCK (self);

  if (old != NULL) {
    g_signal_handler_disconnect (old, old_id);
    g_object_unref (old);
  }
  if (session != NULL) {
    gulong id = g_signal_connect (session, "on-feedback-rtcp",
        G_CALLBACK (on_feedback_rtcp), self);

    GST_OBJECT_LOCK (self);
    self->on_feedback_id = id;
    GST_OBJECT_UNLOCK (self);
  }
}

/* ---- properties and state ---- */

static GstStructure *
get_stats (GstRtpBweAdapt * self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("rtpbweadapt-stats",
      "rtcp-buffers", G_TYPE_UINT64, self->rtcp_buffers,
      "remb-packets", G_TYPE_UINT64, self->remb_packets,
      "remb-ignored", G_TYPE_UINT64, self->remb_ignored,
      "remb-malformed", G_TYPE_UINT64, self->remb_malformed,
      "rtcp-malformed", G_TYPE_UINT64, self->rtcp_malformed,
      "applied", G_TYPE_UINT64, self->decisions[BWE_BITRATE_APPLIED],
      "clamped", G_TYPE_UINT64, self->decisions[BWE_BITRATE_CLAMPED],
      "deadband", G_TYPE_UINT64, self->decisions[BWE_BITRATE_DEADBAND],
      "rate-limited", G_TYPE_UINT64,
      self->decisions[BWE_BITRATE_RATE_LIMITED],
      "encoder-sets", G_TYPE_UINT64, self->encoder_sets,
      "encoder-waits", G_TYPE_UINT64, self->encoder_waits,
      "bitrate", G_TYPE_UINT, self->bitrate,
      "ssrc", G_TYPE_UINT, self->ssrc ? self->ssrc :
      (self->have_media_ssrc ? self->media_ssrc : 0), NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
set_encoder (GstRtpBweAdapt * self, GstElement * encoder)
{
  GstElement *old;

  GST_OBJECT_LOCK (self);
  old = self->encoder_prop;
  self->encoder_prop = encoder ? gst_object_ref (encoder) : NULL;
  self->encoder_looked_up = FALSE;
  GST_OBJECT_UNLOCK (self);
  if (old != NULL)
    gst_object_unref (old);
}

static void
gst_rtp_bwe_adapt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (object);

  if (prop_id == PROP_RTP_SESSION) {
    set_rtp_session (self, g_value_get_object (value));
    return;
  }
  if (prop_id == PROP_ENCODER) {
    set_encoder (self, g_value_get_object (value));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MIN_BITRATE:
      self->min_bitrate = g_value_get_uint (value);
      break;
    case PROP_MAX_BITRATE:
      self->max_bitrate = g_value_get_uint (value);
      break;
    case PROP_FRACTION:
      self->fraction = g_value_get_double (value);
      break;
    case PROP_OVERHEAD:
      self->overhead = g_value_get_uint (value);
      break;
    case PROP_OVERHEAD_PERCENT:
      self->overhead_percent = g_value_get_double (value);
      break;
    case PROP_DEADBAND:
      self->deadband = g_value_get_double (value);
      break;
    case PROP_MIN_INTERVAL:
      self->min_interval = g_value_get_uint (value);
      break;
    case PROP_SSRC:
      self->ssrc = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_bwe_adapt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, get_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MIN_BITRATE:
      g_value_set_uint (value, self->min_bitrate);
      break;
    case PROP_MAX_BITRATE:
      g_value_set_uint (value, self->max_bitrate);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_OVERHEAD:
      g_value_set_uint (value, self->overhead);
      break;
    case PROP_OVERHEAD_PERCENT:
      g_value_set_double (value, self->overhead_percent);
      break;
    case PROP_DEADBAND:
      g_value_set_double (value, self->deadband);
      break;
    case PROP_MIN_INTERVAL:
      g_value_set_uint (value, self->min_interval);
      break;
    case PROP_SSRC:
      g_value_set_uint (value, self->ssrc);
      break;
    case PROP_ENCODER:
      g_value_set_object (value, self->encoder_prop ? self->encoder_prop :
          self->encoder);
      break;
    case PROP_RTP_SESSION:
      g_value_set_object (value, self->rtp_session);
      break;
    case PROP_BITRATE:
      g_value_set_uint (value, self->bitrate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* A fresh start: nothing in force, the encoder looked up again. */
static void
gst_rtp_bwe_adapt_reset (GstRtpBweAdapt * self)
{
  BweBitratePolicyConfig config;
  GstElement *encoder;

  GST_OBJECT_LOCK (self);
  policy_config_locked (self, &config);
  bwe_bitrate_policy_init (&self->policy, &config);
  encoder = self->encoder;
  self->encoder = NULL;
  self->encoder_info = NULL;
  self->encoder_min_bps = 0;
  self->encoder_max_bps = G_MAXUINT64;
  self->encoder_looked_up = FALSE;
  self->warned = FALSE;
  self->have_media_ssrc = FALSE;
  self->bitrate = 0;
  self->apply_scheduled = FALSE;
  self->rtcp_buffers = self->remb_packets = self->remb_ignored = 0;
  self->remb_malformed = self->rtcp_malformed = self->encoder_sets = 0;
  self->encoder_waits = 0;
  memset (self->decisions, 0, sizeof (self->decisions));
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->retry_apply, 0);
  self->need_ssrc_from_buffer = FALSE;
  gst_segment_init (&self->rtcp_segment, GST_FORMAT_UNDEFINED);
  if (encoder != NULL)
    gst_object_unref (encoder);
}

static GstStateChangeReturn
gst_rtp_bwe_adapt_change_state (GstElement * element, GstStateChange transition)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_rtp_bwe_adapt_reset (self);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_rtp_bwe_adapt_reset (self);
  return ret;
}

static void
gst_rtp_bwe_adapt_dispose (GObject * object)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (object);

  set_rtp_session (self, NULL);
  gst_clear_object (&self->encoder);
  gst_clear_object (&self->encoder_prop);
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_rtp_bwe_adapt_finalize (GObject * object)
{
  GstRtpBweAdapt *self = GST_RTP_BWE_ADAPT (object);

  g_mutex_clear (&self->apply_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_properties (GObjectClass * gobject_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_PLAYING;

  /**
   * GstRtpBweAdapt:min-bitrate:
   *
   * The least bitrate set on the encoder, bit/s (and at least the least its
   * property takes).  The default is libwebrtc's least video bitrate.
   *
   * Since: 0.2
   */
  properties[PROP_MIN_BITRATE] = g_param_spec_uint ("min-bitrate",
      "Minimum bitrate", "Least bitrate set on the encoder (bit/s)", 0,
      G_MAXUINT, DEFAULT_MIN_BITRATE, rw);
  /**
   * GstRtpBweAdapt:max-bitrate:
   *
   * The most bitrate set on the encoder, bit/s; 0: only the encoder's own
   * limit (libwebrtc's sender has no ceiling by default).
   *
   * Since: 0.2
   */
  properties[PROP_MAX_BITRATE] = g_param_spec_uint ("max-bitrate",
      "Maximum bitrate", "Most bitrate set on the encoder (bit/s, 0 = the "
      "encoder's own limit)", 0, G_MAXUINT, DEFAULT_MAX_BITRATE, rw);
  /**
   * GstRtpBweAdapt:fraction:
   *
   * This stream's share of the REMB when several streams share it (with
   * audio, the rest goes to the audio encoder's rtpbweadapt).
   *
   * Since: 0.2
   */
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", "Fraction",
      "Share of the REMB for this encoder", 0.0, 1.0, DEFAULT_FRACTION, rw);
  /**
   * GstRtpBweAdapt:overhead:
   *
   * Bytes of headers per packet taken off the REMB, counted on packets of
   * 1200 bytes as libwebrtc's sender counts them.  0 by default: the REMB
   * of libwebrtc's receiver and of rtpbwe counts RTP payload only, already
   * without headers.
   *
   * Since: 0.2
   */
  properties[PROP_OVERHEAD] = g_param_spec_uint ("overhead", "Overhead",
      "Header bytes per packet taken off the REMB", 0, MAX_OVERHEAD,
      DEFAULT_OVERHEAD, rw);
  /**
   * GstRtpBweAdapt:overhead-percent:
   *
   * The share of the REMB taken off for headers, as a percentage (instead
   * of, or with, #GstRtpBweAdapt:overhead).
   *
   * Since: 0.2
   */
  properties[PROP_OVERHEAD_PERCENT] = g_param_spec_double ("overhead-percent",
      "Overhead percentage", "Percentage of the REMB taken off for headers",
      0.0, 100.0, DEFAULT_OVERHEAD_PERCENT, rw);
  /**
   * GstRtpBweAdapt:deadband:
   *
   * Changes smaller than this percentage of the bitrate in force do not
   * reconfigure the encoder.
   *
   * Since: 0.2
   */
  properties[PROP_DEADBAND] = g_param_spec_double ("deadband", "Deadband",
      "No reconfiguration below this change (percent)", 0.0, 100.0,
      DEFAULT_DEADBAND, rw);
  /**
   * GstRtpBweAdapt:min-interval:
   *
   * Least time between a change and an increase, ms, in the time of the
   * RTCP (decreases apply at once).  The default is libwebrtc's
   * kBweIncreaseInterval.
   *
   * Since: 0.2
   */
  properties[PROP_MIN_INTERVAL] = g_param_spec_uint ("min-interval",
      "Minimum interval", "Least time before an increase (ms)", 0, G_MAXUINT,
      DEFAULT_MIN_INTERVAL, rw);
  /**
   * GstRtpBweAdapt:ssrc:
   *
   * The media SSRC whose REMB counts; 0: the SSRC of the RTP passing
   * through (when after the payloader), else every REMB.
   *
   * Since: 0.2
   */
  properties[PROP_SSRC] = g_param_spec_uint ("ssrc", "SSRC",
      "Media SSRC whose REMB counts (0 = the RTP passing, else any)", 0,
      G_MAXUINT, DEFAULT_SSRC, rw);
  /**
   * GstRtpBweAdapt:encoder:
   *
   * The encoder to set, instead of the nearest known one upstream.  Reads
   * back the encoder in use.
   *
   * Since: 0.2
   */
  properties[PROP_ENCODER] = g_param_spec_object ("encoder", "Encoder",
      "Encoder whose bitrate is set (NULL = the nearest upstream)",
      GST_TYPE_ELEMENT, rw);
  /**
   * GstRtpBweAdapt:rtp-session:
   *
   * rtpbin's internal session (its `get-internal-session` action signal):
   * the REMB it receives comes from its `on-feedback-rtcp` signal.
   *
   * Since: 0.2
   */
  properties[PROP_RTP_SESSION] = g_param_spec_object ("rtp-session",
      "RTP session", "rtpbin's internal RTPSession (get-internal-session) "
      "whose received REMB is applied", G_TYPE_OBJECT, rw);
  /**
   * GstRtpBweAdapt:bitrate:
   *
   * The bitrate in force, bit/s (0 before the first REMB); notifies when it
   * changes.
   *
   * Since: 0.2
   */
  properties[PROP_BITRATE] = g_param_spec_uint ("bitrate", "Bitrate",
      "Bitrate in force (bit/s)", 0, G_MAXUINT, 0,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GstRtpBweAdapt:stats:
   *
   * Counters: `rtcp-buffers`, `remb-packets`, `remb-ignored` (for other
   * SSRCs), `remb-malformed`, `rtcp-malformed` (buffers that are not RTCP
   * from some point on; forwarded all the same), decisions by reason
   * (`applied`, `clamped`, `deadband`, `rate-limited`), `encoder-sets`
   * (writes to the encoder), `encoder-waits` (writes held back while the
   * encoder was not in PLAYING), `bitrate`, `ssrc`.
   *
   * Since: 0.2
   */
  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "Counters of RTCP, REMB and decisions", GST_TYPE_STRUCTURE,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (gobject_class, PROP_LAST, properties);
}

static void
gst_rtp_bwe_adapt_class_init (GstRtpBweAdaptClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_rtp_bwe_adapt_set_property;
  gobject_class->get_property = gst_rtp_bwe_adapt_get_property;
  gobject_class->dispose = gst_rtp_bwe_adapt_dispose;
  gobject_class->finalize = gst_rtp_bwe_adapt_finalize;
  install_properties (gobject_class);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_adapt_change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class,
      &rtcp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP bandwidth adaptation", "Filter/Network/RTP",
      "Sets the upstream encoder's bitrate from the REMB the receiver sends",
      "The gst-rtpbwe authors");
}

static GstPad *
add_pad (GstRtpBweAdapt * self, GstStaticPadTemplate * templ)
{
  GstPad *pad = gst_pad_new_from_static_template (templ, templ->name_template);

  gst_pad_set_iterate_internal_links_function (pad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_adapt_iterate_internal_links));
  gst_element_add_pad (GST_ELEMENT (self), pad);
  return pad;
}

static void
gst_rtp_bwe_adapt_init (GstRtpBweAdapt * self)
{
  self->sinkpad = add_pad (self, &sink_template);
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_adapt_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_adapt_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  GST_PAD_SET_PROXY_SCHEDULING (self->sinkpad);
  self->srcpad = add_pad (self, &src_template);
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  GST_PAD_SET_PROXY_SCHEDULING (self->srcpad);

  self->rtcp_sinkpad = add_pad (self, &rtcp_sink_template);
  gst_pad_set_chain_function (self->rtcp_sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_adapt_rtcp_chain));
  gst_pad_set_event_function (self->rtcp_sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_adapt_rtcp_event));
  GST_PAD_SET_PROXY_CAPS (self->rtcp_sinkpad);
  self->rtcp_srcpad = add_pad (self, &rtcp_src_template);
  GST_PAD_SET_PROXY_CAPS (self->rtcp_srcpad);

  self->min_bitrate = DEFAULT_MIN_BITRATE;
  self->max_bitrate = DEFAULT_MAX_BITRATE;
  self->fraction = DEFAULT_FRACTION;
  self->overhead = DEFAULT_OVERHEAD;
  self->overhead_percent = DEFAULT_OVERHEAD_PERCENT;
  self->deadband = DEFAULT_DEADBAND;
  self->min_interval = DEFAULT_MIN_INTERVAL;
  self->ssrc = DEFAULT_SSRC;
  g_mutex_init (&self->apply_lock);
  gst_rtp_bwe_adapt_reset (self);
}
