/* bench-element: the rtpbwe element's cost per buffer against identity in the
 * same chain (our source pad -> element -> fakesink, pushed from this thread),
 * run after run in one process; allocations per buffer; and scale: 1,000
 * rtpbwe elements in one process, one element with many SSRCs.  The same for
 * rtpbweadapt's media path (sink -> src, no RTCP).
 *
 *   bench-element [--buffers N] [--runs N] [--instances N] [--no-header]
 *                 [--callgrind] [--ir NAME=COUNT]... [--check-adapt]
 *
 * --callgrind: one run of each element, the push loop dumped as
 * "element-identity" / "element-rtpbwe" / "element-rtpbweadapt"
 * (bench/run-cost.sh hands the counts back with --ir).
 * --check-adapt: exit 1 when rtpbweadapt allocates per media buffer.
 *
 * Buffers are RTP packets of the cost benchmark's trace carrying abs-send-time
 * (one-byte extension, id 3), DTS = arrival time; built once, pushed by
 * reference, so both elements see identical input and no allocation of ours. */
#include <gst/gst.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_count.h"
#include "timing.h"
#include "trace_gen.h"

#ifdef BENCH_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(name) do { (void) (name); } while (0)
#endif

#define DEFAULT_BUFFERS 50000
#define DEFAULT_RUNS 7
#define DEFAULT_INSTANCES 1000
#define SCALE_BUFFERS_PER_INSTANCE 300
#define MANY_SSRCS 256
#define ABS_SEND_TIME_ID 3
#define ABS_SEND_TIME_URI "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define RTP_HEADER_BYTES 12
#define EXTENSION_BYTES 8

typedef struct
{
  GstElement *pipeline;
  GstPad *src;
} Chain;

static GstBuffer *
make_rtp (const BenchPacket * p, uint16_t seq, uint32_t ssrc)
{
  gsize size = RTP_HEADER_BYTES + EXTENSION_BYTES + p->payload;
  guint8 *d = g_malloc0 (size);
  guint32 ts = (guint32) (p->arrival_us * 9 / 100);
  GstBuffer *buf;

  d[0] = 0x90;                  /* version 2, extension */
  d[1] = 96;
  d[2] = seq >> 8;
  d[3] = seq & 0xff;
  d[4] = ts >> 24;
  d[5] = ts >> 16;
  d[6] = ts >> 8;
  d[7] = ts;
  d[8] = ssrc >> 24;
  d[9] = ssrc >> 16;
  d[10] = ssrc >> 8;
  d[11] = ssrc;
  d[12] = 0xbe;                 /* one-byte header extensions, one word */
  d[13] = 0xde;
  d[14] = 0;
  d[15] = 1;
  d[16] = (ABS_SEND_TIME_ID << 4) | 2;
  d[17] = p->send_time_24 >> 16;
  d[18] = p->send_time_24 >> 8;
  d[19] = p->send_time_24;
  buf = gst_buffer_new_wrapped (d, size);
  GST_BUFFER_DTS (buf) = (GstClockTime) p->arrival_us * GST_USECOND;
  return buf;
}

/* factory "fakesink": our pad straight into the sink (the bare chain). */
static bool
chain_new (Chain * c, const char *factory)
{
  gboolean bare = strcmp (factory, "fakesink") == 0;
  GstElement *el = bare ? NULL : gst_element_factory_make (factory, NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstCaps *caps;
  GstSegment seg;
  GstPad *sinkpad;

  if ((!bare && !el) || !sink)
    return false;
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample",
      FALSE, NULL);
  c->pipeline = gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (c->pipeline), sink);
  if (el) {
    gst_bin_add (GST_BIN (c->pipeline), el);
    if (!gst_element_link_pads (el, "src", sink, "sink"))
      return false;
  }
  c->src = gst_pad_new ("src", GST_PAD_SRC);
  sinkpad = gst_element_get_static_pad (el ? el : sink, "sink");
  gst_pad_link (c->src, sinkpad);
  gst_object_unref (sinkpad);
  gst_element_set_state (c->pipeline, GST_STATE_PLAYING);
  gst_pad_set_active (c->src, TRUE);
  gst_pad_push_event (c->src, gst_event_new_stream_start ("bench"));
  caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000,
      "encoding-name", G_TYPE_STRING, "VP8", "payload", G_TYPE_INT, 96,
      "extmap-3", G_TYPE_STRING, ABS_SEND_TIME_URI, NULL);
  gst_pad_push_event (c->src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (c->src, gst_event_new_segment (&seg));
  return true;
}

