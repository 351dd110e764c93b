/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/aimd_rate_control.cc
 * and modules/congestion_controller/goog_cc/link_capacity_estimator.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's AimdRateControl (aimd_rate_control.cc, 2023, receive side, no
 * field trials) with its LinkCapacityEstimator: additive-increase /
 * multiplicative-decrease of the estimate driven by the detector's state and the
 * incoming throughput.
 *
 * Rates are in bit/s, times in microseconds (libwebrtc's Timestamp resolution);
 * the remote estimator passes its clock as is. */
#ifndef BWE_AIMD_H
#define BWE_AIMD_H

#include <stdbool.h>
#include <stdint.h>

#include "overuse_detector.h"

/* "No time yet" (Timestamp::MinusInfinity()). */
#define BWE_AIMD_TIME_UNSET INT64_MIN

typedef struct
{
  bool has_estimate;
  double estimate_kbps;
  double deviation_kbps;        /* starts at 0.4, kept across Reset() */
} BweLinkCapacity;

typedef enum
{
  BWE_RC_HOLD = 0,
  BWE_RC_INCREASE = 1,
  BWE_RC_DECREASE = 2,
} BweRateControlState;

typedef struct
{
  int64_t min_configured_bps;
  int64_t max_estimate_bps;     /* upper bound of the estimate */
  int64_t current_bps;
  int64_t latest_estimated_throughput_bps;
  BweLinkCapacity link_capacity;
  BweRateControlState state;
  int64_t time_last_bitrate_change_us;
  int64_t time_last_bitrate_decrease_us;
  int64_t time_first_throughput_estimate_us;
  bool bitrate_is_initialized;
  double beta;
  int64_t rtt_us;
  bool has_last_decrease;
  int64_t last_decrease_bps;
} BweAimd;

/* Defaults: min 5000 bit/s, max (and initial current) 30 Mbit/s, beta 0.85,
 * rtt 200 ms, not initialized. */
void bwe_aimd_init (BweAimd * a);
/* SetMinBitrate: also raises current to at least min. */
/* Bounds the estimate from above (an option: libwebrtc has no such bound;
 * without it the estimate stays below 2^32 bit/s, the bitrate reported) and
 * starts it there when lower than libwebrtc's 30 Mbit/s. */
void bwe_aimd_set_max_bitrate (BweAimd * a, int64_t max_bps);
void bwe_aimd_set_min_bitrate (BweAimd * a, int64_t min_bps);

/* SetEstimate(bitrate, now): initializes and sets current (clamped to min). */
void bwe_aimd_set_estimate (BweAimd * a, int64_t bitrate_bps, int64_t now_us);

/* Update({state, throughput?}, now) -> current bitrate.  has_throughput false is
 * libwebrtc's absent estimated_throughput. */
int64_t bwe_aimd_update (BweAimd * a, BweBandwidthUsage state,
    bool has_throughput, int64_t throughput_bps, int64_t now_us);

/* SetRtt. */
void bwe_aimd_set_rtt (BweAimd * a, int64_t rtt_us);

/* ValidEstimate(), LatestEstimate(). */
static inline bool
bwe_aimd_valid_estimate (const BweAimd * a)
{
  return a->bitrate_is_initialized;
}

static inline int64_t
bwe_aimd_latest_estimate (const BweAimd * a)
{
  return a->current_bps;
}


/* TimeToReduceFurther(now, throughput). */
bool bwe_aimd_time_to_reduce_further (const BweAimd * a, int64_t now_us,
    int64_t throughput_bps);

/* GetFeedbackInterval(): 80 bytes at 5 % of current, clamped to [200, 1000] ms;
 * in microseconds. */
int64_t bwe_aimd_feedback_interval_us (const BweAimd * a);

/* GetNearMaxIncreaseRateBpsPerSecond(): at least 4000. */
double bwe_aimd_near_max_increase_rate_bps_per_second (const BweAimd * a);

/* GetExpectedBandwidthPeriod(): 3 s before the first decrease, else the time
 * to win back the last decrease, clamped to [2 s, 50 s]; in microseconds. */
int64_t bwe_aimd_expected_bandwidth_period_us (const BweAimd * a);

/* LinkCapacityEstimator. */
void bwe_link_capacity_init (BweLinkCapacity * lc);
void bwe_link_capacity_reset (BweLinkCapacity * lc);
void bwe_link_capacity_on_overuse_detected (BweLinkCapacity * lc,
    int64_t throughput_bps);
void bwe_link_capacity_on_probe_rate (BweLinkCapacity * lc, int64_t probe_bps);
/* Bounds in bit/s; upper is INT64_MAX and lower 0 without an estimate. */
int64_t bwe_link_capacity_upper_bound (const BweLinkCapacity * lc);
int64_t bwe_link_capacity_lower_bound (const BweLinkCapacity * lc);
/* estimate(): only meaningful when has_estimate. */
int64_t bwe_link_capacity_estimate (const BweLinkCapacity * lc);

#endif
