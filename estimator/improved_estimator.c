/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "improved_estimator.h"

#define NO_TIME INT64_MIN
/* libwebrtc's incoming-rate window, and a shorter one that follows a change
 * of the sender's rate within a feedback delay. */
#define RATE_WINDOW_US 1000000
#define RECENT_RATE_WINDOW_US 500000
/* A window that follows a capacity drop within a few frames. */
#define SHORT_WINDOW_US 100000
/* The bottleneck's rate needs this much busy time in its window. */
#define MIN_BUSY_US 10000
/* The standing queue: the minimum over a few frames. */
#define QUEUE_WINDOW_US 100000
/* The bottleneck's rate in an emergency: from the packets of one slot. */
#define BOTTLENECK_WINDOW_US 50000
/* A frame's first packet that waited this much longer than both the
 * stream's queue level and the queue at the last tick makes the estimator act
 * at once (at most every ALARM_INTERVAL), not at the next tick: a queue
 * growing that fast is a capacity drop. */
#define ALARM_MARGIN_US 30000
#define ALARM_INTERVAL_US 10000
/* A capacity drop, seen from the first packets it delays: two packets in a
 * row that queued behind the one before left the bottleneck at less than
 * this share of the target, and the queue is this much above the level. */
#define DROP_FACTOR 0.3
#define DROP_QUEUE_MARGIN_US 20000
/* A packet counts as having waited behind the one before when it was sent
 * this much before that one left the queue: the queue samples' jitter.
 * Only packets of at least BUSY_MIN_PAYLOAD bytes (libwebrtc's minimum probe
 * size) say what the bottleneck's rate is: a small one (a key frame's
 * parameter sets, audio) spends its time on the link mostly in headers the
 * payload does not count, and would read as a capacity far too low. */
#define BUSY_MARGIN_US 1000
#define BUSY_MIN_PAYLOAD 200
/* Packets sent at twice the target or faster form a train (gaps of a
 * 1200-byte packet, between these). */
#define TRAIN_PACKET_BITS UINT64_C (9600)
#define TRAIN_MIN_GAP_US 1000
#define TRAIN_MAX_GAP_US 15000
#define TRAIN_WINDOW_US 2000000
#define TRAIN_MIN_SAMPLES 3
/* A target is signalled when it moved 1 % from the last one signalled, or
 * a second after it, as libwebrtc's periodic update. */
#define SIGNAL_CHANGE 0.01
#define SIGNAL_PERIOD_US 1000000
/* kStreamTimeOutMs */
#define STREAM_TIMEOUT_US 2000000
#define MIN_PACKET_BITS 800

void
bwe_improved_estimator_init (BweImprovedEstimator * e,
    const BweRemoteEstimatorConfig * config)
{
  if (config)
    e->config = *config;
  else
    bwe_remote_estimator_config_init (&e->config);
  bwe_queue_delay_init (&e->queue);
  bwe_delivery_rate_init (&e->delivery);
  bwe_packet_train_init (&e->trains);
  bwe_loss_monitor_init (&e->loss);
  bwe_improved_control_init (&e->control, e->config.min_bitrate_bps,
      e->config.max_bitrate_bps);
  e->prev_send_us = 0;
  e->prev_sample_us = 0;
  e->prev_arrival_us = NO_TIME;
  e->frame_sample_us = 0;
  e->alarm_us = INT64_MAX;
  e->train_max_gap_us = TRAIN_MAX_GAP_US;
  e->prev_busy_bytes = 0;
  e->prev_busy_gap_us = 0;
  e->drop_rate_bps = 0;
  e->last_tick_us = NO_TIME;
  e->packets = 0;
  e->bytes = 0;
  e->have_estimate = false;
  e->signalled_bps = 0;
  e->signalled_us = NO_TIME;
}

void
bwe_improved_estimator_set_rtt (BweImprovedEstimator * e, int64_t rtt_ms)
{
  bwe_improved_control_set_rtt (&e->control, rtt_ms);
}

void
bwe_improved_estimator_remove_stream (BweImprovedEstimator * e, uint32_t ssrc)
{
  bwe_loss_monitor_remove (&e->loss, ssrc);
}

/* The arrival gap to the previous packet when this one waited behind it. */
static int64_t
busy_gap (const BweImprovedEstimator * e, int64_t send_us, int64_t arrival_us)
{
  int64_t send_gap = send_us - e->prev_send_us;

  if (e->prev_arrival_us == NO_TIME || send_gap < 0 ||
      arrival_us < e->prev_arrival_us ||
      send_gap + BUSY_MARGIN_US >= e->prev_sample_us)
    return 0;
  return arrival_us - e->prev_arrival_us;
}

