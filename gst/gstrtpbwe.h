/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_RTP_BWE_H__
#define __GST_RTP_BWE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstRtpBweEstimator:
 * @GST_RTP_BWE_ESTIMATOR_KALMAN: libwebrtc's OveruseEstimator (Kalman filter)
 * @GST_RTP_BWE_ESTIMATOR_TRENDLINE: libwebrtc's TrendlineEstimator
 *
 * The delay filter of the estimator.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_RTP_BWE_ESTIMATOR_KALMAN = 0,
  GST_RTP_BWE_ESTIMATOR_TRENDLINE = 1,
} GstRtpBweEstimator;

/**
 * GstRtpBweFeedback:
 * @GST_RTP_BWE_FEEDBACK_AUTO: as libwebrtc's receiver: TWCC for packets with
 *   a transport-wide sequence number, REMB from the abs-send-time estimate
 *   for the others
 * @GST_RTP_BWE_FEEDBACK_REMB: REMB only
 * @GST_RTP_BWE_FEEDBACK_TWCC: TWCC only
 * @GST_RTP_BWE_FEEDBACK_BOTH: REMB and TWCC, each from every packet that
 *   carries its extension
 * @GST_RTP_BWE_FEEDBACK_NONE: no RTCP; estimates are still computed and posted
 *
 * Which feedback `rtpbwe` sends.
 *
 * Since: 0.1
 */
typedef enum
{
  GST_RTP_BWE_FEEDBACK_AUTO = 0,
  GST_RTP_BWE_FEEDBACK_REMB = 1,
  GST_RTP_BWE_FEEDBACK_TWCC = 2,
  GST_RTP_BWE_FEEDBACK_BOTH = 3,
  GST_RTP_BWE_FEEDBACK_NONE = 4,
} GstRtpBweFeedback;

/**
 * GstRtpBweMode:
 * @GST_RTP_BWE_MODE_LIBWEBRTC: libwebrtc's RemoteBitrateEstimatorAbsSendTime,
 *   decision for decision (parity)
 * @GST_RTP_BWE_MODE_IMPROVED: the improved estimator (docs/improved-mode.md):
 *   standing queue, delivered rate, packet trains and loss; REMB only
 *
 * How the packets that carry a send time are estimated.
 *
 * Since: 0.2
 */
typedef enum
{
  GST_RTP_BWE_MODE_LIBWEBRTC = 0,
  GST_RTP_BWE_MODE_IMPROVED = 1,
} GstRtpBweMode;

#define GST_TYPE_RTP_BWE_ESTIMATOR (gst_rtp_bwe_estimator_get_type ())
GType gst_rtp_bwe_estimator_get_type (void);
#define GST_TYPE_RTP_BWE_FEEDBACK (gst_rtp_bwe_feedback_get_type ())
GType gst_rtp_bwe_feedback_get_type (void);
#define GST_TYPE_RTP_BWE_MODE (gst_rtp_bwe_mode_get_type ())
GType gst_rtp_bwe_mode_get_type (void);

#define GST_TYPE_RTP_BWE (gst_rtp_bwe_get_type ())
G_DECLARE_FINAL_TYPE (GstRtpBwe, gst_rtp_bwe, GST, RTP_BWE, GstElement);

GST_ELEMENT_REGISTER_DECLARE (rtpbwe);

G_END_DECLS

#endif
