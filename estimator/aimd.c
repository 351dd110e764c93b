/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/aimd_rate_control.cc
 * and modules/congestion_controller/goog_cc/link_capacity_estimator.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's AimdRateControl (2023, receive side, no field trials) and
 * LinkCapacityEstimator, with api/units' roundings: DataRate * double rounds
 * (llround), DataRate from a double truncates, kbps() rounds to whole kbit/s. */
#include "aimd.h"

#include <math.h>

#define DEFAULT_MIN_BITRATE_BPS 5000    /* kCongestionControllerMinBitrate */
#define DEFAULT_MAX_BITRATE_BPS 30000000
#define DEFAULT_RTT_US 200000
#define DEFAULT_BACKOFF_FACTOR 0.85
/* Feedback (80 bytes) may use 5 % of the rate, every 200 ms to 1 s. */
#define RTCP_SIZE_BYTES 80
#define MIN_FEEDBACK_INTERVAL_US 200000
#define MAX_FEEDBACK_INTERVAL_US 1000000
/* Estimates are reduced again after min(max(rtt, 10 ms), 200 ms). */
#define MIN_REDUCTION_INTERVAL_US 10000
#define MAX_REDUCTION_INTERVAL_US 200000
/* Without an overuse, the throughput initializes the estimate after 5 s. */
#define INITIALIZATION_TIME_US 5000000
/* Increase limit: 1.5 * throughput + 10 kbit/s. */
#define INCREASE_LIMIT_OFFSET_BPS 10000
#define MIN_MULTIPLICATIVE_INCREASE_BPS 1000
#define MULTIPLICATIVE_ALPHA 1.08
/* Near-max increase: one average packet of a 30 fps frame per response time. */
#define FRAME_INTERVAL_US (1000000 / 30)
#define PACKET_SIZE_BYTES 1200
#define RESPONSE_TIME_OFFSET_US 100000
#define MIN_INCREASE_RATE_BPS_PER_SECOND 4000.0
#define MIN_PERIOD_US 2000000
#define DEFAULT_PERIOD_US 3000000
#define MAX_PERIOD_US 50000000
/* Link capacity: deviation clamp (float literals in libwebrtc) and smoothing. */
#define LINK_DEVIATION_MIN 0.4f
#define LINK_DEVIATION_MAX 2.5f
#define LINK_INITIAL_DEVIATION 0.4
#define LINK_OVERUSE_ALPHA 0.05
#define LINK_PROBE_ALPHA 0.5

/* double -> int64 as x86-64's cvttsd2si, which libwebrtc's release builds use:
 * NaN and values out of range give INT64_MIN (in C the cast is undefined).  Only
 * garbage input gets there (a negative 32-bit throughput makes the link
 * capacity's deviation the root of a negative number). */
static int64_t
truncate_to_i64 (double x)
{
  if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0))
    return INT64_MIN;
  return (int64_t) x;
}

/* std::llround for |x| < 2^53 without the libm call: x - trunc(x) is exact
 * there, so halves round away from zero exactly as llround does. */
static int64_t
round_half_away (double x)
{
  int64_t i = truncate_to_i64 (x);
  double frac = x - (double) i;

  if (frac >= 0.5)
    i++;
  else if (frac <= -0.5)
    i--;
  return i;
}

/* DataRate * double */
static int64_t
rate_scale (int64_t bps, double scalar)
{
  return round_half_away (bps * scalar);
}

/* DataRate::KilobitsPerSec(double): +infinity stays infinite */
static int64_t
rate_from_kbps (double kbps)
{
  if (kbps == INFINITY)
    return INT64_MAX;
  return truncate_to_i64 (kbps * 1000);
}

/* DataRate::kbps(): whole kbit/s, rounded to nearest (DivideRoundToNearest).
 * LinkCapacityEstimator takes its samples this way, so its estimate starts on a
 * whole kbit/s (the parity traces show decreases to exactly 0.85 * N kbit/s). */
static double
rate_to_kbps (int64_t bps)
{
  int64_t q = bps / 1000, r = bps % 1000;

  if (r > 499)
    q++;
  return (double) q;
}

/* TimeDelta::seconds<double>() */
static double
us_to_seconds (int64_t us)
{
  return (double) us * (1 / 1000000.0);
}

/* Timestamp subtraction with -infinity as BWE_AIMD_TIME_UNSET. */
static int64_t
time_since (int64_t now_us, int64_t then_us)
{
  if (then_us == BWE_AIMD_TIME_UNSET)
    return INT64_MAX;
  return now_us - then_us;
}

