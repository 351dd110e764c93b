/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The benchmark trace: generated in send order, pushed through a FIFO
 * bottleneck, then delayed. */
#include <math.h>
#include <stdlib.h>

#include "trace_gen.h"

#define TRACE_ONE_WAY_US 20000
#define TRACE_QUEUE_LIMIT_US 300000
#define TRACE_JITTER_SD_US 1000.0
#define TRACE_PHASE_US 20000000
#define TRACE_WIRE_OVERHEAD 48  /* RTP + abs-send-time extension + IP/UDP */
#define TRACE_MAX_PAYLOAD 1180
#define TRACE_PACING_FACTOR 2.5

typedef struct
{
  uint32_t ssrc;
  int fps;                      /* frames (or audio packets) per second */
  uint32_t bps;
} TraceStream;

static const TraceStream streams[] = {
  {0x1001, 30, 1500000},
  {0x1002, 30, 600000},
  {0x1003, 15, 300000},
  {0x1004, 50, 40000},
};

static const uint32_t capacity_bps[] = { 3000000, 2000000, 4000000 };

typedef struct
{
  int64_t send_us;
  uint32_t payload;
  uint32_t ssrc;
  uint16_t seq;
  size_t order;
} Sent;

static int
compare_sent (const void *a, const void *b)
{
  const Sent *x = a, *y = b;

  if (x->send_us != y->send_us)
    return x->send_us < y->send_us ? -1 : 1;
  return x->order < y->order ? -1 : (x->order > y->order);
}

static double
uniform (uint64_t * s)
{
  uint64_t x = *s;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return (double) ((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static size_t
generate_sends (Sent * out, size_t cap)
{
  size_t num_streams = sizeof (streams) / sizeof (streams[0]), n = 0, i;
  int64_t frame[sizeof (streams) / sizeof (streams[0])] = { 0 };
  uint16_t seq[sizeof (streams) / sizeof (streams[0])] = { 0 };

  while (n < cap) {
    /* The stream whose frame is due first (lowest index on ties). */
    size_t best = 0;
    int64_t t;
    uint32_t bytes, packets, k;

    for (i = 1; i < num_streams; i++)
      if (frame[i] * 1000000 / streams[i].fps <
          frame[best] * 1000000 / streams[best].fps)
        best = i;
    t = frame[best] * 1000000 / streams[best].fps;
    bytes = streams[best].bps / 8 / (uint32_t) streams[best].fps;
    packets = (bytes + TRACE_MAX_PAYLOAD - 1) / TRACE_MAX_PAYLOAD;
    for (k = 0; k < packets && n < cap; k++, n++) {
      uint32_t payload = bytes / packets + (k < bytes % packets ? 1 : 0);
      out[n].send_us = t + (int64_t) k * (int64_t) ((payload +
              TRACE_WIRE_OVERHEAD) * 8 * 1e6 / (TRACE_PACING_FACTOR *
              streams[best].bps));
      out[n].payload = payload;
      out[n].ssrc = streams[best].ssrc;
      out[n].seq = seq[best]++;
      out[n].order = n;
    }
    frame[best]++;
  }
  qsort (out, n, sizeof (Sent), compare_sent);
  return n;
}

size_t
bench_trace_generate (BenchPacket * out, size_t n, uint64_t seed)
{
  size_t cap = n + n / 2 + 1000;

  for (;;) {
    Sent *sent = malloc (cap * sizeof (Sent));
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    int64_t link_free = 0, last_arrival = 0;
    size_t m, i, w = 0;

    if (!sent)
      return 0;
    m = generate_sends (sent, cap);
    for (i = 0; i < m && w < n; i++) {
      const Sent *p = &sent[i];
      uint32_t c = capacity_bps[(p->send_us / TRACE_PHASE_US) % 3];
      int64_t start = link_free > p->send_us ? link_free : p->send_us;
      double u1, u2, j;
      int64_t arrival;

      if (start - p->send_us > TRACE_QUEUE_LIMIT_US)
        continue;               /* dropped at the tail */
      link_free = start + (int64_t) ((p->payload + TRACE_WIRE_OVERHEAD) * 8 *
          1e6 / c);
      u1 = uniform (&rng);
      u2 = uniform (&rng);
      j = fabs (TRACE_JITTER_SD_US * sqrt (-2.0 * log (u1 > 0 ? u1 : 1e-300))
          * cos (2.0 * M_PI * u2));
      if (j > 3 * TRACE_JITTER_SD_US)
        j = 3 * TRACE_JITTER_SD_US;
      arrival = link_free + TRACE_ONE_WAY_US + (int64_t) j;
      if (arrival < last_arrival)
        arrival = last_arrival;
      last_arrival = arrival;
      out[w].arrival_us = arrival;
      /* abs-send-time of a sender whose clock reads 1000 s at the start. */
      out[w].send_time_24 = (uint32_t) ((((uint64_t) (p->send_us +
                      1000000000) << 18) + 500000) / 1000000) & 0xFFFFFF;
      out[w].payload = p->payload;
      out[w].ssrc = p->ssrc;
      out[w].seq = p->seq;
      w++;
    }
    free (sent);
    if (w == n)
      return n;
    cap *= 2;
  }
}