static void
chain_free (Chain * c)
{
  gst_pad_set_active (c->src, FALSE);
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  gst_object_unref (c->src);
  gst_object_unref (c->pipeline);
}

static gboolean callgrind;

/* One run: a fresh chain, every buffer pushed once.  ns per buffer. */
static double
run_once (const char *factory, GstBuffer ** bufs, int n, uint64_t * allocs)
{
  Chain c;
  uint64_t a0;
  double t0, t1;
  int i;

  if (!chain_new (&c, factory)) {
    fprintf (stderr, "bench-element: cannot build a chain with %s\n", factory);
    exit (1);
  }
  if (callgrind)
    CALLGRIND_ZERO_STATS;
  a0 = bench_alloc_count ();
  t0 = bench_now_ns ();
  for (i = 0; i < n; i++)
    gst_pad_push (c.src, gst_buffer_ref (bufs[i]));
  t1 = bench_now_ns ();
  *allocs = bench_alloc_count () - a0;
  if (callgrind) {
    char name[64];
    g_snprintf (name, sizeof (name), "element-%s", factory);
    CALLGRIND_DUMP_STATS_AT (name);
  }
  chain_free (&c);
  return (t1 - t0) / n;
}

static double
max_rss_kb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_maxrss;
}

/* `instances` chains fed round robin, `per` buffers each.  Buffers per
 * second on this one thread; *rss_kb: growth of the peak resident size
 * while the chains were built. */
static double
run_scale (const char *factory, int instances, GstBuffer ** bufs, int per,
    double *rss_kb)
{
  Chain *c = g_new0 (Chain, instances);
  double t0, t1, rss0 = max_rss_kb ();
  int i, k;

  for (k = 0; k < instances; k++)
    if (!chain_new (&c[k], factory))
      exit (1);
  /* Touch every chain once so its state is resident. */
  for (k = 0; k < instances; k++)
    gst_pad_push (c[k].src, gst_buffer_ref (bufs[0]));
  *rss_kb = max_rss_kb () - rss0;
  t0 = bench_now_ns ();
  for (i = 1; i <= per; i++)
    for (k = 0; k < instances; k++)
      gst_pad_push (c[k].src, gst_buffer_ref (bufs[i]));
  t1 = bench_now_ns ();
  for (k = 0; k < instances; k++)
    chain_free (&c[k]);
  g_free (c);
  return (double) per * instances / ((t1 - t0) / 1e9);
}

