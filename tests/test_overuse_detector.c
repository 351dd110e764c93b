/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/overuse_detector_unittest.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's overuse_detector_unittest.cc in Check (gcc-reference.md 2.4).
 *
 * The pipeline of the test: InterArrival on 90 kHz RTP timestamps, the Kalman
 * OveruseEstimator and the OveruseDetector, driven with receive-time jitter
 * from libwebrtc's rtc::Random (xorshift64*, Box-Muller Gaussian) seeded as
 * libwebrtc seeds it, so that the frame at which over-use is detected is
 * libwebrtc's exact frame. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "inter_arrival.h"
#include "kalman.h"
#include "overuse_detector.h"

#define RANDOM_SEED UINT64_C(123456789)
#define XORSHIFT_MULTIPLIER UINT64_C(2685821657736338717)
#define NUM_SAMPLES 100000
#define MAX_FRAMES_UNTIL_OVERUSE 1000
#define PACKET_SIZE 1200

/* rtc::Random. */
typedef struct
{
  uint64_t state;
} TestRandom;

static uint64_t
random_next_output (TestRandom * r)
{
  r->state ^= r->state >> 12;
  r->state ^= r->state << 25;
  r->state ^= r->state >> 27;
  return r->state * XORSHIFT_MULTIPLIER;
}

/* Rand(int32 low, int32 high): the top bits of a 32-bit draw times the range. */
static int32_t
random_rand_range (TestRandom * r, int32_t low, int32_t high)
{
  uint32_t x = (uint32_t) random_next_output (r);
  uint32_t t = (uint32_t) ((int64_t) high - (int64_t) low);
  uint64_t result = ((uint64_t) x * ((uint64_t) t + 1)) >> 32;

  return (int32_t) ((int64_t) result + low);
}

/* Box-Muller on (0, 1]: the output is never 0 and is divided by 2^64 - 1
 * (which as a double is 2^64). */
static double
random_gaussian (TestRandom * r, double mean, double standard_deviation)
{
  const double kPi = 3.14159265358979323846;
  double u1 = (double) random_next_output (r) / (double) UINT64_MAX;
  double u2 = (double) random_next_output (r) / (double) UINT64_MAX;

  return mean + standard_deviation * sqrt (-2 * log (u1)) * cos (2 * kPi * u2);
}

typedef struct
{
  int64_t now_ms;
  int64_t receive_time_ms;
  uint32_t rtp_timestamp;
  BweOveruseDetector detector;
  BweKalman estimator;
  BweInterArrival inter_arrival;
  TestRandom random;
} Fixture;

static void
fixture_init (Fixture * f)
{
  f->now_ms = 0;
  f->receive_time_ms = 0;
  f->rtp_timestamp = 10 * 90;
  bwe_overuse_detector_init (&f->detector);
  bwe_kalman_init (&f->estimator);
  bwe_inter_arrival_init (&f->inter_arrival, 5 * 90, 1.0 / 90.0, true);
  f->random.state = RANDOM_SEED;
}

static BweBandwidthUsage
state (const Fixture * f)
{
  return bwe_overuse_detector_state (&f->detector);
}

static void
update_detector (Fixture * f, uint32_t rtp_timestamp, int64_t receive_time_ms,
    size_t packet_size)
{
  uint32_t timestamp_delta;
  int64_t time_delta;
  int size_delta;

  if (bwe_inter_arrival_compute_deltas (&f->inter_arrival, rtp_timestamp,
          receive_time_ms, receive_time_ms, packet_size, &timestamp_delta,
          &time_delta, &size_delta)) {
    double timestamp_delta_ms = timestamp_delta / 90.0;

    bwe_kalman_update (&f->estimator, time_delta, timestamp_delta_ms,
        size_delta, state (f), receive_time_ms);
    bwe_overuse_detector_detect (&f->detector,
        bwe_kalman_offset (&f->estimator), timestamp_delta_ms,
        bwe_kalman_num_of_deltas (&f->estimator), receive_time_ms);
  }
}

