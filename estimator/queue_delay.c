/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "queue_delay.h"

#include "abs_send_time.h"

#define HALF_RANGE 0x800000
#define FULL_RANGE 0x1000000

static void
clear_buckets (BweQueueDelay * qd)
{
  int i;

  for (i = 0; i < BWE_QUEUE_DELAY_BASE_BUCKETS; i++)
    qd->bucket_min_us[i] = BWE_QUEUE_DELAY_NONE;
  qd->base_us = BWE_QUEUE_DELAY_NONE;
}

static void
clear_slots (BweQueueDelay * qd)
{
  int i;

  for (i = 0; i < BWE_QUEUE_DELAY_SLOTS; i++)
    qd->slot_min_us[i] = BWE_QUEUE_DELAY_NONE;
}

void
bwe_queue_delay_init (BweQueueDelay * qd)
{
  qd->started = false;
  qd->last_send_24 = 0;
  qd->send_ticks = 0;
  qd->send_us = 0;
  qd->last_arrival_us = 0;
  clear_buckets (qd);
  qd->bucket_end_us = 0;
  qd->bucket = 0;
  clear_slots (qd);
  qd->slot_end_us = 0;
  qd->slot = 0;
  qd->sample_us = 0;
}

void
bwe_queue_delay_forget_base (BweQueueDelay * qd)
{
  clear_buckets (qd);
  clear_slots (qd);
}

/* After a silence this long the 24-bit send time is unwrapped around where
 * the arrival's advance puts it, not around the previous packet. */
#define LONG_SILENCE_US 16000000

static void
unwrap_send_time (BweQueueDelay * qd, int64_t arrival_us,
    uint32_t send_time_24)
{
  uint32_t send = send_time_24 & BWE_ABS_SEND_TIME_MASK;
  int64_t silence = arrival_us - qd->last_arrival_us;

  if (!qd->started) {
    qd->send_ticks = send;
  } else {
    /* Where the send time would be if the one-way delay had not changed:
     * the arrival's advance in ticks (2^18 / 1e6 = 4096 / 15625). */
    int64_t expected = qd->send_ticks;
    int64_t diff;
    if (silence >= LONG_SILENCE_US)
      expected += silence * 4096 / 15625;
    diff = (int64_t) ((send - (uint32_t) expected) & (FULL_RANGE - 1));
    if (diff >= HALF_RANGE)
      diff -= FULL_RANGE;
    qd->send_ticks = expected + diff;
  }
  qd->last_send_24 = send;
  qd->last_arrival_us = arrival_us;
  qd->send_us = bwe_queue_delay_ticks_to_us (qd->send_ticks);
}

/* Moves to the bucket (or slot) that holds arrival_us; a gap longer than the
 * whole ring clears it.  Returns whether anything moved. */
static bool
advance_ring (int64_t * values, int n, int *index, int64_t * end_us,
    int64_t length_us, int64_t arrival_us)
{
  int64_t steps;
  int i;

  if (arrival_us < *end_us)
    return false;
  steps = (arrival_us - *end_us) / length_us + 1;
  if (steps >= n) {
    for (i = 0; i < n; i++)
      values[i] = BWE_QUEUE_DELAY_NONE;
    *end_us = arrival_us + length_us;
    return true;
  }
  for (i = 0; i < steps; i++) {
    *index = (*index + 1) % n;
    values[*index] = BWE_QUEUE_DELAY_NONE;
  }
  *end_us += steps * length_us;
  return true;
}

static void
update_base (BweQueueDelay * qd, int64_t arrival_us, int64_t owd_us)
{
  int i;

  if (advance_ring (qd->bucket_min_us, BWE_QUEUE_DELAY_BASE_BUCKETS,
          &qd->bucket, &qd->bucket_end_us, BWE_QUEUE_DELAY_BASE_BUCKET_US,
          arrival_us)) {
    qd->base_us = BWE_QUEUE_DELAY_NONE;
    for (i = 0; i < BWE_QUEUE_DELAY_BASE_BUCKETS; i++)
      if (qd->bucket_min_us[i] < qd->base_us)
        qd->base_us = qd->bucket_min_us[i];
  }
  if (owd_us < qd->bucket_min_us[qd->bucket])
    qd->bucket_min_us[qd->bucket] = owd_us;
  if (owd_us < qd->base_us)
    qd->base_us = owd_us;
}

int64_t
bwe_queue_delay_add_slow (BweQueueDelay * qd, int64_t arrival_us,
    uint32_t send_time_24)
{
  int64_t owd_us;

  unwrap_send_time (qd, arrival_us, send_time_24);
  if (!qd->started) {
    qd->started = true;
    qd->bucket_end_us = arrival_us + BWE_QUEUE_DELAY_BASE_BUCKET_US;
    qd->slot_end_us = arrival_us + BWE_QUEUE_DELAY_SLOT_US;
  }
  owd_us = arrival_us - qd->send_us;
  update_base (qd, arrival_us, owd_us);
  qd->sample_us = owd_us - qd->base_us;
  advance_ring (qd->slot_min_us, BWE_QUEUE_DELAY_SLOTS, &qd->slot,
      &qd->slot_end_us, BWE_QUEUE_DELAY_SLOT_US, arrival_us);
  if (qd->sample_us < qd->slot_min_us[qd->slot])
    qd->slot_min_us[qd->slot] = qd->sample_us;
  return qd->sample_us;
}

int64_t
bwe_queue_delay_recent (const BweQueueDelay * qd, int64_t now_us,
    int64_t window_us)
{
  int64_t best = BWE_QUEUE_DELAY_NONE, end = qd->slot_end_us;
  int k;

  for (k = 0; k < BWE_QUEUE_DELAY_SLOTS; k++, end -= BWE_QUEUE_DELAY_SLOT_US) {
    int i = (qd->slot - k + BWE_QUEUE_DELAY_SLOTS) % BWE_QUEUE_DELAY_SLOTS;
    if (end <= now_us - window_us)
      break;
    if (qd->slot_min_us[i] < best)
      best = qd->slot_min_us[i];
  }
  return best;
}