int
main (int argc, char **argv)
{
  int buffers = DEFAULT_BUFFERS, runs = DEFAULT_RUNS;
  int instances = DEFAULT_INSTANCES, i, r;
  gboolean header = TRUE, have_rtpbwe;
  BenchPacket *tr;
  GstBuffer **bufs, **many;
  double *t_id, *t_bwe, *t_bare, *t_adapt;
  uint64_t a_id = 0, a_bwe = 0, a_adapt = 0;
  double ir_id = -1, ir_bwe = -1, ir_bare = -1, ir_adapt = -1;
  gboolean have_adapt, check_adapt = FALSE;

  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--no-header") == 0)
      header = FALSE;
    else if (strcmp (argv[i], "--callgrind") == 0)
      callgrind = TRUE;
    else if (strcmp (argv[i], "--check-adapt") == 0)
      check_adapt = TRUE;
    else if (i + 1 < argc && strcmp (argv[i], "--ir") == 0) {
      const char *v = argv[++i];
      if (g_str_has_prefix (v, "element-identity="))
        ir_id = g_ascii_strtod (strchr (v, '=') + 1, NULL);
      else if (g_str_has_prefix (v, "element-rtpbwe="))
        ir_bwe = g_ascii_strtod (strchr (v, '=') + 1, NULL);
      else if (g_str_has_prefix (v, "element-rtpbweadapt="))
        ir_adapt = g_ascii_strtod (strchr (v, '=') + 1, NULL);
      else if (g_str_has_prefix (v, "element-fakesink="))
        ir_bare = g_ascii_strtod (strchr (v, '=') + 1, NULL);
    } else if (i + 1 < argc && strcmp (argv[i], "--buffers") == 0)
      buffers = atoi (argv[++i]);
    else if (i + 1 < argc && strcmp (argv[i], "--runs") == 0)
      runs = atoi (argv[++i]);
    else if (i + 1 < argc && strcmp (argv[i], "--instances") == 0)
      instances = atoi (argv[++i]);
    else {
      fprintf (stderr, "usage: bench-element [--buffers N] [--runs N] "
          "[--instances N] [--no-header] [--callgrind] [--ir NAME=COUNT] "
          "[--check-adapt]\n");
      return 2;
    }
  }
  if (buffers <= SCALE_BUFFERS_PER_INSTANCE || runs < 1 || instances < 1)
    return 2;

  gst_init (NULL, NULL);
  {
    GstElementFactory *f = gst_element_factory_find ("rtpbwe");
    have_rtpbwe = f != NULL;
    if (f)
      gst_object_unref (f);
    f = gst_element_factory_find ("rtpbweadapt");
    have_adapt = f != NULL;
    if (f)
      gst_object_unref (f);
  }
  tr = g_new (BenchPacket, buffers);
  bench_trace_generate (tr, (size_t) buffers, 1);
  bufs = g_new (GstBuffer *, buffers);
  for (i = 0; i < buffers; i++)
    bufs[i] = make_rtp (&tr[i], (uint16_t) i, tr[i].ssrc);

  if (callgrind) {
    run_once ("fakesink", bufs, buffers, &a_id);
    run_once ("identity", bufs, buffers, &a_id);
    if (have_rtpbwe)
      run_once ("rtpbwe", bufs, buffers, &a_bwe);
    if (have_adapt)
      run_once ("rtpbweadapt", bufs, buffers, &a_adapt);
    for (i = 0; i < buffers; i++)
      gst_buffer_unref (bufs[i]);
    g_free (bufs);
    g_free (tr);
    return 0;
  }
  if (header)
    printf ("| measurement | value | notes |\n|---|---|---|\n");

  t_id = g_new (double, runs);
  t_bwe = g_new (double, runs);
  t_bare = g_new (double, runs);
  t_adapt = g_new (double, runs);
  /* One untimed pass each first: type registration, first allocations. */
  run_once ("fakesink", bufs, SCALE_BUFFERS_PER_INSTANCE, &a_id);
  run_once ("identity", bufs, SCALE_BUFFERS_PER_INSTANCE, &a_id);
  if (have_rtpbwe)
    run_once ("rtpbwe", bufs, SCALE_BUFFERS_PER_INSTANCE, &a_bwe);
  if (have_adapt)
    run_once ("rtpbweadapt", bufs, SCALE_BUFFERS_PER_INSTANCE, &a_adapt);
  for (r = 0; r < runs; r++) {
    uint64_t a_bare;
    fprintf (stderr, "bench-element: run %d/%d\n", r + 1, runs);
    t_bare[r] = run_once ("fakesink", bufs, buffers, &a_bare);
    t_id[r] = run_once ("identity", bufs, buffers, &a_id);
    if (have_rtpbwe)
      t_bwe[r] = run_once ("rtpbwe", bufs, buffers, &a_bwe);
    if (have_adapt)
      t_adapt[r] = run_once ("rtpbweadapt", bufs, buffers, &a_adapt);
  }
  printf ("| bare chain: ns/buffer | %.0f | pad -> fakesink, no element; "
      "fastest of %d (median %.0f) |\n", bench_fastest (t_bare, runs), runs,
      bench_median (t_bare, runs));
  printf ("| element identity: ns/buffer | %.0f | baseline: pad -> identity "
      "-> fakesink; fastest of %d runs of %d buffers (median %.0f) |\n",
      bench_fastest (t_id, runs), runs, buffers, bench_median (t_id, runs));
  if (have_adapt) {
    double id = bench_fastest (t_id, runs);
    double ad = bench_fastest (t_adapt, runs);

    printf ("| element rtpbweadapt: ns/buffer | %.0f | media path (sink -> "
        "src), same chain, runs alternating with identity; fastest (median "
        "%.0f) |\n", ad, bench_median (t_adapt, runs));
    printf ("| element rtpbweadapt / identity | %.2f | %+.0f ns per buffer |\n",
        ad / id, ad - id);
    if (ir_id > 0 && ir_adapt > 0 && ir_bare > 0)
      printf ("| element rtpbweadapt: instructions/buffer (callgrind) | %.0f "
          "rtpbweadapt, %.0f identity | ratio %.2f; %.0f (rtpbweadapt), %.0f "
          "(identity) above the bare chain |\n", ir_adapt / buffers,
          ir_id / buffers, ir_adapt / ir_id, (ir_adapt - ir_bare) / buffers,
          (ir_id - ir_bare) / buffers);
    if (bench_alloc_counting ())
      printf ("| element rtpbweadapt: heap allocations/buffer | %.4f | %"
          G_GUINT64_FORMAT " in the last run of %d buffers |\n",
          (double) a_adapt / buffers, a_adapt, buffers);
    if (check_adapt && bench_alloc_counting () && a_adapt != 0) {
      fprintf (stderr, "bench-element: rtpbweadapt allocated %" G_GUINT64_FORMAT
          " times for %d media buffers\n", a_adapt, buffers);
      return 1;
    }
  }
  if (!have_rtpbwe) {
    printf ("| element rtpbwe: ns/buffer | not measured | element rtpbwe not "
        "in this tree yet |\n");
  } else {
    double id = bench_fastest (t_id, runs), bwe = bench_fastest (t_bwe, runs);
    printf ("| element rtpbwe: ns/buffer | %.0f | same chain, runs "
        "alternating with identity; fastest (median %.0f) |\n", bwe,
        bench_median (t_bwe, runs));
    printf ("| element rtpbwe / identity | %.2f | %.0f ns more per buffer |\n",
        bwe / id, bwe - id);
    if (ir_id > 0 && ir_bwe > 0 && ir_bare > 0)
      printf ("| element: instructions/buffer (callgrind) | %.0f rtpbwe, %.0f "
          "identity | ratio %.2f; %.0f (rtpbwe), %.0f (identity) above the "
          "bare chain's %.0f |\n", ir_bwe / buffers, ir_id / buffers,
          ir_bwe / ir_id, (ir_bwe - ir_bare) / buffers,
          (ir_id - ir_bare) / buffers, ir_bare / buffers);
    if (bench_alloc_counting ())
      printf ("| element: heap allocations/buffer | %.4f rtpbwe, %.4f "
          "identity | last run each |\n", (double) a_bwe / buffers,
          (double) a_id / buffers);

    {
      double rss_bwe, rss_id, pps_bwe, pps_id;
      fprintf (stderr, "bench-element: scale, %d elements\n", instances);
      pps_bwe = run_scale ("rtpbwe", instances, bufs,
          SCALE_BUFFERS_PER_INSTANCE, &rss_bwe);
      pps_id = run_scale ("identity", instances, bufs,
          SCALE_BUFFERS_PER_INSTANCE, &rss_id);
      printf ("| scale: %d rtpbwe elements, one process | %.0f buffers/s per "
          "core | identity: %.0f; peak RSS grew %.0f kB per rtpbwe chain |\n",
          instances, pps_bwe, pps_id, rss_bwe / instances);
    }

    many = g_new (GstBuffer *, buffers);
    for (i = 0; i < buffers; i++)
      many[i] = make_rtp (&tr[i], (uint16_t) i, 0x3000u + i % MANY_SSRCS);
    for (r = 0; r < runs; r++)
      t_bwe[r] = run_once ("rtpbwe", many, buffers, &a_bwe);
    printf ("| scale: 1 rtpbwe element x %d SSRCs | %.0f buffers/s per core "
        "| fastest of %d runs |\n", MANY_SSRCS, 1e9 / bench_fastest (t_bwe, runs),
        runs);
    for (i = 0; i < buffers; i++)
      gst_buffer_unref (many[i]);
    g_free (many);
  }

  for (i = 0; i < buffers; i++)
    gst_buffer_unref (bufs[i]);
  g_free (bufs);
  g_free (tr);
  g_free (t_id);
  g_free (t_bwe);
  g_free (t_bare);
  g_free (t_adapt);
  return 0;
}
