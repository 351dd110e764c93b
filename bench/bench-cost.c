/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-cost: the estimator core's cost per packet on a deterministic
 * 50,000-packet multi-stream trace, allocations per packet, memory per
 * instance, and throughput with many streams.  bench/run-cost.sh runs it under
 * callgrind first (--callgrind) and hands the instruction counts back (--ir).
 *
 *   bench-cost [--packets N] [--warmup N] [--reps N] [--scale-seconds S]
 *              [--ir NAME=COUNT]... [--callgrind] [--check] [--max-core-ir N]
 *
 * --check exits 1 unless the core allocated nothing per packet (for tests);
 * --max-core-ir exits 1 when the Kalman core's callgrind instructions per
 * packet (from --ir) are above N. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef BENCH_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(name) do { (void) (name); } while (0)
#endif

#include "alloc_count.h"
#include "libc_allocator.h"
#include "timing.h"
#include "remb_throttler.h"
#include "improved_estimator.h"
#include "remote_estimator.h"
#include "trace_gen.h"
#ifdef BENCH_HAVE_TWCC
#include "twcc_recorder.h"
#endif

#define DEFAULT_PACKETS 50000
#define DEFAULT_WARMUP 5000     /* past probing (2 s) and AIMD's 5 s start */
#define DEFAULT_REPS 15
#define DEFAULT_SCALE_SECONDS 12
/* Streams start without an estimate: until AIMD's first one (5 s) every
 * packet above 200 B goes through probe clustering.  Steady state after: */
#define SCALE_STEADY_FROM_S 6
#define TRACE_SEED 1
#define SCALE_INSTANCES 1000
#define SCALE_FPS 30
#define SCALE_PACKETS_PER_FRAME 2
#define SCALE_PAYLOAD 1000
#define SCALE_ONE_WAY_US 20000
#define MAX_IR 8
/* Doublings of the TWCC arrival map (64 to 32768 packets) and of the
 * builder's chunks (16 to 9364) and deltas (64 to 131070 bytes). */
#define TWCC_MAX_GROWTHS (9 + 10 + 11)

typedef struct
{
  const char *name;
  double count;
} IrValue;

typedef struct
{
  size_t packets;
  size_t warmup;
  int reps;
  int scale_seconds;
  IrValue ir[MAX_IR];
  int num_ir;
  bool callgrind;
  bool check;
  double max_core_ir;           /* 0: no target */
  double max_improved_ratio;    /* 0: no target */
} Options;

typedef struct
{
  double ns_per_packet;
  uint64_t allocs;
  uint64_t updates;
  size_t heap_end;              /* bytes from the allocator after the trace */
  size_t heap_peak;
} RunResult;

/* The harness without the estimator: same loop, same arguments. */
static void harness_sink (BweRemoteEstimator * e, int64_t arrival_us,
    int64_t now_us, uint32_t send_time_24, size_t payload, uint32_t ssrc,
    BweEstimatorUpdate * out) __attribute__((noinline));

static void
harness_sink (BweRemoteEstimator * e, int64_t arrival_us, int64_t now_us,
    uint32_t send_time_24, size_t payload, uint32_t ssrc,
    BweEstimatorUpdate * out)
{
  __asm__ volatile ("":::"memory");
  out->updated = false;
  out->bitrate_bps = 0;
}

typedef void (*PacketFn) (BweRemoteEstimator *, int64_t, int64_t, uint32_t,
    size_t, uint32_t, BweEstimatorUpdate *);

/* One pass over the trace with a fresh estimator; the steady part
 * [warmup, n) is timed (and, under callgrind, counted as dump `name`). */