/* One frame: receive time = max(previous, now + rounded jitter). */
static void
run_frame (Fixture * f, int packets_per_frame, int mean_ms, int drift_ms,
    int standard_deviation_ms)
{
  int64_t jittered;
  int j;

  for (j = 0; j < packets_per_frame; j++)
    update_detector (f, f->rtp_timestamp, f->receive_time_ms, PACKET_SIZE);
  f->rtp_timestamp += (uint32_t) (mean_ms * 90);
  f->now_ms += mean_ms + drift_ms;
  jittered = f->now_ms +
      (int64_t) (random_gaussian (&f->random, 0, standard_deviation_ms) + 0.5);
  if (jittered > f->receive_time_ms)
    f->receive_time_ms = jittered;
}

/* Distinct over-use episodes in 100000 frames sent at the receive rate. */
static int
run_100000_samples (Fixture * f, int packets_per_frame, int mean_ms,
    int standard_deviation_ms)
{
  int unique_overuse = 0, last_overuse = -1, i;

  for (i = 0; i < NUM_SAMPLES; i++) {
    run_frame (f, packets_per_frame, mean_ms, 0, standard_deviation_ms);
    if (state (f) == BWE_USAGE_OVERUSING) {
      if (last_overuse + 1 != i)
        unique_overuse++;
      last_overuse = i;
    }
  }
  return unique_overuse;
}

/* Frames (1-based) until over-use when each frame arrives drift ms later than
 * it should; -1 if none within 1000 frames. */
static int
run_until_overuse (Fixture * f, int packets_per_frame, int mean_ms,
    int standard_deviation_ms, int drift_per_frame_ms)
{
  int i;

  for (i = 0; i < MAX_FRAMES_UNTIL_OVERUSE; i++) {
    run_frame (f, packets_per_frame, mean_ms, drift_per_frame_ms,
        standard_deviation_ms);
    if (state (f) == BWE_USAGE_OVERUSING)
      return i + 1;
  }
  return -1;
}

static void
check_frames_until_overuse (int packets_per_frame, int frame_duration_ms,
    int drift_per_frame_ms, int sigma_ms, int expected_frames)
{
  Fixture f;

  fixture_init (&f);
  ck_assert_int_eq (run_100000_samples (&f, packets_per_frame,
          frame_duration_ms, sigma_ms), 0);
  ck_assert_int_eq (run_until_overuse (&f, packets_per_frame,
          frame_duration_ms, sigma_ms, drift_per_frame_ms), expected_frames);
}

/* name, packets per frame, frame ms, drift ms, sigma ms, frames */
#define OVERUSE_TEST(name, ppf, frame_ms, drift_ms, sigma_ms, frames) \
  START_TEST (name) \
  { \
    check_frames_until_overuse (ppf, frame_ms, drift_ms, sigma_ms, frames); \
  } \
  END_TEST

OVERUSE_TEST (test_simple_overuse_2000kbit_30fps, 6, 33, 1, 0, 7)
OVERUSE_TEST (test_simple_overuse_100kbit_10fps, 1, 100, 1, 0, 7)
OVERUSE_TEST (test_low_gaussian_variance_30kbit_3fps, 1, 333, 1, 3, 20)
OVERUSE_TEST (test_low_gaussian_variance_fast_drift_30kbit_3fps, 1, 333, 100,
    3, 4)
OVERUSE_TEST (test_high_gaussian_variance_30kbit_3fps, 1, 333, 1, 10, 44)
OVERUSE_TEST (test_high_gaussian_variance_fast_drift_30kbit_3fps, 1, 333, 100,
    10, 4)
OVERUSE_TEST (test_low_gaussian_variance_100kbit_5fps, 2, 200, 1, 3, 20)
OVERUSE_TEST (test_high_gaussian_variance_100kbit_5fps, 2, 200, 1, 10, 44)
OVERUSE_TEST (test_low_gaussian_variance_100kbit_10fps, 1, 100, 1, 3, 20)
OVERUSE_TEST (test_high_gaussian_variance_100kbit_10fps, 1, 100, 1, 10, 44)
OVERUSE_TEST (test_low_gaussian_variance_300kbit_30fps, 1, 33, 1, 3, 19)
OVERUSE_TEST (test_low_gaussian_variance_fast_drift_300kbit_30fps, 1, 33, 10,
    3, 5)