void
bwe_link_capacity_init (BweLinkCapacity * lc)
{
  lc->has_estimate = false;
  lc->estimate_kbps = 0;
  lc->deviation_kbps = LINK_INITIAL_DEVIATION;
}

void
bwe_link_capacity_reset (BweLinkCapacity * lc)
{
  lc->has_estimate = false;
}

static double
link_deviation_estimate_kbps (const BweLinkCapacity * lc)
{
  return sqrt (lc->deviation_kbps * lc->estimate_kbps);
}

static void
link_update (BweLinkCapacity * lc, int64_t sample_bps, double alpha)
{
  double sample_kbps = rate_to_kbps (sample_bps);
  double norm, error_kbps;

  if (!lc->has_estimate)
    lc->estimate_kbps = sample_kbps;
  else
    lc->estimate_kbps = (1 - alpha) * lc->estimate_kbps + alpha * sample_kbps;
  lc->has_estimate = true;
  /* Variance normalized by the estimate. */
  norm = lc->estimate_kbps > 1.0 ? lc->estimate_kbps : 1.0;
  error_kbps = lc->estimate_kbps - sample_kbps;
  lc->deviation_kbps = (1 - alpha) * lc->deviation_kbps +
      alpha * error_kbps * error_kbps / norm;
  if (lc->deviation_kbps <= LINK_DEVIATION_MIN)
    lc->deviation_kbps = LINK_DEVIATION_MIN;
  else if (lc->deviation_kbps >= LINK_DEVIATION_MAX)
    lc->deviation_kbps = LINK_DEVIATION_MAX;
}

void
bwe_link_capacity_on_overuse_detected (BweLinkCapacity * lc,
    int64_t throughput_bps)
{
  link_update (lc, throughput_bps, LINK_OVERUSE_ALPHA);
}

void
bwe_link_capacity_on_probe_rate (BweLinkCapacity * lc, int64_t probe_bps)
{
  link_update (lc, probe_bps, LINK_PROBE_ALPHA);
}

int64_t
bwe_link_capacity_upper_bound (const BweLinkCapacity * lc)
{
  if (!lc->has_estimate)
    return INT64_MAX;
  return rate_from_kbps (lc->estimate_kbps +
      3 * link_deviation_estimate_kbps (lc));
}

int64_t
bwe_link_capacity_lower_bound (const BweLinkCapacity * lc)
{
  double kbps;

  if (!lc->has_estimate)
    return 0;
  kbps = lc->estimate_kbps - 3 * link_deviation_estimate_kbps (lc);
  return rate_from_kbps (kbps > 0.0 ? kbps : 0.0);
}

int64_t
bwe_link_capacity_estimate (const BweLinkCapacity * lc)
{
  return rate_from_kbps (lc->estimate_kbps);
}

void
bwe_aimd_init (BweAimd * a)
{
  a->min_configured_bps = DEFAULT_MIN_BITRATE_BPS;
  a->max_estimate_bps = UINT32_MAX;
  /* libwebrtc's max_configured_bitrate_: only the starting value */
  a->current_bps = DEFAULT_MAX_BITRATE_BPS;
  a->latest_estimated_throughput_bps = a->current_bps;
  bwe_link_capacity_init (&a->link_capacity);
  a->state = BWE_RC_HOLD;
  a->time_last_bitrate_change_us = BWE_AIMD_TIME_UNSET;
  a->time_last_bitrate_decrease_us = BWE_AIMD_TIME_UNSET;
  a->time_first_throughput_estimate_us = BWE_AIMD_TIME_UNSET;
  a->bitrate_is_initialized = false;
  a->beta = DEFAULT_BACKOFF_FACTOR;
  a->rtt_us = DEFAULT_RTT_US;
  a->has_last_decrease = false;
  a->last_decrease_bps = 0;
}

void
bwe_aimd_set_min_bitrate (BweAimd * a, int64_t min_bps)
{
  a->min_configured_bps = min_bps;
  if (a->current_bps < min_bps)
    a->current_bps = min_bps;
}

void
bwe_aimd_set_max_bitrate (BweAimd * a, int64_t max_bps)
{
  a->max_estimate_bps = max_bps;
  if (a->current_bps > max_bps)
    a->current_bps = max_bps;
  if (a->latest_estimated_throughput_bps > max_bps)
    a->latest_estimated_throughput_bps = max_bps;
}

/* libwebrtc raises to the minimum only, so a probe cluster a sender can fake (any
 * rate up to hundreds of Gbit/s) would become the estimate and overflow the
 * 32-bit bitrate reported: the upper bound is 2^32 - 1 bit/s unless the caller
 * sets a lower one, far above anything libwebrtc's own decisions reach. */
