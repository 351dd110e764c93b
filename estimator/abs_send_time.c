/* abs-send-time conversions, with libwebrtc's roundings. */
#include "abs_send_time.h"

uint32_t
bwe_abs_send_time_upshift (uint32_t send_time_24)
{
  return (send_time_24 & BWE_ABS_SEND_TIME_MASK) << BWE_ABS_SEND_TIME_UPSHIFT;
}

int64_t
bwe_abs_send_time_probe_us (uint32_t upshifted_timestamp)
{
  /* Timestamp::Millis(int64 * kTimestampToMs) takes a double number of ms and
   * multiplies it by 1000 before truncating to whole microseconds. */
  double ms = (double) (int64_t) upshifted_timestamp * BWE_ABS_SEND_TIME_TO_MS;
  return (int64_t) (ms * 1000);
}

double
bwe_abs_send_time_delta_ms (uint32_t upshifted_ts_delta)
{
  return (1000.0 * upshifted_ts_delta) / (1 << BWE_ABS_SEND_TIME_SHIFT);
}

uint32_t
bwe_abs_send_time_from_fraction (int64_t t, int64_t denom)
{
  return (uint32_t) ((((t << BWE_ABS_SEND_TIME_FRACTION) + (denom >> 1)) /
          denom) & BWE_ABS_SEND_TIME_MASK);
}

uint32_t
bwe_abs_send_time_add (uint32_t a, uint32_t b)
{
  return (a + b) & BWE_ABS_SEND_TIME_MASK;
}
