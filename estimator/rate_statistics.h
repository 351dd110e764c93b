/* libwebrtc's RateStatistics (rtc_base/rate_statistics.cc): a sum of counts over
 * a sliding window of 1 ms buckets, read as count * scale / active_window in
 * single-precision float exactly as libwebrtc computes it.
 *
 * Buckets live in a fixed ring of BWE_RATE_STATISTICS_MAX_WINDOW_MS entries: a
 * window never holds more buckets than milliseconds, so nothing is dropped. */
#ifndef BWE_RATE_STATISTICS_H
#define BWE_RATE_STATISTICS_H

#include <stdbool.h>
#include <stdint.h>

#define BWE_RATE_STATISTICS_MAX_WINDOW_MS 1000
/* Ring size: a power of two at least the largest window. */
#define BWE_RATE_STATISTICS_RING 1024

typedef struct
{
  int64_t sum;
  int64_t timestamp;
  int num_samples;
} BweRateBucket;

typedef struct
{
  BweRateBucket buckets[BWE_RATE_STATISTICS_RING];
  unsigned head;                /* index of the oldest bucket */
  unsigned len;
  int64_t oldest_timestamp;     /* of the oldest bucket, INT64_MAX: none */
  int64_t accumulated_count;
  bool overflow;
  int64_t num_samples;
  int64_t first_timestamp;      /* -1: none */
  float scale;
  int64_t window_ms;
} BweRateStatistics;

/* RateStatistics(window_ms, scale); window_ms is clamped to
 * [1, BWE_RATE_STATISTICS_MAX_WINDOW_MS].  The estimator uses (1000, 8000). */
void bwe_rate_statistics_init (BweRateStatistics * rs, int64_t window_ms,
    float scale);

/* Reset(): forgets every sample. */
void bwe_rate_statistics_reset (BweRateStatistics * rs);

/* Update(count, now_ms): adds count at now_ms (a time before the newest bucket
 * is counted in the newest bucket, as libwebrtc does). */
void bwe_rate_statistics_update (BweRateStatistics * rs, int64_t count,
    int64_t now_ms);

/* Rate(now_ms): drops buckets older than the window, then returns false when
 * libwebrtc returns nullopt, else true with the rate in *rate. */
bool bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate);

/* Whether Rate(now_ms) would return a value (same side effect, no float math). */
bool bwe_rate_statistics_available (BweRateStatistics * rs, int64_t now_ms);

#endif
