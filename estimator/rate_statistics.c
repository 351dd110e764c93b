/* libwebrtc's RateStatistics with a fixed ring of buckets (the per-packet
 * parts are inline in the header). */
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
  rs->accumulated_count = 0;
  rs->overflow = false;
  rs->num_samples = 0;
  rs->first_timestamp = -1;
  rs->full_from_ms = INT64_MAX;
  rs->newest_timestamp = INT64_MIN;
  rs->head = 0;
  rs->tail = 0;
  rs->oldest_timestamp = INT64_MAX;
}

bool
bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate)
{
  int active_window_size = bwe_rate_statistics_active_window (rs, now_ms);
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