OVERUSE_TEST (test_high_gaussian_variance_300kbit_30fps, 1, 33, 1, 10, 44)
OVERUSE_TEST (test_high_gaussian_variance_fast_drift_300kbit_30fps, 1, 33, 10,
    10, 10)
OVERUSE_TEST (test_low_gaussian_variance_1000kbit_30fps, 3, 33, 1, 3, 19)
OVERUSE_TEST (test_low_gaussian_variance_fast_drift_1000kbit_30fps, 3, 33, 10,
    3, 5)
OVERUSE_TEST (test_high_gaussian_variance_1000kbit_30fps, 3, 33, 1, 10, 44)
OVERUSE_TEST (test_high_gaussian_variance_fast_drift_1000kbit_30fps, 3, 33, 10,
    10, 10)
OVERUSE_TEST (test_low_gaussian_variance_2000kbit_30fps, 6, 33, 1, 3, 19)
OVERUSE_TEST (test_low_gaussian_variance_fast_drift_2000kbit_30fps, 6, 33, 10,
    3, 5)
OVERUSE_TEST (test_high_gaussian_variance_2000kbit_30fps, 6, 33, 1, 10, 44)
OVERUSE_TEST (test_high_gaussian_variance_fast_drift_2000kbit_30fps, 6, 33, 10,
    10, 10)

START_TEST (test_simple_non_overuse_30fps)
{
  Fixture f;
  const uint32_t frame_duration_ms = 33;
  uint32_t rtp_timestamp = 10 * 90;
  int i;

  fixture_init (&f);
  for (i = 0; i < 1000; i++) {
    update_detector (&f, rtp_timestamp, f.now_ms, PACKET_SIZE);
    f.now_ms += frame_duration_ms;
    rtp_timestamp += frame_duration_ms * 90;
    ck_assert_int_eq (state (&f), BWE_USAGE_NORMAL);
  }
}
END_TEST

START_TEST (test_simple_non_overuse_with_receive_variance)
{
  Fixture f;
  const uint32_t frame_duration_ms = 10;
  uint32_t rtp_timestamp = 10 * 90;
  int i;

  fixture_init (&f);
  for (i = 0; i < 1000; i++) {
    update_detector (&f, rtp_timestamp, f.now_ms, PACKET_SIZE);
    rtp_timestamp += frame_duration_ms * 90;
    if (i % 2)
      f.now_ms += frame_duration_ms - 5;
    else
      f.now_ms += frame_duration_ms + 5;
    ck_assert_int_eq (state (&f), BWE_USAGE_NORMAL);
  }
}
END_TEST

START_TEST (test_simple_non_overuse_with_rtp_timestamp_variance)
{
  Fixture f;
  const uint32_t frame_duration_ms = 10;
  uint32_t rtp_timestamp = 10 * 90;
  int i;

  fixture_init (&f);
  for (i = 0; i < 1000; i++) {
    update_detector (&f, rtp_timestamp, f.now_ms, PACKET_SIZE);
    f.now_ms += frame_duration_ms;
    if (i % 2)
      rtp_timestamp += (frame_duration_ms - 5) * 90;
    else
      rtp_timestamp += (frame_duration_ms + 5) * 90;
    ck_assert_int_eq (state (&f), BWE_USAGE_NORMAL);
  }
}
END_TEST

START_TEST (test_overuse_with_low_variance_2000kbit_30fps)
{
  Fixture f;
  const uint32_t frame_duration_ms = 33;
  const uint32_t drift_per_frame_ms = 1;
  uint32_t rtp_timestamp = frame_duration_ms * 90;
  int offset = 0, i, j, k;

  fixture_init (&f);
  for (i = 0; i < 1000; i++) {
    for (k = 0; k < 6; k++)
      update_detector (&f, rtp_timestamp, f.now_ms, PACKET_SIZE);
    rtp_timestamp += frame_duration_ms * 90;
    /* A new 0 or 1 ms of jitter every other frame, early then late. */
    if (i % 2) {
      offset = random_rand_range (&f.random, 0, 1);
      f.now_ms += frame_duration_ms - offset;
    } else {
      f.now_ms += frame_duration_ms + offset;
    }
    ck_assert_int_eq (state (&f), BWE_USAGE_NORMAL);
  }
  /* Sending too fast: 6 ms more delay per frame, 30 ms in total. */
  for (j = 0; j < 3; j++) {
    for (k = 0; k < 6; k++)
      update_detector (&f, rtp_timestamp, f.now_ms, PACKET_SIZE);
    f.now_ms += frame_duration_ms + drift_per_frame_ms * 6;
    rtp_timestamp += frame_duration_ms * 90;
    ck_assert_int_eq (state (&f), BWE_USAGE_NORMAL);
  }
  update_detector (&f, rtp_timestamp, f.now_ms, PACKET_SIZE);
  ck_assert_int_eq (state (&f), BWE_USAGE_OVERUSING);
}
END_TEST

