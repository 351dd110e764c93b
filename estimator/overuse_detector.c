/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/overuse_detector.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's OveruseDetector (2023, no field trial). */
#include "overuse_detector.h"

#include <math.h>

#define K_UP 0.0087
#define K_DOWN 0.039
#define INITIAL_THRESHOLD_MS 12.5
/* Over-use must last this long (ms of send time) before it is signalled. */
#define OVERUSING_TIME_THRESHOLD_MS 10.0
/* The offset is scaled by the number of deltas, up to this many. */
#define MAX_NUM_DELTAS 60
/* Offsets this far above the threshold are spikes and do not adapt it. */
#define MAX_ADAPT_OFFSET_MS 15.0
#define MAX_TIME_DELTA_MS 100
/* libwebrtc clamps with float literals 6.f and 600.f. */
#define MIN_THRESHOLD_MS 6.f
#define MAX_THRESHOLD_MS 600.f

void
bwe_overuse_detector_init (BweOveruseDetector * d)
{
  d->k_up = K_UP;
  d->k_down = K_DOWN;
  d->overusing_time_threshold = OVERUSING_TIME_THRESHOLD_MS;
  d->threshold = INITIAL_THRESHOLD_MS;
  d->last_update_ms = -1;
  d->prev_offset = 0.0;
  d->time_over_using = -1;
  d->overuse_counter = 0;
  d->hypothesis = BWE_USAGE_NORMAL;
}

static void
update_threshold (BweOveruseDetector * d, double modified_offset,
    int64_t now_ms)
{
  double k;
  int64_t time_delta_ms;

  if (d->last_update_ms == -1)
    d->last_update_ms = now_ms;
  if (fabs (modified_offset) > d->threshold + MAX_ADAPT_OFFSET_MS) {
    /* A latency spike, e.g. a sudden capacity drop: do not adapt to it. */
    d->last_update_ms = now_ms;
    return;
  }
  k = fabs (modified_offset) < d->threshold ? d->k_down : d->k_up;
  time_delta_ms = now_ms - d->last_update_ms;
  if (time_delta_ms > MAX_TIME_DELTA_MS)
    time_delta_ms = MAX_TIME_DELTA_MS;
  d->threshold += k * (fabs (modified_offset) - d->threshold) * time_delta_ms;
  if (d->threshold <= MIN_THRESHOLD_MS)
    d->threshold = MIN_THRESHOLD_MS;
  else if (d->threshold >= MAX_THRESHOLD_MS)
    d->threshold = MAX_THRESHOLD_MS;
  d->last_update_ms = now_ms;
}

BweBandwidthUsage
bwe_overuse_detector_detect (BweOveruseDetector * d, double offset,
    double ts_delta_ms, int num_of_deltas, int64_t now_ms)
{
  double T;

  if (num_of_deltas < 2)
    return BWE_USAGE_NORMAL;
  if (num_of_deltas > MAX_NUM_DELTAS)
    num_of_deltas = MAX_NUM_DELTAS;
  T = num_of_deltas * offset;
  if (T > d->threshold) {
    if (d->time_over_using == -1)
      /* Assume over-use for half the time since the previous sample. */
      d->time_over_using = ts_delta_ms / 2;
    else
      d->time_over_using += ts_delta_ms;
    d->overuse_counter++;
    if (d->time_over_using > d->overusing_time_threshold
        && d->overuse_counter > 1 && offset >= d->prev_offset) {
      d->time_over_using = 0;
      d->overuse_counter = 0;
      d->hypothesis = BWE_USAGE_OVERUSING;
    }
  } else if (T < -d->threshold) {
    d->time_over_using = -1;
    d->overuse_counter = 0;
    d->hypothesis = BWE_USAGE_UNDERUSING;
  } else {
    d->time_over_using = -1;
    d->overuse_counter = 0;
    d->hypothesis = BWE_USAGE_NORMAL;
  }
  d->prev_offset = offset;
  update_threshold (d, T, now_ms);
  return d->hypothesis;
}

double
bwe_overuse_detector_threshold (const BweOveruseDetector * d)
{
  return d->threshold;
}

const char *
bwe_bandwidth_usage_name (BweBandwidthUsage usage)
{
  switch (usage) {
    case BWE_USAGE_OVERUSING:
      return "overusing";
    case BWE_USAGE_UNDERUSING:
      return "underusing";
    case BWE_USAGE_NORMAL:
    default:
      return "normal";
  }
}
