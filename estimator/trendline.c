/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/congestion_controller/goog_cc/trendline_estimator.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's TrendlineEstimator with default settings (no sort, no cap, no
 * network state predictor), same operations in the same order. */
#include "trendline.h"

#include <math.h>

#define SMOOTHING_COEFF 0.9
#define THRESHOLD_GAIN 4.0
/* num_of_deltas saturates here; the trend is scaled by at most MIN_NUM_DELTAS. */
#define DELTA_COUNTER_MAX 1000
#define MIN_NUM_DELTAS 60
/* The detector: same rule and constants as OveruseDetector. */
#define K_UP 0.0087
#define K_DOWN 0.039
#define INITIAL_THRESHOLD 12.5
#define OVERUSING_TIME_THRESHOLD_MS 10.0
#define MAX_ADAPT_OFFSET_MS 15.0
#define MAX_TIME_DELTA_MS 100
#define MIN_THRESHOLD 6.f
#define MAX_THRESHOLD 600.f

void
bwe_trendline_init (BweTrendline * t)
{
  t->smoothing_coef = SMOOTHING_COEFF;
  t->threshold_gain = THRESHOLD_GAIN;
  t->num_of_deltas = 0;
  t->first_arrival_time_ms = -1;
  t->accumulated_delay = 0;
  t->smoothed_delay = 0;
  t->hist_start = 0;
  t->hist_len = 0;
  t->k_up = K_UP;
  t->k_down = K_DOWN;
  t->overusing_time_threshold = OVERUSING_TIME_THRESHOLD_MS;
  t->threshold = INITIAL_THRESHOLD;
  t->prev_modified_trend = NAN;
  t->last_update_ms = -1;
  t->prev_trend = 0.0;
  t->time_over_using = -1;
  t->overuse_counter = 0;
  t->hypothesis = BWE_USAGE_NORMAL;
}

static const BweTrendlinePacketTiming *
hist_at (const BweTrendline * t, unsigned i)
{
  return &t->hist[(t->hist_start + i) % BWE_TRENDLINE_WINDOW_SIZE];
}

/* LinearFitSlope: least-squares slope of smoothed delay against arrival time;
 * false when all arrival times are equal. */
static bool
linear_fit_slope (const BweTrendline * t, double *slope)
{
  double sum_x = 0, sum_y = 0, x_avg, y_avg, numerator = 0, denominator = 0;
  unsigned i;

  for (i = 0; i < t->hist_len; i++) {
    sum_x += hist_at (t, i)->arrival_time_ms;
    sum_y += hist_at (t, i)->smoothed_delay_ms;
  }
  x_avg = sum_x / t->hist_len;
  y_avg = sum_y / t->hist_len;
  for (i = 0; i < t->hist_len; i++) {
    double x = hist_at (t, i)->arrival_time_ms;
    double y = hist_at (t, i)->smoothed_delay_ms;
    numerator += (x - x_avg) * (y - y_avg);
    denominator += (x - x_avg) * (x - x_avg);
  }
  if (denominator == 0)
    return false;
  *slope = numerator / denominator;
  return true;
}

static void
trendline_update_threshold (BweTrendline * t, double modified_trend,
    int64_t now_ms)
{
  double k;
  int64_t time_delta_ms;

  if (t->last_update_ms == -1)
    t->last_update_ms = now_ms;
  if (fabs (modified_trend) > t->threshold + MAX_ADAPT_OFFSET_MS) {
    /* Do not adapt to latency spikes. */
    t->last_update_ms = now_ms;
    return;
  }
  k = fabs (modified_trend) < t->threshold ? t->k_down : t->k_up;
  time_delta_ms = now_ms - t->last_update_ms;
  if (time_delta_ms > MAX_TIME_DELTA_MS)
    time_delta_ms = MAX_TIME_DELTA_MS;
  t->threshold += k * (fabs (modified_trend) - t->threshold) * time_delta_ms;
  if (t->threshold <= MIN_THRESHOLD)
    t->threshold = MIN_THRESHOLD;
  else if (t->threshold >= MAX_THRESHOLD)
    t->threshold = MAX_THRESHOLD;
  t->last_update_ms = now_ms;
}

