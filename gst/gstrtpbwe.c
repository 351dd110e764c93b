/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-rtpbwe
 * @title: rtpbwe
 * @see_also: rtphdrextabssendtime, rtpbin, webrtcbin
 *
 * Receiver-side bandwidth estimation as libwebrtc does it.  `rtpbwe` sits in
 * an RTP receive path, forwards every buffer unchanged from `sink` to `src`,
 * and reads each packet's arrival time and header extensions:
 *
 * - with abs-send-time it runs libwebrtc's RemoteBitrateEstimatorAbsSendTime
 *   (Kalman or trendline delay filter, adaptive threshold, AIMD, probe
 *   detection) and sends REMB (RTCP PSFB FMT 15) through libwebrtc's REMB
 *   throttling: the first value, then at most every 200 ms, at once on a
 *   drop of 3 % or more;
 * - without abs-send-time but with abs-capture-time (a UQ32.32 NTP capture
 *   time) it does the same with the capture time taken to abs-send-time's
 *   6.18 format (#GstRtpBwe:abs-capture-time-id);
 * - with transport-wide sequence numbers it sends transport-wide congestion
 *   control feedback (RTCP RTPFB FMT 15) as libwebrtc's RemoteEstimatorProxy,
 *   every 100 ms of arrival time.
 *
 * Feedback leaves on `rtcp_src` as single reduced-size RTCP packets
 * (RFC 5506), timestamped with the arrival time (running time) that
 * produced them, in a segment of their own that starts at 0; an unlinked
 * `rtcp_src` is not an error.
 *
 * The arrival time of a packet is its DTS, else its PTS, converted to
 * running time with the current segment, else the running time of the
 * element's clock: one time base whatever the segment, so a capture
 * replays to the same result at any speed, from a segment that starts
 * late, or after a seek or a flush (which restarts the estimate).
 *
 * The extension ids come from the caps (`extmap-N=(string)URI`, as
 * webrtcbin, rtspsrc and sdpdemux set them) unless #GstRtpBwe:abs-send-time-id
 * or #GstRtpBwe:transport-cc-id force them.  Packets the estimator cannot
 * use (not RTP, truncated, bad extensions, no time, time going backwards,
 * no known extension) are forwarded all the same, skipped by the estimator
 * and counted by reason in #GstRtpBwe:stats.
 *
 * With #GstRtpBwe:mode `improved` the packets that carry a send time go to
 * the improved estimator instead (docs/improved-mode.md: the standing queue
 * from the one-way delay, the delivered rate, packet trains, loss from the
 * RTP sequence numbers), whose target goes out as REMB through the same
 * throttling; its `rtpbwe-estimate` messages carry one more field, `regime`
 * (string: `start`, `ramp`, `steady`, `drain`, `compete`).  Transport-wide
 * feedback is the same in both modes.
 *
 * ## Messages
 *
 * `rtpbwe-estimate` (element message), every time libwebrtc would call
 * OnReceiveBitrateChanged:
 *
 * - `bitrate` (guint): the estimate, bit/s;
 * - `timestamp` (guint64): the arrival time of the packet that produced it,
 *   ns of running time (the buffer time when the segment starts at 0, as in
 *   a replay from the start);
 * - `incoming-bitrate` (guint): the incoming rate over the last second,
 *   bit/s;
 * - `state` (string): the detector's `normal`, `overusing` or
 *   `underusing`;
 * - `ssrcs` (array of guint): the streams estimated;
 * - `regime` (string, with #GstRtpBwe:mode `improved` only, Since: 0.2):
 *   what the improved rate control is doing.
 *
 * #GstRtpBwe:estimated-bitrate notifies when the value changes.
 *
 * `rtpbwe-stats` (element message, Since: 0.2), every
 * #GstRtpBwe:stats-interval ms of arrival time when that is not 0: the
 * fields of #GstRtpBwe:stats and `timestamp` (guint64, ns of running time).
 *
 * A warning (#GST_MESSAGE_WARNING, #GST_STREAM_ERROR_FORMAT, Since: 0.2)
 * when 100 consecutive packets, or 2 s of them, carry no header extension
 * the element knows (the ids are wrong or unknown: no `extmap-N` in the
 * caps and no id property), at most once a minute while it lasts.  Its
 * text says what was expected and how to fix it; its details structure
 * holds `packets` (guint64), `abs-send-time-id`, `transport-cc-id` and
 * `abs-capture-time-id` (guint, 0: none) and `packet-extensions` (string:
 * the ids the last packet carries).
 *
 * The `rtpbwe` debug category logs the extension ids found (INFO), each
 * change of the estimate (INFO), each feedback packet (INFO) and each
 * skipped packet with its reason (DEBUG).
 *
 * ## Example launch lines
 *
 * Replay a capture of RTP with abs-send-time (id 3) and print the estimates;
 * it ends by itself at the end of the file:
 * |[
 * gst-launch-1.0 -m filesrc location=capture.pcap ! pcapparse ! \
 *   'application/x-rtp,extmap-3=(string)"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"' ! \
 *   rtpbwe name=bwe ! fakesink  bwe.rtcp_src ! fakesink
 * ]|
 *
 * A receiver that sends its REMB back to the sender, next to rtpbin's own
 * RTCP:
 * |[
 * gst-launch-1.0 rtpbin name=rb \
 *   udpsrc port=5000 caps='application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96,extmap-3=(string)"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"' ! \
 *     rtpbwe name=bwe ! rb.recv_rtp_sink_0 \
 *   rb. ! rtpvp8depay ! vp8dec ! fakesink \
 *   udpsrc port=5001 caps=application/x-rtcp ! rb.recv_rtcp_sink_0 \
 *   rb.send_rtcp_src_0 ! funnel name=f ! udpsink host=127.0.0.1 port=5005 sync=false async=false \
 *   bwe.rtcp_src ! f.
 * ]|
 *
 * A sender whose payloader stamps abs-send-time (rtphdrextabssendtime) and
 * that honours the REMB it receives (rtpbin's session emits
 * `on-feedback-rtcp` for it):
 * |[
 * gst-launch-1.0 rtpbin name=rb videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! \
 *   'application/x-rtp,extmap-3=(string)"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"' ! \
 *   rb.send_rtp_sink_0 rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port=5000 \
 *   rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=5001 sync=false async=false \
 *   udpsrc port=5005 caps=application/x-rtcp ! rb.recv_rtcp_sink_0
 * ]|
 *
 * Inside rtpbin or webrtcbin (where RTCP is encrypted) either link `rtcp_src`
 * to a funnel in the bin returned for rtpbin's `request-rtcp-encoder`, or
 * hand the element the RTP session with #GstRtpBwe:rtp-session: its feedback
 * is then appended to the session's own RTCP, which it asks for at once.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/rtp/rtp.h>

#include "gstrtpbwe.h"
#include "gstrtpbweextwatch.h"
#include "rtcpoutlet.h"

#include "improved_estimator.h"
#include "remote_estimator.h"
#include "remb.h"
#include "remb_throttler.h"
#include "rtp_parse.h"
#include "twcc_recorder.h"

GST_DEBUG_CATEGORY_STATIC (rtpbwe_debug);
#define GST_CAT_DEFAULT rtpbwe_debug

#define ABS_SEND_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define TRANSPORT_CC_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define ABS_CAPTURE_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

#define DEFAULT_MODE GST_RTP_BWE_MODE_LIBWEBRTC
#define DEFAULT_ESTIMATOR GST_RTP_BWE_ESTIMATOR_KALMAN
#define DEFAULT_FEEDBACK GST_RTP_BWE_FEEDBACK_AUTO
#define DEFAULT_EXT_ID 0
#define DEFAULT_MIN_BITRATE 5000
#define DEFAULT_MAX_BITRATE 0
/* AimdRateControl's round-trip time until OnRttUpdate */
#define DEFAULT_RTT 200
#define DEFAULT_SENDER_SSRC 0
#define MAX_EXT_ID 255

/* Streams whose RTP sequence numbers are followed for the stats. */
#define MAX_SEQ_TRACKED 32
/* The last 64 sequence numbers of a stream are remembered for duplicates. */
#define SEQ_HISTORY 64
/* A sequence step this large counts as a jump (a restarted or spliced
 * stream). */
#define SEQ_JUMP 1000
/* The largest RTCP packet built: libwebrtc's limit for transport-wide
 * feedback (a REMB with 255 SSRCs is only 1040 bytes, built on the stack;
 * transport-wide feedback is written straight into its buffer). */
#define RTCP_MAX_SIZE BWE_TWCC_MAX_PACKET_BYTES
/* 0: no limit of ours, libwebrtc's (RTCP_MAX_SIZE) */
#define DEFAULT_MAX_RTCP_SIZE 0
/* Feedback packets kept for the RTP session's next RTCP at most. */
#define MAX_SESSION_QUEUE 64
/* stats-interval: 0 = no rtpbwe-stats messages; at most an hour */
#define DEFAULT_STATS_INTERVAL 0
#define MAX_STATS_INTERVAL 3600000

/* Why a packet was not given to the estimator (after the parser's reasons). */
enum
{
  SKIP_NO_TIME = BWE_RTP_NUM_RESULTS,
  SKIP_TIME_BACKWARDS,
  SKIP_NO_EXTENSION,
  SKIP_BEFORE_SEGMENT,
  SKIP_NUM
};

static const gchar *const skip_names[SKIP_NUM] = {
  NULL,
  "skipped-too-short",
  "skipped-bad-version",
  "skipped-rtcp",
  "skipped-csrc-past-end",
  "skipped-ext-past-end",
  "skipped-padding-invalid",
  "skipped-ext-element-past-end",
  "skipped-ext-reserved-id",
  "skipped-ext-wrong-size",
  "skipped-no-time",
  "skipped-time-backwards",
  "skipped-no-extension",
  "skipped-before-segment",
};

/* The fields of the stats structure, in their order there, but for the
 * skipped-<reason> ones (which come before ssrcs); regime only in improved
 * mode. */
enum
{
  STAT_PACKETS,
  STAT_BYTES,
  STAT_PACKETS_ESTIMATED,
  STAT_PACKETS_TWCC,
  STAT_SKIPPED,
  STAT_DUPLICATES,
  STAT_REORDERED,
  STAT_SEQ_JUMPS,
  STAT_ESTIMATED_BITRATE,
  STAT_INCOMING_BITRATE,
  STAT_STATE,
  STAT_REMB_PACKETS,
  STAT_TWCC_PACKETS,
  STAT_ABS_SEND_TIME_ID,
  STAT_TRANSPORT_CC_ID,
  STAT_PACKETS_ABS_SEND_TIME,
  STAT_PACKETS_ABS_CAPTURE_TIME,
  STAT_ABS_CAPTURE_TIME_ID,
  STAT_MODE,
  STAT_REGIME,
  STAT_SSRCS,
  STAT_NUM
};

static const gchar *const stat_names[STAT_NUM] = {
  "packets",
  "bytes",
  "packets-estimated",
  "packets-twcc",
  "skipped",
  "duplicates",
  "reordered",
  "seq-jumps",
  "estimated-bitrate",
  "incoming-bitrate",
  "state",
  "remb-packets",
  "twcc-packets",
  "abs-send-time-id",
  "transport-cc-id",
  "packets-abs-send-time",
  "packets-abs-capture-time",
  "abs-capture-time-id",
  "mode",
  "regime",
  "ssrcs",
};

/* The stats field names as quarks, made once: applications may poll the
 * stats often, and a name costs a lookup in GLib's global quark table. */
static GQuark stats_quark;
static GQuark stat_quarks[STAT_NUM];
static GQuark skip_quarks[SKIP_NUM];

enum
{
  PROP_0,
  PROP_ESTIMATOR,
  PROP_FEEDBACK,
  PROP_ABS_SEND_TIME_ID,
  PROP_TRANSPORT_CC_ID,
  PROP_MIN_BITRATE,
  PROP_MAX_BITRATE,
  PROP_RTT,
  PROP_REMB_SENDER_SSRC,
  PROP_TWCC_SENDER_SSRC,
  PROP_MAX_RTCP_SIZE,
  PROP_RTP_SESSION,
  PROP_ESTIMATED_BITRATE,
  PROP_STATS,
  PROP_ABS_CAPTURE_TIME_ID,
  PROP_STATS_INTERVAL,
  PROP_MODE,
};

static GParamSpec *pspec_estimated_bitrate;

typedef struct
{
  guint32 ssrc;
  guint16 max_seq;
  guint8 used;                  /* TRUE, FALSE: 24 bytes an entry */
  guint64 history;              /* bit n: max_seq - n was seen */
  guint64 last_use;
} SeqTrack;

/* The fields a packet reads or writes come first, right after the parent,
 * in the order of the path a packet takes: a media server runs thousands of
 * elements, each one's state is cold when its packet comes, and every cache
 * line a packet touches costs.  With one stream a packet of the libwebrtc
 * mode touches the parent's first line and the first five of these. */
struct _GstRtpBwe
{
  GstElement parent;

  /* Everything below but the pads and the streaming thread's fields is under
   * the object lock, released before pushing, posting or notifying. */

  /* per packet */
  GstPad *srcpad;
  BweRemoteEstimator *estimator;
  BweImprovedEstimator *improved;
  GstRtpBweMode active_mode;    /* the mode taken at the last start */
  GstRtpBweFeedback feedback;
  guint abs_send_time_id;
  guint transport_cc_id;
  guint abs_capture_time_id;
  /* ids found in the caps */
  guint caps_abs_send_time_id;
  guint caps_transport_cc_id;
  guint caps_abs_capture_time_id;
  gboolean twcc_active;
  gboolean rtt_changed;
  guint stats_interval;         /* ms */
  gboolean rtcp_need_gap;       /* streaming thread only */
  gint64 last_arrival_us;
  guint64 packets;
  guint64 bytes;
  guint64 packets_estimated;
  guint64 packets_abs_send_time;
  guint64 seq_clock;
  GstRtpBweExtWatch ext_watch;
  GstSegment segment;           /* streaming thread only */
  /* streams fill it from the front: with one, only the first is read */
  SeqTrack seqs[MAX_SEQ_TRACKED];
  /* the estimator core's fixed part (estimator points here): in the
   * element, its lines are asked for with the element's, not once the
   * element's have come */
  BweRemoteEstimator estimator_state;

  /* per packet with transport-wide feedback or a send time taken from
   * abs-capture-time, per estimate, per feedback packet, or less often */
  GstPad *sinkpad;
  GstPad *rtcp_srcpad;

  /* properties */
  GstRtpBweMode mode;
  GstRtpBweEstimator estimator_type;
  guint min_bitrate;
  guint max_bitrate;
  guint rtt;
  guint remb_sender_ssrc;
  guint twcc_sender_ssrc;
  guint max_rtcp_size;
  GObject *rtp_session;
  gulong on_sending_rtcp_id;

  BweRembThrottler throttler;
  BweTwccRecorder *twcc;
  guint estimated_bitrate;
  /* arrival time from which the next rtpbwe-stats message is due */
  GstClockTime stats_due;

  /* counters for the stats property (with those above) */
  guint64 packets_twcc;
  /* of packets_estimated, by where the send time came from (with
   * packets_abs_send_time) */
  guint64 packets_abs_capture_time;
  guint64 skipped[SKIP_NUM];
  guint64 duplicates;
  guint64 reordered;
  guint64 seq_jumps;
  guint64 remb_sent;
  guint64 twcc_sent;
  guint last_incoming_bitrate;

  /* feedback waiting for the RTP session's next RTCP */
  GQueue session_queue;

  /* streaming thread only */
  gboolean rtcp_need_stream_start;
  gboolean rtcp_need_caps;
  gboolean rtcp_need_segment;
  guint group_id;
  gboolean have_group_id;

  /* rtcp_src is pushed by the process's RTCP pool, never by the streaming
   * thread, so that a sink there never blocks the RTP path (prerolling or
   * syncing): buffers and events wait here */
  RtcpOutlet rtcp_outlet;
};

/* What one buffer made the element do, acted upon once the lock is released. */
typedef struct
{
  gboolean estimate;
  guint bitrate;
  guint incoming_bitrate;
  BweBandwidthUsage state;
  const gchar *regime;          /* improved mode only, else NULL */
  guint32 ssrcs[BWE_MAX_SSRCS];
  guint n_ssrcs;
  GstClockTime timestamp;
  gboolean notify;
  gboolean session_wakeup;
  GObject *session;
  GstBufferList *rtcp;
  /* the missing-extension warning: what the packet carried, how many */
  gchar *packet_extensions;
  guint64 no_extension_packets;
  GstClockTime no_extension_span;
  guint abs_send_time_id;
  guint transport_cc_id;
  guint abs_capture_time_id;
  gboolean post_stats;
} Outcome;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-rtp"));
static GstStaticPadTemplate rtcp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtcp"));

/* The estimator core's memory: GLib's (allocator.h).  The core's state grows
 * with use (streams, probes, packets awaiting feedback) and shrinks when
 * idle, so that thousands of elements hold only what their streams need. */
static gpointer
glib_resize (gpointer user_data, gpointer ptr, gsize old_size, gsize new_size)
{
  if (new_size == 0) {
    g_free (ptr);
    return NULL;
  }
  return g_try_realloc (ptr, new_size);
}

static const BweAllocator glib_allocator = { glib_resize, NULL };

G_DEFINE_TYPE_WITH_CODE (GstRtpBwe, gst_rtp_bwe, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (rtpbwe_debug, "rtpbwe", 0,
        "receiver-side bandwidth estimation"));
GST_ELEMENT_REGISTER_DEFINE (rtpbwe, "rtpbwe", GST_RANK_NONE, GST_TYPE_RTP_BWE);

GType
gst_rtp_bwe_estimator_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RTP_BWE_ESTIMATOR_KALMAN, "Kalman filter on the group delay "
          "(libwebrtc's OveruseEstimator)", "kalman"},
    {GST_RTP_BWE_ESTIMATOR_TRENDLINE, "Trendline of the accumulated delay "
          "(libwebrtc's TrendlineEstimator)", "trendline"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRtpBweEstimator", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_rtp_bwe_feedback_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RTP_BWE_FEEDBACK_AUTO, "As libwebrtc: TWCC for packets with a "
          "transport-wide sequence number, else REMB", "auto"},
    {GST_RTP_BWE_FEEDBACK_REMB, "REMB only", "remb"},
    {GST_RTP_BWE_FEEDBACK_TWCC, "Transport-wide congestion control feedback "
          "only", "twcc"},
    {GST_RTP_BWE_FEEDBACK_BOTH, "REMB and TWCC", "both"},
    {GST_RTP_BWE_FEEDBACK_NONE, "No RTCP (estimates are still posted)", "none"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRtpBweFeedback", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_rtp_bwe_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RTP_BWE_MODE_LIBWEBRTC, "libwebrtc's receive-side estimator, "
          "decision for decision", "libwebrtc"},
    {GST_RTP_BWE_MODE_IMPROVED, "The improved estimator: standing queue, "
          "delivered rate, packet trains and loss (REMB only)", "improved"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstRtpBweMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static const gchar *
usage_name (BweBandwidthUsage state)
{
  switch (state) {
    case BWE_USAGE_OVERUSING:
      return "overusing";
    case BWE_USAGE_UNDERUSING:
      return "underusing";
    default:
      return "normal";
  }
}

static gboolean
improved_locked (GstRtpBwe * self)
{
  return self->active_mode == GST_RTP_BWE_MODE_IMPROVED;
}

static void
estimator_set_rtt_locked (GstRtpBwe * self)
{
  if (improved_locked (self))
    bwe_improved_estimator_set_rtt (self->improved, self->rtt);
  else
    bwe_remote_estimator_set_rtt (self->estimator, self->rtt);
  self->rtt_changed = FALSE;
}

/* A fresh estimator of the active mode, with the properties applied (the
 * rtt only when set: libwebrtc's AIMD starts without one). */
static void
estimator_init_locked (GstRtpBwe * self)
{
  BweRemoteEstimatorConfig config;

  bwe_remote_estimator_config_init (&config);
  config.filter = self->estimator_type == GST_RTP_BWE_ESTIMATOR_TRENDLINE ?
      BWE_FILTER_TRENDLINE : BWE_FILTER_KALMAN;
  config.min_bitrate_bps = self->min_bitrate;
  config.max_bitrate_bps = self->max_bitrate;
  /* arrival times never go back here (those that do are skipped) */
  config.monotonic_now = TRUE;
  bwe_remote_estimator_release (self->estimator);
  bwe_remote_estimator_init (self->estimator, &config, &glib_allocator);
  if (improved_locked (self)) {
    /* only an element started in this mode holds one */
    if (self->improved == NULL)
      self->improved = g_new0 (BweImprovedEstimator, 1);
    bwe_improved_estimator_init (self->improved, &config);
  }
  if (self->rtt != DEFAULT_RTT)
    estimator_set_rtt_locked (self);
  self->rtt_changed = FALSE;
}

/* Fresh estimation state; counters are cleared too when all is TRUE, and
 * then (a start or a stop) the mode property takes effect. */
static void
gst_rtp_bwe_reset_locked (GstRtpBwe * self, gboolean all)
{
  if (all)
    self->active_mode = self->mode;
  estimator_init_locked (self);
  bwe_remb_throttler_init (&self->throttler);
  bwe_twcc_recorder_release (self->twcc);
  bwe_twcc_recorder_init (self->twcc, self->twcc_sender_ssrc,
      &glib_allocator);
  self->twcc_active = FALSE;
  /* a flush restarts the running time: the warning's once-a-minute limit
   * carries over, counted from the last arrival */
  if (all)
    gst_rtp_bwe_ext_watch_init (&self->ext_watch);
  else
    gst_rtp_bwe_ext_watch_rebase (&self->ext_watch,
        self->last_arrival_us == G_MININT64 ? 0 :
        self->last_arrival_us * (gint64) GST_USECOND);
  self->stats_due = 0;
  self->last_arrival_us = G_MININT64;
  self->estimated_bitrate = 0;
  self->seq_clock = 0;
  memset (self->seqs, 0, sizeof self->seqs);
  g_queue_clear_full (&self->session_queue, (GDestroyNotify) gst_buffer_unref);

  if (all) {
    self->packets = 0;
    self->bytes = 0;
    self->packets_estimated = 0;
    self->packets_twcc = 0;
    self->packets_abs_send_time = 0;
    self->packets_abs_capture_time = 0;
    memset (self->skipped, 0, sizeof self->skipped);
    self->duplicates = 0;
    self->reordered = 0;
    self->seq_jumps = 0;
    self->remb_sent = 0;
    self->twcc_sent = 0;
    self->last_incoming_bitrate = 0;
  }
}

static void
gst_rtp_bwe_reset (GstRtpBwe * self, gboolean all)
{
  gboolean notify;

  GST_OBJECT_LOCK (self);
  notify = self->estimated_bitrate != 0;
  gst_rtp_bwe_reset_locked (self, all);
  GST_OBJECT_UNLOCK (self);
  if (notify)
    g_object_notify_by_pspec (G_OBJECT (self), pspec_estimated_bitrate);
}

/* Follows RTP sequence numbers per SSRC for the duplicate, reorder and jump
 * counters.  These packets still reach the estimator, as in libwebrtc, which
 * sees every packet before the jitter buffer. */
static void
track_seq_locked (GstRtpBwe * self, guint32 ssrc, guint16 seq)
{
  SeqTrack *t = NULL, *oldest = &self->seqs[0];
  gint d;
  guint i;

  self->seq_clock++;
  for (i = 0; i < MAX_SEQ_TRACKED; i++) {
    SeqTrack *s = &self->seqs[i];

    /* streams fill the table from the front: the first free entry ends the
     * search (one cache line for one stream, not the whole table) */
    if (!s->used) {
      oldest = s;
      break;
    }
    if (s->ssrc == ssrc) {
      t = s;
      break;
    }
    if (s->last_use < oldest->last_use)
      oldest = s;
  }
  if (t == NULL) {
    t = oldest;
    t->used = TRUE;
    t->ssrc = ssrc;
    t->max_seq = seq;
    t->history = 1;
    t->last_use = self->seq_clock;
    return;
  }
  t->last_use = self->seq_clock;

  d = (gint16) (guint16) (seq - t->max_seq);
  if (d > 0) {
    if (d >= SEQ_JUMP)
      self->seq_jumps++;
    t->history = d >= SEQ_HISTORY ? 1 : (t->history << d) | 1;
    t->max_seq = seq;
  } else if (d == 0) {
    self->duplicates++;
  } else if (-d < SEQ_HISTORY) {
    guint64 bit = G_GUINT64_CONSTANT (1) << (-d);

    if (t->history & bit) {
      self->duplicates++;
    } else {
      t->history |= bit;
      self->reordered++;
    }
  } else if (-d >= SEQ_JUMP) {
    self->seq_jumps++;
  } else {
    self->reordered++;
  }
}

static gboolean
wants_remb (GstRtpBweFeedback fb)
{
  return fb == GST_RTP_BWE_FEEDBACK_AUTO || fb == GST_RTP_BWE_FEEDBACK_REMB
      || fb == GST_RTP_BWE_FEEDBACK_BOTH;
}

static gboolean
wants_twcc (GstRtpBweFeedback fb)
{
  return fb == GST_RTP_BWE_FEEDBACK_AUTO || fb == GST_RTP_BWE_FEEDBACK_TWCC
      || fb == GST_RTP_BWE_FEEDBACK_BOTH;
}

/* An RTCP packet leaves with this timestamp and sender SSRC (the second word
 * of every RTCP feedback packet); with an RTP session it also waits for the
 * session's next RTCP. */
static void
emit_rtcp_locked (GstRtpBwe * self, Outcome * out, GstBuffer * buf,
    guint32 ssrc, GstClockTime ts)
{
  guint8 word[4];

  GST_WRITE_UINT32_BE (word, ssrc);
  gst_buffer_fill (buf, 4, word, sizeof word);
  GST_BUFFER_PTS (buf) = ts;
  GST_BUFFER_DTS (buf) = ts;
  if (out->rtcp == NULL)
    out->rtcp = gst_buffer_list_new ();
  if (self->rtp_session != NULL) {
    if (g_queue_get_length (&self->session_queue) >= MAX_SESSION_QUEUE)
      gst_buffer_unref (g_queue_pop_head (&self->session_queue));
    g_queue_push_tail (&self->session_queue, gst_buffer_ref (buf));
    out->session_wakeup = TRUE;
  }
  gst_buffer_list_add (out->rtcp, buf);
}

/* The largest transport-wide feedback packet to build. */
static gsize
twcc_cap_locked (GstRtpBwe * self)
{
  if (self->max_rtcp_size == 0)
    return RTCP_MAX_SIZE;
  return MAX (self->max_rtcp_size, BWE_TWCC_MIN_CAP);
}

/* The transport-wide feedback packet the recorder has just built, in a
 * buffer of its size. */
static GstBuffer *
twcc_buffer_locked (GstRtpBwe * self, gsize len)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, len, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  bwe_twcc_recorder_write (self->twcc, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Runs every TWCC Process() due before until_us (exclusive), then, when
 * flushing, sends all that is left with the last arrival time. */
static void
twcc_process_locked (GstRtpBwe * self, Outcome * out, gint64 until_us,
    gboolean flush)
{
  gsize len;

  if (!self->twcc_active)
    return;

  for (;;) {
    gint64 due;

    /* a jump in arrival time would otherwise run an empty Process() per
     * interval of it (an hour: 36000) */
    bwe_twcc_recorder_skip_idle (self->twcc, until_us);
    due = bwe_twcc_recorder_next_process_us (self->twcc);
    if (due == G_MAXINT64 || due >= until_us)
      break;
    while ((len = bwe_twcc_recorder_process (self->twcc, due, NULL,
                twcc_cap_locked (self))) > 0) {
      emit_rtcp_locked (self, out, twcc_buffer_locked (self, len),
          self->twcc_sender_ssrc, due * GST_USECOND);
      self->twcc_sent++;
    }
    if (bwe_twcc_recorder_next_process_us (self->twcc) <= due)
      break;
  }
  if (flush) {
    while ((len = bwe_twcc_recorder_flush (self->twcc, NULL,
                twcc_cap_locked (self))) > 0) {
      emit_rtcp_locked (self, out, twcc_buffer_locked (self, len),
          self->twcc_sender_ssrc, self->last_arrival_us * GST_USECOND);
      self->twcc_sent++;
    }
  }
}

/* One packet with a send time through the estimator of the active mode (the
 * improved one also reads the RTP sequence number, for loss). */
static void
estimate_packet_locked (GstRtpBwe * self, gint64 arrival_us,
    guint32 send_time, gsize payload, const BweRtpPacket * pkt,
    BweEstimatorUpdate * upd)
{
  if (self->rtt_changed)
    estimator_set_rtt_locked (self);
  if (improved_locked (self))
    bwe_improved_estimator_incoming_packet (self->improved, arrival_us,
        arrival_us, send_time, payload, pkt->ssrc, pkt->seq, upd);
  else
    bwe_remote_estimator_incoming_packet (self->estimator, arrival_us,
        arrival_us, send_time, payload, pkt->ssrc, upd);
}

/* The SSRCs the active estimator reports at now_us, ascending. */
static gsize
estimator_ssrcs_locked (GstRtpBwe * self, gint64 now_us, guint32 * ssrcs)
{
  gsize n;

  if (!improved_locked (self))
    n = bwe_remote_estimator_ssrcs (self->estimator, ssrcs, BWE_MAX_SSRCS);
  else if (now_us == G_MININT64)
    n = 0;
  else
    n = bwe_improved_estimator_ssrcs (self->improved, now_us, ssrcs,
        BWE_MAX_SSRCS);
  return MIN (n, BWE_MAX_SSRCS);
}

static BweBandwidthUsage
estimator_state_locked (GstRtpBwe * self)
{
  if (improved_locked (self))
    return bwe_improved_estimator_state (self->improved);
  return bwe_remote_estimator_state (self->estimator);
}

/* What a signalled estimate is posted with: the incoming bitrate, the
 * streams, the detector's state and, in improved mode, the regime. */
static void
report_estimate_locked (GstRtpBwe * self, gint64 arrival_us, Outcome * out)
{
  guint32 incoming = 0;
  gboolean have;

  if (improved_locked (self))
    have = bwe_improved_estimator_incoming_bitrate (self->improved,
        arrival_us, &incoming);
  else
    have = bwe_remote_estimator_incoming_bitrate (self->estimator,
        arrival_us, &incoming);
  self->last_incoming_bitrate = have ? incoming : 0;
  out->incoming_bitrate = self->last_incoming_bitrate;
  out->n_ssrcs = estimator_ssrcs_locked (self, arrival_us, out->ssrcs);
  out->state = estimator_state_locked (self);
  out->regime = improved_locked (self) ?
      bwe_regime_name (bwe_improved_estimator_regime (self->improved)) : NULL;
}

static guint
ext_id_locked (guint prop, guint caps)
{
  return prop != 0 ? prop : caps;
}

/* No known extension in this packet: counted, and after 100 packets or 2 s
 * of them a warning (at most once a minute) that says what was expected. */
static void
no_extension_locked (GstRtpBwe * self, const guint8 * data, gsize size,
    gint64 arrival_us, Outcome * out)
{
  self->skipped[SKIP_NO_EXTENSION]++;
  GST_DEBUG_OBJECT (self, "skipped: no known extension (abs-send-time id %u, "
      "transport-cc id %u, abs-capture-time id %u)",
      ext_id_locked (self->abs_send_time_id, self->caps_abs_send_time_id),
      ext_id_locked (self->transport_cc_id, self->caps_transport_cc_id),
      ext_id_locked (self->abs_capture_time_id,
          self->caps_abs_capture_time_id));
  if (!gst_rtp_bwe_ext_watch_unknown (&self->ext_watch,
          arrival_us * (gint64) GST_USECOND))
    return;
  out->packet_extensions = gst_rtp_bwe_describe_extensions (data, size);
  out->no_extension_packets = self->ext_watch.run_packets;
  out->no_extension_span = arrival_us * (gint64) GST_USECOND -
      self->ext_watch.run_start;
  out->abs_send_time_id =
      ext_id_locked (self->abs_send_time_id, self->caps_abs_send_time_id);
  out->transport_cc_id =
      ext_id_locked (self->transport_cc_id, self->caps_transport_cc_id);
  out->abs_capture_time_id =
      ext_id_locked (self->abs_capture_time_id, self->caps_abs_capture_time_id);
}

/* Whether an rtpbwe-stats message is due at this arrival time. */
static gboolean
stats_due_locked (GstRtpBwe * self, GstClockTime arrival)
{
  GstClockTime period = self->stats_interval * GST_MSECOND;

  if (period == 0 || !GST_CLOCK_TIME_IS_VALID (arrival)
      || arrival < self->stats_due)
    return FALSE;
  /* the next multiple of the period: a silence posts once, not once per
   * period it lasted (nothing in the stats changes without packets) */
  self->stats_due = (arrival / period + 1) * period;
  return TRUE;
}

static void
process_packet_locked (GstRtpBwe * self, const guint8 * data, gsize size,
    GstClockTime arrival, gboolean before_segment, Outcome * out)
{
  BweRtpExtMap map;
  BweRtpPacket pkt;
  BweRtpParseResult r;
  gint64 arrival_us;
  gsize payload;
  gboolean to_estimator, to_twcc;
  BweSendTimeSource send_time_source;
  guint32 send_time = 0;

  self->packets++;
  self->bytes += size;

  map.abs_send_time_id =
      ext_id_locked (self->abs_send_time_id, self->caps_abs_send_time_id);
  map.transport_seq_id =
      ext_id_locked (self->transport_cc_id, self->caps_transport_cc_id);
  map.abs_capture_time_id =
      ext_id_locked (self->abs_capture_time_id, self->caps_abs_capture_time_id);
  r = bwe_rtp_parse (data, size, &map, &pkt);
  if (r != BWE_RTP_OK) {
    self->skipped[r]++;
    GST_DEBUG_OBJECT (self, "skipped: %s", bwe_rtp_parse_result_name (r));
    return;
  }
  bwe_remote_estimator_prefetch_stream (self->estimator, pkt.ssrc);
  track_seq_locked (self, pkt.ssrc, pkt.seq);

  if (before_segment) {
    self->skipped[SKIP_BEFORE_SEGMENT]++;
    GST_DEBUG_OBJECT (self, "skipped: timestamp before the segment");
    return;
  }
  if (!GST_CLOCK_TIME_IS_VALID (arrival)) {
    self->skipped[SKIP_NO_TIME]++;
    GST_DEBUG_OBJECT (self, "skipped: no arrival time");
    return;
  }
  arrival_us = (gint64) (arrival / GST_USECOND);
  if (arrival_us < self->last_arrival_us) {
    self->skipped[SKIP_TIME_BACKWARDS]++;
    GST_DEBUG_OBJECT (self, "skipped: arrival %" G_GINT64_FORMAT " us before "
        "%" G_GINT64_FORMAT " us", arrival_us, self->last_arrival_us);
    return;
  }
  self->last_arrival_us = arrival_us;

  /* Process() of TWCC runs after every packet that arrived at or before its
   * time, so first the ones due before this packet */
  twcc_process_locked (self, out, arrival_us, FALSE);

  /* abs-send-time, else abs-capture-time taken to 6.18 */
  send_time_source = bwe_rtp_send_time (&pkt, &send_time);
  if (send_time_source == BWE_SEND_TIME_NONE && !pkt.has_transport_seq) {
    no_extension_locked (self, data, size, arrival_us, out);
    return;
  }
  gst_rtp_bwe_ext_watch_known (&self->ext_watch);

  payload = pkt.payload_size + pkt.padding_size;
  if (self->feedback == GST_RTP_BWE_FEEDBACK_AUTO) {
    /* ReceiveSideCongestionController: transport-wide packets go to the
     * feedback proxy only */
    to_twcc = pkt.has_transport_seq;
    to_estimator = !pkt.has_transport_seq
        && send_time_source != BWE_SEND_TIME_NONE;
  } else {
    to_twcc = pkt.has_transport_seq && wants_twcc (self->feedback);
    to_estimator = send_time_source != BWE_SEND_TIME_NONE;
  }

  if (to_twcc) {
    if (!self->twcc_active) {
      bwe_twcc_recorder_release (self->twcc);
      bwe_twcc_recorder_init (self->twcc, self->twcc_sender_ssrc,
          &glib_allocator);
      self->twcc_active = TRUE;
    }
    bwe_twcc_recorder_on_packet (self->twcc, arrival_us, pkt.transport_seq,
        payload, pkt.ssrc);
    self->packets_twcc++;
  }

  if (to_estimator) {
    BweEstimatorUpdate upd;

    estimate_packet_locked (self, arrival_us, send_time, payload, &pkt, &upd);
    self->packets_estimated++;
    if (send_time_source == BWE_SEND_TIME_ABS_SEND_TIME)
      self->packets_abs_send_time++;
    else
      self->packets_abs_capture_time++;

    if (upd.updated) {
      report_estimate_locked (self, arrival_us, out);
      out->estimate = TRUE;
      out->bitrate = upd.bitrate_bps;
      out->timestamp = arrival;
      if (upd.bitrate_bps != self->estimated_bitrate) {
        self->estimated_bitrate = upd.bitrate_bps;
        out->notify = TRUE;
      }

      if (wants_remb (self->feedback)) {
        guint64 send_bps;

        if (bwe_remb_throttler_on_estimate (&self->throttler, arrival_us,
                upd.bitrate_bps, &send_bps)) {
          guint8 remb[20 + 4 * BWE_REMB_MAX_SSRCS];
          gsize len = bwe_remb_write (remb, sizeof remb,
              self->remb_sender_ssrc, send_bps, out->ssrcs,
              MIN (out->n_ssrcs, BWE_REMB_MAX_SSRCS));

          if (len > 0) {
            emit_rtcp_locked (self, out, gst_buffer_new_memdup (remb, len),
                self->remb_sender_ssrc, arrival);
            self->remb_sent++;
          }
        }
      }
    }
  }
}

static gboolean
gst_rtp_bwe_rtcp_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstRtpBwe *self = GST_RTP_BWE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active)
    rtcp_outlet_start (&self->rtcp_outlet);
  else
    rtcp_outlet_halt (&self->rtcp_outlet);
  return TRUE;
}

/* stream-start, caps and segment on rtcp_src before anything else there */
static void
push_rtcp_sticky (GstRtpBwe * self)
{
  if (self->rtcp_need_stream_start) {
    gchar *id = gst_pad_create_stream_id (self->rtcp_srcpad,
        GST_ELEMENT (self), "rtcp");
    GstEvent *ev = gst_event_new_stream_start (id);

    if (self->have_group_id)
      gst_event_set_group_id (ev, self->group_id);
    g_free (id);
    rtcp_outlet_push (&self->rtcp_outlet, ev);
    self->rtcp_need_stream_start = FALSE;
  }
  if (self->rtcp_need_caps) {
    GstCaps *caps = gst_caps_new_empty_simple ("application/x-rtcp");

    rtcp_outlet_push (&self->rtcp_outlet, gst_event_new_caps (caps));
    gst_caps_unref (caps);
    self->rtcp_need_caps = FALSE;
  }
  if (self->rtcp_need_segment) {
    GstSegment seg;

    /* feedback is timestamped with running time (the arrival time): a
     * segment from 0 keeps it so for the elements downstream */
    gst_segment_init (&seg, GST_FORMAT_TIME);
    rtcp_outlet_push (&self->rtcp_outlet, gst_event_new_segment (&seg));
    self->rtcp_need_segment = FALSE;
  }
}

static void
log_feedback (GstRtpBwe * self, GstBuffer * buf)
{
  GstMapInfo map;

  /* no mapping when nobody reads INFO */
  if (gst_debug_category_get_threshold (GST_CAT_DEFAULT) < GST_LEVEL_INFO)
    return;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  if (map.size >= 2 && map.data[1] == GST_RTCP_TYPE_PSFB) {
    BweRemb remb;

    if (bwe_remb_parse (map.data, map.size, &remb) == 0)
      GST_INFO_OBJECT (self, "REMB %" G_GUINT64_FORMAT " bit/s for %u SSRCs "
          "at %" GST_TIME_FORMAT, remb.bitrate_bps, (guint) remb.num_ssrcs,
          GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
  } else if (map.size >= 16) {
    GST_INFO_OBJECT (self, "transport-wide feedback, %" G_GSIZE_FORMAT
        " bytes, sequence numbers %u + %u, at %" GST_TIME_FORMAT, map.size,
        GST_READ_UINT16_BE (map.data + 12), GST_READ_UINT16_BE (map.data + 14),
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
  }
  gst_buffer_unmap (buf, &map);
}

static const gchar *
ext_id_text (guint id, gchar * buf, gsize size)
{
  if (id == 0)
    return "none";
  g_snprintf (buf, size, "%u", id);
  return buf;
}

/* The warning for packets without a known extension: what was expected, what
 * came, how to fix it. */
static void
warn_no_extension (GstRtpBwe * self, Outcome * out)
{
  gchar ast[16], tcc[16], act[16];

  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FORMAT,
      ("%" G_GUINT64_FORMAT " consecutive RTP packets (over %.1f s) carry no "
          "header extension rtpbwe can use (abs-send-time at id %s, "
          "transport-wide sequence number at id %s, abs-capture-time at id "
          "%s): no estimate, no feedback. Put extmap-N=(string)URI in the "
          "caps of the sink pad, or set the abs-send-time-id, "
          "transport-cc-id or abs-capture-time-id property to the id of the "
          "SDP's a=extmap.", out->no_extension_packets,
          (gdouble) out->no_extension_span / GST_SECOND,
          ext_id_text (out->abs_send_time_id, ast, sizeof ast),
          ext_id_text (out->transport_cc_id, tcc, sizeof tcc),
          ext_id_text (out->abs_capture_time_id, act, sizeof act)),
      ("Expected %s, %s or %s. The last packet carries %s. Caps give no ids "
          "in rtpbin's request-rtp-decoder bin (webrtcbin): set the "
          "properties there.", ABS_SEND_TIME_URI, TRANSPORT_CC_URI,
          ABS_CAPTURE_TIME_URI, out->packet_extensions),
      ("packets", G_TYPE_UINT64, out->no_extension_packets,
          "abs-send-time-id", G_TYPE_UINT, out->abs_send_time_id,
          "transport-cc-id", G_TYPE_UINT, out->transport_cc_id,
          "abs-capture-time-id", G_TYPE_UINT, out->abs_capture_time_id,
          "packet-extensions", G_TYPE_STRING, out->packet_extensions, NULL));
}

/* Pushes, posts and notifies what process_packet_locked() decided. */
static void
act_on_outcome (GstRtpBwe * self, Outcome * out)
{
  if (out->rtcp != NULL) {
    guint i, n = gst_buffer_list_length (out->rtcp);

    push_rtcp_sticky (self);
    /* one by one: feedback is rare and plain buffers suit every consumer */
    for (i = 0; i < n; i++) {
      GstBuffer *buf = gst_buffer_list_get (out->rtcp, i);

      log_feedback (self, buf);
      rtcp_outlet_push (&self->rtcp_outlet, gst_buffer_ref (buf));
    }
    gst_buffer_list_unref (out->rtcp);
    out->rtcp = NULL;
  }
  if (out->session_wakeup && out->session != NULL)
    g_signal_emit_by_name (out->session, "send-rtcp", (guint64) 0);
  if (out->session != NULL) {
    g_object_unref (out->session);
    out->session = NULL;
  }

  if (out->estimate) {
    GValue arr = G_VALUE_INIT;
    GValue v = G_VALUE_INIT;
    GstStructure *s;
    guint i;

    g_value_init (&arr, GST_TYPE_ARRAY);
    g_value_init (&v, G_TYPE_UINT);
    for (i = 0; i < out->n_ssrcs; i++) {
      g_value_set_uint (&v, out->ssrcs[i]);
      gst_value_array_append_value (&arr, &v);
    }
    s = gst_structure_new ("rtpbwe-estimate",
        "bitrate", G_TYPE_UINT, out->bitrate,
        "timestamp", G_TYPE_UINT64, (guint64) out->timestamp,
        "incoming-bitrate", G_TYPE_UINT, out->incoming_bitrate,
        "state", G_TYPE_STRING, usage_name (out->state), NULL);
    gst_structure_take_value (s, "ssrcs", &arr);
    if (out->regime != NULL)
      gst_structure_set (s, "regime", G_TYPE_STRING, out->regime, NULL);
    g_value_unset (&v);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  }
  if (out->notify) {
    GST_INFO_OBJECT (self, "estimate %u bit/s (%s, incoming %u bit/s, %u "
        "SSRCs) at %" GST_TIME_FORMAT, out->bitrate, usage_name (out->state),
        out->incoming_bitrate, out->n_ssrcs, GST_TIME_ARGS (out->timestamp));
    g_object_notify_by_pspec (G_OBJECT (self), pspec_estimated_bitrate);
  }
  if (out->packet_extensions != NULL) {
    warn_no_extension (self, out);
    g_clear_pointer (&out->packet_extensions, g_free);
  }
}

/* The arrival time in running time: the buffer's DTS, else its PTS, through
 * the current segment; else the clock's running time now.  One time base for
 * both, whatever the segment: a capture replayed from a late segment start
 * or after a seek gives what it gives from 0.  A time before the segment's
 * start has no running time: *before_segment. */
static GstClockTime
arrival_time (GstRtpBwe * self, GstBuffer * buf, gboolean * before_segment)
{
  GstClock *clock;
  GstClockTime now, base, ts = GST_BUFFER_DTS_OR_PTS (buf);

  *before_segment = FALSE;
  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    guint64 running;

    /* only a TIME segment maps buffer times to running time */
    if (self->segment.format != GST_FORMAT_TIME)
      return ts;
    /* past the stop, extrapolated (RTP is not clipped) */
    if (gst_segment_to_running_time_full (&self->segment, GST_FORMAT_TIME,
            ts, &running) > 0)
      return running;
    *before_segment = TRUE;
    return GST_CLOCK_TIME_NONE;
  }

  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  return now >= base ? now - base : 0;
}

static void post_stats (GstRtpBwe * self, GstClockTime arrival);

static void
outcome_init (GstRtpBwe * self, Outcome * out)
{
  out->estimate = FALSE;
  out->notify = FALSE;
  out->session_wakeup = FALSE;
  out->session = NULL;
  out->rtcp = NULL;
  out->n_ssrcs = 0;
  out->packet_extensions = NULL;
  out->post_stats = FALSE;
  out->regime = NULL;
}

static void
outcome_take_session_locked (GstRtpBwe * self, Outcome * out)
{
  if (out->session_wakeup && self->rtp_session != NULL)
    out->session = g_object_ref (self->rtp_session);
}

/* The packet's bytes.  The memory of a buffer of one (as sources and
 * payloaders make RTP packets) is mapped without the buffer's merging
 * reference on it, which costs two atomic operations and about 200
 * instructions per packet; *mem is what to unmap, NULL: the buffer. */
static gboolean
packet_map (GstBuffer * buf, GstMapInfo * map, GstMemory ** mem)
{
  if (gst_buffer_n_memory (buf) == 1) {
    *mem = gst_buffer_peek_memory (buf, 0);
    return gst_memory_map (*mem, map, GST_MAP_READ);
  }
  *mem = NULL;
  return gst_buffer_map (buf, map, GST_MAP_READ);
}

static void
packet_unmap (GstBuffer * buf, GstMapInfo * map, GstMemory * mem)
{
  if (mem != NULL)
    gst_memory_unmap (mem, map);
  else
    gst_buffer_unmap (buf, map);
}

/* Asks for the cache lines of the element's per-packet fields at once, so
 * that their misses overlap instead of coming one after the other. */
static inline void
prefetch_packet_fields (GstRtpBwe * self)
{
#if defined(__GNUC__)
  const gchar *p = (const gchar *) &self->srcpad;
  const gchar *end = (const gchar *) &self->seqs[1];

  for (; p < end; p += 64)
    __builtin_prefetch (p);
  __builtin_prefetch (end - 1);
#endif
}

static GstFlowReturn
gst_rtp_bwe_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstRtpBwe *self = GST_RTP_BWE (parent);
  gboolean before_segment;
  GstClockTime arrival;
  GstMapInfo map;
  GstMemory *mem;
  Outcome out;

  /* with thousands of elements the element's and the estimator's state are
   * cold: their cache lines come while the buffer is looked at */
  prefetch_packet_fields (self);
  bwe_remote_estimator_prefetch (&self->estimator_state);
  arrival = arrival_time (self, buf, &before_segment);
  outcome_init (self, &out);
  if (packet_map (buf, &map, &mem)) {
    GST_OBJECT_LOCK (self);
    process_packet_locked (self, map.data, map.size, arrival, before_segment,
        &out);
    outcome_take_session_locked (self, &out);
    out.post_stats = stats_due_locked (self, arrival);
    GST_OBJECT_UNLOCK (self);
    packet_unmap (buf, &map, mem);
  }
  act_on_outcome (self, &out);
  if (out.post_stats)
    post_stats (self, arrival);

  /* rtcp_src is sparse: a gap lets a sink there preroll (gst-launch lines
   * would hang in PAUSED waiting for the first feedback otherwise) */
  if (self->rtcp_need_gap) {
    GstClockTime ts = GST_CLOCK_TIME_IS_VALID (arrival) ? arrival :
        (GstClockTime) self->segment.start;

    push_rtcp_sticky (self);
    rtcp_outlet_push (&self->rtcp_outlet, gst_event_new_gap (ts,
            GST_CLOCK_TIME_NONE));
    self->rtcp_need_gap = FALSE;
  }

  return gst_pad_push (self->srcpad, buf);
}

static void
read_extmap (GstRtpBwe * self, GstCaps * caps)
{
  GstStructure *s;
  guint abs_id = 0, twcc_id = 0, capture_id = 0;
  gint i, n;

  if (gst_caps_get_size (caps) == 0)
    return;
  s = gst_caps_get_structure (caps, 0);
  n = gst_structure_n_fields (s);
  for (i = 0; i < n; i++) {
    const gchar *name = gst_structure_nth_field_name (s, i);
    const GValue *val;
    const gchar *uri = NULL;
    guint64 id;
    gchar *end;

    if (!g_str_has_prefix (name, "extmap-"))
      continue;
    id = g_ascii_strtoull (name + strlen ("extmap-"), &end, 10);
    if (*end != '\0' || id == 0 || id > MAX_EXT_ID)
      continue;
    val = gst_structure_get_value (s, name);
    /* a plain URI, or [direction, URI, attributes] */
    if (G_VALUE_HOLDS_STRING (val)) {
      uri = g_value_get_string (val);
    } else if (GST_VALUE_HOLDS_ARRAY (val)
        && gst_value_array_get_size (val) >= 2) {
      const GValue *u = gst_value_array_get_value (val, 1);

      if (G_VALUE_HOLDS_STRING (u))
        uri = g_value_get_string (u);
    }
    if (uri == NULL)
      continue;
    if (g_ascii_strcasecmp (uri, ABS_SEND_TIME_URI) == 0)
      abs_id = (guint) id;
    else if (g_ascii_strcasecmp (uri, TRANSPORT_CC_URI) == 0)
      twcc_id = (guint) id;
    else if (g_ascii_strcasecmp (uri, ABS_CAPTURE_TIME_URI) == 0)
      capture_id = (guint) id;
  }

  GST_INFO_OBJECT (self, "ids in the caps: abs-send-time %u, transport-cc %u, "
      "abs-capture-time %u (0: none)", abs_id, twcc_id, capture_id);
  GST_OBJECT_LOCK (self);
  self->caps_abs_send_time_id = abs_id;
  self->caps_transport_cc_id = twcc_id;
  self->caps_abs_capture_time_id = capture_id;
  GST_OBJECT_UNLOCK (self);
}

/* EOS: the TWCC tail, then EOS on rtcp_src (sticky events first, so a sink
 * there can finish). */
static void
finish_rtcp (GstRtpBwe * self)
{
  Outcome out;

  outcome_init (self, &out);
  GST_OBJECT_LOCK (self);
  if (self->last_arrival_us != G_MININT64)
    twcc_process_locked (self, &out, self->last_arrival_us + 1, TRUE);
  outcome_take_session_locked (self, &out);
  GST_OBJECT_UNLOCK (self);
  act_on_outcome (self, &out);

  push_rtcp_sticky (self);
  rtcp_outlet_push (&self->rtcp_outlet, gst_event_new_eos ());
}

static gboolean
gst_rtp_bwe_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstRtpBwe *self = GST_RTP_BWE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      self->have_group_id = gst_event_parse_group_id (event, &self->group_id);
      self->rtcp_need_stream_start = TRUE;
      self->rtcp_need_segment = TRUE;
      break;
    case GST_EVENT_CAPS:{
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      read_extmap (self, caps);
      break;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->segment);
      self->rtcp_need_segment = TRUE;
      self->rtcp_need_gap = TRUE;
      break;
    case GST_EVENT_EOS:
      finish_rtcp (self);
      break;
    case GST_EVENT_FLUSH_START:
      /* out of band: unblocks a push in progress, then nothing more goes */
      gst_pad_push_event (self->rtcp_srcpad, gst_event_ref (event));
      rtcp_outlet_halt (&self->rtcp_outlet);
      break;
    case GST_EVENT_FLUSH_STOP:
      /* time starts again: a fresh estimate, the counters stay */
      gst_rtp_bwe_reset (self, FALSE);
      gst_pad_push_event (self->rtcp_srcpad, gst_event_ref (event));
      rtcp_outlet_start (&self->rtcp_outlet);
      /* the flush may have dropped a queued stream-start or caps before the
       * pool pushed it: send them again (the same ones, so harmless if not) */
      self->rtcp_need_stream_start = TRUE;
      self->rtcp_need_caps = TRUE;
      self->rtcp_need_segment = TRUE;
      self->rtcp_need_gap = TRUE;
      break;
    default:
      break;
  }
  return gst_pad_push_event (self->srcpad, event);
}

