/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Packet loss from RTP sequence numbers (improved mode).  Per SSRC the highest
 * sequence number seen; a jump forwards counts the packets skipped as lost, a
 * packet from behind the highest (reordered, or retransmitted) takes one back.
 * A jump of more than BWE_LOSS_MAX_GAP is a restart of the sequence, not loss.
 *
 * Losses are grouped into loss events as TFRC does (RFC 5348, 5.2): losses
 * less than one round trip after the start of the last event belong to it, so
 * that a burst dropped by one full queue counts once.
 *
 * Up to BWE_LOSS_STREAMS SSRCs are followed; a new one replaces the one seen
 * longest ago. */
#ifndef BWE_LOSS_MONITOR_H
#define BWE_LOSS_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#define BWE_LOSS_STREAMS 16
#define BWE_LOSS_MAX_GAP 1000
/* TFRC's history of loss intervals (RFC 5348, 5.4). */
#define BWE_LOSS_INTERVALS 8

typedef struct
{
  uint32_t ssrc;
  uint16_t highest;
  bool has_seq;
  int64_t last_seen_us;
} BweLossStream;

typedef struct
{
  BweLossStream streams[BWE_LOSS_STREAMS];      /* [0, num_streams) in use */
  int num_streams;
  uint64_t received;
  uint64_t lost;                /* net of packets that came late */
  uint64_t events;
  int64_t event_start_us;       /* INT64_MIN: no event yet */
  /* Packets received from one loss event's start to the next, newest
   * first, and the count at the last event's start. */
  uint32_t intervals[BWE_LOSS_INTERVALS];
  int num_intervals;
  uint64_t received_at_event;
  /* RFC 5348's weighted sums of the closed intervals: as the newest ones
   * (weights 1 .. 0.2) and shifted behind the open one; and the weights'. */
  double closed_sum;
  double closed_weights;
  double shifted_sum;
  double shifted_weights;
} BweLossMonitor;

void bwe_loss_monitor_init (BweLossMonitor * lm);

/* bwe_loss_monitor_add() for anything but the next packet of a known SSRC:
 * out of line. */
uint32_t bwe_loss_monitor_add_slow (BweLossMonitor * lm, uint32_t ssrc,
    int32_t seq, int64_t now_us, int64_t event_us);

/* A packet of ssrc with sequence number seq arrived at now_us; losses found
 * less than event_us after the current event's start join it.  Returns the
 * packets newly counted lost.  seq < 0 (unknown) only marks the SSRC seen.
 * The next packet of a known SSRC (the steady case) inline. */
static inline uint32_t
bwe_loss_monitor_add (BweLossMonitor * lm, uint32_t ssrc, int32_t seq,
    int64_t now_us, int64_t event_us)
{
  BweLossStream *s = lm->streams, *end = s + lm->num_streams;

  while (s < end && s->ssrc != ssrc)
    s++;
  if (s == end || seq < 0 || !s->has_seq ||
      (uint16_t) ((uint16_t) seq - s->highest) != 1)
    return bwe_loss_monitor_add_slow (lm, ssrc, seq, now_us, event_us);
  s->last_seen_us = now_us;
  s->highest = (uint16_t) seq;
  lm->received++;
  return 0;
}

/* TFRC's loss event rate (RFC 5348, 5.4): one over the weighted mean of the
 * last loss intervals, the open one (since the last event) counted when that
 * makes the mean longer.  0 until a first interval is closed (the second loss
 * event): a rate from the open interval alone would be 1 at the first loss. */
double bwe_loss_monitor_event_rate (const BweLossMonitor * lm);

/* Stops following ssrc. */
void bwe_loss_monitor_remove (BweLossMonitor * lm, uint32_t ssrc);

#endif
