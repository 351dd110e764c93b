/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/congestion_controller/remb_throttler.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's RembThrottler (modules/congestion_controller/remb_throttler.cc). */
#include "remb_throttler.h"

/* kSendThresholdPercent: a value this percentage of which is still at most
 * the last one sent is a big enough drop to send at once. */
#define SEND_THRESHOLD_PERCENT 103

void
bwe_remb_throttler_init (BweRembThrottler * t)
{
  t->last_send_us = INT64_MIN;
  t->last_sent_bps = UINT64_MAX;
  t->max_desired_bps = UINT64_MAX;
}

bool
bwe_remb_throttler_on_estimate (BweRembThrottler * t, int64_t now_us,
    uint64_t bitrate_bps, uint64_t * send_bps)
{
  /* last_send_us INT64_MIN stands for -infinity: never "within the interval". */
  bool within_interval = t->last_send_us != INT64_MIN &&
      now_us < t->last_send_us + BWE_REMB_SEND_INTERVAL_US;

  if (bitrate_bps * SEND_THRESHOLD_PERCENT / 100 > t->last_sent_bps
      && within_interval)
    return false;
  t->last_send_us = now_us;
  t->last_sent_bps = bitrate_bps;
  *send_bps = bitrate_bps < t->max_desired_bps ? bitrate_bps :
      t->max_desired_bps;
  return true;
}

bool
bwe_remb_throttler_set_max_desired (BweRembThrottler * t, int64_t now_us,
    uint64_t max_bps, uint64_t * send_bps)
{
  bool within_interval = t->last_send_us != INT64_MIN &&
      now_us - t->last_send_us < BWE_REMB_SEND_INTERVAL_US;

  t->max_desired_bps = max_bps;
  if (within_interval && t->last_sent_bps != 0 &&
      t->last_sent_bps <= t->max_desired_bps)
    return false;
  *send_bps = max_bps;
  return true;
}
