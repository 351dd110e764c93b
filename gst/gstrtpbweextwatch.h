/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Watches for packets that carry no header extension rtpbwe knows, so that
 * the element can tell the user once (not per packet) that it estimates
 * nothing and why. */
#ifndef __GST_RTP_BWE_EXT_WATCH_H__
#define __GST_RTP_BWE_EXT_WATCH_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* A warning after this many consecutive packets without a known extension,
 * or after this long (arrival time) since the first of them... */
#define GST_RTP_BWE_EXT_WATCH_PACKETS 100
#define GST_RTP_BWE_EXT_WATCH_SPAN (2 * GST_SECOND)
/* ...and then at most once in this long while it lasts. */
#define GST_RTP_BWE_EXT_WATCH_REPEAT (60 * GST_SECOND)

typedef struct
{
  guint64 run_packets;          /* consecutive packets without one */
  gint64 run_start;             /* arrival of the first of them, ns */
  gint64 last_warning;          /* arrival of the last warning, ns */
  gboolean warned;
} GstRtpBweExtWatch;

void gst_rtp_bwe_ext_watch_init (GstRtpBweExtWatch * w);

/* The arrival time restarts from 0 (a flush): the next warning still waits
 * a minute after the last one, counted across the flush. */
void gst_rtp_bwe_ext_watch_rebase (GstRtpBweExtWatch * w, gint64 last_arrival);

/* A packet carried an extension the element knows: the run ends. */
void gst_rtp_bwe_ext_watch_known (GstRtpBweExtWatch * w);

/* A packet without one at arrival (running time, ns).  TRUE: warn now. */
gboolean gst_rtp_bwe_ext_watch_unknown (GstRtpBweExtWatch * w, gint64 arrival);

/* What the RTP packet carries, for the warning: "header extension ids 2, 4
 * (one-byte form)", "no header extension", ... (g_free the result). */
gchar *gst_rtp_bwe_describe_extensions (const guint8 * data, gsize size);

G_END_DECLS

#endif
