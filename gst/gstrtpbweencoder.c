/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The encoders rtpbweadapt drives, and how to find, read and set them. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstrtpbweencoder.h"

#define BPS 1
#define KBPS 1000
/* Bins and single-input elements crossed before giving up upstream. */
#define MAX_UPSTREAM_STEPS 32
#define V4L2_BITRATE_CONTROL "video_bitrate"

/* Each entry was checked: "gst-inspect" means `gst-inspect-1.0 NAME` on
 * Debian 12 (GStreamer 1.22; packages in tools/setup.sh), property blurb and
 * flags quoted; the hardware encoders, which register only where their
 * device exists, were checked in their documentation pages
 * (gstreamer.freedesktop.org/documentation/PLUGIN/NAME.html) and the
 * property definitions those pages are generated from.  Order matters: the
 * first match wins. */
static const GstRtpBweEncoderInfo encoders[] = {
  /* gst-inspect (ugly): "Bitrate in kbit/sec", changeable in PLAYING */
  {"x264enc", NULL, "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (bad): "Bitrate in kbit/sec", changeable in PLAYING */
  {"x265enc", NULL, "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (good): "Target bitrate (in bits/sec)"; the flags do not
   * say PLAYING but vpxenc hands a changed configuration to libvpx
   * (vpx_codec_enc_config_set) while it encodes: tests/test_rtpbweadapt.c */
  {"vp8enc", NULL, "target-bitrate", BPS, GST_RTP_BWE_ENCODER_PROPERTY},
  {"vp9enc", NULL, "target-bitrate", BPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (bad): "Target bitrate, in kilobits per second"; av1enc
   * reconfigures libaom (aom_codec_enc_config_set) when it changes */
  {"av1enc", NULL, "target-bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (bad): "Bitrate (in bits per second)", changeable in
   * PLAYING */
  {"openh264enc", NULL, "bitrate", BPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (base): "Compressed video bitrate (kbps)", changeable in
   * PLAYING */
  {"theoraenc", NULL, "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (base): "Specify an encoding bit-rate (in bps).",
   * changeable in PLAYING */
  {"opusenc", NULL, "bitrate", BPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-inspect (gstreamer1.0-libav), e.g. avenc_mpeg4, avenc_h263p,
   * avenc_aac: "set bitrate (in bits/s)"; gst-libav refuses every property
   * change once its codec is open ("Can't change properties once decoder
   * is setup"), so a running avenc_* cannot follow */
  {"avenc_", "", "bitrate", BPS, GST_RTP_BWE_ENCODER_FIXED_ONCE_OPEN},
  /* gstreamer1.0-vaapi, documentation vaapi/vaapih264enc.html: "The
   * desired bitrate expressed in kbps (0: auto-calculate)"; 1.22's
   * gst_vaapi_encoder_set_bitrate reconfigures a running encoder */
  {"vaapi", "enc", "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* plugins-bad va (vah264enc, vah265enc, vavp9enc, vaav1enc, ...),
   * documentation va/vah264enc.html: "The desired bitrate expressed in kbps
   * (0: auto-calculate)", GST_PARAM_MUTABLE_PLAYING */
  {"va", "enc", "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* NVIDIA Jetson's nvv4l2h264enc/nvv4l2h265enc: "Set bitrate for v4l2
   * encode", in bit/s (default 4000000), passed to the open device as
   * V4L2_CID_MPEG_VIDEO_BITRATE */
  {"nvv4l2", "enc", "bitrate", BPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* plugins-good video4linux2 (v4l2h264enc, v4l2vp8enc, ...),
   * documentation video4linux2/v4l2h264enc.html: no bitrate property; the
   * V4L2 control "Video Bitrate" (V4L2_CID_MPEG_VIDEO_BITRATE, bit/s) is
   * field video_bitrate of extra-controls, applied at once to an open
   * device */
  {"v4l2", "enc", "extra-controls", BPS, GST_RTP_BWE_ENCODER_V4L2_CONTROL},
  /* plugins-bad nvcodec (nvh264enc, nvh265enc, nvcudah264enc, ...),
   * documentation nvcodec/nvh264enc.html: "Bitrate in kbit/sec (0 = from
   * NVENC preset)", GST_PARAM_MUTABLE_PLAYING */
  {"nv", "enc", "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* plugins-bad qsv (qsvh264enc, ...), documentation qsv/qsvh264enc.html:
   * "Target bitrate in kbit/sec" */
  {"qsv", "enc", "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* plugins-bad msdk (msdkh264enc, ...), documentation msdk/msdkh264enc.html:
   * "Bitrate in kbit/sec", GST_PARAM_MUTABLE_PLAYING */
  {"msdk", "enc", "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* gst-omx (omxh264enc, ...), documentation omx/omxh264enc.html:
   * "target-bitrate" in bit/s, handed to a running component as
   * OMX_IndexConfigVideoBitrate */
  {"omx", "enc", "target-bitrate", BPS, GST_RTP_BWE_ENCODER_PROPERTY},
  /* plugins-bad mediafoundation (mfh264enc, ...), documentation
   * mediafoundation/mfh264enc.html: "Bitrate in kbit/sec" */
  {"mf", "enc", "bitrate", KBPS, GST_RTP_BWE_ENCODER_PROPERTY},
};

static gboolean
name_matches (const GstRtpBweEncoderInfo * e, const gchar * name)
{
  if (e->suffix == NULL)
    return strcmp (name, e->prefix) == 0;
  return g_str_has_prefix (name, e->prefix) && g_str_has_suffix (name,
      e->suffix) && strlen (name) > strlen (e->prefix) + strlen (e->suffix);
}

static gboolean
is_number_type (GType t)
{
  return t == G_TYPE_INT || t == G_TYPE_UINT || t == G_TYPE_INT64
      || t == G_TYPE_UINT64 || t == G_TYPE_LONG || t == G_TYPE_ULONG;
}

static GParamSpec *
find_pspec (GstElement * element, const GstRtpBweEncoderInfo * info)
{
  GParamSpec *p = g_object_class_find_property (G_OBJECT_GET_CLASS (element),
      info->property);
  GType t;

  if (p == NULL || !(p->flags & G_PARAM_WRITABLE)
      || !(p->flags & G_PARAM_READABLE))
    return NULL;
  t = G_PARAM_SPEC_VALUE_TYPE (p);
  if (info->kind == GST_RTP_BWE_ENCODER_V4L2_CONTROL)
    return t == GST_TYPE_STRUCTURE ? p : NULL;
  return is_number_type (t) ? p : NULL;
}

const GstRtpBweEncoderInfo *
gst_rtp_bwe_encoder_lookup (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *name;
  gsize i;

  if (factory == NULL)
    return NULL;
  name = gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory));
  for (i = 0; i < G_N_ELEMENTS (encoders); i++) {
    if (name_matches (&encoders[i], name))
      return find_pspec (element, &encoders[i]) ? &encoders[i] : NULL;
  }
  return NULL;
}

gboolean
gst_rtp_bwe_encoder_is_encoder (GstElement * element)
{
  const gchar *klass = gst_element_class_get_metadata (GST_ELEMENT_GET_CLASS
      (element), GST_ELEMENT_METADATA_KLASS);

  return klass != NULL && strstr (klass, "Encoder") != NULL;
}

/* The only sink pad of an element, or NULL when it has none or several. */
static GstPad *
single_sink_pad (GstElement * element)
{
  GstPad *pad = NULL;
  guint n = 0;
  GList *l;

  GST_OBJECT_LOCK (element);
  for (l = element->sinkpads; l != NULL; l = l->next) {
    n++;
    pad = l->data;
  }
  if (n == 1)
    gst_object_ref (pad);
  else
    pad = NULL;
  GST_OBJECT_UNLOCK (element);
  return pad;
}

/* From a source pad upstream to the source pad that really produces: into
 * bins through their ghost pads, and out of a bin we sit in through the
 * ghost pad whose internal pad feeds us.  Takes pad, returns a reference. */
static GstPad *
producing_pad (GstPad * pad)
{
  gint steps;

  for (steps = 0; pad != NULL && steps < MAX_UPSTREAM_STEPS; steps++) {
    GstObject *parent;

    if (GST_IS_GHOST_PAD (pad)) {
      GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));

      gst_object_unref (pad);
      pad = target;
      continue;
    }
    parent = gst_object_get_parent (GST_OBJECT (pad));
    if (parent != NULL && GST_IS_GHOST_PAD (parent)) {
      GstPad *peer = gst_pad_get_peer (GST_PAD (parent));

      gst_object_unref (parent);
      gst_object_unref (pad);
      pad = peer;
      continue;
    }
    if (parent != NULL)
      gst_object_unref (parent);
    return pad;
  }
  if (pad != NULL)
    gst_object_unref (pad);
  return NULL;
}

GstElement *
gst_rtp_bwe_encoder_find_upstream (GstPad * sinkpad,
    const GstRtpBweEncoderInfo ** info)
{
  GstPad *pad = gst_pad_get_peer (sinkpad);
  gint steps;

  *info = NULL;
  for (steps = 0; pad != NULL && steps < MAX_UPSTREAM_STEPS; steps++) {
    GstElement *element;
    GstPad *sink;

    pad = producing_pad (pad);
    if (pad == NULL)
      break;
    element = gst_pad_get_parent_element (pad);
    gst_object_unref (pad);
    pad = NULL;
    if (element == NULL)
      break;
    *info = gst_rtp_bwe_encoder_lookup (element);
    if (*info != NULL || gst_rtp_bwe_encoder_is_encoder (element))
      return element;
    sink = single_sink_pad (element);
    gst_object_unref (element);
    if (sink == NULL)
      break;
    pad = gst_pad_get_peer (sink);
    gst_object_unref (sink);
  }
  if (pad != NULL)
    gst_object_unref (pad);
  return NULL;
}

static void
pspec_range (GParamSpec * p, guint64 * min, guint64 * max)
{
  GType t = G_PARAM_SPEC_VALUE_TYPE (p);

  *min = 0;
  *max = G_MAXUINT64;
  if (t == G_TYPE_INT) {
    *min = MAX (G_PARAM_SPEC_INT (p)->minimum, 0);
    *max = MAX (G_PARAM_SPEC_INT (p)->maximum, 0);
  } else if (t == G_TYPE_UINT) {
    *min = G_PARAM_SPEC_UINT (p)->minimum;
    *max = G_PARAM_SPEC_UINT (p)->maximum;
  } else if (t == G_TYPE_INT64) {
    *min = MAX (G_PARAM_SPEC_INT64 (p)->minimum, 0);
    *max = MAX (G_PARAM_SPEC_INT64 (p)->maximum, 0);
  } else if (t == G_TYPE_UINT64) {
    *min = G_PARAM_SPEC_UINT64 (p)->minimum;
    *max = G_PARAM_SPEC_UINT64 (p)->maximum;
  } else if (t == G_TYPE_LONG) {
    *min = MAX (G_PARAM_SPEC_LONG (p)->minimum, 0);
    *max = MAX (G_PARAM_SPEC_LONG (p)->maximum, 0);
  } else if (t == G_TYPE_ULONG) {
    *min = G_PARAM_SPEC_ULONG (p)->minimum;
    *max = G_PARAM_SPEC_ULONG (p)->maximum;
  }
}

static guint64
value_to_u64 (const GValue * v)
{
  GType t = G_VALUE_TYPE (v);

  if (t == G_TYPE_INT)
    return (guint64) MAX (g_value_get_int (v), 0);
  if (t == G_TYPE_UINT)
    return g_value_get_uint (v);
  if (t == G_TYPE_INT64)
    return (guint64) MAX (g_value_get_int64 (v), 0);
  if (t == G_TYPE_UINT64)
    return g_value_get_uint64 (v);
  if (t == G_TYPE_LONG)
    return (guint64) MAX (g_value_get_long (v), 0);
  if (t == G_TYPE_ULONG)
    return g_value_get_ulong (v);
  return 0;
}

/* n fits the property: the caller clamped it to the pspec's range. */
static void
value_from_u64 (GValue * v, guint64 n)
{
  GType t = G_VALUE_TYPE (v);

  if (t == G_TYPE_INT)
    g_value_set_int (v, (gint) n);
  else if (t == G_TYPE_UINT)
    g_value_set_uint (v, (guint) n);
  else if (t == G_TYPE_INT64)
    g_value_set_int64 (v, (gint64) n);
  else if (t == G_TYPE_UINT64)
    g_value_set_uint64 (v, n);
  else if (t == G_TYPE_LONG)
    g_value_set_long (v, (glong) n);
  else if (t == G_TYPE_ULONG)
    g_value_set_ulong (v, (gulong) n);
}

guint64
gst_rtp_bwe_encoder_get_bps (GstElement * encoder,
    const GstRtpBweEncoderInfo * info)
{
  GParamSpec *p = find_pspec (encoder, info);
  GValue v = G_VALUE_INIT;
  guint64 n = 0;

  if (p == NULL)
    return 0;
  g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (p));
  g_object_get_property (G_OBJECT (encoder), info->property, &v);
  if (info->kind == GST_RTP_BWE_ENCODER_V4L2_CONTROL) {
    const GstStructure *s = gst_value_get_structure (&v);
    gint bps;

    if (s != NULL && gst_structure_get_int (s, V4L2_BITRATE_CONTROL, &bps))
      n = (guint64) MAX (bps, 0);
  } else {
    n = value_to_u64 (&v);
  }
  g_value_unset (&v);
  return n * info->bps_per_unit;
}

void
gst_rtp_bwe_encoder_range_bps (GstElement * encoder,
    const GstRtpBweEncoderInfo * info, guint64 * min_bps, guint64 * max_bps)
{
  GParamSpec *p = find_pspec (encoder, info);
  guint64 min = 0, max = G_MAXINT;

  if (p != NULL && info->kind != GST_RTP_BWE_ENCODER_V4L2_CONTROL)
    pspec_range (p, &min, &max);
  *min_bps = min * info->bps_per_unit;
  *max_bps = max > G_MAXUINT64 / info->bps_per_unit ? G_MAXUINT64 :
      max * info->bps_per_unit;
}

static guint64
to_unit (const GstRtpBweEncoderInfo * info, GParamSpec * p, guint64 bps)
{
  guint64 min = 1, max = G_MAXINT;
  guint64 n = bps / info->bps_per_unit;

  if (info->kind != GST_RTP_BWE_ENCODER_V4L2_CONTROL)
    pspec_range (p, &min, &max);
  /* 0 means "automatic" to several encoders: never ask for it */
  min = MAX (min, 1);
  return CLAMP (n, min, max);
}

guint64
gst_rtp_bwe_encoder_set_bps (GstElement * encoder,
    const GstRtpBweEncoderInfo * info, guint64 bps)
{
  GParamSpec *p = find_pspec (encoder, info);
  GValue v = G_VALUE_INIT;
  guint64 n;

  if (p == NULL)
    return 0;
  n = to_unit (info, p, bps);
  if (info->kind == GST_RTP_BWE_ENCODER_V4L2_CONTROL) {
    GstStructure *s = NULL;

    /* the other controls of the structure stay as the user set them */
    g_object_get (encoder, info->property, &s, NULL);
    if (s == NULL)
      s = gst_structure_new_empty ("controls");
    gst_structure_set (s, V4L2_BITRATE_CONTROL, G_TYPE_INT, (gint) n, NULL);
    g_object_set (encoder, info->property, s, NULL);
    gst_structure_free (s);
    return n;
  }
  g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (p));
  value_from_u64 (&v, n);
  g_object_set_property (G_OBJECT (encoder), info->property, &v);
  g_value_unset (&v);
  return n;
}