static void
trendline_detect (BweTrendline * t, double trend, double ts_delta,
    int64_t now_ms)
{
  double modified_trend;

  if (t->num_of_deltas < 2) {
    t->hypothesis = BWE_USAGE_NORMAL;
    return;
  }
  modified_trend = (t->num_of_deltas < MIN_NUM_DELTAS ? t->num_of_deltas :
      MIN_NUM_DELTAS) * trend * t->threshold_gain;
  t->prev_modified_trend = modified_trend;
  if (modified_trend > t->threshold) {
    if (t->time_over_using == -1)
      /* Assume over-use for half the time since the previous sample. */
      t->time_over_using = ts_delta / 2;
    else
      t->time_over_using += ts_delta;
    t->overuse_counter++;
    if (t->time_over_using > t->overusing_time_threshold
        && t->overuse_counter > 1 && trend >= t->prev_trend) {
      t->time_over_using = 0;
      t->overuse_counter = 0;
      t->hypothesis = BWE_USAGE_OVERUSING;
    }
  } else if (modified_trend < -t->threshold) {
    t->time_over_using = -1;
    t->overuse_counter = 0;
    t->hypothesis = BWE_USAGE_UNDERUSING;
  } else {
    t->time_over_using = -1;
    t->overuse_counter = 0;
    t->hypothesis = BWE_USAGE_NORMAL;
  }
  t->prev_trend = trend;
  trendline_update_threshold (t, modified_trend, now_ms);
}

void
bwe_trendline_update (BweTrendline * t, double recv_delta_ms,
    double send_delta_ms, int64_t send_time_ms, int64_t arrival_time_ms,
    size_t packet_size, bool calculated_deltas)
{
  const double delta_ms = recv_delta_ms - send_delta_ms;
  BweTrendlinePacketTiming *slot;
  double trend;

  (void) send_time_ms;
  (void) packet_size;
  if (!calculated_deltas)
    return;

  if (++t->num_of_deltas > DELTA_COUNTER_MAX)
    t->num_of_deltas = DELTA_COUNTER_MAX;
  if (t->first_arrival_time_ms == -1)
    t->first_arrival_time_ms = arrival_time_ms;

  /* Exponential smoothing of the accumulated delay. */
  t->accumulated_delay += delta_ms;
  t->smoothed_delay = t->smoothing_coef * t->smoothed_delay +
      (1 - t->smoothing_coef) * t->accumulated_delay;

  if (t->hist_len == BWE_TRENDLINE_WINDOW_SIZE) {
    t->hist_start = (t->hist_start + 1) % BWE_TRENDLINE_WINDOW_SIZE;
    t->hist_len--;
  }
  slot = &t->hist[(t->hist_start + t->hist_len) % BWE_TRENDLINE_WINDOW_SIZE];
  slot->arrival_time_ms = (double) (arrival_time_ms - t->first_arrival_time_ms);
  slot->smoothed_delay_ms = t->smoothed_delay;
  slot->raw_delay_ms = t->accumulated_delay;
  t->hist_len++;

  /* The slope estimates (send_rate - capacity) / capacity: positive while
   * queues fill up, negative while they drain. */
  trend = t->prev_trend;
  if (t->hist_len == BWE_TRENDLINE_WINDOW_SIZE)
    linear_fit_slope (t, &trend);

  trendline_detect (t, trend, send_delta_ms, arrival_time_ms);
}

double
bwe_trendline_trend (const BweTrendline * t)
{
  return t->prev_trend;
}

double
bwe_trendline_threshold (const BweTrendline * t)
{
  return t->threshold;
}
