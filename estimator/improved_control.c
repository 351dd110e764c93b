/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "improved_control.h"

#include <math.h>

#define NO_TIME INT64_MIN

/* Below this the queue is empty: jitter and the clock's granularity. */
#define Q_LOW_US 5000
/* Every stream keeps this much of its own data in the bottleneck's queue (as
 * Copa's 1/delta packets: 1.5 packets of 1200 bytes): at equilibrium the queue is
 * Q_REF + n x STREAM_QUEUE_BITS / capacity for n streams, whatever each one
 * measures, so streams that share a link settle at equal rates.  Capped for
 * streams too slow for it (audio alone would otherwise queue for long). */
#define STREAM_QUEUE_BITS 14400.0
#define STREAM_QUEUE_MAX_US 50000
/* Steady: the queue's distance from that level is corrected over this time,
 * longer than the loop (feedback delay plus the rate window) for stability. */
#define STEADY_TIME_US 500000
/* This far above the level the queue is drained at once; or when the first
 * packet of the last frame waited this much more (an emergency: the queue
 * grows fast, the capacity fell). */
#define DRAIN_MARGIN_US 20000
#define DRAIN_FAST_MARGIN_US 30000
/* A drain asks for the delivered rate less the excess queue over this time,
 * never less than half of it nor more than 95 %. */
#define DRAIN_TIME_US 500000
#define DRAIN_MIN_FACTOR 0.5
#define DRAIN_MAX_FACTOR 0.95
/* The queue must have stayed below half the stream's level this long
 * before a ramp. */
#define RAMP_HOLD_US 300000
/* What a sender adds to the round trip before its rate follows a REMB. */
#define SENDER_DELAY_US 200000
/* NADA's ramp: the queue a ramp may build before its feedback returns.
 * (NADA caps gamma at 0.5; with the feedback delay at least SENDER_DELAY,
 * gamma is at most 0.25 here.) */
#define RAMP_QUEUE_BOUND_US 50000
/* A ramp waits for the sender: it raises the target only while what arrives
 * over the last 500 ms (an encoder's frames vary too much over 100 ms) is
 * at least this share of it.  A sender that follows
 * a REMB late (an encoder's rate control, a policy that raises once a
 * second) thus probes one step at a time, and past the known capacity the
 * target never runs more than 1 / RAMP_GATE ahead of what the path has
 * shown it carries.  Below the known capacity a step may be a whole
 * FAST_GAMMA. */
#define RAMP_GATE 0.95
/* Up to a known capacity: growth per feedback delay, and how close to it. */
#define FAST_GAMMA 0.5
#define CEILING_FRACTION 0.9
/* The link estimate expires on evidence that it is stale: a delivered rate
 * this much above it, or the queue empty for this long while held at it
 * (packet trains are no evidence: behind a token-bucket shaper they pass
 * at line rate whenever the bucket has refilled). */
#define LINK_EXPIRY_FACTOR 1.1
#define LINK_EXPIRY_HOLD_US 500000
/* libwebrtc's bound on increases: 1.5x the delivered rate + 10 kbit/s. */
#define INCOMING_FACTOR 1.5
#define INCOMING_ADD_BPS 10000.0
/* A queue that has stayed this far above our level for COMPETE_AFTER,
 * although we drained, is held by a loss-based competitor. */
#define COMPETE_MARGIN_US 30000
#define COMPETE_AFTER_US 3000000
#define UNCONTESTED_HALF_LIFE_US 10000000
/* TCP-friendly AIMD (Floyd, Handley, Padhye 2000): a decrease by b on a loss
 * event and a = 3b / (2 - b) packets per round trip per round trip share
 * with TCP as TCP does. */
#define COMPETE_DECREASE 0.3
#define COMPETE_INCREASE (3.0 * COMPETE_DECREASE / (2.0 - COMPETE_DECREASE))
#define DEFAULT_RTT_US 200000
#define MAX_TICK_US 200000