static RunResult
run_core (const BenchPacket * tr, const Options * o, BweDelayFilter filter,
    PacketFn fn, const char *name)
{
  BweRemoteEstimatorConfig config;
  BweRemoteEstimator *e = malloc (sizeof (*e));
  BweLibcAllocator alloc;
  BweEstimatorUpdate up;
  RunResult r = { 0 };
  uint64_t a0;
  double t0;
  size_t i;

  bwe_remote_estimator_config_init (&config);
  config.filter = filter;
  bwe_libc_allocator_init (&alloc);
  bwe_remote_estimator_init (e, &config, &alloc.allocator);
  for (i = 0; i < o->warmup; i++)
    fn (e, tr[i].arrival_us, tr[i].arrival_us, tr[i].send_time_24,
        tr[i].payload, tr[i].ssrc, &up);
  if (o->callgrind)
    CALLGRIND_ZERO_STATS;
  a0 = bench_alloc_count ();
  t0 = bench_now_ns ();
  for (i = o->warmup; i < o->packets; i++) {
    fn (e, tr[i].arrival_us, tr[i].arrival_us, tr[i].send_time_24,
        tr[i].payload, tr[i].ssrc, &up);
    r.updates += up.updated;
  }
  r.ns_per_packet = (bench_now_ns () - t0) / (double) (o->packets - o->warmup);
  r.allocs = bench_alloc_count () - a0;
  if (o->callgrind)
    CALLGRIND_DUMP_STATS_AT (name);
  r.heap_end = alloc.in_use;
  r.heap_peak = alloc.peak;
  bwe_remote_estimator_release (e);
  free (e);
  return r;
}

/* The improved mode's estimator on the same trace, with sequence numbers. */
static RunResult
run_improved (const BenchPacket * tr, const Options * o)
{
  BweImprovedEstimator *e = malloc (sizeof (*e));
  BweEstimatorUpdate up;
  RunResult r = { 0 };
  uint64_t a0;
  double t0;
  size_t i;

  bwe_improved_estimator_init (e, NULL);
  for (i = 0; i < o->warmup; i++)
    bwe_improved_estimator_incoming_packet (e, tr[i].arrival_us,
        tr[i].arrival_us, tr[i].send_time_24, tr[i].payload, tr[i].ssrc,
        tr[i].seq, &up);
  if (o->callgrind)
    CALLGRIND_ZERO_STATS;
  a0 = bench_alloc_count ();
  t0 = bench_now_ns ();
  for (i = o->warmup; i < o->packets; i++) {
    bwe_improved_estimator_incoming_packet (e, tr[i].arrival_us,
        tr[i].arrival_us, tr[i].send_time_24, tr[i].payload, tr[i].ssrc,
        tr[i].seq, &up);
    r.updates += up.updated;
  }
  r.ns_per_packet = (bench_now_ns () - t0) / (double) (o->packets - o->warmup);
  r.allocs = bench_alloc_count () - a0;
  if (o->callgrind)
    CALLGRIND_DUMP_STATS_AT ("improved");
  free (e);
  return r;
}

#ifdef BENCH_HAVE_TWCC
/* TWCC: record every packet, and run the periodic feedback (encoder included)
 * whenever it is due, as the element does. */
static RunResult
run_twcc (const BenchPacket * tr, const Options * o, uint64_t * feedback_bytes)
{
  BweTwccRecorder *rec = malloc (sizeof (*rec));
  BweLibcAllocator alloc;
  static uint8_t buf[1500];
  RunResult r = { 0 };
  uint64_t a0 = 0;
  double t0 = 0;
  size_t i;

  *feedback_bytes = 0;
  bwe_libc_allocator_init (&alloc);
  bwe_twcc_recorder_init (rec, 0, &alloc.allocator);
  bwe_twcc_recorder_on_bitrate (rec, 2000000);
  for (i = 0; i < o->packets; i++) {
    int64_t due;
    int guard = 0;

    if (i == o->warmup) {
      if (o->callgrind)
        CALLGRIND_ZERO_STATS;
      a0 = bench_alloc_count ();
      t0 = bench_now_ns ();
    }
    while ((due = bwe_twcc_recorder_next_process_us (rec)) < tr[i].arrival_us
        && guard++ < 100) {
      size_t len;
      while ((len = bwe_twcc_recorder_process (rec, due, buf,
                  sizeof (buf))) > 0) {
        if (i >= o->warmup) {
          *feedback_bytes += len;
          r.updates++;
        }
      }
    }
    bwe_twcc_recorder_on_packet (rec, tr[i].arrival_us, (uint16_t) i,
        tr[i].payload, tr[i].ssrc);
  }
  r.ns_per_packet = (bench_now_ns () - t0) / (double) (o->packets - o->warmup);
  r.allocs = bench_alloc_count () - a0;
  if (o->callgrind)
    CALLGRIND_DUMP_STATS_AT ("twcc");
  r.heap_end = alloc.in_use;
  r.heap_peak = alloc.peak;
  bwe_twcc_recorder_release (rec);
  free (rec);
  return r;
}
#endif

