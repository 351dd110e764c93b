/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_RTP_BWE_ADAPT_H__
#define __GST_RTP_BWE_ADAPT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_RTP_BWE_ADAPT (gst_rtp_bwe_adapt_get_type ())
G_DECLARE_FINAL_TYPE (GstRtpBweAdapt, gst_rtp_bwe_adapt, GST, RTP_BWE_ADAPT,
    GstElement);

GST_ELEMENT_REGISTER_DECLARE (rtpbweadapt);

G_END_DECLS

#endif
