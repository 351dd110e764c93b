/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-element: the rtpbwe element's cost per buffer against identity in the
 * same chain (our source pad -> element -> fakesink, pushed from this thread),
 * run after run in one process; allocations per buffer; and scale: thousands
 * of chains in one process as a media server runs them, one element with
 * many SSRCs.  The same for rtpbweadapt's media path (sink -> src, no RTCP).
 *
 *   bench-element [--buffers N] [--runs N] [--chains N[,N...]]
 *                 [--scale-runs N] [--scale-only] [--no-header]
 *                 [--callgrind] [--ir NAME=COUNT]... [--check-adapt]
 *
 * --callgrind: one run of each element, the push loop dumped as
 * "element-identity" / "element-rtpbwe" / "element-rtpbweadapt"
 * (bench/run-cost.sh hands the counts back with --ir).
 * --check-adapt: exit 1 when rtpbweadapt allocates per media buffer.
 *
 * Buffers are RTP packets of the cost benchmark's trace carrying abs-send-time
 * (one-byte extension, id 3), DTS = arrival time; built once, pushed by
 * reference, so both elements see identical input and no allocation of ours.
 *
 * Scale (--chains, 1000 by default): for each count, chains of identity and
 * of rtpbwe, each in a process of its own (this program again, so that peak
 * RSS and threads are theirs alone), alternately, --scale-runs times.  Every
 * chain carries one stream at 100 packets/s (1000-byte payload, abs-send-
 * time, 20 ms one way); all chains get packet k before any gets k + 1.  The
 * first SCALE_WARMUP_S seconds of stream (probing, AIMD's first estimate) are
 * not timed; then SCALE_TIMED_S seconds are, in CPU time of the whole process
 * (the RTCP pool's threads included): buffers per CPU second. */
#include <gst/gst.h>
#include <stdio.h>
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
#define DEFAULT_CHAINS "1000"
#define DEFAULT_SCALE_RUNS 3
#define WARMUP_BUFFERS 300
#define MANY_SSRCS 256
/* The scale stream: 100 packets/s of 1000 bytes, 20 ms one way. */
#define SCALE_PACKET_US 10000
#define SCALE_PAYLOAD 1000
#define SCALE_ONE_WAY_US 20000
#define SCALE_SSRC 0x5CA1E
#define SCALE_WARMUP_S 6
#define SCALE_TIMED_S 4
#define MAX_CHAIN_COUNTS 8
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

/* A dropped message is the handler's to unref. */
static GstBusSyncReply
drop_message (GstBus * bus, GstMessage * message, gpointer user_data)
{
  gst_message_unref (message);
  return GST_BUS_DROP;
}

static gboolean chains_in_bins;

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
  GstBus *bus;

  if ((!bare && !el) || !sink)
    return false;
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample",
      FALSE, NULL);
  /* Thousands of pipelines would need two descriptors each (their buses'
   * poll): the scale runs put each chain in a bin of its own, without a bus,
   * which drops the messages. */
  c->pipeline = chains_in_bins ? gst_bin_new (NULL) : gst_pipeline_new (NULL);
  gst_bin_add (GST_BIN (c->pipeline), sink);
  if (el) {
    gst_bin_add (GST_BIN (c->pipeline), el);
    if (!gst_element_link_pads (el, "src", sink, "sink"))
      return false;
  }
  /* as an application would, the messages are taken (rtpbwe posts one per
   * estimate): none piles up in the bus */
  if (!chains_in_bins) {
    bus = gst_pipeline_get_bus (GST_PIPELINE (c->pipeline));
    gst_bus_set_sync_handler (bus, drop_message, NULL, NULL);
    gst_object_unref (bus);
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

/* A number from /proc/self/status ("VmRSS", "VmHWM": kB). */
static long
status_kb (const char *field)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  size_t n = strlen (field);
  long v = -1;

  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f) != NULL)
    if (strncmp (line, field, n) == 0 && line[n] == ':')
      v = strtol (line + n + 1, NULL, 10);
  fclose (f);
  return v;
}

