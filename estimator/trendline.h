/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/congestion_controller/goog_cc/trendline_estimator.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's TrendlineEstimator (goog_cc/trendline_estimator.cc, default
 * settings: window 20, smoothing 0.9, threshold gain 4, no sort, no cap): a
 * least-squares slope of the smoothed accumulated delay over the last 20 deltas,
 * judged by its own adaptive-threshold detector (the same rule and constants as
 * OveruseDetector, applied to min(num_of_deltas, 60) * slope * 4). */
#ifndef BWE_TRENDLINE_H
#define BWE_TRENDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "overuse_detector.h"

#define BWE_TRENDLINE_WINDOW_SIZE 20

typedef struct
{
  double arrival_time_ms;       /* since the first delta's arrival */
  double smoothed_delay_ms;
  double raw_delay_ms;
} BweTrendlinePacketTiming;

typedef struct
{
  double smoothing_coef;
  double threshold_gain;
  int num_of_deltas;            /* saturates at 1000 */
  int64_t first_arrival_time_ms;        /* -1 before the first delta */
  double accumulated_delay;
  double smoothed_delay;
  BweTrendlinePacketTiming hist[BWE_TRENDLINE_WINDOW_SIZE];     /* ring */
  unsigned hist_start;
  unsigned hist_len;
  /* detector */
  double k_up;
  double k_down;
  double overusing_time_threshold;
  double threshold;
  double prev_modified_trend;
  int64_t last_update_ms;
  double prev_trend;
  double time_over_using;
  int overuse_counter;
  BweBandwidthUsage hypothesis;
} BweTrendline;

void bwe_trendline_init (BweTrendline * t);

/* Update(recv_delta_ms, send_delta_ms, send_time_ms, arrival_time_ms,
 * packet_size, calculated_deltas): does nothing unless calculated_deltas. */
void bwe_trendline_update (BweTrendline * t, double recv_delta_ms,
    double send_delta_ms, int64_t send_time_ms, int64_t arrival_time_ms,
    size_t packet_size, bool calculated_deltas);

/* State(): the trendline detector's hypothesis. */
static inline BweBandwidthUsage
bwe_trendline_state (const BweTrendline * t)
{
  return t->hypothesis;
}

/* The last slope used (prev_trend_) and the adaptive threshold, for tests. */
double bwe_trendline_trend (const BweTrendline * t);
double bwe_trendline_threshold (const BweTrendline * t);

#endif