/* Many streams: `instances` estimators with `ssrcs_each` streams each, every
 * stream 30 fps with two 1000-byte packets per frame, constant delay.
 * Returns packets per second of CPU time on one core over the whole run, and
 * in *steady_pps from SCALE_STEADY_FROM_S on (0 if the run is shorter);
 * *allocs counts the allocations from then on too (the state grows before). */
static double
run_scale (int instances, int ssrcs_each, int seconds, uint64_t * allocs,
    size_t * packets, size_t * steady_packets_out, double *steady_pps,
    size_t * state_bytes)
{
  BweRemoteEstimatorConfig config;
  BweRemoteEstimator *e = malloc ((size_t) instances * sizeof (*e));
  BweLibcAllocator alloc;
  BweEstimatorUpdate up;
  int64_t frames = (int64_t) seconds * SCALE_FPS, k;
  int64_t spread = 1000000 / SCALE_FPS / (instances * ssrcs_each);
  int64_t steady_frame = (int64_t) SCALE_STEADY_FROM_S * SCALE_FPS;
  uint64_t a0;
  size_t steady_packets = 0;
  double t0, t1, ts = 0;
  int i, s, p;

  *steady_pps = 0;
  bwe_remote_estimator_config_init (&config);
  bwe_libc_allocator_init (&alloc);
  for (i = 0; i < instances; i++)
    bwe_remote_estimator_init (&e[i], &config, &alloc.allocator);
  *packets = 0;
  a0 = bench_alloc_count ();
  t0 = bench_now_ns ();
  for (k = 0; k < frames; k++) {
    int64_t frame_us = k * 1000000 / SCALE_FPS;
    if (k == steady_frame) {
      ts = bench_now_ns ();
      steady_packets = *packets;
      a0 = bench_alloc_count ();
    }
    for (i = 0; i < instances; i++) {
      for (s = 0; s < ssrcs_each; s++) {
        int64_t base = frame_us + (int64_t) (i * ssrcs_each + s) * spread;
        for (p = 0; p < SCALE_PACKETS_PER_FRAME; p++) {
          int64_t send = base + p * 1000;
          uint32_t abs24 = (uint32_t) ((((uint64_t) send << 18) + 500000) /
              1000000) & 0xFFFFFF;
          bwe_remote_estimator_incoming_packet (&e[i], send + SCALE_ONE_WAY_US,
              send + SCALE_ONE_WAY_US, abs24, SCALE_PAYLOAD, 0x2000u +
              (uint32_t) s, &up);
          (*packets)++;
        }
      }
    }
  }
  t1 = bench_now_ns ();
  *allocs = bench_alloc_count () - a0;
  *steady_packets_out = frames > steady_frame ? *packets - steady_packets : 0;
  if (frames > steady_frame)
    *steady_pps = (double) (*packets - steady_packets) / ((t1 - ts) / 1e9);
  *state_bytes = (size_t) instances * sizeof (*e) + alloc.in_use;
  for (i = 0; i < instances; i++)
    bwe_remote_estimator_release (&e[i]);
  free (e);
  return (double) *packets / ((t1 - t0) / 1e9);
}

