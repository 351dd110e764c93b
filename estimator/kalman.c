/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/overuse_estimator.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's OveruseEstimator, same operations in the same order. */
#include "kalman.h"

#include <math.h>
#include <stdbool.h>

/* num_of_deltas saturates here. */
#define DELTA_COUNTER_MAX 1000
/* After this many deltas the noise filter slows down (alpha 0.01 -> 0.002). */
#define NOISE_FAST_START_DELTAS (10 * 30)

/* OverUseDetectorOptions defaults. */
#define INITIAL_SLOPE (8.0 / 512.0)
#define INITIAL_OFFSET 0.0
#define INITIAL_E00 100.0
#define INITIAL_E11 1e-1
#define INITIAL_PROCESS_NOISE0 1e-13
#define INITIAL_PROCESS_NOISE1 1e-3
#define INITIAL_AVG_NOISE 0.0
#define INITIAL_VAR_NOISE 50.0

void
bwe_kalman_init (BweKalman * k)
{
  k->num_of_deltas = 0;
  k->slope = INITIAL_SLOPE;
  k->offset = INITIAL_OFFSET;
  k->prev_offset = INITIAL_OFFSET;
  k->E[0][0] = INITIAL_E00;
  k->E[0][1] = 0.0;
  k->E[1][0] = 0.0;
  k->E[1][1] = INITIAL_E11;
  k->process_noise[0] = INITIAL_PROCESS_NOISE0;
  k->process_noise[1] = INITIAL_PROCESS_NOISE1;
  k->avg_noise = INITIAL_AVG_NOISE;
  k->var_noise = INITIAL_VAR_NOISE;
  k->hist_count = 0;
  k->beta_alpha = -1;
  k->beta_ts_delta = -1;
  k->beta = 0;
  k->minq_head = 0;
  k->minq_len = 0;
}

/* UpdateMinFramePeriod: the minimum of ts_delta and the 59 values before it.
 * A monotonic queue gives the same minimum as libwebrtc's scan in O(1). */
static double
update_min_frame_period (BweKalman * k, double ts_delta)
{
  const unsigned mask = BWE_KALMAN_HISTORY_RING - 1;
  const uint32_t pos = k->hist_count++;
  BweKalmanMinEntry *back;

  /* Values not smaller than the new one can never be the minimum again. */
  while (k->minq_len > 0) {
    if (k->minq[(k->minq_head + k->minq_len - 1) & mask].value < ts_delta)
      break;
    k->minq_len--;
  }
  back = &k->minq[(k->minq_head + k->minq_len) & mask];
  back->value = ts_delta;
  back->pos = pos;
  k->minq_len++;
  /* Drop what left the window of the last 60 values (the new one stays). */
  while (pos - k->minq[k->minq_head].pos >= BWE_KALMAN_FRAME_PERIOD_HISTORY) {
    k->minq_head = (k->minq_head + 1) & mask;
    k->minq_len--;
  }
  return k->minq[k->minq_head].value;
}

static void
update_noise_estimate (BweKalman * k, double residual, double ts_delta,
    bool stable_state)
{
  double alpha, beta;

  if (!stable_state)
    return;
  /* Faster at the start to learn the jitter level; tuned for 30 fps and scaled
   * by the frame period. */
  alpha = 0.01;
  if (k->num_of_deltas > NOISE_FAST_START_DELTAS)
    alpha = 0.002;
  /* Frame periods repeat: reuse the last pow() when its inputs are equal. */
  if (alpha != k->beta_alpha || ts_delta != k->beta_ts_delta) {
    k->beta_alpha = alpha;
    k->beta_ts_delta = ts_delta;
    k->beta = pow (1 - alpha, ts_delta * 30.0 / 1000.0);
  }
  beta = k->beta;
  k->avg_noise = beta * k->avg_noise + (1 - beta) * residual;
  k->var_noise = beta * k->var_noise +
      (1 - beta) * (k->avg_noise - residual) * (k->avg_noise - residual);
  if (k->var_noise < 1)
    k->var_noise = 1;
}

void
bwe_kalman_update (BweKalman * k, int64_t t_delta_ms, double ts_delta_ms,
    int size_delta, BweBandwidthUsage current_hypothesis, int64_t now_ms)
{
  const double min_frame_period = update_min_frame_period (k, ts_delta_ms);
  const double t_ts_delta = t_delta_ms - ts_delta_ms;
  const double fs_delta = size_delta;
  double h[2], Eh[2], residual, max_residual, denom, K[2], IKh[2][2];
  double e00, e01;
  bool in_stable_state;

  (void) now_ms;
  if (++k->num_of_deltas > DELTA_COUNTER_MAX)
    k->num_of_deltas = DELTA_COUNTER_MAX;

  k->E[0][0] += k->process_noise[0];
  k->E[1][1] += k->process_noise[1];

  if ((current_hypothesis == BWE_USAGE_OVERUSING && k->offset < k->prev_offset)
      || (current_hypothesis == BWE_USAGE_UNDERUSING
          && k->offset > k->prev_offset))
    k->E[1][1] += 10 * k->process_noise[1];

  h[0] = fs_delta;
  h[1] = 1.0;
  Eh[0] = k->E[0][0] * h[0] + k->E[0][1] * h[1];
  Eh[1] = k->E[1][0] * h[0] + k->E[1][1] * h[1];

  residual = t_ts_delta - k->slope * h[0] - k->offset;

  in_stable_state = current_hypothesis == BWE_USAGE_NORMAL;
  max_residual = 3.0 * sqrt (k->var_noise);
  /* Very late frames (key frames) do not fit the Gaussian model: clip them. */
  if (fabs (residual) < max_residual)
    update_noise_estimate (k, residual, min_frame_period, in_stable_state);
  else
    update_noise_estimate (k, residual < 0 ? -max_residual : max_residual,
        min_frame_period, in_stable_state);

  denom = k->var_noise + h[0] * Eh[0] + h[1] * Eh[1];
  K[0] = Eh[0] / denom;
  K[1] = Eh[1] / denom;

  IKh[0][0] = 1.0 - K[0] * h[0];
  IKh[0][1] = -K[0] * h[1];
  IKh[1][0] = -K[1] * h[0];
  IKh[1][1] = 1.0 - K[1] * h[1];
  e00 = k->E[0][0];
  e01 = k->E[0][1];

  k->E[0][0] = e00 * IKh[0][0] + k->E[1][0] * IKh[0][1];
  k->E[0][1] = e01 * IKh[0][0] + k->E[1][1] * IKh[0][1];
  k->E[1][0] = e00 * IKh[1][0] + k->E[1][0] * IKh[1][1];
  k->E[1][1] = e01 * IKh[1][0] + k->E[1][1] * IKh[1][1];

  k->slope = k->slope + K[0] * residual;
  k->prev_offset = k->offset;
  k->offset = k->offset + K[1] * residual;
}

double
bwe_kalman_var_noise (const BweKalman * k)
{
  return k->var_noise;
}
