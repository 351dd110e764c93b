/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Soak: 24 hours of simulated time (packet and buffer timestamps, no wall clock)
 * through the estimator core and through the rtpbwe element.  A sender adapts to
 * the estimate through a drop-tail bottleneck whose capacity changes every 10
 * minutes; 8 streams at a time, one replaced every 86.4 s (1,000 SSRCs a day,
 * half removed, half left to time out); abs-send-time wraps every 64 s, the
 * transport-wide sequence number every 65,536 packets, and the clock starts 12
 * hours before the TWCC reference time (24 bits of 64 ms) wraps.
 *
 * Checked: every estimate within [min, max], (core) an estimate at least every
 * 1.2 s after the first hour, every buffer forwarded unchanged, every feedback
 * packet well-formed, the TWCC reference time wrapped, and memory flat from
 * 1 h to 24 h (the core's peak RSS, the element's heap in use).  The numbers
 * are printed.  RTPBWE_SOAK_HOURS sets another length. */
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "remb.h"
#include "libc_allocator.h"
#include "remote_estimator.h"
#include "twcc_recorder.h"

#define ABS_SEND_TIME_URI \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define TRANSPORT_CC_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define HOUR_US G_GINT64_CONSTANT (3600000000)
#define STREAMS 8
/* 1,000 SSRCs in 24 h */
#define SSRC_PERIOD_US G_GINT64_CONSTANT (86400000)
#define CAPACITY_PERIOD_US (600 * G_GINT64_CONSTANT (1000000))
#define PACKET_BYTES 1200
#define RTP_OVERHEAD 20         /* 12-byte header + 8-byte extension block */
#define PROPAGATION_US 20000
#define MAX_QUEUE_US 300000
#define MIN_SEND_BPS 150000
/* The estimator signals at least every feedback interval (at most 1 s,
 * gcc-reference.md 1.6) while packets flow, at least one every 64 ms here. */
#define MAX_UPDATE_GAP_US 1200000
/* Memory growth tolerated between 1 h and 24 h.  The core allocates nothing:
 * its peak RSS must not move beyond a page or two.  The element's heap in use
 * (G_SLICE=always-malloc, so that GLib's slice caches do not hide it) moves with
 * the buffers in flight, more when a loaded machine starves the RTCP pool; 1 MB
 * still catches a leak of one byte per packet (1.3 million packets).  Its peak
 * RSS also grows with malloc's fragmentation (printed, not checked). */
#define MAX_RSS_GROWTH_KB 64
/* ASan keeps freed memory in quarantine and has its own heap: the memory
 * numbers mean nothing there (printed, not checked). */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif
#define MAX_HEAP_GROWTH_KB 1024
/* The core's state grows with use: 9 streams at a few Mbit/s (rate ring,
 * stream table, probes at start, the TWCC map of half a second of packets
 * and its feedback builder) stay far below the tables' limits (about 400
 * KB). */
#define MAX_CORE_HEAP_BYTES (64 * 1024)
/* Per packet, a plain test: Check's assertions record their location even when
 * they pass, which costs more than the packet itself. */