/* Packets sent at twice the target or faster form a train: the gap of a
 * full-size packet at that rate, set at each tick. */
static void
update_train_gap (BweImprovedEstimator * e)
{
  uint32_t target = bwe_improved_control_target (&e->control);
  int64_t gap = TRAIN_MAX_GAP_US;

  if (e->have_estimate && target > 0)
    gap = (int64_t) (TRAIN_PACKET_BITS * 1000000 / (2 * (uint64_t) target));
  e->train_max_gap_us = gap < TRAIN_MIN_GAP_US ? TRAIN_MIN_GAP_US :
      gap > TRAIN_MAX_GAP_US ? TRAIN_MAX_GAP_US : gap;
}

static void
read_signals (BweImprovedEstimator * e, int64_t now_us,
    BweImprovedSignals * s)
{
  int64_t queue = bwe_queue_delay_recent (&e->queue, now_us, QUEUE_WINDOW_US);
  uint64_t bits = e->packets ? e->bytes * 8 / e->packets : 0;

  s->now_us = now_us;
  s->queue_us = queue == BWE_QUEUE_DELAY_NONE ? BWE_IMPROVED_Q_NONE : queue;
  s->queue_now_us = e->frame_sample_us;
  s->have_rate = bwe_delivery_rate_get (&e->delivery, now_us, RATE_WINDOW_US,
      &s->rate_bps);
  s->have_recent_rate = bwe_delivery_rate_get (&e->delivery, now_us,
      RECENT_RATE_WINDOW_US, &s->recent_rate_bps);
  s->have_short_rate = bwe_delivery_rate_get (&e->delivery, now_us,
      SHORT_WINDOW_US, &s->short_rate_bps);
  s->have_link_rate = bwe_delivery_rate_busy (&e->delivery, now_us,
      RECENT_RATE_WINDOW_US, MIN_BUSY_US, &s->link_rate_bps);
  s->have_bottleneck_rate = bwe_delivery_rate_busy (&e->delivery, now_us,
      BOTTLENECK_WINDOW_US, MIN_BUSY_US, &s->bottleneck_rate_bps);
  s->train_capacity_bps = bwe_packet_train_capacity (&e->trains, now_us,
      TRAIN_WINDOW_US, TRAIN_MIN_SAMPLES);
  s->train_floor_bps = bwe_packet_train_floor (&e->trains, now_us,
      TRAIN_WINDOW_US);
  s->capacity_drop = e->drop_rate_bps > 0;
  if (s->capacity_drop && (!s->have_bottleneck_rate ||
          e->drop_rate_bps < s->bottleneck_rate_bps)) {
    s->have_bottleneck_rate = true;
    s->bottleneck_rate_bps = e->drop_rate_bps;
  }
  s->loss_events = e->loss.events;
  s->loss_event_rate = bwe_loss_monitor_event_rate (&e->loss);
  s->packet_bits = bits < MIN_PACKET_BITS ? MIN_PACKET_BITS : (uint32_t) bits;
}

static void
tick (BweImprovedEstimator * e, int64_t now_us, BweEstimatorUpdate * out)
{
  BweImprovedSignals s;
  uint32_t target;
  int64_t moved;

  read_signals (e, now_us, &s);
  if (!bwe_improved_control_update (&e->control, &s))
    return;
  e->alarm_us = (s.queue_now_us > e->control.level_us ? s.queue_now_us :
      e->control.level_us) + ALARM_MARGIN_US;
  update_train_gap (e);
  target = bwe_improved_control_target (&e->control);
  moved = (int64_t) target - (int64_t) e->signalled_bps;
  if (moved < 0)
    moved = -moved;
  if (!e->have_estimate || moved >= SIGNAL_CHANGE * e->signalled_bps ||
      now_us - e->signalled_us >= SIGNAL_PERIOD_US) {
    e->have_estimate = true;
    e->signalled_bps = target;
    e->signalled_us = now_us;
    out->updated = true;
    out->bitrate_bps = target;
  }
}

/* Two packets in a row that queued, leaving the bottleneck at less than
 * DROP_FACTOR of the target with the queue above the level: the capacity
 * fell; their rate is the new capacity's share. */
