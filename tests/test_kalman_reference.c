/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/overuse_estimator.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* The Kalman filter keeps two shortcuts libwebrtc does not have: the minimum
 * frame period of the last 60 deltas comes from a monotonic queue instead of a
 * scan, and the noise filter's pow() is reused when its inputs repeat.  This
 * test runs a plain transcription of libwebrtc's OveruseEstimator::Update (scan
 * and pow every time) next to bwe_kalman_update on 20,000 pseudo-random deltas
 * and requires bit-identical state after each one. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kalman.h"

typedef struct
{
  int num_of_deltas;
  double slope, offset, prev_offset, E[2][2], avg_noise, var_noise;
  double hist[60];
  int hist_len;
} Ref;

static void
ref_init (Ref * r)
{
  memset (r, 0, sizeof *r);
  r->slope = 8.0 / 512.0;
  r->E[0][0] = 100.0;
  r->E[1][1] = 1e-1;
  r->var_noise = 50.0;
}

static void
ref_update (Ref * r, int64_t t_delta, double ts_delta, int size_delta,
    BweBandwidthUsage hyp)
{
  double min_frame_period = ts_delta, t_ts_delta, h[2], Eh[2], residual;
  double max_residual, denom, K[2], IKh[2][2], e00, e01, clipped;
  int i;

  /* UpdateMinFramePeriod: deque of 60, scanned. */
  if (r->hist_len >= 60) {
    memmove (r->hist, r->hist + 1, 59 * sizeof (double));
    r->hist_len--;
  }
  for (i = 0; i < r->hist_len; i++)
    min_frame_period = fmin (r->hist[i], min_frame_period);
  r->hist[r->hist_len++] = ts_delta;

  t_ts_delta = t_delta - ts_delta;
  if (++r->num_of_deltas > 1000)
    r->num_of_deltas = 1000;
  r->E[0][0] += 1e-13;
  r->E[1][1] += 1e-3;
  if ((hyp == BWE_USAGE_OVERUSING && r->offset < r->prev_offset) ||
      (hyp == BWE_USAGE_UNDERUSING && r->offset > r->prev_offset))
    r->E[1][1] += 10 * 1e-3;
  h[0] = size_delta;
  h[1] = 1.0;
  Eh[0] = r->E[0][0] * h[0] + r->E[0][1] * h[1];
  Eh[1] = r->E[1][0] * h[0] + r->E[1][1] * h[1];
  residual = t_ts_delta - r->slope * h[0] - r->offset;
  max_residual = 3.0 * sqrt (r->var_noise);
  clipped = fabs (residual) < max_residual ? residual :
      (residual < 0 ? -max_residual : max_residual);
  if (hyp == BWE_USAGE_NORMAL) {
    double alpha = r->num_of_deltas > 300 ? 0.002 : 0.01;
    double beta = pow (1 - alpha, min_frame_period * 30.0 / 1000.0);
    r->avg_noise = beta * r->avg_noise + (1 - beta) * clipped;
    r->var_noise = beta * r->var_noise +
        (1 - beta) * (r->avg_noise - clipped) * (r->avg_noise - clipped);
    if (r->var_noise < 1)
      r->var_noise = 1;
  }
  denom = r->var_noise + h[0] * Eh[0] + h[1] * Eh[1];
  K[0] = Eh[0] / denom;
  K[1] = Eh[1] / denom;
  IKh[0][0] = 1.0 - K[0] * h[0];
  IKh[0][1] = -K[0] * h[1];
  IKh[1][0] = -K[1] * h[0];
  IKh[1][1] = 1.0 - K[1] * h[1];
  e00 = r->E[0][0];
  e01 = r->E[0][1];
  r->E[0][0] = e00 * IKh[0][0] + r->E[1][0] * IKh[0][1];
  r->E[0][1] = e01 * IKh[0][0] + r->E[1][1] * IKh[0][1];
  r->E[1][0] = e00 * IKh[1][0] + r->E[1][0] * IKh[1][1];
  r->E[1][1] = e01 * IKh[1][0] + r->E[1][1] * IKh[1][1];
  r->slope = r->slope + K[0] * residual;
  r->prev_offset = r->offset;
  r->offset = r->offset + K[1] * residual;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t
next (void)
{
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (uint32_t) ((rng * 2685821657736338717ull) >> 32);
}

START_TEST (test_matches_plain_transcription)
{
  BweKalman k;
  Ref r;
  int i;

  bwe_kalman_init (&k);
  ref_init (&r);
  for (i = 0; i < 20000; i++) {
    /* Frame periods from a small set (so pow() inputs repeat) with runs of
     * rising and falling values (so the window minimum moves both ways). */
    static const double periods[] = { 33.3, 5.0, 16.7, 40.0, 10.0, 33.3 };
    double ts_delta = periods[(i / 7 + next () % 3) % 6] + (i % 90) * 0.01;
    int64_t t_delta = (int64_t) ts_delta + (int64_t) (next () % 21) - 10;
    int size_delta = (int) (next () % 2001) - 1000;
    BweBandwidthUsage hyp = (BweBandwidthUsage) (next () % 3);

    bwe_kalman_update (&k, t_delta, ts_delta, size_delta, hyp, i * 33);
    ref_update (&r, t_delta, ts_delta, size_delta, hyp);
    ck_assert_int_eq (k.num_of_deltas, r.num_of_deltas);
    ck_assert (k.offset == r.offset);
    ck_assert (k.slope == r.slope);
    ck_assert (k.var_noise == r.var_noise);
    ck_assert (k.avg_noise == r.avg_noise);
    ck_assert (memcmp (k.E, r.E, sizeof k.E) == 0);
  }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("kalman_reference");
  TCase *tc = tcase_create ("core");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_matches_plain_transcription);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