#define SOAK_CHECK(cond) \
    do { if (G_UNLIKELY (!(cond))) ck_abort_msg ("failed: %s", #cond); } while (0)
#define MIN_BPS 5000
#define MAX_BPS 30000000
/* Element soak: 3 streams of 8 send transport-wide sequence numbers. */
#define TWCC_STREAMS 3

static const guint32 capacities_bps[] = {
  2500000, 600000, 1200000, 300000, 4000000, 800000
};

/* The network and the sender, shared by both soaks. */
typedef struct
{
  gint64 start_us;
  gint64 send_us;               /* sender clock (abs-send-time's) */
  gint64 last_departure_us;
  guint32 send_bps;
  guint32 max_send_bps;
  guint32 ssrcs[STREAMS];
  guint next_ssrc;
  gint64 next_ssrc_change_us;
  guint slot;
  guint16 seq[STREAMS];
  guint16 tseq;
  guint64 sent, dropped;
  /* what the last call to next_packet() produced */
  gint64 arrival_us;
  guint32 abs24;
  guint32 ssrc;
  guint stream;
  gboolean removed;             /* a stream was removed before this packet */
  guint32 removed_ssrc;
} Sim;

static void
sim_init (Sim * s, guint32 max_send_bps)
{
  guint i;

  memset (s, 0, sizeof (*s));
  /* 12 h before the TWCC reference time wraps */
  s->start_us = (G_GINT64_CONSTANT (64000) << 24) - 12 * HOUR_US;
  s->send_us = s->start_us;
  s->send_bps = 300000;
  s->max_send_bps = max_send_bps;
  for (i = 0; i < STREAMS; i++)
    s->ssrcs[i] = 0x50000000u + s->next_ssrc++;
  s->next_ssrc_change_us = s->start_us + SSRC_PERIOD_US;
}

static guint32
capacity_at (const Sim * s, gint64 t_us)
{
  return capacities_bps[((t_us - s->start_us) / CAPACITY_PERIOD_US) %
      G_N_ELEMENTS (capacities_bps)];
}

/* Sends packets until one gets through the bottleneck; fills arrival, abs24,
 * ssrc, stream. */
static void
next_packet (Sim * s)
{
  s->removed = FALSE;
  for (;;) {
    gint64 start, departure;

    s->send_us += (gint64) PACKET_BYTES *8 * 1000000 / s->send_bps;
    if (s->send_us >= s->next_ssrc_change_us) {
      guint k = s->next_ssrc;
      guint slot = k % STREAMS;

      /* even ones are removed, odd ones just stop and time out */
      if (k % 2 == 0) {
        s->removed = TRUE;
        s->removed_ssrc = s->ssrcs[slot];
      }
      s->ssrcs[slot] = 0x50000000u + k;
      s->next_ssrc++;
      s->next_ssrc_change_us += SSRC_PERIOD_US;
    }
    s->stream = s->slot++ % STREAMS;
    s->ssrc = s->ssrcs[s->stream];
    s->seq[s->stream]++;
    s->tseq++;
    s->sent++;
    start = MAX (s->send_us, s->last_departure_us);
    if (start - s->send_us > MAX_QUEUE_US) {
      s->dropped++;
      continue;
    }
    departure = start + (gint64) PACKET_BYTES *8 * 1000000 /
        capacity_at (s, start);
    s->last_departure_us = departure;
    s->arrival_us = departure + PROPAGATION_US;
    s->abs24 = (guint32) (((s->send_us << 18) / 1000000) & 0xFFFFFF);
    return;
  }
}

static void
sim_adapt (Sim * s, guint32 estimate_bps)
{
  if (estimate_bps > 0)
    s->send_bps = CLAMP (estimate_bps, MIN_SEND_BPS, s->max_send_bps);
}

static glong
peak_rss_kb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* Bytes the process has allocated and not freed (glibc's heap in use). */
static glong
heap_in_use_kb (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return (glong) ((mi.uordblks + mi.hblkhd) / 1024);
}

static gdouble
soak_hours (void)
{
  const gchar *env = g_getenv ("RTPBWE_SOAK_HOURS");
  gdouble h = env ? g_ascii_strtod (env, NULL) : 24.0;

  return h >= 1.0 ? h : 1.0;
}

/* Feedback checks: a TWCC packet parses; its reference time is returned. */
static guint32
check_twcc (const guint8 * buf, gsize len)
{
  BweTwccInfo info;

  SOAK_CHECK (bwe_twcc_parse (buf, len, &info, NULL, 0) > 0);
  return info.ref_time;
}

typedef struct
{
  gint next_log_hour;
  guint64 packets, updates, feedback;
  gint64 last_update_us, max_gap_us;
  guint32 min_ref, max_ref;
  gboolean ref_wrapped;
  guint32 last_ref;
  gboolean have_ref;
  glong rss_1h, rss_end;
  glong heap_1h, heap_end;
} Counts;

/* Peak RSS at 1, 2, 4, 8 and 16 h, to see a trend. */
static void
log_rss (const gchar * what, Counts * c, const Sim * s)
{
  if (c->next_log_hour == 0)
    c->next_log_hour = 1;
  if (s->arrival_us - s->start_us >= c->next_log_hour * HOUR_US) {
    g_print ("soak %s: peak RSS %ld kB, heap in use %ld kB after %d h\n",
        what, peak_rss_kb (), heap_in_use_kb (), c->next_log_hour);
    c->next_log_hour *= 2;
  }
}

static void
note_ref (Counts * c, guint32 ref)
{
  /* the 24-bit reference time going from near the top to near 0 */
  if (c->have_ref && c->last_ref > 0xFF0000 && ref < 0x010000)
    c->ref_wrapped = TRUE;
  c->last_ref = ref;
  c->have_ref = TRUE;
}

static void
note_update (Counts * c, gint64 now_us, guint32 bps)
{
  SOAK_CHECK (bps >= MIN_BPS && bps <= MAX_BPS);
  if (c->last_update_us != 0 && now_us - c->last_update_us > c->max_gap_us)
    c->max_gap_us = now_us - c->last_update_us;
  c->last_update_us = now_us;
  c->updates++;
}

static void
report (const gchar * what, Counts * c, Sim * s, gdouble hours)
{
  g_print ("soak %s: %.0f h simulated, %" G_GUINT64_FORMAT " packets (%"
      G_GUINT64_FORMAT " dropped at the bottleneck), %" G_GUINT64_FORMAT
      " estimates (longest gap %.2f s), %" G_GUINT64_FORMAT
      " feedback packets, %u SSRCs, TWCC reference time wrapped: %s, "
      "peak RSS %ld kB after 1 h, %ld kB after %.0f h, heap in use %ld kB "
      "after 1 h, %ld kB after %.0f h\n", what, hours, c->packets, s->dropped,
      c->updates, c->max_gap_us / 1e6, c->feedback, s->next_ssrc,
      c->ref_wrapped ? "yes" : "no", c->rss_1h, c->rss_end, hours, c->heap_1h,
      c->heap_end, hours);
}

GST_START_TEST (test_soak_core)
{
  static BweRemoteEstimator e;
  static BweTwccRecorder twcc;
  static BweLibcAllocator alloc;
  static guint8 buf[BWE_TWCC_MAX_PACKET_BYTES];
  BweRemoteEstimatorConfig config;
  gdouble hours = soak_hours ();
  gint64 end_us;
  Sim s;
  Counts c = { 0 };
  gboolean checked_1h = FALSE;

  sim_init (&s, 3000000);
  end_us = s.start_us + (gint64) (hours * HOUR_US);
  bwe_remote_estimator_config_init (&config);
  bwe_libc_allocator_init (&alloc);
  bwe_remote_estimator_init (&e, &config, &alloc.allocator);
  bwe_twcc_recorder_init (&twcc, 0x5EED, &alloc.allocator);

  do {
    BweEstimatorUpdate upd;
    gsize len;

    next_packet (&s);
    if (s.removed)
      bwe_remote_estimator_remove_stream (&e, s.removed_ssrc);
    /* Process() runs after every packet that arrived at or before its time */
    while (bwe_twcc_recorder_next_process_us (&twcc) < s.arrival_us) {
      gint64 due = bwe_twcc_recorder_next_process_us (&twcc);

      while ((len = bwe_twcc_recorder_process (&twcc, due, buf,
                  sizeof (buf))) > 0) {
        note_ref (&c, check_twcc (buf, len));
        c.feedback++;
      }
    }
    bwe_twcc_recorder_on_packet (&twcc, s.arrival_us, s.tseq,
        PACKET_BYTES - RTP_OVERHEAD, s.ssrc);
    bwe_remote_estimator_incoming_packet (&e, s.arrival_us, s.arrival_us,
        s.abs24, PACKET_BYTES - RTP_OVERHEAD, s.ssrc, &upd);
    c.packets++;
    if (upd.updated) {
      note_update (&c, s.arrival_us, upd.bitrate_bps);
      bwe_twcc_recorder_on_bitrate (&twcc, upd.bitrate_bps);
      sim_adapt (&s, upd.bitrate_bps);
    }
    /* the streams sending, and one left silent until its 2 s timeout */
    SOAK_CHECK (bwe_remote_estimator_ssrcs (&e, NULL, 0) <= STREAMS + 1);
    log_rss ("core", &c, &s);
    if (!checked_1h && s.arrival_us - s.start_us >= HOUR_US) {
      c.rss_1h = peak_rss_kb ();
      c.heap_1h = heap_in_use_kb ();
      /* from here on an estimate at least every MAX_UPDATE_GAP_US */
      c.max_gap_us = 0;
      checked_1h = TRUE;
    }
  } while (s.arrival_us < end_us);
  c.rss_end = peak_rss_kb ();
  c.heap_end = heap_in_use_kb ();

  report ("core", &c, &s, hours);
  g_print ("core: estimator and recorder state from the allocator: %zu B at "
      "the end, %zu B at most\n", alloc.in_use, alloc.peak);
  /* what the streams need, not the tables' limits */
  fail_unless (alloc.peak <= MAX_CORE_HEAP_BYTES, "core state peaked at %zu B",
      alloc.peak);
  fail_unless (bwe_remote_estimator_heap_bytes (&e) +
      bwe_twcc_recorder_heap_bytes (&twcc) == alloc.in_use);
  bwe_remote_estimator_release (&e);
  bwe_twcc_recorder_release (&twcc);
  fail_unless (alloc.in_use == 0);
  fail_unless (c.max_gap_us <= MAX_UPDATE_GAP_US);
  fail_unless (hours < 12.5 || c.ref_wrapped);
  fail_unless (c.feedback > 0);
  fail_unless (hours < 23 || s.next_ssrc >= 1000);
  if (!UNDER_ASAN)
    fail_unless (c.rss_end - c.rss_1h <= MAX_RSS_GROWTH_KB,
        "peak RSS grew from %ld kB to %ld kB", c.rss_1h, c.rss_end);
}

GST_END_TEST;

/* Byte by byte: GStreamer's GST_WRITE_* macros store misaligned words at odd
 * offsets (undefined behaviour, which UBSan stops on). */
static void
put_be (guint8 * p, guint64 v, gsize bytes)
{
  while (bytes-- > 0) {
    p[bytes] = v & 0xFF;
    v >>= 8;
  }
}

/* An RTP packet with abs-send-time (id 3) and, when tseq >= 0, the
 * transport-wide sequence number (id 5) in a one-byte extension block. */
static gsize
build_packet (guint8 * p, guint16 seq, guint32 ssrc, guint32 abs24, gint tseq)
{
  p[0] = 0x90;
  p[1] = 96;
  put_be (p + 2, seq, 2);
  put_be (p + 4, seq * 3000u, 4);
  put_be (p + 8, ssrc, 4);
  put_be (p + 12, 0xBEDE, 2);
  put_be (p + 14, 2, 2);
  memset (p + 16, 0, 8);
  p[16] = (3 << 4) | 2;
  put_be (p + 17, abs24, 3);
  if (tseq >= 0) {
    p[20] = (5 << 4) | 1;
    put_be (p + 21, tseq, 2);
  }
  memset (p + 24, 0x5A, PACKET_BYTES - 24);
  return PACKET_BYTES;
}

static void
drain_rtcp (GstHarness * rtcp, Counts * c)
{
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (rtcp)) != NULL) {
    GstMapInfo map;
    BweRemb remb;

    SOAK_CHECK (gst_buffer_map (buf, &map, GST_MAP_READ));
    if (bwe_remb_parse (map.data, map.size, &remb) != 0)
      note_ref (c, check_twcc (map.data, map.size));
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    c->feedback++;
  }
}

GST_START_TEST (test_soak_element)
{
  gdouble hours = soak_hours ();
  GstHarness *h, *rtcp;
  GstBuffer *out;
  gint64 end_us;
  Sim s;
  Counts c = { 0 };
  gboolean checked_1h = FALSE;
  guint32 last_bps = 0;
  guint8 *data = g_malloc (PACKET_BYTES);
  GstStructure *stats;
  guint64 estimated = 0, twcc_packets = 0;

  h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  rtcp = gst_harness_new_with_element (h->element, NULL, "rtcp_src");
  gst_harness_set_src_caps_str (h, "application/x-rtp, media=video, "
      "clock-rate=90000, extmap-3=(string)" ABS_SEND_TIME_URI
      ", extmap-5=(string)" TRANSPORT_CC_URI);
  /* fewer packets than the core soak: the element costs more per packet */
  sim_init (&s, 1000000);
  end_us = s.start_us + (gint64) (hours * HOUR_US);

  do {
    GstBuffer *in;
    gsize n;
    guint bps;

    next_packet (&s);
    n = build_packet (data, s.seq[s.stream], s.ssrc, s.abs24,
        s.stream < TWCC_STREAMS ? s.tseq : -1);
    in = gst_buffer_new_memdup (data, n);
    GST_BUFFER_DTS (in) = s.arrival_us * GST_USECOND;
    SOAK_CHECK (gst_harness_push (h, in) == GST_FLOW_OK);
    out = gst_harness_try_pull (h);
    SOAK_CHECK (out != NULL);
    SOAK_CHECK (GST_BUFFER_DTS (out) == (GstClockTime) s.arrival_us * GST_USECOND);
    SOAK_CHECK (gst_buffer_memcmp (out, 0, data, n) == 0);
    gst_buffer_unref (out);
    c.packets++;

    g_object_get (h->element, "estimated-bitrate", &bps, NULL);
    if (bps != last_bps) {
      note_update (&c, s.arrival_us, bps);
      sim_adapt (&s, bps);
      last_bps = bps;
    }
    if (c.packets % 64 == 0)
      drain_rtcp (rtcp, &c);
    log_rss ("element", &c, &s);
    if (!checked_1h && s.arrival_us - s.start_us >= HOUR_US) {
      c.rss_1h = peak_rss_kb ();
      c.heap_1h = heap_in_use_kb ();
      checked_1h = TRUE;
    }
  } while (s.arrival_us < end_us);
  gst_harness_push_event (h, gst_event_new_eos ());
  drain_rtcp (rtcp, &c);
  c.rss_end = peak_rss_kb ();
  c.heap_end = heap_in_use_kb ();

  g_object_get (h->element, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "packets-estimated", &estimated);
  gst_structure_get_uint64 (stats, "packets-twcc", &twcc_packets);
  gst_structure_free (stats);
  g_free (data);
  /* torn down before the checks: a failed check must not leave the element's
   * RTCP pushing, which would hang the exit */
  gst_harness_teardown (rtcp);
  gst_harness_teardown (h);

  report ("element", &c, &s, hours);
  g_print ("soak element: %" G_GUINT64_FORMAT " packets estimated, %"
      G_GUINT64_FORMAT " to TWCC\n", estimated, twcc_packets);
  fail_unless_equals_uint64 (estimated + twcc_packets, c.packets);
  fail_unless (twcc_packets > 0 && estimated > 0);
  fail_unless (hours < 12.5 || c.ref_wrapped);
  fail_unless (hours < 23 || s.next_ssrc >= 1000);
  if (!UNDER_ASAN)
    fail_unless (c.heap_end - c.heap_1h <= MAX_HEAP_GROWTH_KB,
        "heap in use grew from %ld kB to %ld kB", c.heap_1h, c.heap_end);
}

GST_END_TEST;

static Suite *
soak_suite (void)
{
  Suite *s = suite_create ("soak");
  TCase *tc = tcase_create ("general");

  /* minutes of CPU under the sanitizers */
  tcase_set_timeout (tc, 900);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_soak_core);
  tcase_add_test (tc, test_soak_element);
  return s;
}

GST_CHECK_MAIN (soak);
