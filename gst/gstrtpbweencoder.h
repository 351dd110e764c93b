/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The encoders rtpbweadapt knows: which property holds the bitrate, in which
 * unit, how to find the encoder upstream, how to read and set it. */
#ifndef __GST_RTP_BWE_ENCODER_H__
#define __GST_RTP_BWE_ENCODER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* How the bitrate is set. */
typedef enum
{
  /* a numeric property, changed while the encoder runs */
  GST_RTP_BWE_ENCODER_PROPERTY,
  /* the `video_bitrate` field of the `extra-controls` structure (V4L2) */
  GST_RTP_BWE_ENCODER_V4L2_CONTROL,
  /* a numeric property the encoder reads only before it opens its codec:
   * the target cannot reach it while it runs */
  GST_RTP_BWE_ENCODER_FIXED_ONCE_OPEN,
} GstRtpBweEncoderKind;

typedef struct
{
  const gchar *prefix;          /* factory name, or its start when suffix set */
  const gchar *suffix;          /* NULL: prefix is the whole name */
  const gchar *property;
  guint bps_per_unit;           /* 1: bit/s, 1000: kbit/s */
  GstRtpBweEncoderKind kind;
} GstRtpBweEncoderInfo;

/* The table entry for this element, or NULL when its factory is not in the
 * table or it lacks the property the table names. */
const GstRtpBweEncoderInfo *gst_rtp_bwe_encoder_lookup (GstElement * element);

/* Whether the element calls itself an encoder (klass "Encoder"). */
gboolean gst_rtp_bwe_encoder_is_encoder (GstElement * element);

/* Walks upstream from sinkpad through elements with a single sink pad
 * (queues, parsers, capsfilters, tees, payloaders) and bins' ghost pads to
 * the nearest element in the table (*info set) or the nearest other encoder
 * (*info NULL).  Returns it (a reference) or NULL when there is neither. */
GstElement *gst_rtp_bwe_encoder_find_upstream (GstPad * sinkpad,
    const GstRtpBweEncoderInfo ** info);

/* The encoder's bitrate now, in bit/s (0 when it cannot be read). */
guint64 gst_rtp_bwe_encoder_get_bps (GstElement * encoder,
    const GstRtpBweEncoderInfo * info);

/* The bitrates the property can hold, in bit/s. */
void gst_rtp_bwe_encoder_range_bps (GstElement * encoder,
    const GstRtpBweEncoderInfo * info, guint64 * min_bps, guint64 * max_bps);

/* Sets bps (bit/s, rounded down to the property's unit and clamped to its
 * range).  Returns the value set, in the property's unit. */
guint64 gst_rtp_bwe_encoder_set_bps (GstElement * encoder,
    const GstRtpBweEncoderInfo * info, guint64 bps);

G_END_DECLS

#endif