void
bwe_improved_control_init (BweImprovedControl * c, uint32_t min_bps,
    uint32_t max_bps)
{
  c->regime = BWE_REGIME_START;
  c->target_bps = 0;
  c->min_bps = min_bps;
  c->max_bps = max_bps;
  c->rtt_us = DEFAULT_RTT_US;
  c->last_tick_us = NO_TIME;
  c->queue_seen_us = NO_TIME;
  c->uncontested_us = NO_TIME;
  c->uncontested_bps = 0;
  c->last_cut_us = NO_TIME;
  c->loss_events_seen = 0;
  c->level_us = BWE_IMPROVED_Q_REF_US;
  c->at_link_since_us = NO_TIME;
  c->link_bps = 0;
  c->link_valid = false;
}

void
bwe_improved_control_set_rtt (BweImprovedControl * c, int64_t rtt_ms)
{
  if (rtt_ms < 0)
    rtt_ms = 0;
  if (rtt_ms > 60000)
    rtt_ms = 60000;
  c->rtt_us = rtt_ms * 1000;
}

/* The time a change of the target takes to show in what arrives. */
static double
feedback_delay_s (const BweImprovedControl * c)
{
  return (c->rtt_us + SENDER_DELAY_US) / 1e6;
}

/* Increases only up to 1.5x the delivered rate + 10 kbit/s, and none while
 * no rate is known (after a silence: a burst then is not a capacity
 * change); never below the minimum, never above the maximum or 32 bits. */
static void
clamp_target (BweImprovedControl * c, double before, const
    BweImprovedSignals * s)
{
  if (c->target_bps > before) {
    double bound = s->have_rate ?
        INCOMING_FACTOR * s->rate_bps + INCOMING_ADD_BPS : before;
    if (c->target_bps > bound)
      c->target_bps = bound > before ? bound : before;
  }
  if (c->max_bps > 0 && c->target_bps > c->max_bps)
    c->target_bps = c->max_bps;
  /* REMB and the API carry 32 bits. */
  if (!(c->target_bps <= UINT32_MAX))
    c->target_bps = UINT32_MAX;
  if (c->target_bps < c->min_bps)
    c->target_bps = c->min_bps;
}

/* What arrives of our stream: over the recent window, and for a drain the
 * lower of it and the last few frames, so that a capacity drop is followed at
 * once; in an emergency (a queue growing fast: the capacity fell) also the
 * bottleneck's rate from the last packets that queued, which knows the new
 * capacity from the first few of them. */
static double
delivered (const BweImprovedControl * c, const BweImprovedSignals * s,
    bool lowest, bool emergency)
{
  double rate = s->have_recent_rate ? s->recent_rate_bps : c->target_bps;

  if (lowest && s->have_short_rate && s->short_rate_bps < rate)
    rate = s->short_rate_bps;
  if (emergency && s->have_bottleneck_rate && s->bottleneck_rate_bps < rate)
    rate = s->bottleneck_rate_bps;
  return rate;
}

/* The queue this stream aims for: Q_REF plus its own share of data. */
static int64_t
queue_level_us (const BweImprovedControl * c, const BweImprovedSignals * s)
{
  double rate = delivered (c, s, false, false);
  double own_us = rate > 0 ? STREAM_QUEUE_BITS / rate * 1e6 :
      STREAM_QUEUE_MAX_US;

  if (own_us > STREAM_QUEUE_MAX_US)
    own_us = STREAM_QUEUE_MAX_US;
  return BWE_IMPROVED_Q_REF_US + (int64_t) own_us;
}

static void
drain (BweImprovedControl * c, const BweImprovedSignals * s, int64_t level)
{
  bool emergency = s->capacity_drop ||
      s->queue_now_us >= level + DRAIN_FAST_MARGIN_US;
  double share = delivered (c, s, true, emergency);
  int64_t queue = s->queue_now_us > s->queue_us ? s->queue_now_us :
      s->queue_us;
  double factor = 1.0 - (double) (queue - level) / DRAIN_TIME_US;
  double want;

  if (factor < DRAIN_MIN_FACTOR || s->capacity_drop)
    factor = DRAIN_MIN_FACTOR;
  if (factor > DRAIN_MAX_FACTOR)
    factor = DRAIN_MAX_FACTOR;
  want = share * factor;
  c->regime = BWE_REGIME_DRAIN;
  if (want < c->target_bps) {
    c->target_bps = want;
    c->last_cut_us = s->now_us;
  }
  /* The link: what the bottleneck gave us while it was queued, not what we
   * asked for (a sender that slowed down for the drain would make it read
   * low, and expire at once). */
  c->link_bps = s->have_link_rate ? s->link_rate_bps : share;
  c->link_valid = true;
  c->at_link_since_us = NO_TIME;
}

