/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "delivery_rate.h"

#define NO_TIME INT64_MIN

void
bwe_delivery_rate_init (BweDeliveryRate * dr)
{
  dr->total.bytes = 0;
  dr->total.busy_bytes = 0;
  dr->total.busy_us = 0;
  dr->at_open[0] = dr->total;
  dr->slot_end_us = 0;
  dr->first_us = NO_TIME;
  dr->slot = 0;
  dr->slots_used = 1;
}

void
bwe_delivery_rate_advance (BweDeliveryRate * dr, int64_t arrival_us)
{
  int64_t steps;
  int i;

  if (dr->first_us == NO_TIME) {
    dr->first_us = arrival_us;
    dr->slot_end_us = arrival_us + BWE_DELIVERY_SLOT_US;
    dr->at_open[dr->slot] = dr->total;
    return;
  }
  if (arrival_us < dr->slot_end_us)
    return;
  steps = (arrival_us - dr->slot_end_us) / BWE_DELIVERY_SLOT_US + 1;
  if (steps >= BWE_DELIVERY_SLOTS) {
    /* Quiet for the whole history: it starts again here, and a rate needs
     * a whole window again. */
    dr->first_us = arrival_us;
    dr->slot_end_us = arrival_us + BWE_DELIVERY_SLOT_US;
    dr->at_open[dr->slot] = dr->total;
    dr->slots_used = 1;
    return;
  }
  for (i = 0; i < steps; i++) {
    dr->slot = (dr->slot + 1) % BWE_DELIVERY_SLOTS;
    dr->at_open[dr->slot] = dr->total;
  }
  dr->slots_used += (int) steps;
  if (dr->slots_used > BWE_DELIVERY_SLOTS)
    dr->slots_used = BWE_DELIVERY_SLOTS;
  dr->slot_end_us += steps * BWE_DELIVERY_SLOT_US;
}

/* The totals over the slots that overlap the window_us before now_us, and the
 * time from the oldest one's start to now.  False when none does. */
static bool
window_totals (const BweDeliveryRate * dr, int64_t now_us, int64_t window_us,
    BweDeliveryTotals * sum, int64_t * span_us)
{
  int64_t start = now_us - window_us, back;
  const BweDeliveryTotals *from;

  if (dr->first_us == NO_TIME || dr->slot_end_us <= start)
    return false;
  /* Slot k back (0 = the newest) ends at slot_end - k slots: the oldest one
   * that overlaps is the last with that end after start. */
  back = (dr->slot_end_us - start - 1) / BWE_DELIVERY_SLOT_US;
  if (back > dr->slots_used - 1)
    back = dr->slots_used - 1;
  from = &dr->at_open[(dr->slot - (int) back + BWE_DELIVERY_SLOTS) %
      BWE_DELIVERY_SLOTS];
  sum->bytes = dr->total.bytes - from->bytes;
  sum->busy_bytes = dr->total.busy_bytes - from->busy_bytes;
  sum->busy_us = dr->total.busy_us - from->busy_us;
  *span_us = now_us - (dr->slot_end_us - (back + 1) * BWE_DELIVERY_SLOT_US);
  return *span_us > 0;
}

static uint32_t
to_bps (uint64_t bytes, int64_t us)
{
  uint64_t bps = bytes * 8 * 1000000 / (uint64_t) us;

  return bps > UINT32_MAX ? UINT32_MAX : (uint32_t) bps;
}

bool
bwe_delivery_rate_get (const BweDeliveryRate * dr, int64_t now_us,
    int64_t window_us, uint32_t * bps)
{
  BweDeliveryTotals sum;
  int64_t span_us;

  if (dr->first_us == NO_TIME || now_us - dr->first_us < window_us ||
      !window_totals (dr, now_us, window_us, &sum, &span_us))
    return false;
  *bps = to_bps (sum.bytes, span_us);
  return true;
}

bool
bwe_delivery_rate_busy (const BweDeliveryRate * dr, int64_t now_us,
    int64_t window_us, int64_t min_busy_us, uint32_t * bps)
{
  BweDeliveryTotals sum;
  int64_t span_us;

  if (!window_totals (dr, now_us, window_us, &sum, &span_us) ||
      sum.busy_us < min_busy_us || sum.busy_us <= 0)
    return false;
  *bps = to_bps (sum.busy_bytes, sum.busy_us);
  return true;
}
