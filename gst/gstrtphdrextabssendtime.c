/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-rtphdrextabssendtime
 * @title: rtphdrextabssendtime
 * @see_also: #GstRTPHeaderExtension, #GstRTPBasePayload, rtpbwe
 *
 * The abs-send-time RTP header extension
 * (`http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time`): 3 bytes
 * holding the time the packet was sent, in seconds as 6.18 fixed point (it
 * wraps every 64 s).  Receivers such as `rtpbwe` and libwebrtc's REMB
 * estimator compare it with the arrival time.
 *
 * Writing stamps the monotonic clock (g_get_monotonic_time(), the clock the
 * default #GstSystemClock runs on) at the moment the payloader writes the
 * packet, not the buffer's running time: abs-send-time must follow the real
 * send time, and a header extension is not part of the pipeline so it has
 * no clock or base time of its own.  In a live sender the payloader is
 * where the packet leaves for the network; queues after it add their delay
 * to what the receiver measures.
 *
 * Reading attaches a #GstReferenceTimestampMeta with the caps
 * `timestamp/x-abs-send-time` whose timestamp is the send time in
 * nanoseconds modulo 64 s.
 *
 * Payloaders create it by themselves (`auto-header-extension`, the default)
 * when their caps carry the extmap:
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! vp8enc deadline=1 ! \
 *   rtpvp8pay ! 'application/x-rtp,extmap-3=(string)"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"' ! \
 *   udpsink host=127.0.0.1 port=5000
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtphdrextabssendtime.h"

GST_DEBUG_CATEGORY_STATIC (rtphdrextabssendtime_debug);
#define GST_CAT_DEFAULT rtphdrextabssendtime_debug

#define ABS_SEND_TIME_SIZE 3
#define ABS_SEND_TIME_FRACTION_BITS 18
#define ABS_SEND_TIME_MASK 0xFFFFFF
/* the 24-bit value wraps every 64 s */
#define ABS_SEND_TIME_WRAP_NS (G_GUINT64_CONSTANT (64) * GST_SECOND)

enum
{
  PROP_0,
  PROP_LAST_SEND_TIME,
};

struct _GstRTPHeaderExtensionAbsSendTime
{
  GstRTPHeaderExtension parent;

  guint last_send_time;         /* under the object lock */
};

G_DEFINE_TYPE_WITH_CODE (GstRTPHeaderExtensionAbsSendTime,
    gst_rtp_header_extension_abs_send_time, GST_TYPE_RTP_HEADER_EXTENSION,
    GST_DEBUG_CATEGORY_INIT (rtphdrextabssendtime_debug,
        "rtphdrextabssendtime", 0, "RTP abs-send-time header extension"));
GST_ELEMENT_REGISTER_DEFINE (rtphdrextabssendtime, "rtphdrextabssendtime",
    GST_RANK_MARGINAL, GST_TYPE_RTP_HEADER_EXTENSION_ABS_SEND_TIME);

/* Rounded to the nearest 1/2^18 s, as libwebrtc's
 * AbsoluteSendTime::To24Bits. */
static guint32
ns_to_abs_send_time (guint64 ns)
{
  guint64 t = ns % ABS_SEND_TIME_WRAP_NS;

  return (guint32) (((t << ABS_SEND_TIME_FRACTION_BITS) + GST_SECOND / 2)
      / GST_SECOND) & ABS_SEND_TIME_MASK;
}

static guint64
abs_send_time_to_ns (guint32 v)
{
  return gst_util_uint64_scale_int (v, GST_SECOND,
      1 << ABS_SEND_TIME_FRACTION_BITS);
}

static void
gst_rtp_header_extension_abs_send_time_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstRTPHeaderExtensionAbsSendTime *self =
      GST_RTP_HEADER_EXTENSION_ABS_SEND_TIME (object);

  switch (prop_id) {
    case PROP_LAST_SEND_TIME:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->last_send_time);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static GstRTPHeaderExtensionFlags
gst_rtp_header_extension_abs_send_time_get_supported_flags
    (GstRTPHeaderExtension * ext)
{
  return GST_RTP_HEADER_EXTENSION_ONE_BYTE | GST_RTP_HEADER_EXTENSION_TWO_BYTE;
}

static gsize
gst_rtp_header_extension_abs_send_time_get_max_size (GstRTPHeaderExtension *
    ext, const GstBuffer * input_meta)
{
  return ABS_SEND_TIME_SIZE;
}

static gssize
gst_rtp_header_extension_abs_send_time_write (GstRTPHeaderExtension * ext,
    const GstBuffer * input_meta, GstRTPHeaderExtensionFlags write_flags,
    GstBuffer * output, guint8 * data, gsize size)
{
  GstRTPHeaderExtensionAbsSendTime *self =
      GST_RTP_HEADER_EXTENSION_ABS_SEND_TIME (ext);
  guint32 v;

  g_return_val_if_fail (size >= ABS_SEND_TIME_SIZE, -1);

  v = ns_to_abs_send_time ((guint64) g_get_monotonic_time () * GST_USECOND);
  GST_WRITE_UINT24_BE (data, v);

  GST_OBJECT_LOCK (self);
  self->last_send_time = v;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self, "wrote 0x%06x", v);

  return ABS_SEND_TIME_SIZE;
}

