/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The closed-loop simulator's engine: a discrete-event loop over integer
 * microseconds.  Path of a media packet: sender pacer -> drop-tail
 * bottleneck -> propagation (+ jitter, never reordering, + random loss) ->
 * receiver estimator.  REMB goes back over an uncongested reverse path with
 * the same one-way delay. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "libc_allocator.h"
#include "remb_throttler.h"
#include "sim.h"

/* The sender: libwebrtc's defaults for a camera track. */
#define SIM_FPS 30
#define SIM_START_BITRATE_BPS 300000
#define SIM_MIN_BITRATE_BPS 30000
#define SIM_MAX_BITRATE_BPS 20000000
#define SIM_PACING_FACTOR 2.5
#define SIM_MAX_RTP_BYTES 1200
/* RTP header (12) and a one-byte header extension holding abs-send-time (8):
 * what the estimator does not count as payload. */
#define SIM_RTP_OVERHEAD 20
#define SIM_IP_UDP_OVERHEAD 28
#define SIM_MIN_FRAME_BYTES 100
#define SIM_PACER_RING 4096
/* libwebrtc's sender probes at the start of a call: clusters at 3x and 6x the
 * start bitrate, each at least 5 packets and 15 ms long. */
#define SIM_PROBE_MULTIPLIER_1 3
#define SIM_PROBE_MULTIPLIER_2 6
#define SIM_PROBE_MIN_PACKETS 5
#define SIM_PROBE_DURATION_US 15000
#define SIM_PROBE_CLUSTER_GAP_US 100000

/* TCP-like competitor: Reno's AIMD on full-size segments. */
#define SIM_TCP_SEGMENT_BYTES 1500
#define SIM_TCP_INITIAL_CWND 10.0
#define SIM_TCP_MAX_CWND 4000.0

#define SIM_SAMPLE_US 100000
#define SIM_PROGRESS_US 10000000
/* Queueing delay histogram: 0.5 ms bins up to 2 s. */
#define SIM_HIST_BIN_US 500
#define SIM_HIST_BINS 4000

enum
{
  EV_FRAME,
  EV_PACE,
  EV_LINK_DONE,
  EV_RECV,
  EV_REMB,
  EV_TARGET,
  EV_CAPACITY,
  EV_TCP_ACK,
  EV_TCP_LOSS,
  EV_SAMPLE,
  EV_PROBE,
};

typedef struct
{
  int64_t t;
  uint64_t seq;                 /* ties run in scheduling order */
  int type;
  int a;
  int64_t b;
} Event;

typedef struct
{
  int flow;                     /* -1: TCP */
  uint32_t wire;
  uint32_t payload;
  int64_t send_us;
  int64_t enq_us;
  int64_t tx_us;
  uint16_t seq;
  int next_free;
} Packet;

typedef struct
{
  uint64_t sent_pkts;
  uint64_t lost_pkts;
  uint64_t recv_bytes;
} FlowPhase;

typedef struct
{
  /* Received: out of the bottleneck and not lost on the path, counted when
   * they leave the bottleneck so that a phase holds its own capacity's worth. */
  double delivered_bits;
  double media_bits;
  double tcp_bits;
  FlowPhase flow[SIM_MAX_FLOWS];
  uint32_t hist[SIM_HIST_BINS];
  uint64_t hist_n;
} PhaseAcc;

typedef struct
{
  /* sender */
  uint32_t target_bps;
  int64_t frame_index;
  uint32_t ring[SIM_PACER_RING];
  unsigned ring_head;
  unsigned ring_len;
  int64_t pacer_next_us;
  bool pace_scheduled;
  uint16_t next_seq;
  int64_t last_increase_us;
  /* receiver */
  BweRemoteEstimator est;
  BweImprovedEstimator improved;
  BweRembThrottler throttler;
  uint32_t estimate_bps;
  int64_t last_arrival_us;
  /* 100 ms bins */
  uint64_t bin_sent;
  uint64_t bin_recv;
} Flow;