static gboolean
gst_rtp_bwe_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstRtpBwe *self = GST_RTP_BWE (parent);

  return gst_pad_push_event (self->sinkpad, event);
}

static gboolean
gst_rtp_bwe_rtcp_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  /* nothing upstream produces our RTCP */
  gst_event_unref (event);
  return TRUE;
}

static GstIterator *
gst_rtp_bwe_iterate_internal_links (GstPad * pad, GstObject * parent)
{
  GstRtpBwe *self = GST_RTP_BWE (parent);
  GstPad *other = NULL;
  GstIterator *it = NULL;
  GValue v = G_VALUE_INIT;

  if (pad == self->sinkpad)
    other = self->srcpad;
  else if (pad == self->srcpad)
    other = self->sinkpad;
  if (other == NULL)
    return NULL;
  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

/* The RTP session is about to send RTCP: append what waits for it. */
static gboolean
on_sending_rtcp (GObject * session, GstBuffer * buffer, gboolean early,
    GstRtpBwe * self)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GQueue pending = G_QUEUE_INIT;
  GstBuffer *fb;
  gboolean added = FALSE;

  GST_OBJECT_LOCK (self);
  pending = self->session_queue;
  g_queue_init (&self->session_queue);
  GST_OBJECT_UNLOCK (self);

  if (g_queue_is_empty (&pending))
    return FALSE;
  if (!gst_rtcp_buffer_map (buffer, GST_MAP_READWRITE, &rtcp)) {
    g_queue_clear_full (&pending, (GDestroyNotify) gst_buffer_unref);
    return FALSE;
  }
  while ((fb = g_queue_pop_head (&pending)) != NULL) {
    GstMapInfo map;
    GstRTCPPacket packet;

    if (gst_buffer_map (fb, &map, GST_MAP_READ)) {
      guint8 fmt = map.data[0] & 0x1f;
      guint8 pt = map.data[1];
      /* FCI: after the 12-byte header; padding (P bit) is not kept inside
       * a compound packet, whose FCI length counts whole words */
      gsize len = map.size;
      guint words;

      if (map.data[0] & 0x20)
        len -= map.data[map.size - 1];
      words = (guint) ((len - 12 + 3) / 4);
      if (gst_rtcp_buffer_add_packet (&rtcp, (GstRTCPType) pt, &packet)) {
        gst_rtcp_packet_fb_set_type (&packet, fmt);
        gst_rtcp_packet_fb_set_sender_ssrc (&packet,
            GST_READ_UINT32_BE (map.data + 4));
        gst_rtcp_packet_fb_set_media_ssrc (&packet,
            GST_READ_UINT32_BE (map.data + 8));
        if (gst_rtcp_packet_fb_set_fci_length (&packet, words)) {
          guint8 *fci = gst_rtcp_packet_fb_get_fci (&packet);

          memset (fci, 0, words * 4);
          memcpy (fci, map.data + 12, len - 12);
          added = TRUE;
        } else {
          gst_rtcp_packet_remove (&packet);
        }
      }
      gst_buffer_unmap (fb, &map);
    }
    gst_buffer_unref (fb);
  }
  gst_rtcp_buffer_unmap (&rtcp);
  return added;
}