static int
threads_now (void)
{
  GDir *d = g_dir_open ("/proc/self/task", 0, NULL);
  int n = 0;

  if (d == NULL)
    return -1;
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static double
cpu_now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Packet k of the scale stream. */
static GstBuffer *
scale_packet (int k)
{
  BenchPacket p;
  int64_t send_us = (int64_t) k * SCALE_PACKET_US;

  p.arrival_us = send_us + SCALE_ONE_WAY_US;
  p.send_time_24 = (uint32_t) (((send_us << 18) + 500000) / 1000000) &
      0xFFFFFF;
  p.payload = SCALE_PAYLOAD;
  p.ssrc = SCALE_SSRC;
  return make_rtp (&p, (uint16_t) k, SCALE_SSRC);
}

/* The child process of one scale run: `chains` chains of `factory`, driven
 * past the warm-up, then timed.  Prints one line of key=value. */
static int
scale_child (const char *factory, int chains)
{
  const int warmup = SCALE_WARMUP_S * 1000000 / SCALE_PACKET_US;
  const int timed = SCALE_TIMED_S * 1000000 / SCALE_PACKET_US;
  GstBuffer **pkts = g_new (GstBuffer *, warmup + timed);
  Chain *c = g_new0 (Chain, chains), probe;
  long rss0;
  double t0, t1;
  int i, k;

  for (k = 0; k < warmup + timed; k++)
    pkts[k] = scale_packet (k);
  /* what every chain needs once per process (types, plugin) is loaded */
  if (!chain_new (&probe, factory))
    return 1;
  gst_pad_push (probe.src, gst_buffer_ref (pkts[0]));
  chain_free (&probe);
  rss0 = status_kb ("VmRSS");

  for (i = 0; i < chains; i++)
    if (!chain_new (&c[i], factory))
      return 1;
  for (k = 0; k < warmup; k++)
    for (i = 0; i < chains; i++)
      gst_pad_push (c[i].src, gst_buffer_ref (pkts[k]));
  /* under callgrind, the timed part alone is dumped as "scale" */
  CALLGRIND_ZERO_STATS;
  t0 = cpu_now_s ();
  for (k = warmup; k < warmup + timed; k++)
    for (i = 0; i < chains; i++)
      gst_pad_push (c[i].src, gst_buffer_ref (pkts[k]));
  t1 = cpu_now_s ();
  CALLGRIND_DUMP_STATS_AT ("scale");
  printf ("pps=%.0f rss_kb=%ld peak_kb=%ld base_kb=%ld threads=%d\n",
      (double) timed * chains / (t1 - t0), status_kb ("VmRSS"),
      status_kb ("VmHWM"), rss0, threads_now ());
  fflush (stdout);
  for (i = 0; i < chains; i++)
    chain_free (&c[i]);
  for (k = 0; k < warmup + timed; k++)
    gst_buffer_unref (pkts[k]);
  g_free (pkts);
  g_free (c);
  return 0;
}

typedef struct
{
  double pps;
  double peak_kb_per_chain;     /* peak RSS above the base, per chain */
  int threads;
} ScaleRun;

/* One scale run in a process of its own. */
static gboolean
scale_run (const char *factory, int chains, ScaleRun * out)
{
  gchar *count = g_strdup_printf ("%d", chains);
  gchar *argv[] = { (gchar *) "/proc/self/exe", (gchar *) "--scale-child",
    (gchar *) factory, count, NULL
  };
  gchar *text = NULL;
  gint status = 0;
  long rss = 0, peak = 0, base = 0;
  gboolean ok;

  ok = g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &text,
      NULL, &status, NULL) && g_spawn_check_wait_status (status, NULL)
      && sscanf (text, "pps=%lf rss_kb=%ld peak_kb=%ld base_kb=%ld "
      "threads=%d", &out->pps, &rss, &peak, &base, &out->threads) == 5;
  if (ok)
    out->peak_kb_per_chain = (double) (peak - base) / chains;
  else
    fprintf (stderr, "bench-element: the scale run of %d %s chains failed\n",
        chains, factory);
  g_free (text);
  g_free (count);
  return ok;
}

/* Identity and rtpbwe, `runs` times each, alternately; the fastest run of
 * each is reported (others only ever slow a run down on a shared machine),
 * with its memory and threads. */
