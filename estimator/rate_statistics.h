/* libwebrtc's RateStatistics (rtc_base/rate_statistics.cc): a sum of counts over
 * a sliding window of 1 ms buckets, read as count * scale / active_window in
 * single-precision float exactly as libwebrtc computes it.
 *
 * Buckets live in a fixed ring: a window never holds more buckets than
 * milliseconds, so nothing is dropped.  The per-packet calls (Update and the
 * availability test) are inline: they are on the estimator's hot path. */
#ifndef BWE_RATE_STATISTICS_H
#define BWE_RATE_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BWE_RATE_STATISTICS_MAX_WINDOW_MS 1000
/* Ring size: a power of two at least the largest window. */
#define BWE_RATE_STATISTICS_RING 1024

typedef struct
{
  int64_t sum;
  int64_t timestamp;
  int64_t num_samples;
} BweRateBucket;

typedef struct
{
  BweRateBucket buckets[BWE_RATE_STATISTICS_RING];
  uint32_t head;                /* ring position of the oldest bucket... */
  uint32_t tail;                /* ...and one past the newest (free-running) */
  int64_t oldest_timestamp;     /* of the oldest bucket, INT64_MAX: none */
  int64_t accumulated_count;
  bool overflow;
  int64_t num_samples;
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

/* EraseOld(now_ms): drops buckets older than the window. */
static inline void
bwe_rate_statistics_erase_old (BweRateStatistics * rs, int64_t now_ms)
{
  const int64_t new_oldest_time = now_ms - rs->window_ms + 1;
  uint32_t head;
  int64_t acc, n, oldest;

  if (rs->oldest_timestamp >= new_oldest_time)
    return;
  /* Locals: the bucket stores would otherwise force reloads of these. */
  head = rs->head;
  acc = rs->accumulated_count;
  n = rs->num_samples;
  oldest = INT64_MAX;
  do {
    const BweRateBucket *b =
        &rs->buckets[head & (BWE_RATE_STATISTICS_RING - 1)];
    acc -= b->sum;
    n -= b->num_samples;
    /* Like libwebrtc, an overflow is never cleared. */
    if (++head == rs->tail) {
      /* Empty: the next sample opens a bucket whatever its time. */
      rs->newest_timestamp = INT64_MIN;
      break;
    }
    b = &rs->buckets[head & (BWE_RATE_STATISTICS_RING - 1)];
    if (b->timestamp >= new_oldest_time) {
      oldest = b->timestamp;
      break;
    }
  } while (1);
  rs->head = head;
  rs->accumulated_count = acc;
  rs->num_samples = n;
  rs->oldest_timestamp = oldest;
}

/* Update(count, now_ms) when EraseOld(now_ms) has just been done (by
 * bwe_rate_statistics_available() at the same time, or a Reset()). */
static inline void
bwe_rate_statistics_update_erased (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  BweRateBucket *last;
  uint32_t tail;
  int64_t acc;

  if (rs->first_timestamp == -1 || rs->num_samples == 0) {
    rs->first_timestamp = now_ms;
    /* -1 is libwebrtc's "none" even when it is a real time. */
    rs->full_from_ms = now_ms == -1 ? INT64_MAX : now_ms + rs->window_ms;
  }
  tail = rs->tail;
  /* An empty ring has no newest bucket (INT64_MIN): no emptiness check. */
  if (now_ms > rs->newest_timestamp) {
    /* A new bucket.  After EraseOld all buckets lie within the window and
     * have distinct times, so the ring (larger than any window) has room. */
    last = &rs->buckets[tail & (BWE_RATE_STATISTICS_RING - 1)];
    if (rs->head == tail)
      rs->oldest_timestamp = now_ms;
    rs->tail = tail + 1;
    rs->newest_timestamp = now_ms;
    last->timestamp = now_ms;
    last->sum = count;
    last->num_samples = 1;
  } else {
    /* The newest bucket's time, or earlier (counted in the newest). */
    last = &rs->buckets[(tail - 1) & (BWE_RATE_STATISTICS_RING - 1)];
    last->sum += count;
    last->num_samples++;
  }
  acc = rs->accumulated_count;
  if (INT64_MAX - acc > count)
    rs->accumulated_count = acc + count;
  else
    rs->overflow = true;
  rs->num_samples++;
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

/* Rate()'s active window after EraseOld(now_ms), 0 when it returns nullopt. */
static inline int
bwe_rate_statistics_active_window (BweRateStatistics * rs, int64_t now_ms)
{
  int active_window_size = 0;

  bwe_rate_statistics_erase_old (rs, now_ms);
  /* The steady state: the stream started before the window. */
  if (now_ms >= rs->full_from_ms)
    return rs->num_samples == 0 || rs->overflow ? 0 : rs->full_window;
  if (rs->first_timestamp != -1) {
    if (rs->first_timestamp <= now_ms - rs->window_ms)
      /* The stream started before the window: count the window as full. */
      active_window_size = (int) rs->window_ms;
    else
      active_window_size = (int) (now_ms - rs->first_timestamp + 1);
  }
  /* A single bucket, or a single sample in a window not yet full, gives no
   * rate. */
  if (rs->num_samples == 0 || active_window_size <= 1 ||
      (rs->num_samples <= 1 && active_window_size < rs->window_ms) ||
      rs->overflow)
    return 0;
  return active_window_size;
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