static void
watch_capacity_drop (BweImprovedEstimator * e, uint32_t bytes, int64_t gap_us,
    int64_t sample_us)
{
  if (gap_us <= 0) {
    e->prev_busy_bytes = 0;
    return;
  }
  if (e->prev_busy_bytes > 0 && e->have_estimate &&
      sample_us >= e->control.level_us + DROP_QUEUE_MARGIN_US) {
    uint64_t bits = ((uint64_t) e->prev_busy_bytes + bytes) * 8;
    uint64_t us = (uint64_t) (e->prev_busy_gap_us + gap_us);
    /* bits / us < DROP_FACTOR x target, without a division per packet */
    if ((double) bits * 1e6 < DROP_FACTOR *
        bwe_improved_control_target (&e->control) * (double) us) {
      uint64_t rate = bits * 1000000 / us;
      e->drop_rate_bps = rate > 0 ? (uint32_t) rate : 1;
    }
  }
  e->prev_busy_bytes = bytes;
  e->prev_busy_gap_us = gap_us;
}

/* Every tick, at once on an alarm, and whenever the clock went back. */
static bool
tick_due (const BweImprovedEstimator * e, int64_t now_us)
{
  int64_t since;

  if (e->last_tick_us == NO_TIME || now_us < e->last_tick_us)
    return true;
  since = now_us - e->last_tick_us;
  if (since >= BWE_IMPROVED_TICK_US)
    return true;
  return since >= ALARM_INTERVAL_US && (e->drop_rate_bps > 0 ||
      e->frame_sample_us >= e->alarm_us);
}

void
bwe_improved_estimator_incoming_packet (BweImprovedEstimator * e,
    int64_t arrival_us, int64_t now_us, uint32_t send_time_24,
    size_t payload_size, uint32_t ssrc, int32_t seq, BweEstimatorUpdate * out)
{
  uint32_t bytes = payload_size > UINT32_MAX ? UINT32_MAX :
      (uint32_t) payload_size;
  int64_t sample, send_us, gap;

  out->updated = false;
  out->bitrate_bps = 0;
  sample = bwe_queue_delay_add (&e->queue, arrival_us, send_time_24);
  send_us = bwe_queue_delay_send_us (&e->queue);
  gap = bytes >= BUSY_MIN_PAYLOAD ? busy_gap (e, send_us, arrival_us) : 0;
  bwe_delivery_rate_add (&e->delivery, arrival_us, bytes, gap);
  watch_capacity_drop (e, bytes, gap, sample);
  if (bwe_packet_train_add (&e->trains, send_us, arrival_us, bytes,
          e->train_max_gap_us))
    e->frame_sample_us = sample;
  bwe_loss_monitor_add (&e->loss, ssrc, seq, arrival_us,
      e->control.rtt_us + sample);
  e->prev_send_us = send_us;
  e->prev_sample_us = sample;
  e->prev_arrival_us = arrival_us;
  e->packets++;
  e->bytes += bytes;
  if (tick_due (e, now_us)) {
    tick (e, now_us, out);
    e->last_tick_us = now_us;
    e->drop_rate_bps = 0;
  }
}

uint32_t
bwe_improved_estimator_latest_estimate (const BweImprovedEstimator * e)
{
  return e->have_estimate ? bwe_improved_control_target (&e->control) : 0;
}

BweBandwidthUsage
bwe_improved_estimator_state (const BweImprovedEstimator * e)
{
  return bwe_improved_control_usage (&e->control);
}

bool
bwe_improved_estimator_incoming_bitrate (const BweImprovedEstimator * e,
    int64_t now_us, uint32_t * bps)
{
  return bwe_delivery_rate_get (&e->delivery, now_us, RATE_WINDOW_US, bps);
}

size_t
bwe_improved_estimator_ssrcs (const BweImprovedEstimator * e, int64_t now_us,
    uint32_t * ssrcs, size_t max)
{
  size_t n = 0, kept = 0, i, j;

  for (i = 0; i < (size_t) e->loss.num_streams; i++) {
    const BweLossStream *s = &e->loss.streams[i];
    if (now_us - s->last_seen_us > STREAM_TIMEOUT_US)
      continue;
    n++;
    /* The smallest max of them, ascending. */
    if (kept == max && (max == 0 || s->ssrc >= ssrcs[max - 1]))
      continue;
    if (kept < max)
      kept++;
    for (j = kept - 1; j > 0 && ssrcs[j - 1] > s->ssrc; j--)
      ssrcs[j] = ssrcs[j - 1];
    ssrcs[j] = s->ssrc;
  }
  return n;
}
