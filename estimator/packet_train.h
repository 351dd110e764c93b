/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capacity from packet trains (improved mode).  Packets the sender sends
 * faster than the path's bottleneck (a frame's packets, paced at 2.5x the
 * target by libwebrtc, back to back by a GStreamer payloader) leave the
 * bottleneck at its rate: their arrival span over their bytes is the capacity
 * (Salsify; packet-pair probing).  A train that arrives as spread as it was
 * sent was not slowed down: the path carried it at least at that rate.
 *
 * Consecutive packets belong to one train while each is sent within the
 * caller's gap of the one before.  A train of at least BWE_TRAIN_MIN_PACKETS
 * gives one sample: dispersed (the bottleneck's rate, or its share next to
 * interleaved cross traffic) when it arrived spread over more than
 * BWE_TRAIN_SPREAD times its send span, else a floor.  The last
 * BWE_TRAIN_SAMPLES samples are kept. */
#ifndef BWE_PACKET_TRAIN_H
#define BWE_PACKET_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#define BWE_TRAIN_MIN_PACKETS 2
#define BWE_TRAIN_SAMPLES 8
#define BWE_TRAIN_SPREAD 1.25
/* Arrival spreads below this are clock granularity, not a bottleneck. */
#define BWE_TRAIN_MIN_SPREAD_US 500

typedef struct
{
  int64_t at_us;                /* arrival of the train's last packet */
  uint32_t bps;
  bool dispersed;
} BweTrainSample;

typedef struct
{
  int64_t first_send_us;
  int64_t first_arrival_us;
  int64_t last_send_us;
  int64_t last_arrival_us;
  uint64_t bytes_after_first;
  int packets;
  BweTrainSample samples[BWE_TRAIN_SAMPLES];
  int next;
  int count;
} BwePacketTrain;

void bwe_packet_train_init (BwePacketTrain * t);

/* Closes the current train (sampling it) and starts one with this packet. */
void bwe_packet_train_start (BwePacketTrain * t, int64_t send_us,
    int64_t arrival_us, uint32_t payload_bytes);

/* A packet (unwrapped send time and arrival in µs, payload bytes); it joins
 * the current train when sent at most max_gap_us after the previous packet,
 * else the train is closed (and sampled) and a new one starts: then returns
 * true (the packet is the first of a frame, which waited behind none of its
 * own). */
static inline bool
bwe_packet_train_add (BwePacketTrain * t, int64_t send_us,
    int64_t arrival_us, uint32_t payload_bytes, int64_t max_gap_us)
{
  int64_t gap = send_us - t->last_send_us;

  if (t->packets > 0 && gap >= 0 && gap <= max_gap_us &&
      arrival_us >= t->last_arrival_us) {
    t->last_send_us = send_us;
    t->last_arrival_us = arrival_us;
    t->bytes_after_first += payload_bytes;
    t->packets++;
    return false;
  }
  bwe_packet_train_start (t, send_us, arrival_us, payload_bytes);
  return true;
}

/* The median of the dispersed samples of the last window_us (0 with fewer
 * than min_samples of them) and the highest floor of that time (0: none). */
uint32_t bwe_packet_train_capacity (const BwePacketTrain * t, int64_t now_us,
    int64_t window_us, int min_samples);
uint32_t bwe_packet_train_floor (const BwePacketTrain * t, int64_t now_us,
    int64_t window_us);

#endif