static int64_t
clamp_bitrate (const BweAimd * a, int64_t bps)
{
  if (bps > a->max_estimate_bps)
    bps = a->max_estimate_bps;
  return bps > a->min_configured_bps ? bps : a->min_configured_bps;
}

void
bwe_aimd_set_estimate (BweAimd * a, int64_t bitrate_bps, int64_t now_us)
{
  int64_t prev = a->current_bps;

  a->bitrate_is_initialized = true;
  a->current_bps = clamp_bitrate (a, bitrate_bps);
  a->time_last_bitrate_change_us = now_us;
  if (a->current_bps < prev)
    a->time_last_bitrate_decrease_us = now_us;
}

void
bwe_aimd_set_rtt (BweAimd * a, int64_t rtt_us)
{
  a->rtt_us = rtt_us;
}

int64_t
bwe_aimd_feedback_interval_us (const BweAimd * a)
{
  int64_t rtcp_bps = rate_scale (a->current_bps, 0.05);
  int64_t interval;

  if (rtcp_bps <= 0)
    return MAX_FEEDBACK_INTERVAL_US;
  interval = (int64_t) RTCP_SIZE_BYTES * 8000000 / rtcp_bps;
  if (interval < MIN_FEEDBACK_INTERVAL_US)
    return MIN_FEEDBACK_INTERVAL_US;
  if (interval > MAX_FEEDBACK_INTERVAL_US)
    return MAX_FEEDBACK_INTERVAL_US;
  return interval;
}

bool
bwe_aimd_time_to_reduce_further (const BweAimd * a, int64_t now_us,
    int64_t throughput_bps)
{
  int64_t interval = a->rtt_us;

  if (interval < MIN_REDUCTION_INTERVAL_US)
    interval = MIN_REDUCTION_INTERVAL_US;
  if (interval > MAX_REDUCTION_INTERVAL_US)
    interval = MAX_REDUCTION_INTERVAL_US;
  if (time_since (now_us, a->time_last_bitrate_change_us) >= interval)
    return true;
  if (a->bitrate_is_initialized)
    return throughput_bps < rate_scale (a->current_bps, 0.5);
  return false;
}

double
bwe_aimd_near_max_increase_rate_bps_per_second (const BweAimd * a)
{
  /* DataRate * TimeDelta rounds to whole bytes. */
  int64_t frame_size = (a->current_bps * FRAME_INTERVAL_US + 4000000) / 8000000;
  double packets_per_frame = ceil ((double) frame_size / PACKET_SIZE_BYTES);
  /* Below 240 bit/s a frame rounds to no byte at all and libwebrtc divides 0 by
   * 0 packets; no packet size then, so the minimum increase rate applies. */
  int64_t avg_packet_size = frame_size > 0 ?
      round_half_away (frame_size / packets_per_frame) : 0;
  /* The over-use detector's delay is taken as 100 ms, then doubled. */
  int64_t response_time_us = (a->rtt_us + RESPONSE_TIME_OFFSET_US) * 2;
  double rate = (double) (avg_packet_size * 8000000 / response_time_us);

  return rate > MIN_INCREASE_RATE_BPS_PER_SECOND ? rate :
      MIN_INCREASE_RATE_BPS_PER_SECOND;
}

int64_t
bwe_aimd_expected_bandwidth_period_us (const BweAimd * a)
{
  double rate = bwe_aimd_near_max_increase_rate_bps_per_second (a);
  int64_t period;

  if (!a->has_last_decrease)
    return DEFAULT_PERIOD_US;
  period = (int64_t) ((a->last_decrease_bps / rate) * 1000000);
  if (period < MIN_PERIOD_US)
    return MIN_PERIOD_US;
  if (period > MAX_PERIOD_US)
    return MAX_PERIOD_US;
  return period;
}

static int64_t
additive_rate_increase (const BweAimd * a, int64_t now_us, int64_t last_us)
{
  double seconds;

  if (last_us == BWE_AIMD_TIME_UNSET)
    /* An infinite increase: the caller's limit applies. */
    return INT64_MAX / 2;
  seconds = us_to_seconds (now_us - last_us);
  return (int64_t) (bwe_aimd_near_max_increase_rate_bps_per_second (a) *
      seconds);
}

