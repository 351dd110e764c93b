/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
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

uint32_t
bwe_abs_send_time_from_ntp (uint64_t ntp_uq32_32)
{
  /* 32 - 18 = 14 fraction bits dropped; the half bit decides the rounding
   * (added after the shift, so that no NTP time overflows) */
  uint64_t ticks = (ntp_uq32_32 >> 14) + ((ntp_uq32_32 >> 13) & 1u);

  return (uint32_t) (ticks & BWE_ABS_SEND_TIME_MASK);
}
