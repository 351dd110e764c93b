/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's estimator: what the receiver sees of each packet
 * (arrival, abs-send-time, payload size, SSRC and sequence number) measured by
 * the concept files beside it (queue_delay, delivery_rate, packet_train,
 * loss_monitor) and turned into a REMB target by improved_control.  Its API
 * mirrors remote_estimator.h, so that a caller can hold either; like it, the
 * caller owns the struct, nothing is allocated and no clock is read.
 *
 * All streams are taken to share the sender's abs-send-time clock (one
 * transport), as libwebrtc's estimator does. */
#ifndef BWE_IMPROVED_ESTIMATOR_H
#define BWE_IMPROVED_ESTIMATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delivery_rate.h"
#include "improved_control.h"
#include "loss_monitor.h"
#include "packet_train.h"
#include "queue_delay.h"
#include "remote_estimator.h"

typedef struct
{
  BweRemoteEstimatorConfig config;
  BweQueueDelay queue;
  BweDeliveryRate delivery;
  BwePacketTrain trains;
  BweLossMonitor loss;
  BweImprovedControl control;
  int64_t prev_send_us;
  int64_t prev_sample_us;
  int64_t prev_arrival_us;      /* INT64_MIN: no packet yet */
  int64_t frame_sample_us;      /* queue of the last train's first packet */
  int64_t alarm_us;             /* a frame start waiting this long alarms */
  int64_t train_max_gap_us;     /* packets sent closer form a train */
  uint32_t prev_busy_bytes;     /* the last packet that queued, 0: none */
  int64_t prev_busy_gap_us;
  uint32_t drop_rate_bps;       /* a capacity drop seen since the tick, 0: none */
  int64_t last_tick_us;         /* INT64_MIN: none */
  uint64_t packets;
  uint64_t bytes;
  bool have_estimate;
  uint32_t signalled_bps;       /* last value signalled */
  int64_t signalled_us;
} BweImprovedEstimator;

/* The config's filter is not used; min and max bound the target. */
void bwe_improved_estimator_init (BweImprovedEstimator * e,
    const BweRemoteEstimatorConfig * config);

/* One RTP packet, as bwe_remote_estimator_incoming_packet(), plus its RTP
 * sequence number (seq < 0: unknown, no loss is counted for it). */
void bwe_improved_estimator_incoming_packet (BweImprovedEstimator * e,
    int64_t arrival_us, int64_t now_us, uint32_t send_time_24,
    size_t payload_size, uint32_t ssrc, int32_t seq, BweEstimatorUpdate * out);

void bwe_improved_estimator_set_rtt (BweImprovedEstimator * e, int64_t rtt_ms);
void bwe_improved_estimator_remove_stream (BweImprovedEstimator * e,
    uint32_t ssrc);
/* The target (0 before the first); the regime as a detector state. */
uint32_t bwe_improved_estimator_latest_estimate (const BweImprovedEstimator *
    e);
BweBandwidthUsage bwe_improved_estimator_state (const BweImprovedEstimator *
    e);
static inline BweRegime
bwe_improved_estimator_regime (const BweImprovedEstimator * e)
{
  return e->control.regime;
}
/* Delivered payload rate over the last second. */
bool bwe_improved_estimator_incoming_bitrate (const BweImprovedEstimator * e,
    int64_t now_us, uint32_t * bps);
/* The SSRCs seen in the last 2 s, ascending; returns how many. */
size_t bwe_improved_estimator_ssrcs (const BweImprovedEstimator * e,
    int64_t now_us, uint32_t * ssrcs, size_t max);

#endif