/* Feeds count identical Detect() calls 5 ms apart; returns the index of the
 * first one that reports over-use, -1 if none. */
static int
detect_batch (BweOveruseDetector * d, double offset, int count,
    int *num_deltas, int64_t * now_ms)
{
  const double kTsDelta = 3000.0;
  int first = -1, i;

  for (i = 0; i < count; i++) {
    if (bwe_overuse_detector_detect (d, offset, kTsDelta, *num_deltas,
            *now_ms) == BWE_USAGE_OVERUSING && first < 0)
      first = i;
    (*num_deltas)++;
    *now_ms += 5;
  }
  return first;
}

START_TEST (test_threshold_adapts)
{
  const double kOffset = 0.21;
  const int kBatchLength = 10;
  BweOveruseDetector d;
  int64_t now_ms = 0;
  int num_deltas = 60;

  bwe_overuse_detector_init (&d);
  /* 60 * 0.21 = 12.6 > 12.5: the first call only starts the over-use timer
   * (1500 ms, one sample), the second (2 samples, 4500 ms) signals it. */
  ck_assert_int_eq (detect_batch (&d, kOffset, kBatchLength, &num_deltas,
          &now_ms), 1);
  /* A higher offset raises the threshold... */
  ck_assert_int_ge (detect_batch (&d, 1.1 * kOffset, kBatchLength,
          &num_deltas, &now_ms), 0);
  /* ...so that the first offset no longer triggers. */
  ck_assert_int_eq (detect_batch (&d, kOffset, kBatchLength, &num_deltas,
          &now_ms), -1);
  /* A low offset lets it come down again. */
  ck_assert_int_eq (detect_batch (&d, 0.7 * kOffset, 15 * kBatchLength,
          &num_deltas, &now_ms), -1);
  ck_assert_int_ge (detect_batch (&d, kOffset, kBatchLength, &num_deltas,
          &now_ms), 0);
}
END_TEST

START_TEST (test_doesnt_adapt_to_spikes)
{
  const double kOffset = 1.0;
  const double kLargeOffset = 20.0;
  const int kBatchLength = 10;
  const int kShortBatchLength = 3;
  BweOveruseDetector d;
  int64_t now_ms = 0;
  int num_deltas = 60;

  bwe_overuse_detector_init (&d);
  detect_batch (&d, kOffset, kBatchLength, &num_deltas, &now_ms);
  now_ms += 100;
  /* 60 * 20 is far above threshold + 15: over-use, but no adaptation... */
  ck_assert_int_ge (detect_batch (&d, kLargeOffset, kShortBatchLength,
          &num_deltas, &now_ms), 0);
  /* ...so the normal offset still triggers. */
  ck_assert_int_ge (detect_batch (&d, kOffset, kBatchLength, &num_deltas,
          &now_ms), 0);
}
END_TEST

/* Hand-derived: the first threshold update only records the time; 20 ms later
 * with T = 0, 12.5 - 0.039 * 12.5 * 20 = 2.75 is clamped to the floor 6. */
START_TEST (test_threshold_falls_to_floor)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  ck_assert (bwe_overuse_detector_threshold (&d) == 12.5);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 10, 1000);
  ck_assert (bwe_overuse_detector_threshold (&d) == 12.5);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 11, 1020);
  ck_assert (bwe_overuse_detector_threshold (&d) == 6.0);
  /* Fewer than 2 deltas: Normal, and nothing changes. */
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 5.0, 20.0, 1, 1040),
      BWE_USAGE_NORMAL);
  ck_assert (bwe_overuse_detector_threshold (&d) == 6.0);
}
END_TEST

