/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/overuse_estimator.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's OveruseEstimator (overuse_estimator.cc): a two-state Kalman
 * filter (slope = 1/capacity, offset = queuing-delay trend) on the inter-group
 * delay variation, with the default OverUseDetectorOptions. */
#ifndef BWE_KALMAN_H
#define BWE_KALMAN_H

#include <stdint.h>

#include "overuse_detector.h"

/* kMinFramePeriodHistoryLength: window of the minimum send delta. */
#define BWE_KALMAN_FRAME_PERIOD_HISTORY 60
/* Ring size for that window: a power of two at least as large. */
#define BWE_KALMAN_HISTORY_RING 64

/* One value of the window minimum's queue: the value and its position in
 * the stream of values (modulo 2^32: positions are compared by difference,
 * and those compared lie at most BWE_KALMAN_FRAME_PERIOD_HISTORY apart). */
typedef struct
{
  double value;
  uint32_t pos;
} BweKalmanMinEntry;

typedef struct
{
  /* The counters and the filter's state in two cache lines (when the struct
   * starts on one): every update reads them, and thousands of filters in one
   * process make each cache line count. */
  int num_of_deltas;            /* saturates at kDeltaCounterMax = 1000 */
  /* The minimum of the last BWE_KALMAN_FRAME_PERIOD_HISTORY ts_delta values:
   * a monotonic queue (a ring) of the values that can still be the window's
   * minimum, increasing from head, with their positions, so that the minimum
   * costs O(1) amortized instead of a 60-entry scan.  An update reads and
   * writes the queue's back (one cache line, or two) and reads its head. */
  uint32_t hist_count;          /* values pushed so far, modulo 2^32 */
  unsigned minq_head;
  unsigned minq_len;
  double slope;
  double offset;
  double prev_offset;
  double E[2][2];
  double process_noise[2];
  double avg_noise;
  double var_noise;
  /* The noise filter's last pow() and its inputs. */
  double beta_alpha;
  double beta_ts_delta;
  double beta;
  BweKalmanMinEntry minq[BWE_KALMAN_HISTORY_RING];
} BweKalman;

/* OveruseEstimator(OverUseDetectorOptions()). */
void bwe_kalman_init (BweKalman * k);

/* Update(t_delta_ms, ts_delta_ms, size_delta, current_hypothesis, now_ms).
 * current_hypothesis is the detector's state before this sample's Detect(). */
void bwe_kalman_update (BweKalman * k, int64_t t_delta_ms, double ts_delta_ms,
    int size_delta, BweBandwidthUsage current_hypothesis, int64_t now_ms);

/* offset(): estimated delay trend in ms. */
static inline double
bwe_kalman_offset (const BweKalman * k)
{
  return k->offset;
}

/* num_of_deltas(): samples seen, at most 1000. */
static inline int
bwe_kalman_num_of_deltas (const BweKalman * k)
{
  return k->num_of_deltas;
}

/* var_noise(): the noise variance estimate. */
double bwe_kalman_var_noise (const BweKalman * k);

#endif