static void
set_rtp_session (GstRtpBwe * self, GObject * session)
{
  GObject *old;
  gulong old_id;

  if (session != NULL && !g_signal_lookup ("on-sending-rtcp",
          G_OBJECT_TYPE (session))) {
    g_warning ("rtpbwe: rtp-session must be an RTPSession (rtpbin's "
        "get-internal-session)");
    return;
  }

  GST_OBJECT_LOCK (self);
  old = self->rtp_session;
  old_id = self->on_sending_rtcp_id;
  self->rtp_session = session != NULL ? g_object_ref (session) : NULL;
  self->on_sending_rtcp_id = 0;
  g_queue_clear_full (&self->session_queue, (GDestroyNotify) gst_buffer_unref);
  GST_OBJECT_UNLOCK (self);

  if (old != NULL) {
    g_signal_handler_disconnect (old, old_id);
    g_object_unref (old);
  }
  if (session != NULL) {
    gulong id = g_signal_connect (session, "on-sending-rtcp",
        G_CALLBACK (on_sending_rtcp), self);

    GST_OBJECT_LOCK (self);
    self->on_sending_rtcp_id = id;
    GST_OBJECT_UNLOCK (self);
  }
}

static GstStructure *
get_stats (GstRtpBwe * self)
{
  GstStructure *s;
  GValue arr = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  guint32 ssrcs[BWE_MAX_SSRCS];
  guint64 skipped = 0;
  gsize n, i;
  guint incoming;

  GST_OBJECT_LOCK (self);
  for (i = 1; i < SKIP_NUM; i++)
    skipped += self->skipped[i];
  n = estimator_ssrcs_locked (self, self->last_arrival_us, ssrcs);
  incoming = self->last_incoming_bitrate;
  s = gst_structure_new_id_empty (stats_quark);
  gst_structure_id_set (s,
      stat_quarks[STAT_PACKETS], G_TYPE_UINT64, self->packets,
      stat_quarks[STAT_BYTES], G_TYPE_UINT64, self->bytes,
      stat_quarks[STAT_PACKETS_ESTIMATED], G_TYPE_UINT64,
      self->packets_estimated,
      stat_quarks[STAT_PACKETS_TWCC], G_TYPE_UINT64, self->packets_twcc,
      stat_quarks[STAT_SKIPPED], G_TYPE_UINT64, skipped,
      stat_quarks[STAT_DUPLICATES], G_TYPE_UINT64, self->duplicates,
      stat_quarks[STAT_REORDERED], G_TYPE_UINT64, self->reordered,
      stat_quarks[STAT_SEQ_JUMPS], G_TYPE_UINT64, self->seq_jumps,
      stat_quarks[STAT_ESTIMATED_BITRATE], G_TYPE_UINT,
      self->estimated_bitrate,
      stat_quarks[STAT_INCOMING_BITRATE], G_TYPE_UINT, incoming,
      stat_quarks[STAT_STATE], G_TYPE_STRING,
      usage_name (estimator_state_locked (self)),
      stat_quarks[STAT_REMB_PACKETS], G_TYPE_UINT64, self->remb_sent,
      stat_quarks[STAT_TWCC_PACKETS], G_TYPE_UINT64, self->twcc_sent,
      stat_quarks[STAT_ABS_SEND_TIME_ID], G_TYPE_UINT,
      ext_id_locked (self->abs_send_time_id, self->caps_abs_send_time_id),
      stat_quarks[STAT_TRANSPORT_CC_ID], G_TYPE_UINT,
      ext_id_locked (self->transport_cc_id, self->caps_transport_cc_id),
      stat_quarks[STAT_PACKETS_ABS_SEND_TIME], G_TYPE_UINT64,
      self->packets_abs_send_time,
      stat_quarks[STAT_PACKETS_ABS_CAPTURE_TIME], G_TYPE_UINT64,
      self->packets_abs_capture_time,
      stat_quarks[STAT_ABS_CAPTURE_TIME_ID], G_TYPE_UINT,
      ext_id_locked (self->abs_capture_time_id,
          self->caps_abs_capture_time_id),
      stat_quarks[STAT_MODE], G_TYPE_STRING,
      improved_locked (self) ? "improved" : "libwebrtc", NULL);
  if (improved_locked (self))
    gst_structure_id_set (s, stat_quarks[STAT_REGIME], G_TYPE_STRING,
        bwe_regime_name (bwe_improved_estimator_regime (self->improved)), NULL);
  for (i = 1; i < SKIP_NUM; i++)
    gst_structure_id_set (s, skip_quarks[i], G_TYPE_UINT64, self->skipped[i],
        NULL);
  GST_OBJECT_UNLOCK (self);

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_UINT);
  for (i = 0; i < n; i++) {
    g_value_set_uint (&v, ssrcs[i]);
    gst_value_array_append_value (&arr, &v);
  }
  gst_structure_id_take_value (s, stat_quarks[STAT_SSRCS], &arr);
  g_value_unset (&v);
  return s;
}

