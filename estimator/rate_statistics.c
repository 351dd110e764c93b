/* libwebrtc's RateStatistics with a fixed ring of buckets. */
#include "rate_statistics.h"

#include <stddef.h>

static BweRateBucket *
bucket_at (BweRateStatistics * rs, unsigned i)
{
  return &rs->buckets[(rs->head + i) & (BWE_RATE_STATISTICS_RING - 1)];
}

void
bwe_rate_statistics_init (BweRateStatistics * rs, int64_t window_ms,
    float scale)
{
  if (window_ms < 1)
    window_ms = 1;
  if (window_ms > BWE_RATE_STATISTICS_MAX_WINDOW_MS)
    window_ms = BWE_RATE_STATISTICS_MAX_WINDOW_MS;
  rs->window_ms = window_ms;
  rs->scale = scale;
  bwe_rate_statistics_reset (rs);
}

void
bwe_rate_statistics_reset (BweRateStatistics * rs)
{
  rs->accumulated_count = 0;
  rs->overflow = false;
  rs->num_samples = 0;
  rs->first_timestamp = -1;
  rs->head = 0;
  rs->len = 0;
  rs->oldest_timestamp = INT64_MAX;
}

static inline void
erase_old (BweRateStatistics * rs, int64_t now_ms)
{
  const int64_t new_oldest_time = now_ms - rs->window_ms + 1;

  if (rs->oldest_timestamp >= new_oldest_time)
    return;
  while (rs->len > 0 && rs->buckets[rs->head].timestamp < new_oldest_time) {
    const BweRateBucket *oldest = &rs->buckets[rs->head];
    rs->accumulated_count -= oldest->sum;
    rs->num_samples -= oldest->num_samples;
    rs->head = (rs->head + 1) & (BWE_RATE_STATISTICS_RING - 1);
    rs->len--;
    /* Like libwebrtc, an overflow is never cleared. */
  }
  rs->oldest_timestamp = rs->len > 0 ? rs->buckets[rs->head].timestamp :
      INT64_MAX;
}

void
bwe_rate_statistics_update (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  BweRateBucket *last;

  erase_old (rs, now_ms);
  if (rs->first_timestamp == -1 || rs->num_samples == 0)
    rs->first_timestamp = now_ms;
  last = rs->len > 0 ? bucket_at (rs, rs->len - 1) : NULL;
  if (last == NULL || now_ms != last->timestamp) {
    if (last != NULL && now_ms < last->timestamp)
      /* Time went back: count it in the newest bucket. */
      now_ms = last->timestamp;
    else {
      /* After erase_old every bucket is within the window and timestamps are
       * distinct, so a new one always fits; the check only guards the ring. */
      if (rs->len == BWE_RATE_STATISTICS_MAX_WINDOW_MS) {
        rs->accumulated_count -= rs->buckets[rs->head].sum;
        rs->num_samples -= rs->buckets[rs->head].num_samples;
        rs->head = (rs->head + 1) & (BWE_RATE_STATISTICS_RING - 1);
        rs->len--;
        rs->oldest_timestamp = rs->buckets[rs->head].timestamp;
      }
      if (rs->len == 0)
        rs->oldest_timestamp = now_ms;
      last = bucket_at (rs, rs->len);
      last->timestamp = now_ms;
      last->sum = 0;
      last->num_samples = 0;
      rs->len++;
    }
  }
  last->sum += count;
  last->num_samples++;
  if (INT64_MAX - rs->accumulated_count > count)
    rs->accumulated_count += count;
  else
    rs->overflow = true;
  rs->num_samples++;
}

/* Rate()'s active window, 0 when it returns nullopt. */
static inline int
active_window (BweRateStatistics * rs, int64_t now_ms)
{
  int active_window_size = 0;

  erase_old (rs, now_ms);
  if (rs->first_timestamp != -1) {
    if (rs->first_timestamp <= now_ms - rs->window_ms)
      /* The stream started before the window: count the window as full. */
      active_window_size = (int) rs->window_ms;
    else
      active_window_size = (int) (now_ms - rs->first_timestamp + 1);
  }
  /* A single bucket, or a single sample in a window not yet full, gives no rate. */
  if (rs->num_samples == 0 || active_window_size <= 1 ||
      (rs->num_samples <= 1 && active_window_size < rs->window_ms) ||
      rs->overflow)
    return 0;
  return active_window_size;
}

bool
bwe_rate_statistics_available (BweRateStatistics * rs, int64_t now_ms)
{
  /* The float result only overflows int64 with an overflowed count, which
   * active_window() already rejects. */
  return active_window (rs, now_ms) > 0;
}

bool
bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate)
{
  int active_window_size = active_window (rs, now_ms);
  float scale, result;

  if (active_window_size == 0)
    return false;
  /* Single precision, as libwebrtc computes it. */
  scale = rs->scale / (float) active_window_size;
  result = (float) rs->accumulated_count * scale + 0.5f;
  if (result > (float) INT64_MAX)
    return false;
  *rate = (int64_t) result;
  return true;
}