static double
ir_of (const Options * o, const char *name)
{
  int i;

  for (i = 0; i < o->num_ir; i++)
    if (strcmp (o->ir[i].name, name) == 0)
      return o->ir[i].count;
  return -1;
}

/* The core rows subtract the bare harness loop they share; sections with a
 * loop of their own do not. */
static void
print_ir_row (const Options * o, const char *what, const char *name,
    bool subtract_harness)
{
  double ir = ir_of (o, name);
  double base = subtract_harness ? ir_of (o, "harness") : -1;
  double steady = (double) (o->packets - o->warmup);

  if (ir < 0) {
    printf ("| %s: instructions/packet (callgrind) | not measured | run "
        "bench/run-cost.sh (needs valgrind) |\n", what);
    return;
  }
  if (base >= 0)
    printf ("| %s: instructions/packet (callgrind) | %.0f | %.0f with the "
        "harness loop (%.0f) |\n", what, (ir - base) / steady, ir / steady,
        base / steady);
  else
    printf ("| %s: instructions/packet (callgrind) | %.0f | |\n", what,
        ir / steady);
}

/* Issue 11's bound: the improved mode's core costs at most this many times
 * the parity (Kalman) core's instructions per packet. */
static bool
improved_within_ratio (const Options * o)
{
  double ir = ir_of (o, "improved"), kalman = ir_of (o, "kalman");
  double base = ir_of (o, "harness");

  if (ir < 0 || kalman < 0 || base < 0) {
    fprintf (stderr, "bench-cost: no callgrind counts to check the ratio\n");
    return false;
  }
  if ((ir - base) > o->max_improved_ratio * (kalman - base)) {
    fprintf (stderr, "bench-cost: improved core %.0f instructions/packet, "
        "above %.2f x the Kalman core's %.0f\n", (ir - base) /
        (double) (o->packets - o->warmup), o->max_improved_ratio,
        (kalman - base) / (double) (o->packets - o->warmup));
    return false;
  }
  return true;
}

/* Issue 2's target for the default (Kalman) core, when --max-core-ir asks. */
static bool
core_within_target (const Options * o)
{
  double ir = ir_of (o, "kalman"), base = ir_of (o, "harness");
  double per_packet = (ir - base) / (double) (o->packets - o->warmup);

  if (ir < 0 || base < 0) {
    fprintf (stderr, "bench-cost: no callgrind counts to check the target\n");
    return false;
  }
  if (per_packet > o->max_core_ir) {
    fprintf (stderr, "bench-cost: the core needs %.1f instructions/packet, "
        "above the target of %.0f\n", per_packet, o->max_core_ir);
    return false;
  }
  fprintf (stderr, "bench-cost: the core needs %.1f instructions/packet "
      "(target %.0f)\n", per_packet, o->max_core_ir);
  return true;
}

static void
print_allocs (const char *what, uint64_t allocs, size_t packets)
{
  if (packets == 0)
    printf ("| %s: heap allocations/packet | n/a | the run ends before the "
        "steady state |\n", what);
  else if (!bench_alloc_counting ())
    printf ("| %s: heap allocations/packet | n/a | not counted in a "
        "sanitizer build |\n", what);
  else
    printf ("| %s: heap allocations/packet | %.4f | %llu in %zu packets |\n",
        what, (double) allocs / (double) packets, (unsigned long long) allocs,
        packets);
}

static int
usage (void)
{
  fprintf (stderr, "usage: bench-cost [--packets N] [--warmup N] [--reps N] "
      "[--scale-seconds S] [--ir NAME=COUNT]... [--callgrind] [--check] "
      "[--max-core-ir N] [--max-improved-ratio R]\n");
  return 2;
}