static void
assert_threshold (const BweOveruseDetector * d, double expected)
{
  double actual = bwe_overuse_detector_threshold (d);

  ck_assert_msg (fabs (actual - expected) <= 1e-12 * expected,
      "threshold %.17g is not %.17g", actual, expected);
}

/* Hand-derived adaptation steps: threshold += k * (|T| - threshold) * dt,
 * k_down = 0.039 below the threshold, k_up = 0.0087 above it. */
START_TEST (test_threshold_adaptation_steps)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 60, 1000);
  assert_threshold (&d, 12.5);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 60, 1001);
  assert_threshold (&d, 12.5 - 0.039 * 12.5 * 1);
  /* T = 60 * 0.25 = 15 above 12.0125: k_up over 5 ms. */
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.25, 20.0, 60, 1006),
      BWE_USAGE_NORMAL);
  assert_threshold (&d, 12.0125 + 0.0087 * (15 - 12.0125) * 5);
}
END_TEST

/* |T| more than 15 above the threshold is a spike: the threshold stays, only
 * the time of the last update moves. */
START_TEST (test_spike_does_not_adapt)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 60, 0);
  /* T = 27.6 > 12.5 + 15. */
  bwe_overuse_detector_detect (&d, 0.46, 20.0, 60, 1);
  assert_threshold (&d, 12.5);
  /* T = 27 <= 27.5 adapts, over the 1 ms since the spike. */
  bwe_overuse_detector_detect (&d, 0.45, 20.0, 60, 2);
  assert_threshold (&d, 12.5 + 0.0087 * (60 * 0.45 - 12.5) * 1);
}
END_TEST

/* The adaptation step counts at most 100 ms. */
START_TEST (test_adaptation_time_is_capped)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 60, 0);
  bwe_overuse_detector_detect (&d, 0.21, 20.0, 60, 200);
  assert_threshold (&d, 12.5 + 0.0087 * (60 * 0.21 - 12.5) * 100);
}
END_TEST

/* Over-use needs more than 10 ms above the threshold: the timer starts at
 * half a delta.  6.7 / 2 + 6.7 = 10.05 > 10 on the 2nd sample; with 6.6,
 * 9.9 is not enough and the 3rd sample (16.5) signals. */
START_TEST (test_overusing_time_threshold)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.3, 6.7, 60, 0),
      BWE_USAGE_NORMAL);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.3, 6.7, 60, 1),
      BWE_USAGE_OVERUSING);

  bwe_overuse_detector_init (&d);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.3, 6.6, 60, 0),
      BWE_USAGE_NORMAL);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.3, 6.6, 60, 1),
      BWE_USAGE_NORMAL);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.3, 6.6, 60, 2),
      BWE_USAGE_OVERUSING);
}
END_TEST

/* The offset is scaled by at most 60 deltas: with 100, 0.206 gives
 * T = 12.36, below 12.5, so nothing happens but a k_down step. */
START_TEST (test_num_deltas_capped_at_60)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.206, 20.0, 100, 0),
      BWE_USAGE_NORMAL);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, 0.206, 20.0, 100, 1),
      BWE_USAGE_NORMAL);
  assert_threshold (&d, 12.5 + 0.039 * (60 * 0.206 - 12.5) * 1);
}
END_TEST

/* Kept 14 above the threshold, 100 ms apart, it climbs by
 * 0.0087 * 14 * 100 = 12.18 a step and stops at the ceiling of 600. */
