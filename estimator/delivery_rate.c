/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "delivery_rate.h"

#define NO_TIME INT64_MIN

static void
clear_slot (BweDeliveryRate * dr, int i)
{
  dr->bytes[i] = 0;
  dr->busy_bytes[i] = 0;
  dr->busy_us[i] = 0;
}

void
bwe_delivery_rate_init (BweDeliveryRate * dr)
{
  int i;

  for (i = 0; i < BWE_DELIVERY_SLOTS; i++)
    clear_slot (dr, i);
  dr->slot_end_us = 0;
  dr->first_us = NO_TIME;
  dr->slot = 0;
}

/* Opens the slot that holds arrival_us; a gap past the history clears it. */
static void
advance (BweDeliveryRate * dr, int64_t arrival_us)
{
  int64_t steps;
  int i;

  if (arrival_us < dr->slot_end_us)
    return;
  steps = (arrival_us - dr->slot_end_us) / BWE_DELIVERY_SLOT_US + 1;
  if (steps >= BWE_DELIVERY_SLOTS) {
    for (i = 0; i < BWE_DELIVERY_SLOTS; i++)
      clear_slot (dr, i);
    dr->slot_end_us = arrival_us + BWE_DELIVERY_SLOT_US;
    return;
  }
  for (i = 0; i < steps; i++) {
    dr->slot = (dr->slot + 1) % BWE_DELIVERY_SLOTS;
    clear_slot (dr, dr->slot);
  }
  dr->slot_end_us += steps * BWE_DELIVERY_SLOT_US;
}

void
bwe_delivery_rate_add (BweDeliveryRate * dr, int64_t arrival_us,
    uint32_t payload_bytes, int64_t busy_gap_us)
{
  if (dr->first_us == NO_TIME) {
    dr->first_us = arrival_us;
    dr->slot_end_us = arrival_us + BWE_DELIVERY_SLOT_US;
  }
  advance (dr, arrival_us);
  /* 32 bits hold a slot of 50 ms up to 680 Gbit/s. */
  if (dr->bytes[dr->slot] <= UINT32_MAX - payload_bytes)
    dr->bytes[dr->slot] += payload_bytes;
  if (busy_gap_us > 0 && busy_gap_us < BWE_DELIVERY_SLOT_US * 4 &&
      dr->busy_bytes[dr->slot] <= UINT32_MAX - payload_bytes) {
    dr->busy_bytes[dr->slot] += payload_bytes;
    dr->busy_us[dr->slot] += busy_gap_us;
  }
}

/* Sums the slots that overlap the window_us before now_us: bytes, busy
 * bytes and busy time, and the time they span (from the oldest slot's start
 * to now).  False for a stream quiet for the whole history. */
static bool
sum_window (const BweDeliveryRate * dr, int64_t now_us, int64_t window_us,
    int64_t * bytes, int64_t * busy_bytes, int64_t * busy_us, int64_t * span_us)
{
  int64_t start = now_us - window_us, end = dr->slot_end_us;
  int k;

  *bytes = *busy_bytes = *busy_us = 0;
  if (dr->first_us == NO_TIME || end <= start)
    return false;
  for (k = 0; k < BWE_DELIVERY_SLOTS && end > start;
      k++, end -= BWE_DELIVERY_SLOT_US) {
    int i = (dr->slot - k + BWE_DELIVERY_SLOTS) % BWE_DELIVERY_SLOTS;
    *bytes += dr->bytes[i];
    *busy_bytes += dr->busy_bytes[i];
    *busy_us += dr->busy_us[i];
  }
  *span_us = now_us - end;
  return *span_us > 0;
}

static uint32_t
to_bps (int64_t bytes, int64_t us)
{
  int64_t bps = bytes * 8 * 1000000 / us;

  return bps > UINT32_MAX ? UINT32_MAX : (uint32_t) bps;
}

bool
bwe_delivery_rate_get (const BweDeliveryRate * dr, int64_t now_us,
    int64_t window_us, uint32_t * bps)
{
  int64_t bytes, busy_bytes, busy_us, span_us;

  if (dr->first_us == NO_TIME || now_us - dr->first_us < window_us ||
      !sum_window (dr, now_us, window_us, &bytes, &busy_bytes, &busy_us,
          &span_us))
    return false;
  *bps = to_bps (bytes, span_us);
  return true;
}

bool
bwe_delivery_rate_busy (const BweDeliveryRate * dr, int64_t now_us,
    int64_t window_us, int64_t min_busy_us, uint32_t * bps)
{
  int64_t bytes, busy_bytes, busy_us, span_us;

  if (!sum_window (dr, now_us, window_us, &bytes, &busy_bytes, &busy_us,
          &span_us) || busy_us < min_busy_us || busy_us <= 0)
    return false;
  *bps = to_bps (busy_bytes, busy_us);
  return true;
}