int
main (int argc, char **argv)
{
  Options o = {.packets = DEFAULT_PACKETS,.warmup = DEFAULT_WARMUP,
    .reps = DEFAULT_REPS,.scale_seconds = DEFAULT_SCALE_SECONDS
  };
  BenchPacket *tr;
  double kal[64], tre[64], har[64], twc[64], imp[64];
  RunResult rk = { 0 }, rt = { 0 }, rh = { 0 }, ri = { 0 };
  uint64_t allocs_scale, scale_allocs;
  size_t steady, scale_packets, steady_scale_packets, state;
  double pps, steady_pps;
  int i, rc = 0;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp (a, "--callgrind") == 0) {
      o.callgrind = true;
    } else if (strcmp (a, "--check") == 0) {
      o.check = true;
    } else if (!v) {
      return usage ();
    } else if (strcmp (a, "--packets") == 0) {
      o.packets = strtoul (v, NULL, 0);
      i++;
    } else if (strcmp (a, "--warmup") == 0) {
      o.warmup = strtoul (v, NULL, 0);
      i++;
    } else if (strcmp (a, "--reps") == 0) {
      o.reps = atoi (v);
      i++;
    } else if (strcmp (a, "--max-improved-ratio") == 0) {
      o.max_improved_ratio = strtod (v, NULL);
      i++;
    } else if (strcmp (a, "--max-core-ir") == 0) {
      o.max_core_ir = strtod (v, NULL);
      i++;
    } else if (strcmp (a, "--scale-seconds") == 0) {
      o.scale_seconds = atoi (v);
      i++;
    } else if (strcmp (a, "--ir") == 0 && strchr (v, '=')
        && o.num_ir < MAX_IR) {
      char *eq = strchr (v, '=');
      *eq = '\0';
      o.ir[o.num_ir].name = v;
      o.ir[o.num_ir].count = strtod (eq + 1, NULL);
      o.num_ir++;
      i++;
    } else {
      return usage ();
    }
  }
  if (o.reps < 1 || o.reps > 64 || o.warmup >= o.packets)
    return usage ();
  steady = o.packets - o.warmup;
  if (o.check && bench_alloc_counting ()) {
    /* The counter itself must see an allocation, or its zeros mean nothing. */
    uint64_t before = bench_alloc_count ();
    void *volatile probe = malloc (16);
    free (probe);
    if (bench_alloc_count () == before) {
      fprintf (stderr, "bench-cost: the allocation counter is broken\n");
      return 1;
    }
  }

  tr = malloc (o.packets * sizeof (*tr));
  if (!tr || bench_trace_generate (tr, o.packets, TRACE_SEED) != o.packets) {
    fprintf (stderr, "bench-cost: out of memory\n");
    return 1;
  }

  if (o.check) {
    /* The trace must be the same on every run and in arrival order. */
    BenchPacket *again = malloc (o.packets * sizeof (*again));
    size_t k;
    if (!again || bench_trace_generate (again, o.packets, TRACE_SEED) !=
        o.packets) {
      fprintf (stderr, "bench-cost: out of memory\n");
      return 1;
    }
    for (k = 0; k < o.packets; k++) {
      if (tr[k].arrival_us != again[k].arrival_us ||
          tr[k].send_time_24 != again[k].send_time_24 ||
          tr[k].payload != again[k].payload || tr[k].ssrc != again[k].ssrc) {
        fprintf (stderr, "bench-cost: the trace differs between runs\n");
        return 1;
      }
      if (k > 0 && tr[k].arrival_us < tr[k - 1].arrival_us) {
        fprintf (stderr, "bench-cost: trace out of arrival order at %zu\n", k);
        return 1;
      }
    }
    free (again);
  }

  if (o.callgrind) {
    /* One pass per section; run-cost.sh reads the dumps. */
    run_core (tr, &o, BWE_FILTER_KALMAN, harness_sink, "harness");
    run_core (tr, &o, BWE_FILTER_KALMAN, bwe_remote_estimator_incoming_packet,
        "kalman");
    run_core (tr, &o, BWE_FILTER_TRENDLINE,
        bwe_remote_estimator_incoming_packet, "trendline");
    run_improved (tr, &o);
#ifdef BENCH_HAVE_TWCC
    {
      uint64_t fb;
      run_twcc (tr, &o, &fb);
    }
#endif
    free (tr);
    return 0;
  }

  for (i = 0; i < o.reps; i++) {
    fprintf (stderr, "bench-cost: core pass %d/%d\n", i + 1, o.reps);
    rh = run_core (tr, &o, BWE_FILTER_KALMAN, harness_sink, "harness");
    rk = run_core (tr, &o, BWE_FILTER_KALMAN,
        bwe_remote_estimator_incoming_packet, "kalman");
    rt = run_core (tr, &o, BWE_FILTER_TRENDLINE,
        bwe_remote_estimator_incoming_packet, "trendline");
    ri = run_improved (tr, &o);
    imp[i] = ri.ns_per_packet;
    har[i] = rh.ns_per_packet;
    kal[i] = rk.ns_per_packet;
    tre[i] = rt.ns_per_packet;
  }

  printf ("| measurement | value | notes |\n|---|---|---|\n");
  printf ("| trace | %zu packets, 4 SSRCs | steady state = packets %zu..%zu; "
      "%llu (kalman) / %llu (trendline) estimates signalled there |\n",
      o.packets, o.warmup, o.packets,
      (unsigned long long) rk.updates, (unsigned long long) rt.updates);
  printf ("| harness loop alone: ns/packet | %.1f | baseline; fastest of %d "
      "passes (median %.1f) |\n", bench_fastest (har, o.reps), o.reps,
      bench_median (har, o.reps));
  printf ("| core kalman: ns/packet | %.1f | harness included; fastest of %d "
      "(median %.1f) |\n", bench_fastest (kal, o.reps), o.reps, bench_median (kal, o.reps));
  printf ("| core trendline: ns/packet | %.1f | harness included; fastest of "
      "%d (median %.1f) |\n", bench_fastest (tre, o.reps), o.reps,
      bench_median (tre, o.reps));
  print_ir_row (&o, "harness loop", "harness", false);
  print_ir_row (&o, "core kalman", "kalman", true);
  print_ir_row (&o, "core trendline", "trendline", true);
  printf ("| core improved: ns/packet | %.1f | harness included; fastest of "
      "%d (median %.1f); %llu estimates signalled |\n", bench_fastest (imp,
          o.reps), o.reps, bench_median (imp, o.reps),
      (unsigned long long) ri.updates);
  print_ir_row (&o, "core improved", "improved", true);
  if (o.max_core_ir > 0 && !core_within_target (&o))
    rc = 1;
  if (o.max_improved_ratio > 0 && !improved_within_ratio (&o))
    rc = 1;
  print_allocs ("core kalman", rk.allocs, steady);
  print_allocs ("core trendline", rt.allocs, steady);
  print_allocs ("core improved", ri.allocs, steady);
  if (o.check && bench_alloc_counting () && (rk.allocs || rt.allocs ||
          ri.allocs)) {
    fprintf (stderr, "bench-cost: the core allocated per packet\n");
    rc = 1;
  }