static int64_t
multiplicative_rate_increase (int64_t now_us, int64_t last_us,
    int64_t current_bps)
{
  double alpha = MULTIPLICATIVE_ALPHA;
  int64_t inc;

  if (last_us != BWE_AIMD_TIME_UNSET) {
    double since = us_to_seconds (now_us - last_us);
    alpha = pow (alpha, since < 1.0 ? since : 1.0);
  }
  inc = rate_scale (current_bps, alpha - 1.0);
  return inc > MIN_MULTIPLICATIVE_INCREASE_BPS ? inc :
      MIN_MULTIPLICATIVE_INCREASE_BPS;
}

static void
change_state (BweAimd * a, BweBandwidthUsage usage, int64_t now_us)
{
  switch (usage) {
    case BWE_USAGE_NORMAL:
      if (a->state == BWE_RC_HOLD) {
        a->time_last_bitrate_change_us = now_us;
        a->state = BWE_RC_INCREASE;
      }
      break;
    case BWE_USAGE_OVERUSING:
      a->state = BWE_RC_DECREASE;
      break;
    case BWE_USAGE_UNDERUSING:
      a->state = BWE_RC_HOLD;
      break;
  }
}

static void
change_bitrate (BweAimd * a, BweBandwidthUsage usage, bool has_throughput,
    int64_t throughput_in, int64_t now_us)
{
  bool has_new = false;
  int64_t new_bps = 0;
  int64_t throughput = has_throughput ? throughput_in :
      a->latest_estimated_throughput_bps;

  if (has_throughput)
    a->latest_estimated_throughput_bps = throughput_in;

  /* An over-use always reduces, and so initializes, the estimate. */
  if (!a->bitrate_is_initialized && usage != BWE_USAGE_OVERUSING)
    return;

  change_state (a, usage, now_us);

  switch (a->state) {
    case BWE_RC_HOLD:
      break;
    case BWE_RC_INCREASE:{
      int64_t limit, increased;

      if (throughput > bwe_link_capacity_upper_bound (&a->link_capacity))
        bwe_link_capacity_reset (&a->link_capacity);
      /* Bounded by the throughput, with some slack at low rates. */
      limit = rate_scale (throughput, 1.5) + INCREASE_LIMIT_OFFSET_BPS;
      if (a->current_bps < limit) {
        if (a->link_capacity.has_estimate)
          /* Close to the known capacity: additive. */
          increased = a->current_bps + additive_rate_increase (a, now_us,
              a->time_last_bitrate_change_us);
        else
          /* Capacity unknown: multiplicative to find it fast. */
          increased = a->current_bps + multiplicative_rate_increase (now_us,
              a->time_last_bitrate_change_us, a->current_bps);
        new_bps = increased < limit ? increased : limit;
        has_new = true;
      }
      a->time_last_bitrate_change_us = now_us;
      break;
    }
    case BWE_RC_DECREASE:{
      /* Slightly below the throughput, to drain the self-inflicted queue. */
      int64_t decreased = rate_scale (throughput, a->beta);

      if (decreased > a->current_bps && a->link_capacity.has_estimate)
        decreased = rate_scale (bwe_link_capacity_estimate (&a->link_capacity),
            a->beta);
      /* Never increase on over-use. */
      if (decreased < a->current_bps) {
        new_bps = decreased;
        has_new = true;
      }
      if (a->bitrate_is_initialized && throughput < a->current_bps) {
        a->has_last_decrease = true;
        a->last_decrease_bps = has_new ? a->current_bps - new_bps : 0;
      }
      /* Far below the capacity estimate: let this over-use replace it. */
      if (throughput < bwe_link_capacity_lower_bound (&a->link_capacity))
        bwe_link_capacity_reset (&a->link_capacity);
      a->bitrate_is_initialized = true;
      bwe_link_capacity_on_overuse_detected (&a->link_capacity, throughput);
      /* Hold until the queues have drained. */
      a->state = BWE_RC_HOLD;
      a->time_last_bitrate_change_us = now_us;
      a->time_last_bitrate_decrease_us = now_us;
      break;
    }
  }
  a->current_bps = clamp_bitrate (a, has_new ? new_bps : a->current_bps);
}

int64_t
bwe_aimd_update (BweAimd * a, BweBandwidthUsage state, bool has_throughput,
    int64_t throughput_bps, int64_t now_us)
{
  if (!a->bitrate_is_initialized) {
    if (a->time_first_throughput_estimate_us == BWE_AIMD_TIME_UNSET) {
      if (has_throughput)
        a->time_first_throughput_estimate_us = now_us;
    } else if (now_us - a->time_first_throughput_estimate_us >
        INITIALIZATION_TIME_US && has_throughput) {
      a->current_bps = throughput_bps;
      a->bitrate_is_initialized = true;
    }
  }
  change_bitrate (a, state, has_throughput, throughput_bps, now_us);
  return a->current_bps;
}
