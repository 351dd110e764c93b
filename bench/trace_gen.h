/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A deterministic multi-stream packet trace for the cost benchmarks: four
 * streams (two 30 fps videos, a 15 fps video and 50 packet/s audio) through a
 * drop-tail bottleneck whose capacity steps between 2, 3 and 4 Mbit/s every
 * 20 s, 20 ms one way, Gaussian jitter that never reorders. */
#ifndef BENCH_TRACE_GEN_H
#define BENCH_TRACE_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct
{
  int64_t arrival_us;
  uint32_t send_time_24;
  uint32_t payload;
  uint32_t ssrc;
  uint16_t seq;                 /* RTP sequence number: the drops are gaps */
} BenchPacket;

/* Fills out[0..n) for the given seed; returns how many it wrote (n). */
size_t bench_trace_generate (BenchPacket * out, size_t n, uint64_t seed);

#endif