#ifdef BENCH_HAVE_TWCC
  {
    RunResult rw = { 0 };
    uint64_t fb = 0;
    for (i = 0; i < o.reps; i++) {
      fprintf (stderr, "bench-cost: twcc pass %d/%d\n", i + 1, o.reps);
      rw = run_twcc (tr, &o, &fb);
      twc[i] = rw.ns_per_packet;
    }
    printf ("| TWCC recorder+encoder: ns/packet | %.1f | fastest of %d "
        "(median %.1f); %llu feedback packets, %llu bytes |\n",
        bench_fastest (twc, o.reps), o.reps, bench_median (twc, o.reps),
        (unsigned long long) rw.updates, (unsigned long long) fb);
    print_ir_row (&o, "TWCC recorder+encoder", "twcc", false);
    print_allocs ("TWCC recorder+encoder", rw.allocs, steady);
    /* The recorder's state grows with the rate (its ring and its builder
     * double): as many allocations as doublings, not one per packet. */
    if (o.check && bench_alloc_counting () && rw.allocs > TWCC_MAX_GROWTHS) {
      fprintf (stderr, "bench-cost: the TWCC recorder allocated per packet\n");
      rc = 1;
    }
    printf ("| sizeof (BweTwccRecorder) | %zu B | fixed part; from the "
        "allocator %zu B after the trace, %zu B at most (up to %d packets "
        "tracked) |\n", sizeof (BweTwccRecorder), rw.heap_end, rw.heap_peak,
        BWE_TWCC_MAX_TRACKED);
  }
