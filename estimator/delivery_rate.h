/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Delivered rate at the receiver (improved mode): payload bytes per arrival
 * time in slots of BWE_DELIVERY_SLOT_US over the last BWE_DELIVERY_SLOTS slots,
 * read over any window up to that history.
 *
 * The same slots also sum what arrived while the bottleneck was busy: a packet
 * that waited in a queue behind the one before it left the bottleneck right
 * after it, so its size over the arrival gap is the rate the bottleneck gave
 * this stream (all of its capacity for a lone stream, the stream's share next
 * to others).  Unlike the delivered rate, this share does not fall when the
 * sender slows down to drain a queue, and it is not blurred by what arrived
 * before a capacity change.
 *
 * Running totals are kept, and each slot records them as it opens: a
 * window's sums are differences of totals, read in constant time; adding a
 * packet is an addition (the inline part), opening a slot a copy. */
#ifndef BWE_DELIVERY_RATE_H
#define BWE_DELIVERY_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define BWE_DELIVERY_SLOTS 32
#define BWE_DELIVERY_SLOT_US 50000

typedef struct
{
  uint64_t bytes;
  uint64_t busy_bytes;
  int64_t busy_us;
} BweDeliveryTotals;

typedef struct
{
  BweDeliveryTotals total;      /* since init */
  BweDeliveryTotals at_open[BWE_DELIVERY_SLOTS];        /* as each slot opened */
  int64_t slot_end_us;
  int64_t first_us;             /* INT64_MIN before the first packet */
  int slot;
  int slots_used;               /* slots opened since the history began */
} BweDeliveryRate;

void bwe_delivery_rate_init (BweDeliveryRate * dr);

/* Opens the slot that holds arrival_us (called by bwe_delivery_rate_add). */
void bwe_delivery_rate_advance (BweDeliveryRate * dr, int64_t arrival_us);

/* A packet of payload_bytes arrived at arrival_us; busy_gap_us > 0 when it
 * waited behind the previous packet (the arrival gap between them), else 0;
 * gaps longer than 4 slots are not taken as busy. */
static inline void
bwe_delivery_rate_add (BweDeliveryRate * dr, int64_t arrival_us,
    uint32_t payload_bytes, int64_t busy_gap_us)
{
  if (arrival_us >= dr->slot_end_us || dr->first_us == INT64_MIN)
    bwe_delivery_rate_advance (dr, arrival_us);
  dr->total.bytes += payload_bytes;
  if (busy_gap_us > 0 && busy_gap_us < BWE_DELIVERY_SLOT_US * 4) {
    dr->total.busy_bytes += payload_bytes;
    dr->total.busy_us += busy_gap_us;
  }
}

/* Delivered rate over the window_us before now_us (at most the history);
 * false until packets have arrived for a whole window.  The window is read
 * in whole slots: the rate is over the time from the start of the oldest
 * slot that overlaps it to now. */
bool bwe_delivery_rate_get (const BweDeliveryRate * dr, int64_t now_us,
    int64_t window_us, uint32_t * bps);

/* The bottleneck's rate for this stream over the window, from the packets that
 * waited; false when less than min_busy_us of such gaps were seen. */
bool bwe_delivery_rate_busy (const BweDeliveryRate * dr, int64_t now_us,
    int64_t window_us, int64_t min_busy_us, uint32_t * bps);

#endif
