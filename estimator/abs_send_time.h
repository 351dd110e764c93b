/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* abs-send-time (http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time):
 * a 24-bit 6.18 fixed-point number of seconds that wraps every 64 s.
 *
 * libwebrtc shifts it up by 8 bits so that the 64 s wrap becomes the uint32 wrap
 * that InterArrival handles; these helpers do the same conversions with the same
 * roundings (remote_bitrate_estimator_abs_send_time.cc). */
#ifndef BWE_ABS_SEND_TIME_H
#define BWE_ABS_SEND_TIME_H

#include <stdint.h>

#define BWE_ABS_SEND_TIME_FRACTION 18   /* kAbsSendTimeFraction */
#define BWE_ABS_SEND_TIME_UPSHIFT 8     /* kAbsSendTimeInterArrivalUpshift */
#define BWE_ABS_SEND_TIME_SHIFT 26      /* kInterArrivalShift = 18 + 8 */
#define BWE_ABS_SEND_TIME_MASK 0xFFFFFFu

/* kTimestampToMs: milliseconds per upshifted tick. */
#define BWE_ABS_SEND_TIME_TO_MS (1000.0 / (double) (1 << BWE_ABS_SEND_TIME_SHIFT))

/* kTimestampGroupLengthMs (5 ms) in upshifted ticks: (5 << 26) / 1000 = 335544. */
#define BWE_ABS_SEND_TIME_GROUP_LENGTH_TICKS ((5u << BWE_ABS_SEND_TIME_SHIFT) / 1000u)

/* The upshifted 32-bit timestamp InterArrival works on (send_24 << 8). */
static inline uint32_t
bwe_abs_send_time_upshift (uint32_t send_time_24)
{
  return (send_time_24 & BWE_ABS_SEND_TIME_MASK) << BWE_ABS_SEND_TIME_UPSHIFT;
}

/* Send time used by probe detection, in microseconds, truncated as libwebrtc's
 * Timestamp::Millis(double) does: (int64) ((double) timestamp * kTimestampToMs * 1000). */
int64_t bwe_abs_send_time_probe_us (uint32_t upshifted_timestamp);

/* Inter-group send delta in ms: (1000.0 * ts_delta) / (1 << 26). */
static inline double
bwe_abs_send_time_delta_ms (uint32_t upshifted_ts_delta)
{
  return (1000.0 * upshifted_ts_delta) / (1 << BWE_ABS_SEND_TIME_SHIFT);
}

/* libwebrtc's unit-test helper AbsSendTime(t, denom): t/denom seconds as a rounded
 * 24-bit value, ((t << 18) + denom / 2) / denom masked to 24 bits. */
uint32_t bwe_abs_send_time_from_fraction (int64_t t, int64_t denom);

/* abs-capture-time (http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time)
 * carries a UQ32.32 NTP time; abs-send-time is the same clock's bits 14..37 (6
 * bits of seconds, 18 of fraction).  Rounded to the nearest 2^-18 s, as
 * libwebrtc rounds the send times it writes (AbsoluteSendTime::To24Bits), so
 * an NTP time of exactly (abs24 << 14) gives abs24 back. */
uint32_t bwe_abs_send_time_from_ntp (uint64_t ntp_uq32_32);

/* (a + b) & 0xFFFFFF */
uint32_t bwe_abs_send_time_add (uint32_t a, uint32_t b);

#endif
