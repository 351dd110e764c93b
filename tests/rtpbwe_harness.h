/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtpbwe under GstHarness for the running-time and diagnostics tests: the
 * element with its rtcp_src harness and a bus, RTP packets with
 * abs-send-time, the parity traces, and what comes out (estimates, REMBs,
 * messages). */
#ifndef RTPBWE_HARNESS_H
#define RTPBWE_HARNESS_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#define AST_URI "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define CAPS_AST3 "application/x-rtp, extmap-3=(string)" AST_URI

typedef struct
{
  GstHarness *h;
  GstHarness *rtcp;
  GstBus *bus;
} Bwe;

/* One packet of a parity trace. */
typedef struct
{
  gint64 arrival_us;
  guint32 abs24;
  guint32 payload;
  guint32 ssrc;
  guint16 seq;                  /* per SSRC, from 0 in trace order */
} TracePacket;

/* One rtpbwe-estimate message, or one REMB (bitrate, buffer PTS). */
typedef struct
{
  guint64 bitrate;
  guint64 timestamp;
} TimedRate;

void bwe_setup (Bwe * b, const gchar * caps);
void bwe_teardown (Bwe * b);

/* An RTP packet of payload zero bytes with abs-send-time at ext_id (one-byte
 * form), or no header extension at all when ext_id is 0; DTS = dts. */
GstBuffer *ast_packet (guint32 ssrc, guint16 seq, guint32 abs24, gsize payload,
    guint8 ext_id, GstClockTime dts);

/* The packets of tests/data/parity/<seed>.trace.gz. */
GArray *read_trace (const gchar * seed);

/* Pushes packets [from, to) of a trace with DTS = arrival + offset_ns
 * (GST_CLOCK_TIME_NONE when no_dts) and drops what comes out of src. */
void push_trace (Bwe * b, GArray * trace, guint from, guint to,
    gint64 offset_ns, gboolean no_dts);

/* A TIME segment from start (buffer time) whose running time begins at
 * base, pushed on the sink pad. */
void push_segment (Bwe * b, GstClockTime start, GstClockTime base);

/* flush-start, flush-stop (resetting the running time). */
void push_flush (Bwe * b);

/* The rtpbwe-estimate messages waiting on the bus (others are dropped). */
GArray *pop_estimates (Bwe * b);

/* Element messages of that name waiting on the bus, as structures. */
GPtrArray *pop_element_messages (Bwe * b, const gchar * name);

/* Pulls the next n REMBs from rtcp_src (waiting for them). */
GArray *pull_rembs (Bwe * b, guint n);

/* EOS, then every REMB rtcp_src sent before its EOS. */
GArray *drain_rembs (Bwe * b);

guint64 stat_u64 (GstElement * e, const gchar * field);

void assert_same_rates (GArray * got, GArray * want, const gchar * what);

#endif