START_TEST (test_threshold_ceiling)
{
  BweOveruseDetector d;
  int64_t now_ms = 0;
  int i;

  bwe_overuse_detector_init (&d);
  bwe_overuse_detector_detect (&d, 0.0, 20.0, 60, now_ms);
  for (i = 0; i < 40; i++) {
    now_ms += 100;
    bwe_overuse_detector_detect (&d,
        (bwe_overuse_detector_threshold (&d) + 14) / 60, 20.0, 60, now_ms);
  }
  ck_assert (fabs (bwe_overuse_detector_threshold (&d) -
          (12.5 + 40 * 12.18)) < 1e-6);
  for (i = 0; i < 20; i++) {
    now_ms += 100;
    bwe_overuse_detector_detect (&d,
        (bwe_overuse_detector_threshold (&d) + 14) / 60, 20.0, 60, now_ms);
  }
  ck_assert (bwe_overuse_detector_threshold (&d) == 600.0);
}
END_TEST

/* Two deltas are enough: T = 2 * -10 = -20 < -12.5 is under-use at once. */
START_TEST (test_two_deltas_are_enough)
{
  BweOveruseDetector d;

  bwe_overuse_detector_init (&d);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, -10.0, 20.0, 1, 0),
      BWE_USAGE_NORMAL);
  ck_assert_int_eq (bwe_overuse_detector_detect (&d, -10.0, 20.0, 2, 20),
      BWE_USAGE_UNDERUSING);
}
END_TEST

static Suite *
overuse_detector_suite (void)
{
  Suite *s = suite_create ("overuse_detector");
  TCase *tc = tcase_create ("detector");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_simple_non_overuse_30fps);
  tcase_add_test (tc, test_simple_non_overuse_with_receive_variance);
  tcase_add_test (tc, test_simple_non_overuse_with_rtp_timestamp_variance);
  tcase_add_test (tc, test_simple_overuse_2000kbit_30fps);
  tcase_add_test (tc, test_simple_overuse_100kbit_10fps);
  tcase_add_test (tc, test_overuse_with_low_variance_2000kbit_30fps);
  tcase_add_test (tc, test_low_gaussian_variance_30kbit_3fps);
  tcase_add_test (tc, test_low_gaussian_variance_fast_drift_30kbit_3fps);
  tcase_add_test (tc, test_high_gaussian_variance_30kbit_3fps);
  tcase_add_test (tc, test_high_gaussian_variance_fast_drift_30kbit_3fps);
  tcase_add_test (tc, test_low_gaussian_variance_100kbit_5fps);
  tcase_add_test (tc, test_high_gaussian_variance_100kbit_5fps);
  tcase_add_test (tc, test_low_gaussian_variance_100kbit_10fps);
  tcase_add_test (tc, test_high_gaussian_variance_100kbit_10fps);
  tcase_add_test (tc, test_low_gaussian_variance_300kbit_30fps);
  tcase_add_test (tc, test_low_gaussian_variance_fast_drift_300kbit_30fps);
  tcase_add_test (tc, test_high_gaussian_variance_300kbit_30fps);
  tcase_add_test (tc, test_high_gaussian_variance_fast_drift_300kbit_30fps);
  tcase_add_test (tc, test_low_gaussian_variance_1000kbit_30fps);
  tcase_add_test (tc, test_low_gaussian_variance_fast_drift_1000kbit_30fps);
  tcase_add_test (tc, test_high_gaussian_variance_1000kbit_30fps);
  tcase_add_test (tc, test_high_gaussian_variance_fast_drift_1000kbit_30fps);
  tcase_add_test (tc, test_low_gaussian_variance_2000kbit_30fps);
  tcase_add_test (tc, test_low_gaussian_variance_fast_drift_2000kbit_30fps);
  tcase_add_test (tc, test_high_gaussian_variance_2000kbit_30fps);
  tcase_add_test (tc, test_high_gaussian_variance_fast_drift_2000kbit_30fps);
  tcase_add_test (tc, test_threshold_adapts);
  tcase_add_test (tc, test_doesnt_adapt_to_spikes);
  tcase_add_test (tc, test_threshold_falls_to_floor);
  tcase_add_test (tc, test_threshold_adaptation_steps);
  tcase_add_test (tc, test_spike_does_not_adapt);
  tcase_add_test (tc, test_adaptation_time_is_capped);
  tcase_add_test (tc, test_overusing_time_threshold);
  tcase_add_test (tc, test_num_deltas_capped_at_60);
  tcase_add_test (tc, test_threshold_ceiling);
  tcase_add_test (tc, test_two_deltas_are_enough);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (overuse_detector_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