typedef struct
{
  const SimScenario *s;
  const SimOptions *o;
  int64_t duration_us;

  Event *heap;
  size_t heap_len;
  size_t heap_cap;
  uint64_t next_seq;

  Packet *pool;
  int pool_cap;
  int free_head;

  /* bottleneck */
  int *queue;
  int queue_cap;
  int queue_head;
  int queue_len;
  uint64_t backlog_bytes;
  uint32_t capacity_bps;
  bool busy;

  Flow flow[SIM_MAX_FLOWS];
  BweLibcAllocator alloc;       /* the estimators' memory */

  /* TCP */
  double cwnd;
  double ssthresh;
  int inflight;
  int64_t last_cut_us;

  uint64_t rng;

  PhaseAcc acc[SIM_MAX_PHASES];
  double *sample_targets;
  double *sample_capacity;
  int num_samples;
  int max_samples;

  uint64_t bin_tcp;
  double bin_qsum_ms;
  double bin_qmax_ms;
  uint64_t bin_qn;
  uint64_t events;
  uint64_t media_packets;
} Sim;

/* xorshift64*: small, and the same sequence on every machine. */
static double
rng_uniform (Sim * sim)
{
  uint64_t x = sim->rng;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  sim->rng = x;
  return (double) ((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double
rng_gaussian (Sim * sim, double sd)
{
  double u1 = rng_uniform (sim), u2 = rng_uniform (sim);

  if (u1 < 1e-300)
    u1 = 1e-300;
  return sd * sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2);
}

static int
push_event (Sim * sim, int64_t t, int type, int a, int64_t b)
{
  size_t i;
  Event ev = {.t = t,.seq = sim->next_seq++,.type = type,.a = a,.b = b };

  if (sim->heap_len == sim->heap_cap) {
    size_t cap = sim->heap_cap ? sim->heap_cap * 2 : 1024;
    Event *h = realloc (sim->heap, cap * sizeof (Event));
    if (!h)
      return -1;
    sim->heap = h;
    sim->heap_cap = cap;
  }
  i = sim->heap_len++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    Event *pe = &sim->heap[p];
    if (pe->t < ev.t || (pe->t == ev.t && pe->seq < ev.seq))
      break;
    sim->heap[i] = *pe;
    i = p;
  }
  sim->heap[i] = ev;
  return 0;
}

static bool
event_before (const Event * x, const Event * y)
{
  return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static Event
pop_event (Sim * sim)
{
  Event top = sim->heap[0];
  Event last = sim->heap[--sim->heap_len];
  size_t i = 0, n = sim->heap_len;

  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const Event *best = &last;
    if (l < n && event_before (&sim->heap[l], best)) {
      m = l;
      best = &sim->heap[l];
    }
    if (r < n && event_before (&sim->heap[r], best))
      m = r;
    if (m == i)
      break;
    sim->heap[i] = sim->heap[m];
    i = m;
  }
  if (n > 0)
    sim->heap[i] = last;
  return top;
}

static int
packet_new (Sim * sim)
{
  int i = sim->free_head;

  if (i < 0) {
    int cap = sim->pool_cap ? sim->pool_cap * 2 : 4096, k;
    Packet *p = realloc (sim->pool, (size_t) cap * sizeof (Packet));
    if (!p)
      return -1;
    for (k = sim->pool_cap; k < cap; k++)
      p[k].next_free = k + 1 < cap ? k + 1 : -1;
    sim->pool = p;
    sim->free_head = sim->pool_cap;
    sim->pool_cap = cap;
    i = sim->free_head;
  }
  sim->free_head = sim->pool[i].next_free;
  return i;
}

static void
packet_free (Sim * sim, int i)
{
  sim->pool[i].next_free = sim->free_head;
  sim->free_head = i;
}

static int
phase_of (const Sim * sim, int64_t t)
{
  int k;

  for (k = sim->s->num_phases - 1; k > 0; k--)
    if (t >= sim->s->phase_us[k])
      break;
  return k;
}

static bool
flow_active (const SimScenario * s, int f, int64_t t)
{
  if (t < s->start_us[f])
    return false;
  return !(s->pause_us[f] >= 0 && t >= s->pause_us[f] && t < s->resume_us[f]);
}

static uint32_t
abs_send_time_24 (int64_t us)
{
  return (uint32_t) ((((uint64_t) us << 18) + 500000) / 1000000) & 0xFFFFFF;
}

static int64_t
tx_time_us (uint64_t bytes, uint32_t bps)
{
  return (int64_t) ((bytes * 8 * 1000000 + bps - 1) / bps);
}

static int start_service (Sim * sim, int64_t now);

/* The bottleneck: drop-tail when the backlog, drained at the current capacity,
 * would exceed the queue limit. */
static int
enqueue (Sim * sim, int64_t now, int pi)
{
  Packet *p = &sim->pool[pi];
  int64_t backlog_us = tx_time_us (sim->backlog_bytes + p->wire,
      sim->capacity_bps);

  if (backlog_us > sim->s->queue_us) {
    if (p->flow >= 0) {
      sim->acc[phase_of (sim, now)].flow[p->flow].lost_pkts++;
    } else if (push_event (sim, now + tx_time_us (sim->backlog_bytes,
                sim->capacity_bps) + 2 * sim->s->one_way_us, EV_TCP_LOSS, -1,
            p->send_us) < 0) {
      return -1;
    }
    packet_free (sim, pi);
    return 0;
  }
  if (sim->queue_len == sim->queue_cap) {
    int cap = sim->queue_cap ? sim->queue_cap * 2 : 1024, k;
    int *q = malloc ((size_t) cap * sizeof (int));
    if (!q)
      return -1;
    for (k = 0; k < sim->queue_len; k++)
      q[k] = sim->queue[(sim->queue_head + k) % sim->queue_cap];
    free (sim->queue);
    sim->queue = q;
    sim->queue_cap = cap;
    sim->queue_head = 0;
  }
  p->enq_us = now;
  sim->queue[(sim->queue_head + sim->queue_len++) % sim->queue_cap] = pi;
  sim->backlog_bytes += p->wire;
  if (!sim->busy)
    return start_service (sim, now);
  return 0;
}

static int
start_service (Sim * sim, int64_t now)
{
  Packet *p;

  if (sim->queue_len == 0) {
    sim->busy = false;
    return 0;
  }
  p = &sim->pool[sim->queue[sim->queue_head]];
  p->tx_us = tx_time_us (p->wire, sim->capacity_bps);
  sim->busy = true;
  return push_event (sim, now + p->tx_us, EV_LINK_DONE, 0, 0);
}

static int
link_done (Sim * sim, int64_t now)
{
  int pi = sim->queue[sim->queue_head];
  Packet *p = &sim->pool[pi];
  PhaseAcc *acc = &sim->acc[phase_of (sim, now)];
  int64_t wait_us = now - p->tx_us - p->enq_us;

  sim->queue_head = (sim->queue_head + 1) % sim->queue_cap;
  sim->queue_len--;
  sim->backlog_bytes -= p->wire;

  if (p->flow < 0) {
    acc->delivered_bits += 8.0 * p->wire;
    acc->tcp_bits += 8.0 * p->wire;
    sim->bin_tcp += p->wire;
    if (push_event (sim, now + sim->s->one_way_us, EV_RECV, -1, pi) < 0)
      return -1;
  } else {
    Flow *fl = &sim->flow[p->flow];
    int64_t arrival = now + sim->s->one_way_us;
    int bin = (int) (wait_us / SIM_HIST_BIN_US);

    acc->hist[bin < SIM_HIST_BINS ? bin : SIM_HIST_BINS - 1]++;
    acc->hist_n++;
    sim->bin_qsum_ms += wait_us / 1000.0;
    sim->bin_qn++;
    if (wait_us / 1000.0 > sim->bin_qmax_ms)
      sim->bin_qmax_ms = wait_us / 1000.0;

    if (sim->o->loss > 0 && rng_uniform (sim) < sim->o->loss) {
      acc->flow[p->flow].lost_pkts++;
      packet_free (sim, pi);
    } else {
      acc->delivered_bits += 8.0 * p->wire;
      acc->media_bits += 8.0 * p->wire;
      if (sim->o->jitter_sd_ms > 0) {
        double sd_us = sim->o->jitter_sd_ms * 1000.0;
        double j = fabs (rng_gaussian (sim, sd_us));
        arrival += (int64_t) (j < 3 * sd_us ? j : 3 * sd_us);
      }
      /* Jitter never reorders: a packet waits for the one before it. */
      if (arrival < fl->last_arrival_us)
        arrival = fl->last_arrival_us;
      fl->last_arrival_us = arrival;
      if (push_event (sim, arrival, EV_RECV, p->flow, pi) < 0)
        return -1;
    }
  }
  return start_service (sim, now);
}

static int
tcp_send (Sim * sim, int64_t now)
{
  while (sim->inflight < (int) sim->cwnd) {
    int pi = packet_new (sim);
    if (pi < 0)
      return -1;
    sim->pool[pi].flow = -1;
    sim->pool[pi].wire = SIM_TCP_SEGMENT_BYTES;
    sim->pool[pi].payload = 0;
    sim->pool[pi].send_us = now;
    sim->inflight++;
    if (enqueue (sim, now, pi) < 0)
      return -1;
  }
  return 0;
}

static int
send_media (Sim * sim, int64_t now, int f, uint32_t payload)
{
  int pi = packet_new (sim);

  if (pi < 0)
    return -1;
  sim->pool[pi].flow = f;
  sim->pool[pi].payload = payload;
  sim->pool[pi].wire = payload + SIM_RTP_OVERHEAD + SIM_IP_UDP_OVERHEAD;
  sim->pool[pi].send_us = now;
  sim->pool[pi].seq = sim->flow[f].next_seq++;
  sim->acc[phase_of (sim, now)].flow[f].sent_pkts++;
  sim->flow[f].bin_sent += sim->pool[pi].wire;
  sim->media_packets++;
  return enqueue (sim, now, pi);
}

/* Two probe clusters of full-size padding packets at the flow's start; media
 * waits in the pacer until they are out, so that no media packet breaks the
 * clusters' send spacing. */
static int
schedule_probes (Sim * sim, int64_t start, int f)
{
  const int mult[] = { SIM_PROBE_MULTIPLIER_1, SIM_PROBE_MULTIPLIER_2 };
  uint32_t bytes = SIM_MAX_RTP_BYTES - SIM_RTP_OVERHEAD;
  int64_t end = start;
  int c, k;

  for (c = 0; c < 2; c++) {
    double rate = (double) mult[c] * sim->flow[f].target_bps;
    int64_t gap = (int64_t) (8.0 * SIM_MAX_RTP_BYTES * 1e6 / rate);
    int n = (int) ceil (rate * SIM_PROBE_DURATION_US / 1e6 / 8.0 /
        SIM_MAX_RTP_BYTES);
    if (n < SIM_PROBE_MIN_PACKETS)
      n = SIM_PROBE_MIN_PACKETS;
    for (k = 0; k < n; k++) {
      end = start + c * SIM_PROBE_CLUSTER_GAP_US + k * gap;
      if (push_event (sim, end, EV_PROBE, f, bytes) < 0)
        return -1;
    }
    end += gap;
  }
  sim->flow[f].pacer_next_us = end;
  return 0;
}

static int
pace (Sim * sim, int64_t now, int f)
{
  Flow *fl = &sim->flow[f];
  uint32_t payload;

  if (fl->ring_len == 0) {
    fl->pace_scheduled = false;
    return 0;
  }
  payload = fl->ring[fl->ring_head];
  fl->ring_head = (fl->ring_head + 1) % SIM_PACER_RING;
  fl->ring_len--;

  fl->pacer_next_us = now + (int64_t) (8.0 * (payload + SIM_RTP_OVERHEAD) *
      1e6 / (SIM_PACING_FACTOR * fl->target_bps));
  if (send_media (sim, now, f, payload) < 0)
    return -1;
  if (fl->ring_len > 0)
    return push_event (sim, fl->pacer_next_us, EV_PACE, f, 0);
  fl->pace_scheduled = false;
  return 0;
}

static int
frame (Sim * sim, int64_t now, int f)
{
  const SimScenario *s = sim->s;
  Flow *fl = &sim->flow[f];
  int64_t next;

  if (flow_active (s, f, now)) {
    uint32_t bytes = (fl->target_bps + SIM_FPS / 2) / SIM_FPS / 8;
    uint32_t max_payload = SIM_MAX_RTP_BYTES - SIM_RTP_OVERHEAD, n, k;

    if (bytes < SIM_MIN_FRAME_BYTES)
      bytes = SIM_MIN_FRAME_BYTES;
    n = (bytes + max_payload - 1) / max_payload;
    for (k = 0; k < n && fl->ring_len < SIM_PACER_RING; k++) {
      fl->ring[(fl->ring_head + fl->ring_len++) % SIM_PACER_RING] =
          bytes / n + (k < bytes % n ? 1 : 0);
    }
    if (!fl->pace_scheduled) {
      fl->pace_scheduled = true;
      if (push_event (sim, fl->pacer_next_us > now ? fl->pacer_next_us : now,
              EV_PACE, f, 0) < 0)
        return -1;
    }
  }
  fl->frame_index++;
  next = s->start_us[f] + (fl->frame_index * 1000000 + SIM_FPS / 2) / SIM_FPS;
  if (next < sim->duration_us)
    return push_event (sim, next, EV_FRAME, f, 0);
  return 0;
}

static int
receive (Sim * sim, int64_t now, int f, int pi)
{
  Packet *p = &sim->pool[pi];

  if (f < 0) {
    packet_free (sim, pi);
    return push_event (sim, now + sim->s->one_way_us, EV_TCP_ACK, -1, 0);
  } else {
    Flow *fl = &sim->flow[f];
    BweEstimatorUpdate up;
    uint64_t send_bps;

    sim->acc[phase_of (sim, now)].flow[f].recv_bytes += p->wire;
    fl->bin_recv += p->wire;
    if (sim->o->mode == SIM_MODE_IMPROVED)
      bwe_improved_estimator_incoming_packet (&fl->improved, now, now,
          abs_send_time_24 (p->send_us), p->payload, 0x1000u + (uint32_t) f,
          p->seq, &up);
    else
      bwe_remote_estimator_incoming_packet (&fl->est, now, now,
          abs_send_time_24 (p->send_us), p->payload, 0x1000u + (uint32_t) f,
          &up);
    packet_free (sim, pi);
    if (up.updated) {
      fl->estimate_bps = up.bitrate_bps;
      if (bwe_remb_throttler_on_estimate (&fl->throttler, now, up.bitrate_bps,
              &send_bps))
        return push_event (sim, now + sim->s->one_way_us, EV_REMB, f,
            (int64_t) send_bps);
    }
  }
  return 0;
}

static int
sample (Sim * sim, int64_t now)
{
  const SimScenario *s = sim->s;
  double targets = 0, scale = 8.0 / (SIM_SAMPLE_US / 1e6) / 1000.0;
  int f;

  if (sim->num_samples < sim->max_samples) {
    for (f = 0; f < s->num_flows; f++)
      if (flow_active (s, f, now))
        targets += sim->flow[f].target_bps;
    sim->sample_targets[sim->num_samples] = targets;
    sim->sample_capacity[sim->num_samples] = sim->capacity_bps;
    sim->num_samples++;
  }
  if (sim->o->series) {
    fprintf (sim->o->series, "%.1f\t%.0f\t%.2f\t%.2f\t%.0f", now / 1e6,
        sim->capacity_bps / 1000.0,
        sim->bin_qn ? sim->bin_qsum_ms / (double) sim->bin_qn : 0.0,
        sim->bin_qmax_ms, sim->bin_tcp * scale);
    for (f = 0; f < s->num_flows; f++) {
      Flow *fl = &sim->flow[f];
      fprintf (sim->o->series, "\t%.0f\t%.0f\t%.0f\t%.0f",
          fl->estimate_bps / 1000.0, fl->target_bps / 1000.0,
          fl->bin_sent * scale, fl->bin_recv * scale);
      fl->bin_sent = fl->bin_recv = 0;
    }
    fputc ('\n', sim->o->series);
  }
  for (f = 0; f < s->num_flows; f++)
    sim->flow[f].bin_sent = sim->flow[f].bin_recv = 0;
  sim->bin_tcp = 0;
  sim->bin_qsum_ms = sim->bin_qmax_ms = 0;
  sim->bin_qn = 0;
  if (sim->o->progress && now > 0 && now % SIM_PROGRESS_US == 0)
    fprintf (stderr, "  sim %s: %lld/%lld s\n", s->name,
        (long long) (now / 1000000), (long long) (sim->duration_us / 1000000));
  if (now + SIM_SAMPLE_US <= sim->duration_us)
    return push_event (sim, now + SIM_SAMPLE_US, EV_SAMPLE, 0, 0);
  return 0;
}

static int
dispatch (Sim * sim, const Event * ev)
{
  int64_t now = ev->t;

  switch (ev->type) {
    case EV_FRAME:
      return frame (sim, now, ev->a);
    case EV_PACE:
      return pace (sim, now, ev->a);
    case EV_LINK_DONE:
      return link_done (sim, now);
    case EV_RECV:
      return receive (sim, now, ev->a, (int) ev->b);
    case EV_REMB:{
      uint64_t bps = (uint64_t) ev->b;
      Flow *fl = &sim->flow[ev->a];
      if (bps < SIM_MIN_BITRATE_BPS)
        bps = SIM_MIN_BITRATE_BPS;
      if (bps > SIM_MAX_BITRATE_BPS)
        bps = SIM_MAX_BITRATE_BPS;
      if (sim->o->fixed_bps != 0)
        return 0;
      /* An increase within the interval of the last one is not applied. */
      if (bps > fl->target_bps && sim->o->increase_interval_us > 0 &&
          now - fl->last_increase_us < sim->o->increase_interval_us)
        return 0;
      if (bps > fl->target_bps)
        fl->last_increase_us = now;
      if (sim->o->sender_lag_us > 0)
        return push_event (sim, now + sim->o->sender_lag_us, EV_TARGET, ev->a,
            (int64_t) bps);
      fl->target_bps = (uint32_t) bps;
      return 0;
    }
    case EV_TARGET:
      sim->flow[ev->a].target_bps = (uint32_t) ev->b;
      return 0;
    case EV_CAPACITY:
      sim->capacity_bps = sim->s->capacity[ev->a].bps;
      return 0;
    case EV_TCP_ACK:
      sim->inflight--;
      if (sim->cwnd < sim->ssthresh)
        sim->cwnd += 1.0;
      else
        sim->cwnd += 1.0 / sim->cwnd;
      if (sim->cwnd > SIM_TCP_MAX_CWND)
        sim->cwnd = SIM_TCP_MAX_CWND;
      return tcp_send (sim, now);
    case EV_TCP_LOSS:
      sim->inflight--;
      /* One halving per window: only a segment sent after the last cut. */
      if (ev->b > sim->last_cut_us) {
        sim->cwnd = sim->cwnd / 2 > 2.0 ? sim->cwnd / 2 : 2.0;
        sim->ssthresh = sim->cwnd;
        sim->last_cut_us = now;
      }
      return tcp_send (sim, now);
    case EV_SAMPLE:
      return sample (sim, now);
    case EV_PROBE:
      return send_media (sim, now, ev->a, (uint32_t) ev->b);
    default:
      return -1;
  }
}

static double
percentile_ms (const PhaseAcc * acc, double q)
{
  uint64_t need, seen = 0;
  int b;

  if (acc->hist_n == 0)
    return 0;
  need = (uint64_t) ceil (q * (double) acc->hist_n);
  if (need == 0)
    need = 1;
  for (b = 0; b < SIM_HIST_BINS; b++) {
    seen += acc->hist[b];
    if (seen >= need)
      break;
  }
  /* Bin centre. */
  return (b + 0.5) * SIM_HIST_BIN_US / 1000.0;
}

/* Capacity integral over [a, b), bit. */
static double
capacity_integral (const SimScenario * s, int64_t a, int64_t b)
{
  double integral = 0;
  int i;

  for (i = 0; i < s->num_steps; i++) {
    int64_t from = s->capacity[i].at_us, to =
        i + 1 < s->num_steps ? s->capacity[i + 1].at_us : INT64_MAX;
    if (from < a)
      from = a;
    if (to > b)
      to = b;
    if (to > from)
      integral += s->capacity[i].bps * ((to - from) / 1e6);
  }
  return integral;
}

/* Everything but settling, from what was accumulated over [a, b). */
static void
summarise_span (const Sim * sim, const PhaseAcc * acc, int64_t a, int64_t b,
    SimPhaseResult * ph)
{
  const SimScenario *s = sim->s;
  double cap_integral = capacity_integral (s, a, b), secs = (b - a) / 1e6;
  double sum = 0, sum2 = 0;
  uint64_t sent = 0, lost = 0;
  int f, n = 0;

  ph->start_us = a;
  ph->end_us = b;
  ph->capacity_bps = cap_integral / secs;
  ph->utilisation = acc->delivered_bits / cap_integral;
  ph->media_bps = acc->media_bits / secs;
  ph->tcp_bps = acc->tcp_bits / secs;
  ph->qdelay_p50_ms = percentile_ms (acc, 0.50);
  ph->qdelay_p95_ms = percentile_ms (acc, 0.95);
  for (f = 0; f < s->num_flows; f++) {
    sent += acc->flow[f].sent_pkts;
    lost += acc->flow[f].lost_pkts;
    /* Fairness among the flows that send through the whole span. */
    if (flow_active (s, f, a) && flow_active (s, f, b - 1)) {
      double x = acc->flow[f].recv_bytes;
      sum += x;
      sum2 += x * x;
      n++;
    }
  }
  ph->active_flows = n;
  ph->loss = sent ? (double) lost / (double) sent : 0;
  ph->jain = n >= 2 && sum2 > 0 ? sum * sum / (n * sum2) : -1;
  ph->settle_s = -1;
}

/* Settling, from the 100 ms samples: in band and staying there. */
static double
settle_time (const Sim * sim, int64_t a, int64_t b)
{
  int hold = (int) (SIM_SETTLE_HOLD_US / SIM_SAMPLE_US);
  int first = (int) (a / SIM_SAMPLE_US), last = (int) (b / SIM_SAMPLE_US), i;

  if (last > sim->num_samples)
    last = sim->num_samples;
  for (i = first; i + hold <= last; i++) {
    int j;
    for (j = i; j < i + hold; j++) {
      double c = sim->sample_capacity[j], t = sim->sample_targets[j];
      if (t < SIM_SETTLE_LOW * c || t > SIM_SETTLE_HIGH * c)
        break;
    }
    if (j == i + hold)
      return (i * (double) SIM_SAMPLE_US - (double) a) / 1e6;
  }
  return -1;
}

static void
add_acc (PhaseAcc * to, const PhaseAcc * from, int num_flows)
{
  int f, b;

  to->delivered_bits += from->delivered_bits;
  to->media_bits += from->media_bits;
  to->tcp_bits += from->tcp_bits;
  for (f = 0; f < num_flows; f++) {
    to->flow[f].sent_pkts += from->flow[f].sent_pkts;
    to->flow[f].lost_pkts += from->flow[f].lost_pkts;
    to->flow[f].recv_bytes += from->flow[f].recv_bytes;
  }
  for (b = 0; b < SIM_HIST_BINS; b++)
    to->hist[b] += from->hist[b];
  to->hist_n += from->hist_n;
}

static void
summarise (Sim * sim, SimResult * r)
{
  const SimScenario *s = sim->s;
  static PhaseAcc whole;
  int k;

  memset (&whole, 0, sizeof (whole));
  r->num_phases = 0;
  for (k = 0; k < s->num_phases; k++) {
    SimPhaseResult *ph = &r->phase[k];
    int64_t a = s->phase_us[k], b = s->phase_us[k + 1];

    if (a >= sim->duration_us)
      break;
    if (b > sim->duration_us)
      b = sim->duration_us;
    summarise_span (sim, &sim->acc[k], a, b, ph);
    if (!s->tcp)
      ph->settle_s = settle_time (sim, a, b);
    add_acc (&whole, &sim->acc[k], s->num_flows);
    r->num_phases++;
  }
  summarise_span (sim, &whole, 0, sim->duration_us, &r->whole);
  r->media_packets = sim->media_packets;
  r->events = sim->events;
}

void
sim_options_init (SimOptions * o)
{
  memset (o, 0, sizeof (*o));
  o->filter = BWE_FILTER_KALMAN;
  o->seed = 1;
}

int
sim_run (const SimScenario * s, const SimOptions * o, SimResult * r)
{
  Sim *sim = calloc (1, sizeof (Sim));
  BweRemoteEstimatorConfig config;
  int f, i, ret = 0;

  if (!sim)
    return -1;
  sim->s = s;
  sim->o = o;
  bwe_libc_allocator_init (&sim->alloc);
  sim->duration_us = o->duration_us > 0 && o->duration_us < s->duration_us ?
      o->duration_us : s->duration_us;
  sim->free_head = -1;
  sim->rng = o->seed * 0x9E3779B97F4A7C15ULL + 1;
  sim->capacity_bps = s->capacity[0].bps;
  sim->cwnd = SIM_TCP_INITIAL_CWND;
  sim->ssthresh = SIM_TCP_MAX_CWND;
  sim->last_cut_us = -1;
  sim->max_samples = (int) (sim->duration_us / SIM_SAMPLE_US) + 2;
  sim->sample_targets = calloc ((size_t) sim->max_samples, sizeof (double));
  sim->sample_capacity = calloc ((size_t) sim->max_samples, sizeof (double));
  if (!sim->sample_targets || !sim->sample_capacity) {
    ret = -1;
    goto out;
  }

  bwe_remote_estimator_config_init (&config);
  config.filter = o->filter;
  for (f = 0; f < s->num_flows; f++) {
    Flow *fl = &sim->flow[f];
    fl->target_bps = o->fixed_bps ? o->fixed_bps : SIM_START_BITRATE_BPS;
    fl->last_increase_us = INT64_MIN / 2;
    /* What the receiver learns from RTCP: the path's round trip. */
    if (o->mode == SIM_MODE_IMPROVED) {
      bwe_improved_estimator_init (&fl->improved, &config);
      bwe_improved_estimator_set_rtt (&fl->improved, 2 * s->one_way_us / 1000);
    } else {
      bwe_remote_estimator_init (&fl->est, &config, &sim->alloc.allocator);
      bwe_remote_estimator_set_rtt (&fl->est, 2 * s->one_way_us / 1000);
    }
    bwe_remb_throttler_init (&fl->throttler);
    if (push_event (sim, s->start_us[f], EV_FRAME, f, 0) < 0)
      ret = -1;
    if (!o->no_probing && !o->fixed_bps &&
        schedule_probes (sim, s->start_us[f], f) < 0)
      ret = -1;
  }
  for (i = 1; i < s->num_steps; i++)
    if (push_event (sim, s->capacity[i].at_us, EV_CAPACITY, i, 0) < 0)
      ret = -1;
  if (push_event (sim, 0, EV_SAMPLE, 0, 0) < 0)
    ret = -1;
  if (s->tcp && tcp_send (sim, 0) < 0)
    ret = -1;
  if (o->series) {
    fprintf (o->series, "# %s, %s\n# t_s\tcapacity_kbps\tqdelay_ms"
        "\tqdelay_max_ms\ttcp_kbps", s->title, sim_mode_name (o));
    for (f = 0; f < s->num_flows; f++)
      fprintf (o->series, "\test%d_kbps\ttarget%d_kbps\tsend%d_kbps"
          "\trecv%d_kbps", f + 1, f + 1, f + 1, f + 1);
    fputc ('\n', o->series);
  }

  while (ret == 0 && sim->heap_len > 0) {
    Event ev = pop_event (sim);
    if (ev.t > sim->duration_us)
      break;
    sim->events++;
    ret = dispatch (sim, &ev);
  }
  if (ret == 0)
    summarise (sim, r);

out:
  for (f = 0; f < s->num_flows && o->mode != SIM_MODE_IMPROVED; f++)
    bwe_remote_estimator_release (&sim->flow[f].est);
  free (sim->heap);
  free (sim->pool);
  free (sim->queue);
  free (sim->sample_targets);
  free (sim->sample_capacity);
  free (sim);
  return ret;
}

const char *
sim_mode_name (const SimOptions * o)
{
  if (o->mode == SIM_MODE_IMPROVED)
    return "improved";
  return o->filter == BWE_FILTER_TRENDLINE ? "trendline" : "kalman";
}

void
sim_print_header (FILE * f)
{
  fprintf (f, "| scenario | mode | phase (s) | capacity (Mbps) | utilisation "
      "| media (Mbps) | queue p50 (ms) | queue p95 (ms) | loss | settle (s) "
      "| Jain | media share vs TCP |\n");
  fprintf (f, "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

static void
print_row (FILE * f, const SimScenario * s, const SimOptions * o,
    const SimPhaseResult * ph, bool whole)
{
  char phase[32], settle[32], jain[32], share[32];

  if (whole)
    snprintf (phase, sizeof (phase), "all");
  else
    snprintf (phase, sizeof (phase), "%lld-%lld",
        (long long) (ph->start_us / 1000000), (long long) (ph->end_us / 1000000));
  if (s->tcp || whole)
    snprintf (settle, sizeof (settle), "n/a");
  else if (ph->settle_s < 0)
    snprintf (settle, sizeof (settle), "never");
  else
    snprintf (settle, sizeof (settle), "%.1f", ph->settle_s);
  if (ph->jain < 0)
    snprintf (jain, sizeof (jain), "n/a");
  else
    snprintf (jain, sizeof (jain), "%.3f", ph->jain);
  if (s->tcp && ph->media_bps + ph->tcp_bps > 0)
    snprintf (share, sizeof (share), "%.1f %%",
        100.0 * ph->media_bps / (ph->media_bps + ph->tcp_bps));
  else
    snprintf (share, sizeof (share), "n/a");
  fprintf (f, "| %s | %s | %s | %.2f | %.1f %% | %.3f | %.1f | %.1f "
      "| %.2f %% | %s | %s | %s |\n", o->label ? o->label : s->name,
      sim_mode_name (o), phase, ph->capacity_bps / 1e6,
      100.0 * ph->utilisation, ph->media_bps / 1e6, ph->qdelay_p50_ms,
      ph->qdelay_p95_ms, 100.0 * ph->loss, settle, jain, share);
}

void
sim_print_rows (FILE * f, const SimScenario * s, const SimOptions * o,
    const SimResult * r)
{
  int k;

  for (k = 0; k < r->num_phases; k++)
    print_row (f, s, o, &r->phase[k], false);
  print_row (f, s, o, &r->whole, true);
}