static gboolean
gst_rtp_header_extension_abs_send_time_read (GstRTPHeaderExtension * ext,
    GstRTPHeaderExtensionFlags read_flags, const guint8 * data, gsize size,
    GstBuffer * buffer)
{
  GstRTPHeaderExtensionAbsSendTime *self =
      GST_RTP_HEADER_EXTENSION_ABS_SEND_TIME (ext);
  static GstStaticCaps meta_caps =
      GST_STATIC_CAPS (GST_RTP_HDREXT_ABS_SEND_TIME_META_CAPS);
  guint32 v;

  if (size != ABS_SEND_TIME_SIZE) {
    GST_DEBUG_OBJECT (self, "wrong size %" G_GSIZE_FORMAT, size);
    return FALSE;
  }
  v = GST_READ_UINT24_BE (data);

  GST_OBJECT_LOCK (self);
  self->last_send_time = v;
  GST_OBJECT_UNLOCK (self);

  gst_buffer_add_reference_timestamp_meta (buffer,
      gst_static_caps_get (&meta_caps), abs_send_time_to_ns (v),
      GST_CLOCK_TIME_NONE);
  return TRUE;
}

static void
gst_rtp_header_extension_abs_send_time_class_init
    (GstRTPHeaderExtensionAbsSendTimeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPHeaderExtensionClass *ext_class =
      GST_RTP_HEADER_EXTENSION_CLASS (klass);

  gobject_class->get_property =
      gst_rtp_header_extension_abs_send_time_get_property;

  /**
   * GstRTPHeaderExtensionAbsSendTime:last-send-time:
   *
   * The last 24-bit abs-send-time value written or read: seconds in 6.18
   * fixed point, wrapping every 64 s.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LAST_SEND_TIME,
      g_param_spec_uint ("last-send-time", "Last send time",
          "The last abs-send-time written or read: 24-bit, seconds in 6.18 "
          "fixed point (1/262144 s units), wrapping every 64 s", 0,
          ABS_SEND_TIME_MASK, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  ext_class->get_supported_flags =
      gst_rtp_header_extension_abs_send_time_get_supported_flags;
  ext_class->get_max_size = gst_rtp_header_extension_abs_send_time_get_max_size;
  ext_class->write = gst_rtp_header_extension_abs_send_time_write;
  ext_class->read = gst_rtp_header_extension_abs_send_time_read;

  gst_element_class_set_static_metadata (element_class,
      "RTP abs-send-time header extension", GST_RTP_HDREXT_ELEMENT_CLASS,
      "Writes and reads the abs-send-time RTP header extension: the 24-bit "
      "6.18 fixed-point send time used by receiver-side bandwidth estimation",
      "The gst-rtpbwe authors");
  gst_rtp_header_extension_class_set_uri (ext_class,
      GST_RTP_HDREXT_ABS_SEND_TIME_URI);
}

static void
gst_rtp_header_extension_abs_send_time_init (GstRTPHeaderExtensionAbsSendTime *
    self)
{
}
