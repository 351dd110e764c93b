/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/overuse_detector.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's OveruseDetector (overuse_detector.cc, 2023): compares the
 * estimated queuing-delay trend, scaled by min(num_of_deltas, 60), with an
 * adaptive threshold (k_up 0.0087, k_down 0.039, start 12.5 ms, clamped to
 * [6, 600]) and signals over-use after 10 ms and two samples above it. */
#ifndef BWE_OVERUSE_DETECTOR_H
#define BWE_OVERUSE_DETECTOR_H

#include <stdint.h>

typedef enum
{
  BWE_USAGE_NORMAL = 0,
  BWE_USAGE_UNDERUSING = 1,
  BWE_USAGE_OVERUSING = 2,
} BweBandwidthUsage;

typedef struct
{
  double k_up;
  double k_down;
  double overusing_time_threshold;
  double threshold;
  int64_t last_update_ms;       /* -1 before the first threshold update */
  double prev_offset;
  double time_over_using;       /* -1: not over the threshold */
  int overuse_counter;
  BweBandwidthUsage hypothesis;
} BweOveruseDetector;

void bwe_overuse_detector_init (BweOveruseDetector * d);

/* Detect(offset, ts_delta_ms, num_of_deltas, now_ms): updates and returns the
 * hypothesis.  With num_of_deltas < 2 it returns NORMAL without touching any
 * state (the stored hypothesis stays what it was). */
BweBandwidthUsage bwe_overuse_detector_detect (BweOveruseDetector * d,
    double offset, double ts_delta_ms, int num_of_deltas, int64_t now_ms);

/* State(): the current hypothesis. */
static inline BweBandwidthUsage
bwe_overuse_detector_state (const BweOveruseDetector * d)
{
  return d->hypothesis;
}

/* The current adaptive threshold in ms (for tests and diagnostics). */
double bwe_overuse_detector_threshold (const BweOveruseDetector * d);

/* Lower-case name of a state: "normal", "underusing", "overusing". */
const char *bwe_bandwidth_usage_name (BweBandwidthUsage usage);

#endif
