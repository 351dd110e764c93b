/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/inter_arrival.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's InterArrival (inter_arrival.cc): groups packets sent within
 * group_length_ticks of each other (plus bursts) and reports the send-time,
 * arrival-time and size differences between consecutive complete groups.
 *
 * Handles timestamp wrap (uint32 arithmetic), reordered packets (ignored),
 * reordered groups (reset after 3 in a row) and arrival-clock jumps of 3 s or more
 * against the system clock (reset). */
#ifndef BWE_INTER_ARRIVAL_H
#define BWE_INTER_ARRIVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* kReorderedResetThreshold and kArrivalTimeOffsetThresholdMs. */
#define BWE_INTER_ARRIVAL_REORDERED_RESET_THRESHOLD 3
#define BWE_INTER_ARRIVAL_OFFSET_THRESHOLD_MS 3000

typedef struct
{
  size_t size;                  /* bytes accumulated in the group */
  uint32_t first_timestamp;
  uint32_t timestamp;           /* latest (wrap-aware) timestamp of the group */
  int64_t first_arrival_ms;
  int64_t complete_time_ms;     /* arrival of the last packet, -1: empty group */
  int64_t last_system_time_ms;
} BweTimestampGroup;

typedef struct
{
  uint32_t group_length_ticks;
  double timestamp_to_ms_coeff;
  bool burst_grouping;
  int num_consecutive_reordered;
  BweTimestampGroup current;
  BweTimestampGroup prev;
} BweInterArrival;

/* InterArrival(group_length_ticks, timestamp_to_ms_coeff, burst_grouping).
 * The remote estimator uses (BWE_ABS_SEND_TIME_GROUP_LENGTH_TICKS,
 * BWE_ABS_SEND_TIME_TO_MS, true). */
void bwe_inter_arrival_init (BweInterArrival * ia, uint32_t group_length_ticks,
    double timestamp_to_ms_coeff, bool burst_grouping);

/* Forgets both groups and the reorder counter (libwebrtc's Reset()). */
void bwe_inter_arrival_reset (BweInterArrival * ia);

/* bwe_inter_arrival_compute_deltas() for a packet that does not join the
 * current group (bwe_inter_arrival_joins_group() is false). */
bool bwe_inter_arrival_next_group (BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms, int64_t system_ms, size_t packet_size,
    uint32_t * ts_delta, int64_t * t_delta_ms, int *size_delta);

/* A packet arriving within this many ms of the previous one, with a negative
 * propagation delta, belongs to the same burst... */
#define BWE_INTER_ARRIVAL_BURST_DELTA_THRESHOLD_MS 5
/* ...as long as the burst lasts less than this. */
#define BWE_INTER_ARRIVAL_MAX_BURST_DURATION_MS 100

/* BelongsToBurst() for a packet after the first of the current group. */
static inline bool
bwe_inter_arrival_belongs_to_burst (const BweInterArrival * ia,
    int64_t arrival_ms, uint32_t timestamp)
{
  int64_t arrival_delta_ms, ts_delta_ms, propagation_delta_ms;
  uint32_t ts_diff;

  if (!ia->burst_grouping)
    return false;
  arrival_delta_ms = arrival_ms - ia->current.complete_time_ms;
  ts_diff = timestamp - ia->current.timestamp;
  ts_delta_ms = (int64_t) (ia->timestamp_to_ms_coeff * ts_diff + 0.5);
  if (ts_delta_ms == 0)
    return true;
  /* libwebrtc stores this in an int. */
  propagation_delta_ms = (int) (arrival_delta_ms - ts_delta_ms);
  return propagation_delta_ms < 0 &&
      arrival_delta_ms <= BWE_INTER_ARRIVAL_BURST_DELTA_THRESHOLD_MS &&
      arrival_ms - ia->current.first_arrival_ms <
      BWE_INTER_ARRIVAL_MAX_BURST_DURATION_MS;
}

/* Whether the packet joins the current group without completing it.  In
 * order and within the group length of the group's first timestamp it cannot
 * start a new group whatever the burst rule says; past it, a burst keeps it
 * in.  Nothing is changed. */
static inline bool
bwe_inter_arrival_joins_group (const BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms)
{
  const BweTimestampGroup *cur = &ia->current;
  uint32_t diff = timestamp - cur->first_timestamp;

  return cur->complete_time_ms != -1 && diff < 0x80000000u &&
      (diff <= ia->group_length_ticks ||
      bwe_inter_arrival_belongs_to_burst (ia, arrival_ms, timestamp));
}

/* Adds a packet that joins the current group. */
static inline void
bwe_inter_arrival_join_group (BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms, int64_t system_ms, size_t packet_size)
{
  BweTimestampGroup *cur = &ia->current;
  uint32_t newer = timestamp - cur->timestamp;

  /* LatestTimestamp(): wrap-aware maximum. */
  if (newer != 0 && (newer < 0x80000000u ||
          (newer == 0x80000000u && timestamp > cur->timestamp)))
    cur->timestamp = timestamp;
  cur->size += packet_size;
  cur->complete_time_ms = arrival_ms;
  cur->last_system_time_ms = system_ms;
}

/* ComputeDeltas: feeds one packet.  Returns true when a new group started and the
 * deltas between the two previous complete groups are in *ts_delta (ticks),
 * *t_delta_ms (arrival) and *size_delta (bytes); the outputs are only written
 * when true is returned (and *ts_delta / *t_delta_ms also on a reset). */
static inline bool
bwe_inter_arrival_compute_deltas (BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms, int64_t system_ms, size_t packet_size,
    uint32_t * ts_delta, int64_t * t_delta_ms, int *size_delta)
{
  if (bwe_inter_arrival_joins_group (ia, timestamp, arrival_ms)) {
    bwe_inter_arrival_join_group (ia, timestamp, arrival_ms, system_ms,
        packet_size);
    return false;
  }
  return bwe_inter_arrival_next_group (ia, timestamp, arrival_ms, system_ms,
      packet_size, ts_delta, t_delta_ms, size_delta);
}

#endif
