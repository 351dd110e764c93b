/* libwebrtc's RateStatistics (rtc_base/rate_statistics.cc): a sum of counts over
 * a sliding window of 1 ms buckets, read as count * scale / active_window in
 * single-precision float exactly as libwebrtc computes it.
 *
 * libwebrtc erases the buckets that left the window on every call.  Here a
 * bucket records the running totals before it, so a window's sum and sample
 * count are differences of totals and leaving the window costs nothing:
 * erasing is only raising a floor on the live buckets' times, and the buckets
 * under the floor are dropped in one binary search when the ring fills.
 *
 * That floor is exact: bucket times increase along the ring (a new bucket is
 * opened only past the newest), so each EraseOld(now) keeps the buckets at or
 * after now - window + 1 unless it drops the newest too, which empties the
 * ring.  A bucket is opened past every floor set before it, so the highest
 * floor since the ring was last empty decides for all of them.
 *
 * The per-packet calls (Update and the availability test) are inline: they
 * are on the estimator's hot path. */
#ifndef BWE_RATE_STATISTICS_H
#define BWE_RATE_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BWE_RATE_STATISTICS_MAX_WINDOW_MS 1000
/* Ring size: a power of two above the largest window (live buckets have
 * distinct times within one window; the rest is room before a prune). */
#define BWE_RATE_STATISTICS_RING 1024
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
  BweRateBucket buckets[BWE_RATE_STATISTICS_RING];
  uint32_t head;                /* ring position of the oldest bucket kept... */
  uint32_t tail;                /* ...and one past the newest (free-running) */
  uint32_t live;                /* at or before the first live bucket */
  int64_t floor_ms;             /* buckets before it left the window;
                                 * INT64_MAX while the ring is empty */
  uint64_t total;               /* counts since the ring was last empty */
  uint64_t total_samples;
  bool overflow;
  int64_t first_timestamp;      /* -1: none */
  int64_t full_from_ms;         /* first_timestamp + window_ms, INT64_MAX: none */
  int64_t newest_timestamp;     /* of the newest bucket, INT64_MIN: none */
  float scale;
  int64_t window_ms;
  int full_window;              /* window_ms, 0 when a full window has no rate */
} BweRateStatistics;

/* RateStatistics(window_ms, scale); window_ms is clamped to
 * [1, BWE_RATE_STATISTICS_MAX_WINDOW_MS].  The estimator uses (1000, 8000). */
void bwe_rate_statistics_init (BweRateStatistics * rs, int64_t window_ms,
    float scale);

/* Reset(): forgets every sample. */
void bwe_rate_statistics_reset (BweRateStatistics * rs);

/* The sum and sample count of the live buckets (those at or after floor_ms). */
void bwe_rate_statistics_window (BweRateStatistics * rs,
    uint64_t * sum, uint64_t * samples);

/* Update()'s overflow test when the totals are too large for the quick one. */
bool bwe_rate_statistics_would_overflow (BweRateStatistics * rs,
    int64_t count);

/* Drops the dead buckets to make room for a new one. */
void bwe_rate_statistics_prune (BweRateStatistics * rs);

/* EraseOld(now_ms).  An empty ring has no floor (INT64_MAX): nothing to do. */
static inline void
bwe_rate_statistics_erase_old (BweRateStatistics * rs, int64_t now_ms)
{
  const int64_t new_floor = now_ms - rs->window_ms + 1;

  if (new_floor <= rs->floor_ms)
    return;
  if (new_floor > rs->newest_timestamp) {
    /* Every bucket leaves: the next sample opens one whatever its time.  Like
     * libwebrtc, an overflow is never cleared. */
    rs->head = rs->live = rs->tail;
    rs->newest_timestamp = INT64_MIN;
    rs->floor_ms = INT64_MAX;
    rs->total = 0;
    rs->total_samples = 0;
    return;
  }
  rs->floor_ms = new_floor;
}

/* First sample since the ring was empty, or since a first time of -1
 * (libwebrtc's "none", even when it is a real time). */
static inline void
bwe_rate_statistics_set_first (BweRateStatistics * rs, int64_t now_ms)
{
  rs->first_timestamp = now_ms;
  rs->full_from_ms = now_ms == -1 ? INT64_MAX : now_ms + rs->window_ms;
}

/* Update(count, now_ms) when EraseOld(now_ms) has just been done (by
 * bwe_rate_statistics_available() at the same time, or a Reset()). */
static inline void
bwe_rate_statistics_update_erased (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  /* An empty ring has no newest bucket (INT64_MIN). */
  if (now_ms > rs->newest_timestamp) {
    BweRateBucket *b;

    if (rs->newest_timestamp == INT64_MIN) {
      bwe_rate_statistics_set_first (rs, now_ms);
      rs->floor_ms = now_ms - rs->window_ms + 1;
    } else {
      if (rs->first_timestamp == -1)
        bwe_rate_statistics_set_first (rs, now_ms);
      if (rs->tail - rs->head == BWE_RATE_STATISTICS_RING)
        bwe_rate_statistics_prune (rs);
    }
    b = &rs->buckets[rs->tail++ & (BWE_RATE_STATISTICS_RING - 1)];
    b->timestamp = now_ms;
    b->sum_before = rs->total;
    b->samples_before = rs->total_samples;
    rs->newest_timestamp = now_ms;
  } else if (rs->first_timestamp == -1) {
    /* A time before the newest bucket is counted in the newest bucket. */
    bwe_rate_statistics_set_first (rs, now_ms);
  }
  /* libwebrtc's accumulated count stops short of INT64_MAX. */
  if ((rs->total | (uint64_t) count) >= BWE_RATE_STATISTICS_SAFE_TOTAL
      && bwe_rate_statistics_would_overflow (rs, count))
    rs->overflow = true;
  rs->total += (uint64_t) count;
  rs->total_samples++;
}

/* Update(count, now_ms): adds count at now_ms (a time before the newest bucket
 * is counted in the newest bucket, as libwebrtc does). */
static inline void
bwe_rate_statistics_update (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  bwe_rate_statistics_erase_old (rs, now_ms);
  bwe_rate_statistics_update_erased (rs, count, now_ms);
}

/* Rate()'s active window after EraseOld(now_ms) when it has samples, 0 when
 * it returns nullopt. */
int bwe_rate_statistics_active_window_slow (BweRateStatistics * rs,
    int64_t now_ms);

/* Rate()'s active window after EraseOld(now_ms), 0 when it returns nullopt. */
static inline int
bwe_rate_statistics_active_window (BweRateStatistics * rs, int64_t now_ms)
{
  bwe_rate_statistics_erase_old (rs, now_ms);
  if (rs->newest_timestamp == INT64_MIN || rs->overflow)
    return 0;
  /* The steady state: the stream started before the window. */
  if (now_ms >= rs->full_from_ms)
    return rs->full_window;
  return bwe_rate_statistics_active_window_slow (rs, now_ms);
}

/* Whether Rate(now_ms) would return a value (same side effect, no float math:
 * the float result only exceeds int64 with an overflowed count, which is
 * rejected anyway). */
static inline bool
bwe_rate_statistics_available (BweRateStatistics * rs, int64_t now_ms)
{
  return bwe_rate_statistics_active_window (rs, now_ms) > 0;
}

/* Rate(now_ms): drops buckets older than the window, then returns false when
 * libwebrtc returns nullopt, else true with the rate in *rate. */
bool bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate);

#endif