static void
scale_rows (int chains, int runs)
{
  ScaleRun best_id = { 0 }, best_bwe = { 0 }, r;
  int i;

  for (i = 0; i < runs; i++) {
    fprintf (stderr, "bench-element: scale, %d chains, run %d/%d\n", chains,
        i + 1, runs);
    if (scale_run ("identity", chains, &r) && r.pps > best_id.pps)
      best_id = r;
    if (scale_run ("rtpbwe", chains, &r) && r.pps > best_bwe.pps)
      best_bwe = r;
  }
  if (best_id.pps == 0 || best_bwe.pps == 0) {
    printf ("| scale: %d chains | not measured | a run failed |\n", chains);
    return;
  }
  printf ("| scale: %d chains, steady: buffers/s per core | %.0f rtpbwe, %.0f "
      "identity | ratio %.2f; one 100 packet/s stream each, from %d s for %d "
      "s of stream, CPU time of the process; fastest of %d runs each |\n",
      chains, best_bwe.pps, best_id.pps, best_bwe.pps / best_id.pps,
      SCALE_WARMUP_S, SCALE_TIMED_S, runs);
  printf ("| scale: %d chains: peak RSS per chain | %.1f kB rtpbwe, %.1f kB "
      "identity | %.1f kB more per rtpbwe chain |\n", chains,
      best_bwe.peak_kb_per_chain, best_id.peak_kb_per_chain,
      best_bwe.peak_kb_per_chain - best_id.peak_kb_per_chain);
  printf ("| scale: %d chains: threads of the process | %d rtpbwe, %d "
      "identity | %d more |\n", chains, best_bwe.threads, best_id.threads,
      best_bwe.threads - best_id.threads);
}

int
main (int argc, char **argv)
{
  int buffers = DEFAULT_BUFFERS, runs = DEFAULT_RUNS;
  int scale_runs = DEFAULT_SCALE_RUNS, i, r, n_chains = 0;
  int chain_counts[MAX_CHAIN_COUNTS];
  const char *chains_arg = DEFAULT_CHAINS;
  gboolean header = TRUE, have_rtpbwe, scale_only = FALSE;
  BenchPacket *tr;
  GstBuffer **bufs, **many;
  double *t_id, *t_bwe, *t_bare, *t_adapt;
  uint64_t a_id = 0, a_bwe = 0, a_adapt = 0;
  double ir_id = -1, ir_bwe = -1, ir_bare = -1, ir_adapt = -1;
  gboolean have_adapt, check_adapt = FALSE;

  if (argc == 4 && strcmp (argv[1], "--scale-child") == 0) {
    gst_init (NULL, NULL);
    chains_in_bins = TRUE;
    return scale_child (argv[2], atoi (argv[3]));
  }
  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--no-header") == 0)
      header = FALSE;
    else if (strcmp (argv[i], "--callgrind") == 0)
      callgrind = TRUE;
    else if (strcmp (argv[i], "--check-adapt") == 0)
      check_adapt = TRUE;
    else if (strcmp (argv[i], "--scale-only") == 0)
      scale_only = TRUE;
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
    else if (i + 1 < argc && strcmp (argv[i], "--chains") == 0)
      chains_arg = argv[++i];
    else if (i + 1 < argc && strcmp (argv[i], "--scale-runs") == 0)
      scale_runs = atoi (argv[++i]);
    else {
      fprintf (stderr, "usage: bench-element [--buffers N] [--runs N] "
          "[--chains N[,N...]] [--scale-runs N] [--scale-only] [--no-header] "
          "[--callgrind] [--ir NAME=COUNT] [--check-adapt]\n");
      return 2;
    }
  }
  {
    gchar **v = g_strsplit (chains_arg, ",", -1);
    for (i = 0; v[i] != NULL && n_chains < MAX_CHAIN_COUNTS; i++)
      if ((chain_counts[n_chains] = atoi (v[i])) > 0)
        n_chains++;
    g_strfreev (v);
  }
  if (buffers <= WARMUP_BUFFERS || runs < 1 || scale_runs < 1)
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

  if (scale_only) {
    for (i = 0; have_rtpbwe && i < n_chains; i++)
      scale_rows (chain_counts[i], scale_runs);
    for (i = 0; i < buffers; i++)
      gst_buffer_unref (bufs[i]);
    g_free (bufs);
    g_free (tr);
    return 0;
  }

  t_id = g_new (double, runs);
  t_bwe = g_new (double, runs);
  t_bare = g_new (double, runs);
  t_adapt = g_new (double, runs);
  /* One untimed pass each first: type registration, first allocations. */
  run_once ("fakesink", bufs, WARMUP_BUFFERS, &a_id);
  run_once ("identity", bufs, WARMUP_BUFFERS, &a_id);
  if (have_rtpbwe)
    run_once ("rtpbwe", bufs, WARMUP_BUFFERS, &a_bwe);
  if (have_adapt)
    run_once ("rtpbweadapt", bufs, WARMUP_BUFFERS, &a_adapt);
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

    for (i = 0; i < n_chains; i++)
      scale_rows (chain_counts[i], scale_runs);

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
