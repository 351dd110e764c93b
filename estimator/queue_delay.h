/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Queueing delay from abs-send-time (improved mode): the one-way delay
 * (arrival - send, offset by the two clocks' difference) minus its minimum over
 * a long history, the base delay.  What is left is the time a packet waited in
 * queues on the path.
 *
 * The base delay is the minimum of BWE_QUEUE_DELAY_BASE_BUCKETS buckets of
 * BWE_QUEUE_DELAY_BASE_BUCKET_US each (about five minutes, as LEDBAT and
 * SCReAM keep it): long against any competitor's cycle, so that a queue that
 * stands for seconds is seen as a queue, and short enough that a route change
 * or clock drift is forgotten within minutes.
 *
 * The queue now is the minimum of the packets' samples over the last
 * BWE_QUEUE_DELAY_RECENT_US: the first packet of a frame sees the standing
 * queue only, the later ones also the frame's own burst, and jitter adds to
 * every sample, so the minimum is the standing queue. */
#ifndef BWE_QUEUE_DELAY_H
#define BWE_QUEUE_DELAY_H

#include <stdbool.h>
#include <stdint.h>

#define BWE_QUEUE_DELAY_BASE_BUCKETS 10
#define BWE_QUEUE_DELAY_BASE_BUCKET_US 30000000
#define BWE_QUEUE_DELAY_SLOTS 5
#define BWE_QUEUE_DELAY_SLOT_US 20000
#define BWE_QUEUE_DELAY_RECENT_US \
  (BWE_QUEUE_DELAY_SLOTS * BWE_QUEUE_DELAY_SLOT_US)
#define BWE_QUEUE_DELAY_NONE INT64_MAX

typedef struct
{
  bool started;
  uint32_t last_send_24;
  int64_t send_ticks;           /* unwrapped abs-send-time, 2^-18 s */
  int64_t send_us;              /* the same in µs */
  int64_t last_arrival_us;
  int64_t base_us;              /* minimum one-way delay of the history */
  int64_t bucket_min_us[BWE_QUEUE_DELAY_BASE_BUCKETS];
  int64_t bucket_end_us;        /* arrival time that opens the next bucket */
  int bucket;
  int64_t slot_min_us[BWE_QUEUE_DELAY_SLOTS];   /* NONE: no sample */
  int64_t slot_end_us;
  int slot;
  int64_t sample_us;            /* the last packet's queueing delay */
} BweQueueDelay;

void bwe_queue_delay_init (BweQueueDelay * qd);

/* bwe_queue_delay_add() for the first packet and for one that opens a new
 * bucket or slot: out of line. */
int64_t bwe_queue_delay_add_slow (BweQueueDelay * qd, int64_t arrival_us,
    uint32_t send_time_24);

/* Unwrapped ticks (2^-18 s) in µs, rounded down: 1e6 / 2^18 = 15625 / 4096,
 * exact in 64 bits for 70 years; negative counts too (a reordered first
 * packet can unwrap below zero). */
static inline int64_t
bwe_queue_delay_ticks_to_us (int64_t ticks)
{
  int64_t scaled = ticks * 15625;

  if (scaled >= 0)
    return scaled / 4096;
  return -((-scaled + 4095) / 4096);
}

/* A packet: its arrival (µs) and 24-bit abs-send-time.  Returns its queueing
 * delay in µs (0 for the first packet); bwe_queue_delay_send_us() then gives
 * its unwrapped send time.  A send time more than 32 s before the previous one
 * is taken as a wrap forwards, as RTP sequence numbers are; after a silence
 * of 16 s or more the send time is unwrapped to the 64 s turn nearest the
 * arrival's advance (a pause of a minute is not a queue of a minute).
 * Within a slot (the steady case) inline. */
static inline int64_t
bwe_queue_delay_add (BweQueueDelay * qd, int64_t arrival_us,
    uint32_t send_time_24)
{
  uint32_t send = send_time_24 & 0xFFFFFFu;
  int64_t diff, owd;

  if (!qd->started || arrival_us >= qd->slot_end_us ||
      arrival_us >= qd->bucket_end_us)
    return bwe_queue_delay_add_slow (qd, arrival_us, send_time_24);
  diff = (int64_t) ((send - qd->last_send_24) & 0xFFFFFFu);
  if (diff >= 0x800000)
    diff -= 0x1000000;
  qd->send_ticks += diff;
  qd->last_send_24 = send;
  qd->send_us = bwe_queue_delay_ticks_to_us (qd->send_ticks);
  qd->last_arrival_us = arrival_us;
  owd = arrival_us - qd->send_us;
  if (owd < qd->bucket_min_us[qd->bucket]) {
    qd->bucket_min_us[qd->bucket] = owd;
    if (owd < qd->base_us)
      qd->base_us = owd;
  }
  qd->sample_us = owd - qd->base_us;
  if (qd->sample_us < qd->slot_min_us[qd->slot])
    qd->slot_min_us[qd->slot] = qd->sample_us;
  return qd->sample_us;
}

static inline int64_t
bwe_queue_delay_send_us (const BweQueueDelay * qd)
{
  return qd->send_us;
}

/* The minimum queueing delay over the window_us before now_us (at most
 * BWE_QUEUE_DELAY_RECENT_US, whole slots of BWE_QUEUE_DELAY_SLOT_US), or
 * BWE_QUEUE_DELAY_NONE without a packet in that time. */
int64_t bwe_queue_delay_recent (const BweQueueDelay * qd, int64_t now_us,
    int64_t window_us);

/* Forgets the base delay (a new path): the next packets learn it again. */
void bwe_queue_delay_forget_base (BweQueueDelay * qd);

#endif