/* The element message rtpbwe-stats: the stats structure, at the arrival time
 * that made it due. */
static void
post_stats (GstRtpBwe * self, GstClockTime arrival)
{
  GstStructure *s = get_stats (self);

  gst_structure_set_name (s, "rtpbwe-stats");
  gst_structure_set (s, "timestamp", G_TYPE_UINT64, (guint64) arrival, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
gst_rtp_bwe_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstRtpBwe *self = GST_RTP_BWE (object);

  if (prop_id == PROP_RTP_SESSION) {
    set_rtp_session (self, g_value_get_object (value));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_ESTIMATOR:
      self->estimator_type = g_value_get_enum (value);
      break;
    case PROP_FEEDBACK:
      self->feedback = g_value_get_enum (value);
      break;
    case PROP_ABS_SEND_TIME_ID:
      self->abs_send_time_id = g_value_get_uint (value);
      GST_INFO_OBJECT (self, "abs-send-time id %u (0: from the caps)",
          self->abs_send_time_id);
      break;
    case PROP_TRANSPORT_CC_ID:
      self->transport_cc_id = g_value_get_uint (value);
      GST_INFO_OBJECT (self, "transport-cc id %u (0: from the caps)",
          self->transport_cc_id);
      break;
    case PROP_ABS_CAPTURE_TIME_ID:
      self->abs_capture_time_id = g_value_get_uint (value);
      break;
    case PROP_MIN_BITRATE:
      self->min_bitrate = g_value_get_uint (value);
      break;
    case PROP_MAX_BITRATE:
      self->max_bitrate = g_value_get_uint (value);
      break;
    case PROP_RTT:
      self->rtt = g_value_get_uint (value);
      self->rtt_changed = TRUE;
      break;
    case PROP_REMB_SENDER_SSRC:
      self->remb_sender_ssrc = g_value_get_uint (value);
      break;
    case PROP_TWCC_SENDER_SSRC:
      self->twcc_sender_ssrc = g_value_get_uint (value);
      break;
    case PROP_MAX_RTCP_SIZE:
      self->max_rtcp_size = g_value_get_uint (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_uint (value);
      /* the new period starts with the next packet */
      self->stats_due = 0;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_rtp_bwe_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstRtpBwe *self = GST_RTP_BWE (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, get_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_ESTIMATOR:
      g_value_set_enum (value, self->estimator_type);
      break;
    case PROP_FEEDBACK:
      g_value_set_enum (value, self->feedback);
      break;
    case PROP_ABS_SEND_TIME_ID:
      g_value_set_uint (value, self->abs_send_time_id);
      break;
    case PROP_TRANSPORT_CC_ID:
      g_value_set_uint (value, self->transport_cc_id);
      break;
    case PROP_ABS_CAPTURE_TIME_ID:
      g_value_set_uint (value, self->abs_capture_time_id);
      break;
    case PROP_MIN_BITRATE:
      g_value_set_uint (value, self->min_bitrate);
      break;
    case PROP_MAX_BITRATE:
      g_value_set_uint (value, self->max_bitrate);
      break;
    case PROP_RTT:
      g_value_set_uint (value, self->rtt);
      break;
    case PROP_REMB_SENDER_SSRC:
      g_value_set_uint (value, self->remb_sender_ssrc);
      break;
    case PROP_TWCC_SENDER_SSRC:
      g_value_set_uint (value, self->twcc_sender_ssrc);
      break;
    case PROP_MAX_RTCP_SIZE:
      g_value_set_uint (value, self->max_rtcp_size);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint (value, self->stats_interval);
      break;
    case PROP_RTP_SESSION:
      g_value_set_object (value, self->rtp_session);
      break;
    case PROP_ESTIMATED_BITRATE:
      g_value_set_uint (value, self->estimated_bitrate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_rtp_bwe_change_state (GstElement * element, GstStateChange transition)
{
  GstRtpBwe *self = GST_RTP_BWE (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_rtp_bwe_reset (self, TRUE);
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      self->rtcp_need_stream_start = TRUE;
      self->rtcp_need_caps = TRUE;
      self->rtcp_need_segment = TRUE;
      self->rtcp_need_gap = TRUE;
      self->have_group_id = FALSE;
      GST_OBJECT_LOCK (self);
      self->caps_abs_send_time_id = 0;
      self->caps_transport_cc_id = 0;
      self->caps_abs_capture_time_id = 0;
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_rtp_bwe_parent_class)->change_state (element,
      transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* a restarted pipeline starts a fresh estimate */
      gst_rtp_bwe_reset (self, TRUE);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_rtp_bwe_dispose (GObject * object)
{
  GstRtpBwe *self = GST_RTP_BWE (object);

  set_rtp_session (self, NULL);
  G_OBJECT_CLASS (gst_rtp_bwe_parent_class)->dispose (object);
}

static void
gst_rtp_bwe_finalize (GObject * object)
{
  GstRtpBwe *self = GST_RTP_BWE (object);

  g_queue_clear_full (&self->session_queue, (GDestroyNotify) gst_buffer_unref);
  rtcp_outlet_clear (&self->rtcp_outlet);
  bwe_twcc_recorder_release (self->twcc);
  g_free (self->twcc);
  bwe_remote_estimator_release (self->estimator);
  g_free (self->improved);
  G_OBJECT_CLASS (gst_rtp_bwe_parent_class)->finalize (object);
}

static void
gst_rtp_bwe_class_init (GstRtpBweClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  guint i;

  stats_quark = g_quark_from_static_string ("application/x-rtpbwe-stats");
  for (i = 0; i < STAT_NUM; i++)
    stat_quarks[i] = g_quark_from_static_string (stat_names[i]);
  for (i = 1; i < SKIP_NUM; i++)
    skip_quarks[i] = g_quark_from_static_string (skip_names[i]);

  gobject_class->set_property = gst_rtp_bwe_set_property;
  gobject_class->get_property = gst_rtp_bwe_get_property;
  gobject_class->dispose = gst_rtp_bwe_dispose;
  gobject_class->finalize = gst_rtp_bwe_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_rtp_bwe_change_state);

  /**
   * GstRtpBwe:mode:
   *
   * How packets with a send time are estimated: `libwebrtc` (the default)
   * is libwebrtc's receive-side estimator, decision for decision; `improved`
   * is this project's estimator (docs/improved-mode.md), which drains a
   * standing queue, ramps fast while the queue stays empty and holds a share
   * against loss-based flows, and answers with REMB only.  Transport-wide
   * feedback does not depend on it.  Applies from the next start (READY to
   * PAUSED).
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Estimation mode: libwebrtc (parity with libwebrtc's receive side) "
          "or improved (queue, delivered rate, packet trains and loss; "
          "REMB only)", GST_TYPE_RTP_BWE_MODE, DEFAULT_MODE,
          rw | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpBwe:estimator:
   *
   * The delay filter: `kalman`, libwebrtc's receive side
   * (RemoteBitrateEstimatorAbsSendTime's OveruseEstimator), or `trendline`,
   * libwebrtc's send-side TrendlineEstimator.  Applies from the next start
   * (READY to PAUSED).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ESTIMATOR,
      g_param_spec_enum ("estimator", "Estimator",
          "Delay filter of the estimator: kalman is libwebrtc's receive-side "
          "default (RemoteBitrateEstimatorAbsSendTime), trendline its "
          "send-side filter", GST_TYPE_RTP_BWE_ESTIMATOR, DEFAULT_ESTIMATOR,
          rw | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpBwe:feedback:
   *
   * Which RTCP feedback to send.  The default, auto, is what libwebrtc's
   * receiver does: packets with a transport-wide sequence number are
   * reported in TWCC feedback (and not estimated), the others feed the
   * abs-send-time estimator whose result goes out as REMB.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_FEEDBACK,
      g_param_spec_enum ("feedback", "Feedback",
          "RTCP feedback sent on rtcp_src: auto (as libwebrtc: TWCC for "
          "packets with transport-wide sequence numbers, REMB for the others), "
          "remb, twcc, both or none", GST_TYPE_RTP_BWE_FEEDBACK,
          DEFAULT_FEEDBACK, rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:abs-send-time-id:
   *
   * The RTP header extension id of abs-send-time
   * (`http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time`): 1-14
   * in the one-byte form, up to 255 in the two-byte form.  0, the default,
   * takes it from the sink caps (`extmap-N`).  Set it where the caps carry
   * no extmap, as in the bin of rtpbin's `request-rtp-decoder` (webrtcbin),
   * to the id of the SDP's `a=extmap` line.  A non-zero value wins over the
   * caps.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ABS_SEND_TIME_ID,
      g_param_spec_uint ("abs-send-time-id", "abs-send-time id",
          "RTP header extension id of abs-send-time (1-14 one-byte, 1-255 "
          "two-byte); 0 takes it from the caps (extmap-N)", 0, MAX_EXT_ID,
          DEFAULT_EXT_ID, rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:transport-cc-id:
   *
   * The RTP header extension id of the transport-wide sequence number
   * (`http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01`).
   * 0, the default, takes it from the sink caps (`extmap-N`); a non-zero
   * value wins over the caps.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TRANSPORT_CC_ID,
      g_param_spec_uint ("transport-cc-id", "transport-cc id",
          "RTP header extension id of the transport-wide sequence number "
          "(draft-holmer-rmcat-transport-wide-cc-extensions-01); 0 takes it "
          "from the caps (extmap-N)", 0, MAX_EXT_ID, DEFAULT_EXT_ID,
          rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:abs-capture-time-id:
   *
   * Id of abs-capture-time, for senders that stamp it and no abs-send-time:
   * such packets are estimated from their capture time taken to the 6.18
   * format of abs-send-time (the capture clock offset of the 16-byte form
   * is not applied).  A capture time includes the sender's encoding and
   * packetization jitter, which the estimator then reads as path delay.
   * abs-send-time wins when a packet carries both.  0, the default, takes
   * it from the sink caps (`extmap-N`).
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_ABS_CAPTURE_TIME_ID,
      g_param_spec_uint ("abs-capture-time-id", "abs-capture-time id",
          "RTP header extension id of abs-capture-time, the send time of "
          "packets without abs-send-time; 0 takes it from the caps (extmap-N)",
          0, MAX_EXT_ID, DEFAULT_EXT_ID, rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:min-bitrate:
   *
   * The lowest estimate, bit/s (libwebrtc's congestion controller minimum,
   * 5000, by default).  Applies from the next start (READY to PAUSED).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MIN_BITRATE,
      g_param_spec_uint ("min-bitrate", "Minimum bitrate",
          "Lowest estimate in bit/s (libwebrtc: 5000); applies from the next "
          "start", 0, G_MAXUINT, DEFAULT_MIN_BITRATE,
          rw | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpBwe:max-bitrate:
   *
   * The highest estimate, bit/s.  0, the default, is libwebrtc's receive
   * side: no bound but the 32-bit bitrate (libwebrtc starts the rate control
   * at 30 Mbit/s and never caps the estimate).  Applies from the next start
   * (READY to PAUSED).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_BITRATE,
      g_param_spec_uint ("max-bitrate", "Maximum bitrate",
          "Highest estimate in bit/s; 0 = no bound but the 32-bit bitrate, as "
          "libwebrtc (which starts at 30000000 and never caps the estimate); "
          "applies from the next start", 0, G_MAXUINT, DEFAULT_MAX_BITRATE,
          rw | GST_PARAM_MUTABLE_READY));

  /**
   * GstRtpBwe:rtt:
   *
   * The round-trip time in ms that the rate control (AIMD) uses for its
   * response time; libwebrtc assumes 200 ms until its RTCP tells it more.
   * An application that knows the round-trip time (rtpbin's RTCP stats)
   * sets it here; the next packet uses it.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTT,
      g_param_spec_uint ("rtt", "Round-trip time",
          "Round-trip time in ms used by the rate control (AIMD response "
          "time); libwebrtc assumes 200 until it knows better", 0, 60000,
          DEFAULT_RTT, rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:remb-sender-ssrc:
   *
   * The packet sender SSRC written in each REMB (the second word of the
   * RTCP packet).  0 by default, as libwebrtc's receive-only side sends it
   * when it has no local stream.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REMB_SENDER_SSRC,
      g_param_spec_uint ("remb-sender-ssrc", "REMB sender SSRC",
          "Packet sender SSRC written in REMB packets", 0, G_MAXUINT32,
          DEFAULT_SENDER_SSRC, rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:twcc-sender-ssrc:
   *
   * The packet sender SSRC written in each transport-wide feedback packet.
   * 0 by default.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TWCC_SENDER_SSRC,
      g_param_spec_uint ("twcc-sender-ssrc", "TWCC sender SSRC",
          "Packet sender SSRC written in transport-wide feedback packets",
          0, G_MAXUINT32, DEFAULT_SENDER_SSRC, rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:max-rtcp-size:
   *
   * An option beyond libwebrtc: transport-wide feedback packets are cut to
   * at most this many bytes (for example to fit an MTU with the headers
   * around them), the rest goes in the next packet.  0, the default, is
   * libwebrtc's behaviour, whose only limit is the format's.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_RTCP_SIZE,
      g_param_spec_uint ("max-rtcp-size", "Maximum RTCP size",
          "Largest transport-wide feedback packet in bytes (at least "
          G_STRINGIFY (BWE_TWCC_MIN_CAP) "); 0: no limit but the format's, "
          "as libwebrtc", 0, RTCP_MAX_SIZE, DEFAULT_MAX_RTCP_SIZE,
          rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:rtp-session:
   *
   * rtpbin's internal session (its `get-internal-session` action signal).
   * When set, every feedback packet is also appended to the session's next
   * RTCP (`on-sending-rtcp`, so webrtcbin encrypts it with the rest) and the
   * session is asked to send RTCP at once (`send-rtcp` with no delay; the
   * session still applies its own RTCP timing rules).  Put rtpbwe before
   * rtpbin's `recv_rtp_sink_N` (or in the bin returned for
   * `request-rtp-decoder`) and set this to
   * `g_signal_emit_by_name (rtpbin, "get-internal-session", N, &session)`.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_SESSION,
      g_param_spec_object ("rtp-session", "RTP session",
          "rtpbin's internal RTPSession (get-internal-session) whose RTCP "
          "carries the feedback too; NULL: rtcp_src only", G_TYPE_OBJECT,
          rw | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstRtpBwe:estimated-bitrate:
   *
   * The last bitrate the estimator signalled, bit/s (0 before the first
   * estimate and after a reset).  Notifies when it changes, from the
   * streaming thread.
   *
   * Since: 0.1
   */
  pspec_estimated_bitrate = g_param_spec_uint ("estimated-bitrate",
      "Estimated bitrate", "The last bitrate the estimator signalled, bit/s "
      "(0 before the first); notifies when it changes", 0, G_MAXUINT, 0,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (gobject_class, PROP_ESTIMATED_BITRATE,
      pspec_estimated_bitrate);

  /**
   * GstRtpBwe:stats:
   *
   * A structure `application/x-rtpbwe-stats` of counters since the start
   * (a flush keeps them, READY clears them) and the estimator's state:
   *
   * - `packets`, `bytes` (guint64): every buffer that came in;
   * - `packets-estimated` (guint64): given to the estimator, of which
   *   `packets-abs-send-time` and `packets-abs-capture-time` (guint64,
   *   Since: 0.2) by the extension their send time came from;
   * - `packets-twcc` (guint64): recorded for transport-wide feedback;
   * - `skipped` (guint64): not used, the sum of the `skipped-<reason>`
   *   fields (guint64): `skipped-too-short`, `skipped-bad-version`,
   *   `skipped-rtcp`, `skipped-csrc-past-end`, `skipped-ext-past-end`,
   *   `skipped-padding-invalid`, `skipped-ext-element-past-end`,
   *   `skipped-ext-reserved-id`, `skipped-ext-wrong-size` (malformed RTP),
   *   `skipped-no-time` (no DTS, PTS or clock), `skipped-time-backwards`
   *   (arrival before the previous one), `skipped-no-extension` (no known
   *   header extension) and `skipped-before-segment` (a timestamp before
   *   the segment's start, Since: 0.2);
   * - `duplicates`, `reordered`, `seq-jumps` (guint64): RTP sequence
   *   numbers seen again, late, or 1000 or more away; counted and still
   *   estimated, as libwebrtc does;
   * - `estimated-bitrate`, `incoming-bitrate` (guint, bit/s): the last
   *   estimate and the incoming rate at that time;
   * - `state` (string): the detector's `normal`, `overusing` or
   *   `underusing`;
   * - `remb-packets`, `twcc-packets` (guint64): feedback packets sent;
   * - `abs-send-time-id`, `transport-cc-id`, `abs-capture-time-id` (the
   *   last Since: 0.2) (guint): the ids in use (0: none);
   * - `mode` (string, Since: 0.2): the #GstRtpBwe:mode running, `libwebrtc`
   *   or `improved`, and in improved mode `regime` (string, Since: 0.2):
   *   `start`, `ramp`, `steady`, `drain` or `compete`;
   * - `ssrcs` (array of guint): the streams the estimator follows.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "packets, bytes, packets-estimated, packets-twcc, skipped and "
          "skipped-<reason> (too-short, bad-version, rtcp, csrc-past-end, "
          "ext-past-end, padding-invalid, ext-element-past-end, "
          "ext-reserved-id, ext-wrong-size, no-time, time-backwards, "
          "no-extension, before-segment), duplicates, reordered, seq-jumps "
          "(counted, still estimated), ssrcs, state, estimated-bitrate, "
          "incoming-bitrate (bit/s), remb-packets, twcc-packets, "
          "abs-send-time-id, transport-cc-id, packets-abs-send-time and "
          "packets-abs-capture-time (estimated from each extension), "
          "abs-capture-time-id, mode and, in improved mode, regime",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstRtpBwe:stats-interval:
   *
   * Period in ms of the element message `rtpbwe-stats`: the fields of
   * #GstRtpBwe:stats plus `timestamp` (guint64, ns, the arrival time in
   * running time of the packet that made it due), posted whether or not the
   * estimate changed, so that an application can plot the stats without
   * polling.  The period runs on arrival time: a message at the first
   * packet, then at the first packet at or past each multiple of the
   * period (one message after a silence, whatever its length: nothing in
   * the stats changes without packets).  0, the default, posts none.
   *
   * Since: 0.2
   */
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          "Period in ms of the rtpbwe-stats element message (the stats "
          "property's fields and a timestamp), in arrival time; 0: none",
          0, MAX_STATS_INTERVAL, DEFAULT_STATS_INTERVAL,
          rw | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_template);
  gst_element_class_set_static_metadata (element_class,
      "RTP bandwidth estimator", "Filter/Network/RTP",
      "Receiver-side bandwidth estimation as libwebrtc (GCC delay-based "
      "estimator, REMB, transport-wide congestion control feedback)",
      "The gst-rtpbwe authors");

  gst_type_mark_as_plugin_api (GST_TYPE_RTP_BWE_ESTIMATOR, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RTP_BWE_FEEDBACK, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RTP_BWE_MODE, 0);
}

static void
gst_rtp_bwe_init (GstRtpBwe * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_sink_event));
  gst_pad_set_iterate_internal_links_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_iterate_internal_links));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_src_event));
  gst_pad_set_iterate_internal_links_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_iterate_internal_links));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->rtcp_srcpad =
      gst_pad_new_from_static_template (&rtcp_src_template, "rtcp_src");
  gst_pad_set_event_function (self->rtcp_srcpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_rtcp_src_event));
  gst_pad_use_fixed_caps (self->rtcp_srcpad);
  gst_pad_set_activatemode_function (self->rtcp_srcpad,
      GST_DEBUG_FUNCPTR (gst_rtp_bwe_rtcp_src_activate_mode));
  rtcp_outlet_init (&self->rtcp_outlet, self->rtcp_srcpad, GST_OBJECT (self));
  gst_element_add_pad (GST_ELEMENT (self), self->rtcp_srcpad);

  self->mode = DEFAULT_MODE;
  self->estimator_type = DEFAULT_ESTIMATOR;
  self->feedback = DEFAULT_FEEDBACK;
  self->abs_send_time_id = DEFAULT_EXT_ID;
  self->transport_cc_id = DEFAULT_EXT_ID;
  self->abs_capture_time_id = DEFAULT_EXT_ID;
  self->min_bitrate = DEFAULT_MIN_BITRATE;
  self->max_bitrate = DEFAULT_MAX_BITRATE;
  self->rtt = DEFAULT_RTT;
  self->remb_sender_ssrc = DEFAULT_SENDER_SSRC;
  self->twcc_sender_ssrc = DEFAULT_SENDER_SSRC;
  self->max_rtcp_size = DEFAULT_MAX_RTCP_SIZE;
  self->stats_interval = DEFAULT_STATS_INTERVAL;
  g_queue_init (&self->session_queue);
  /* what grows of the core comes from glib_allocator */
  self->estimator = &self->estimator_state;
  bwe_remote_estimator_init (self->estimator, NULL, &glib_allocator);
  self->twcc = g_new0 (BweTwccRecorder, 1);
  bwe_twcc_recorder_init (self->twcc, DEFAULT_SENDER_SSRC, &glib_allocator);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->rtcp_need_stream_start = TRUE;
  self->rtcp_need_caps = TRUE;
  self->rtcp_need_segment = TRUE;
  self->rtcp_need_gap = TRUE;
  gst_rtp_bwe_reset_locked (self, TRUE);
}
