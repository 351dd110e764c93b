/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rate control of the improved mode: a target bitrate for REMB from the
 * queueing delay, the delivered rate, the bottleneck's rate, packet trains and
 * loss, updated every BWE_IMPROVED_TICK_US (and at once on an alarm).
 * docs/improved-mode.md gives every equation and constant with its reason.
 *
 * Each stream aims for a queue level: Q_REF plus 1.5 packets of its own in
 * the bottleneck's queue (Copa's rule), so that streams sharing a link settle
 * at equal rates.  Regimes:
 * - ramp: the queue has stayed below half the level; grow multiplicatively,
 *   fast up to the known capacity (the link's rate at the last congestion, or
 *   the packet trains'), then by NADA's bounded ramp (RFC 8698 4.3);
 * - steady: the target follows the delivered rate, corrected by the queue's
 *   distance to the level;
 * - drain: the queue is well above the level (or a capacity drop, or loss
 *   while queued): ask for less than what arrives until it is gone;
 * - compete: the queue has stayed above the level for COMPETE_AFTER although
 *   we drained: a loss-based flow holds it.  TFRC's TCP-friendly rate (RFC
 *   5348) from our loss event rate and round trip (TCP-friendly AIMD until
 *   a first loss interval is known), until the queue empties.
 * Every increase is bounded by 1.5x the delivered rate + 10 kbit/s, as
 * libwebrtc bounds its own, and none happens without a delivered rate, so an
 * application-limited sender or a burst after silence cannot make the target
 * run away. */
#ifndef BWE_IMPROVED_CONTROL_H
#define BWE_IMPROVED_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "overuse_detector.h"

#define BWE_IMPROVED_TICK_US 50000
#define BWE_IMPROVED_Q_REF_US 3000
#define BWE_IMPROVED_Q_NONE INT64_MAX

typedef enum
{
  BWE_REGIME_START = 0,
  BWE_REGIME_RAMP = 1,
  BWE_REGIME_STEADY = 2,
  BWE_REGIME_DRAIN = 3,
  BWE_REGIME_COMPETE = 4,
} BweRegime;

/* What the receiver measured, at one tick. */
typedef struct
{
  int64_t now_us;
  int64_t queue_us;             /* standing queue, BWE_IMPROVED_Q_NONE: unknown */
  int64_t queue_now_us;         /* what the first packet of the last frame
                                 * waited: the freshest standing queue */
  bool have_rate;
  uint32_t rate_bps;            /* delivered payload rate (1 s) */
  bool have_recent_rate;
  uint32_t recent_rate_bps;     /* the same over the last 500 ms */
  bool have_short_rate;
  uint32_t short_rate_bps;      /* the same over the last 100 ms */
  bool have_link_rate;
  uint32_t link_rate_bps;       /* the bottleneck's rate for us from the
                                 * packets of the last 500 ms that queued */
  bool have_bottleneck_rate;
  uint32_t bottleneck_rate_bps; /* the bottleneck's rate for us, from the
                                 * packets of the last 100 ms that queued */
  bool capacity_drop;           /* two packets in a row left the bottleneck
                                 * far slower than we send, with a queue */
  uint32_t train_capacity_bps;  /* 0: none */
  uint32_t train_floor_bps;     /* 0: none */
  uint64_t loss_events;         /* since the start */
  double loss_event_rate;       /* TFRC's p, 0: no loss event yet */
  uint32_t packet_bits;         /* mean packet size seen, bits */
} BweImprovedSignals;

typedef struct
{
  BweRegime regime;
  double target_bps;
  uint32_t min_bps;
  uint32_t max_bps;             /* 0: none */
  int64_t rtt_us;
  int64_t last_tick_us;         /* INT64_MIN: none */
  int64_t queue_seen_us;        /* last tick with the queue at or above half
                                 * the level */
  int64_t uncontested_us;       /* last tick without a competitor's queue */
  double uncontested_bps;       /* what arrived of ours then */
  int64_t last_cut_us;          /* last decrease, INT64_MIN: none */
  uint64_t loss_events_seen;
  int64_t level_us;             /* the queue this stream aimed for last */
  double link_bps;              /* our bottleneck rate at the last congestion */
  bool link_valid;
  int64_t at_link_since_us;     /* held at the link with an empty queue
                                 * since, INT64_MIN: not */
} BweImprovedControl;

void bwe_improved_control_init (BweImprovedControl * c, uint32_t min_bps,
    uint32_t max_bps);
void bwe_improved_control_set_rtt (BweImprovedControl * c, int64_t rtt_ms);

/* One tick; returns true once there is a target (from the first tick with a
 * delivered rate on). */
bool bwe_improved_control_update (BweImprovedControl * c,
    const BweImprovedSignals * s);

static inline uint32_t
bwe_improved_control_target (const BweImprovedControl * c)
{
  return (uint32_t) c->target_bps;
}

/* The regime as libwebrtc's detector states: a drain is over-use, every
 * other regime normal (there is no under-use hold here). */
BweBandwidthUsage bwe_improved_control_usage (const BweImprovedControl * c);
const char *bwe_regime_name (BweRegime regime);

#endif