/* Capacity seen beyond the link estimate with an empty queue: the link
 * grew, the estimate no longer holds. */
static void
expire_link (BweImprovedControl * c, const BweImprovedSignals * s,
    int64_t at_link_since_us)
{
  double beyond = c->link_bps * LINK_EXPIRY_FACTOR;

  if (c->link_valid && ((s->have_rate && s->rate_bps > beyond) ||
          (at_link_since_us != NO_TIME &&
              s->now_us - at_link_since_us >= LINK_EXPIRY_HOLD_US)))
    c->link_valid = false;
}

/* Holds the queue at the stream's level: what arrives, corrected by the
 * distance to it. */
static void
steady (BweImprovedControl * c, const BweImprovedSignals * s, int64_t level)
{
  double queue = s->queue_us < 0 ? 0 : (double) s->queue_us;

  c->regime = BWE_REGIME_STEADY;
  c->target_bps = delivered (c, s, false, false) *
      (1.0 + (level - queue) / STEADY_TIME_US);
}

/* at_link_since_us: since when the target has been held at the link with
 * an empty queue (INT64_MIN: it was not at the last tick). */
static void
ramp (BweImprovedControl * c, const BweImprovedSignals * s, int64_t level,
    double dt_s, int64_t at_link_since_us)
{
  double d = feedback_delay_s (c), ceiling;

  c->regime = BWE_REGIME_RAMP;
  expire_link (c, s, at_link_since_us);
  ceiling = c->link_valid ? c->link_bps :
      s->train_capacity_bps > s->train_floor_bps ? s->train_capacity_bps :
      s->train_floor_bps;
  ceiling *= CEILING_FRACTION;
  if (!s->have_recent_rate || s->recent_rate_bps < c->target_bps *
      (c->target_bps < ceiling ? 1.0 / (1.0 + FAST_GAMMA) : RAMP_GATE))
    return;
  if (c->target_bps < ceiling) {
    c->target_bps *= exp (log (1.0 + FAST_GAMMA) * dt_s / d);
    if (c->target_bps > ceiling)
      c->target_bps = ceiling;
  } else if (c->link_valid) {
    /* At the rate the link gave at the last congestion: no probing past
     * it until evidence expires it; meanwhile the queue is held at the
     * level. */
    c->at_link_since_us = at_link_since_us == NO_TIME ? s->now_us :
        at_link_since_us;
    steady (c, s, level);
    c->regime = BWE_REGIME_RAMP;
  } else {
    double gamma = RAMP_QUEUE_BOUND_US / 1e6 / d;
    c->target_bps *= exp (log (1.0 + gamma) * dt_s / d);
  }
}

/* TFRC's throughput equation (RFC 5348, 3.1) with t_RTO = 4 R and b = 1:
 * what TCP would get with this round trip and loss event rate. */
static double
tcp_friendly_bps (double packet_bits, double rtt_s, double p)
{
  double denom = rtt_s * sqrt (2.0 * p / 3.0) +
      4.0 * rtt_s * (3.0 * sqrt (3.0 * p / 8.0)) * p * (1.0 + 32.0 * p * p);

  return denom > 0 ? packet_bits / denom : 0;
}

/* While a loss-based flow holds the queue: TCP's rate for our loss event
 * rate and round trip (queue included) once losses are known, TCP-friendly
 * AIMD before and between. */
static void
compete (BweImprovedControl * c, const BweImprovedSignals * s, double dt_s)
{
  double rtt_s = (c->rtt_us + (double) s->queue_us) / 1e6;

  c->regime = BWE_REGIME_COMPETE;
  if (rtt_s < 0.01)
    rtt_s = 0.01;
  if (s->loss_event_rate > 0) {
    c->target_bps = tcp_friendly_bps (s->packet_bits, rtt_s,
        s->loss_event_rate);
    return;
  }
  c->target_bps += COMPETE_INCREASE * s->packet_bits / (rtt_s * rtt_s) * dt_s;
  if (s->loss_events > c->loss_events_seen &&
      (c->last_cut_us == NO_TIME || s->now_us - c->last_cut_us >=
          (int64_t) (rtt_s * 1e6))) {
    c->target_bps *= 1.0 - COMPETE_DECREASE;
    c->last_cut_us = s->now_us;
  }
}