#else
  (void) twc;
  printf ("| TWCC recorder+encoder | not measured | twcc_recorder.c not in "
      "this tree yet |\n");
#endif

  printf ("| sizeof (BweRemoteEstimator) | %zu B | fixed part; from the "
      "allocator %zu B after the trace, %zu B at most (4 SSRCs; kalman) |\n",
      sizeof (BweRemoteEstimator), rk.heap_end, rk.heap_peak);
  printf ("| bytes per SSRC | %zu B | two slots of the stream table (at most "
      "half full), allocated as streams come (%d, doubling up to %d) |\n",
      2 * sizeof (BweStreamEntry), BWE_STREAM_TABLE_MIN, BWE_MAX_SSRCS);
  printf ("| sizeof (BweRembThrottler) | %zu B | |\n",
      sizeof (BweRembThrottler));

  fprintf (stderr, "bench-cost: scale, %d estimators\n", SCALE_INSTANCES);
  pps = run_scale (SCALE_INSTANCES, 1, o.scale_seconds, &allocs_scale,
      &scale_packets, &steady_scale_packets, &steady_pps, &state);
  printf ("| scale: %d estimators x 1 SSRC | %.0f packets/s per core | steady "
      "(from %d s); %.0f over all %d s (%zu packets); %.1f MB of state at "
      "the end |\n", SCALE_INSTANCES, steady_pps, SCALE_STEADY_FROM_S, pps,
      o.scale_seconds, scale_packets, state / 1e6);
  print_allocs ("scale: 1000 estimators, steady", allocs_scale,
      steady_scale_packets);
  scale_allocs = allocs_scale;
  fprintf (stderr, "bench-cost: scale, 1 estimator with %d SSRCs\n",
      BWE_MAX_SSRCS);
  pps = run_scale (1, BWE_MAX_SSRCS, o.scale_seconds, &allocs_scale,
      &scale_packets, &steady_scale_packets, &steady_pps, &state);
  printf ("| scale: 1 estimator x %d SSRCs | %.0f packets/s per core | steady "
      "(from %d s); %.0f over all %d s (%zu packets) |\n", BWE_MAX_SSRCS,
      steady_pps, SCALE_STEADY_FROM_S, pps, o.scale_seconds, scale_packets);
  scale_allocs += allocs_scale;
  fprintf (stderr, "bench-cost: scale, 1 estimator with %d SSRCs\n",
      SCALE_INSTANCES);
  pps = run_scale (1, SCALE_INSTANCES, o.scale_seconds, &allocs_scale,
      &scale_packets, &steady_scale_packets, &steady_pps, &state);
  printf ("| scale: 1 estimator x %d SSRCs | %.0f packets/s per core | steady "
      "(from %d s); %.0f over all %d s; over capacity: SSRCs evicted |\n",
      SCALE_INSTANCES, steady_pps, SCALE_STEADY_FROM_S, pps, o.scale_seconds);
  scale_allocs += allocs_scale;
  if (o.check && bench_alloc_counting () && steady_scale_packets > 0
      && scale_allocs) {
    fprintf (stderr, "bench-cost: the core allocated per packet (scale)\n");
    rc = 1;
  }

  free (tr);
  return rc;
}
