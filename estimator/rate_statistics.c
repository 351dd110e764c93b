/* libwebrtc's RateStatistics over a ring of buckets holding running totals
 * (the per-packet parts are inline in the header). */
#include "rate_statistics.h"

void
bwe_rate_statistics_init (BweRateStatistics * rs, int64_t window_ms,
    float scale)
{
  if (window_ms < 1)
    window_ms = 1;
  if (window_ms > BWE_RATE_STATISTICS_MAX_WINDOW_MS)
    window_ms = BWE_RATE_STATISTICS_MAX_WINDOW_MS;
  rs->window_ms = window_ms;
  /* A 1 ms window is never more than one bucket: no rate. */
  rs->full_window = window_ms > 1 ? (int) window_ms : 0;
  rs->scale = scale;
  bwe_rate_statistics_reset (rs);
}

void
bwe_rate_statistics_reset (BweRateStatistics * rs)
{
  rs->head = 0;
  rs->tail = 0;
  rs->live = 0;
  rs->floor_ms = INT64_MAX;
  rs->total = 0;
  rs->total_samples = 0;
  rs->overflow = false;
  rs->first_timestamp = -1;
  rs->full_from_ms = INT64_MAX;
  rs->newest_timestamp = INT64_MIN;
}

static const BweRateBucket *
bucket_at (const BweRateStatistics * rs, uint32_t pos)
{
  return &rs->buckets[pos & (BWE_RATE_STATISTICS_RING - 1)];
}

/* The first bucket at or after the floor: times increase along the ring, and
 * the floor only rises while the ring holds buckets, so the search starts
 * where the last one ended.  Positions are searched as offsets from head, as
 * they run over 2^32. */
static uint32_t
first_live (BweRateStatistics * rs)
{
  uint32_t lo = rs->live - rs->head, hi = rs->tail - rs->head;

  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;

    if (bucket_at (rs, rs->head + mid)->timestamp < rs->floor_ms)
      lo = mid + 1;
    else
      hi = mid;
  }
  rs->live = rs->head + lo;
  return rs->live;
}

void
bwe_rate_statistics_window (BweRateStatistics * rs, uint64_t * sum,
    uint64_t * samples)
{
  uint32_t pos = first_live (rs);

  if (pos == rs->tail) {
    *sum = 0;
    *samples = 0;
    return;
  }
  /* Differences of running totals, exact modulo 2^64: a window's sum stays
   * below 2^63 until the overflow flag is set, and is not read after. */
  *sum = rs->total - bucket_at (rs, pos)->sum_before;
  *samples = rs->total_samples - bucket_at (rs, pos)->samples_before;
}

bool
bwe_rate_statistics_would_overflow (BweRateStatistics * rs,
    int64_t count)
{
  uint64_t sum, samples;

  bwe_rate_statistics_window (rs, &sum, &samples);
  /* "max - accumulated_count_ > count" fails */
  return !((uint64_t) INT64_MAX - sum > (uint64_t) count);
}

void
bwe_rate_statistics_prune (BweRateStatistics * rs)
{
  rs->head = first_live (rs);
}

int
bwe_rate_statistics_active_window_slow (BweRateStatistics * rs,
    int64_t now_ms)
{
  int active_window_size = 0;
  uint64_t sum, samples;

  if (rs->first_timestamp != -1) {
    if (rs->first_timestamp <= now_ms - rs->window_ms)
      /* The stream started before the window: count the window as full. */
      active_window_size = (int) rs->window_ms;
    else
      active_window_size = (int) (now_ms - rs->first_timestamp + 1);
  }
  if (active_window_size <= 1)
    return 0;
  /* A single sample in a window not yet full gives no rate. */
  bwe_rate_statistics_window (rs, &sum, &samples);
  if (samples <= 1 && active_window_size < rs->window_ms)
    return 0;
  return active_window_size;
}

bool
bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate)
{
  int active_window_size = bwe_rate_statistics_active_window (rs, now_ms);
  uint64_t sum, samples;
  float scale, result;

  if (active_window_size == 0)
    return false;
  bwe_rate_statistics_window (rs, &sum, &samples);
  /* Single precision, as libwebrtc computes it. */
  scale = rs->scale / (float) active_window_size;
  result = (float) (int64_t) sum * scale + 0.5f;
  if (result > (float) INT64_MAX)
    return false;
  *rate = (int64_t) result;
  return true;
}