static void
choose (BweImprovedControl * c, const BweImprovedSignals * s, double dt_s)
{
  int64_t level = queue_level_us (c, s);
  int64_t at_link_since_us = c->at_link_since_us;
  bool new_loss = s->loss_events > c->loss_events_seen;

  c->level_us = level;
  c->at_link_since_us = NO_TIME;
  if (s->queue_us >= level / 2)
    c->queue_seen_us = s->now_us;
  /* The rate a competitor pushes us from: the highest we had while
   * uncontested, forgotten with a half-life of UNCONTESTED_HALF_LIFE. */
  c->uncontested_bps *= exp (-M_LN2 * dt_s * 1e6 / UNCONTESTED_HALF_LIFE_US);
  if (s->queue_us < level + COMPETE_MARGIN_US) {
    double rate = delivered (c, s, false, false);
    c->uncontested_us = s->now_us;
    if (c->uncontested_bps < rate)
      c->uncontested_bps = rate;
  }

  if (c->regime == BWE_REGIME_COMPETE) {
    if (s->queue_us >= Q_LOW_US) {
      compete (c, s, dt_s);
      return;
    }
    /* The queue emptied: the competitor left. */
    c->link_valid = false;
    c->uncontested_us = s->now_us;
  }
  if (c->last_cut_us != NO_TIME &&
      s->now_us - c->uncontested_us >= COMPETE_AFTER_US) {
    /* Back to the rate the competitor pushed us from, as a loss-based flow
     * would have kept it. */
    if (c->target_bps < c->uncontested_bps)
      c->target_bps = c->uncontested_bps;
    compete (c, s, dt_s);
  } else if (s->capacity_drop || s->queue_us >= level + DRAIN_MARGIN_US ||
      s->queue_now_us >= level + DRAIN_FAST_MARGIN_US ||
      (new_loss && s->queue_us >= level)) {
    drain (c, s, level);
  } else if (s->now_us - c->queue_seen_us >= RAMP_HOLD_US) {
    ramp (c, s, level, dt_s, at_link_since_us);
  } else {
    steady (c, s, level);
  }
}

bool
bwe_improved_control_update (BweImprovedControl * c,
    const BweImprovedSignals * s)
{
  double dt_s, before;

  if (c->regime == BWE_REGIME_START) {
    if (!s->have_recent_rate)
      return false;
    c->target_bps = s->recent_rate_bps;
    c->regime = BWE_REGIME_RAMP;
    c->last_tick_us = s->now_us;
    c->queue_seen_us = c->uncontested_us = s->now_us;
    c->loss_events_seen = s->loss_events;
    clamp_target (c, c->target_bps, s);
    return true;
  }
  dt_s = (s->now_us - c->last_tick_us) / 1e6;
  if (dt_s < 0)
    dt_s = 0;
  if (dt_s > MAX_TICK_US / 1e6)
    dt_s = MAX_TICK_US / 1e6;
  c->last_tick_us = s->now_us;
  if (s->queue_us == BWE_IMPROVED_Q_NONE)
    return true;
  before = c->target_bps;
  choose (c, s, dt_s);
  c->loss_events_seen = s->loss_events;
  clamp_target (c, before, s);
  return true;
}

BweBandwidthUsage
bwe_improved_control_usage (const BweImprovedControl * c)
{
  return c->regime == BWE_REGIME_DRAIN ? BWE_USAGE_OVERUSING :
      BWE_USAGE_NORMAL;
}

const char *
bwe_regime_name (BweRegime regime)
{
  switch (regime) {
    case BWE_REGIME_START:
      return "start";
    case BWE_REGIME_RAMP:
      return "ramp";
    case BWE_REGIME_STEADY:
      return "steady";
    case BWE_REGIME_DRAIN:
      return "drain";
    case BWE_REGIME_COMPETE:
      return "compete";
  }
  return "unknown";
}
