/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's rtc_base/rate_statistics.cc, source stamp 2023-02-14
 * (~M112); libwebrtc's BSD-3-Clause notice: LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's RateStatistics (rtc_base/rate_statistics.cc): a sum of counts over
 * a sliding window of 1 ms buckets, read as count * scale / active_window in
 * single-precision float exactly as libwebrtc computes it.
 *
 * libwebrtc erases the buckets that left the window on every call.  Here a
 * bucket records the running totals before it, so a window's sum and sample
 * count are differences of totals and leaving the window costs nothing:
 * erasing is only raising a floor on the live buckets' times, and the buckets
 * under the floor are dropped in one search when the ring fills.
 *
 * That floor is exact: bucket times increase along the ring (a new bucket is
 * opened only past the newest), so each EraseOld(now) keeps the buckets at or
 * after now - window + 1 unless it drops the newest too, which empties the
 * ring.  A bucket is opened past every floor set before it, so the highest
 * floor since the ring was last empty decides for all of them.
 *
 * The ring grows with use: it starts empty and doubles (from
 * BWE_RATE_STATISTICS_MIN_RING up to BWE_RATE_STATISTICS_RING buckets) when a
 * prune leaves it mostly live, through the allocator given to init
 * (allocator.h).  A window holds at most window_ms live buckets, so the
 * largest ring always has room after a prune.  If the allocator fails with
 * every bucket live, the sample is counted in the newest bucket (counted in
 * samples_merged; the rate then departs from libwebrtc's), and with no bucket
 * at all there is no rate.
 *
 * The steady case of a packet (a rate available before it and after it, no
 * reset) is inline: it is on the estimator's hot path. */
#ifndef BWE_RATE_STATISTICS_H
#define BWE_RATE_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

#define BWE_RATE_STATISTICS_MAX_WINDOW_MS 1000
/* Largest ring: a power of two above the largest window (live buckets have
 * distinct times within one window; the rest is room before a prune). */
#define BWE_RATE_STATISTICS_RING 1024
/* The first ring allocated. */
#define BWE_RATE_STATISTICS_MIN_RING 16
/* Totals below this cannot overflow the window's int64 sum when one count
 * below it is added: no need to look the window's sum up. */
#define BWE_RATE_STATISTICS_SAFE_TOTAL (UINT64_C (1) << 62)

typedef struct
{
  int64_t timestamp;
  uint64_t sum_before;          /* total count before this bucket... */
  uint64_t samples_before;      /* ...and total samples (mod 2^64) */
} BweRateBucket;

typedef struct
{
  /* What the steady case reads and writes first, in two cache lines. */
  /* The steady case (see bwe_rate_statistics_steady) holds for times in
   * [steady_from_ms, steady_until_ms]. */
  int64_t steady_from_ms;
  int64_t steady_until_ms;
  uint64_t total;               /* counts since the ring was last empty */
  uint64_t total_samples;
  int64_t newest_timestamp;     /* of the newest bucket, INT64_MIN: none */
  BweRateBucket *buckets;       /* capacity buckets, NULL while 0 */
  uint32_t mask;                /* capacity - 1 */
  uint32_t tail;                /* one past the newest bucket (free-running) */
  uint32_t full_tail;           /* head + capacity: the tail of a full ring */
  uint32_t head;                /* ring position of the oldest bucket kept */
  int64_t window_ms;
  uint32_t capacity;
  uint32_t live;                /* at or before the first live bucket */
  /* The highest EraseOld() floor since the ring was last empty is the larger
   * of this and newest_timestamp - window_ms + 1 (every Update() sets that
   * one); INT64_MAX while the ring is empty. */
  int64_t floor_ms;
  bool overflow;
  int64_t first_timestamp;      /* -1: none */
  int64_t full_from_ms;         /* first_timestamp + window_ms, INT64_MAX: none */
  float scale;
  int full_window;              /* window_ms, 0 when a full window has no rate */
  const BweAllocator *alloc;
  uint64_t samples_merged;      /* counted in the newest bucket: no memory */
} BweRateStatistics;

/* RateStatistics(window_ms, scale); window_ms is clamped to
 * [1, BWE_RATE_STATISTICS_MAX_WINDOW_MS].  The estimator uses (1000, 8000).
 * Allocates nothing: the ring comes from alloc with the first sample. */
void bwe_rate_statistics_init (BweRateStatistics * rs, int64_t window_ms,
    float scale, const BweAllocator * alloc);

/* Gives the ring back to the allocator; init again to use rs after. */
void bwe_rate_statistics_release (BweRateStatistics * rs);

/* Drops the buckets that left the window and, when at most a quarter of the
 * ring is live, shrinks it to twice the live buckets (at least the first
 * ring; no ring when none is live).  Changes no result. */
void bwe_rate_statistics_trim (BweRateStatistics * rs);

/* Bytes of ring held. */
size_t bwe_rate_statistics_heap_bytes (const BweRateStatistics * rs);

/* Reset(): forgets every sample. */
void bwe_rate_statistics_reset (BweRateStatistics * rs);

/* Update(count, now_ms) when EraseOld(now_ms) has just been done (by
 * bwe_rate_statistics_available() at the same time, or a Reset()). */
void bwe_rate_statistics_update_erased (BweRateStatistics * rs, int64_t count,
    int64_t now_ms);

/* Update(count, now_ms): adds count at now_ms (a time before the newest bucket
 * is counted in the newest bucket, as libwebrtc does). */
void bwe_rate_statistics_update (BweRateStatistics * rs, int64_t count,
    int64_t now_ms);

/* Whether Rate(now_ms) would return a value (same side effect, no float math:
 * the float result only exceeds int64 with an overflowed count, which is
 * rejected anyway). */
bool bwe_rate_statistics_available (BweRateStatistics * rs, int64_t now_ms);

/* Rate(now_ms): drops buckets older than the window, then returns false when
 * libwebrtc returns nullopt, else true with the rate in *rate. */
bool bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate);

/* Whether Rate(now_ms) followed by Update(count, now_ms) is the steady case:
 * the window was full and a rate available, no bucket leaves but by the
 * floor, the ring has room and the sum is far from overflowing.  Nothing is
 * changed. */
static inline bool
bwe_rate_statistics_steady (const BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  return now_ms >= rs->steady_from_ms && now_ms <= rs->steady_until_ms
      && (rs->total | (uint64_t) count) < BWE_RATE_STATISTICS_SAFE_TOTAL;
}

/* A new newest bucket at now_ms, past the newest one, in a ring with room. */
static inline void
bwe_rate_statistics_open_bucket (BweRateStatistics * rs, int64_t now_ms)
{
  BweRateBucket *b = &rs->buckets[rs->tail++ & rs->mask];

  b->timestamp = now_ms;
  b->sum_before = rs->total;
  b->samples_before = rs->total_samples;
  rs->newest_timestamp = now_ms;
  /* Up to the last time this bucket is in the window; only this bucket's time
   * while the ring is full (a new one needs a prune, or more ring). */
  rs->steady_until_ms = rs->tail == rs->full_tail ?
      now_ms : now_ms + rs->window_ms - 1;
}

/* Rate(now_ms) then Update(count, now_ms) in the steady case: the floor that
 * Rate() raises is the new newest bucket's, or lower. */
static inline void
bwe_rate_statistics_update_steady (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  if (now_ms > rs->newest_timestamp)
    bwe_rate_statistics_open_bucket (rs, now_ms);
  rs->total += (uint64_t) count;
  rs->total_samples++;
}

#endif
