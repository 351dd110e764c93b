/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_RTP_HDREXT_ABS_SEND_TIME_H__
#define __GST_RTP_HDREXT_ABS_SEND_TIME_H__

#include <gst/gst.h>
#include <gst/rtp/gstrtphdrext.h>

G_BEGIN_DECLS

#define GST_RTP_HDREXT_ABS_SEND_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
/* Caps of the GstReferenceTimestampMeta that reading attaches. */
#define GST_RTP_HDREXT_ABS_SEND_TIME_META_CAPS "timestamp/x-abs-send-time"

#define GST_TYPE_RTP_HEADER_EXTENSION_ABS_SEND_TIME \
    (gst_rtp_header_extension_abs_send_time_get_type ())
G_DECLARE_FINAL_TYPE (GstRTPHeaderExtensionAbsSendTime,
    gst_rtp_header_extension_abs_send_time, GST,
    RTP_HEADER_EXTENSION_ABS_SEND_TIME, GstRTPHeaderExtension);

GST_ELEMENT_REGISTER_DECLARE (rtphdrextabssendtime);

G_END_DECLS

#endif
