/* abs-send-time conversions, with libwebrtc's roundings. */
#include "abs_send_time.h"

int64_t
bwe_abs_send_time_probe_us (uint32_t upshifted_timestamp)
{
  /* Timestamp::Millis(int64 * kTimestampToMs) takes a double number of ms and
   * multiplies it by 1000 before truncating to whole microseconds. */
  double ms = (double) (int64_t) upshifted_timestamp * BWE_ABS_SEND_TIME_TO_MS;
  return (int64_t) (ms * 1000);
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
