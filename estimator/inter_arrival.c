/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/remote_bitrate_estimator/inter_arrival.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's InterArrival, decision for decision. */
#include "inter_arrival.h"

static void
group_clear (BweTimestampGroup * g)
{
  g->size = 0;
  g->first_timestamp = 0;
  g->timestamp = 0;
  g->first_arrival_ms = -1;
  g->complete_time_ms = -1;
  g->last_system_time_ms = -1;
}

static bool
group_is_first_packet (const BweTimestampGroup * g)
{
  return g->complete_time_ms == -1;
}

void
bwe_inter_arrival_init (BweInterArrival * ia, uint32_t group_length_ticks,
    double timestamp_to_ms_coeff, bool burst_grouping)
{
  ia->group_length_ticks = group_length_ticks;
  ia->timestamp_to_ms_coeff = timestamp_to_ms_coeff;
  ia->burst_grouping = burst_grouping;
  bwe_inter_arrival_reset (ia);
}

void
bwe_inter_arrival_reset (BweInterArrival * ia)
{
  ia->num_consecutive_reordered = 0;
  group_clear (&ia->current);
  group_clear (&ia->prev);
}

/* ComputeDeltas for a packet that does not join the current group: the
 * first packet, a reordered one, or the first of a new group. */
bool
bwe_inter_arrival_next_group (BweInterArrival * ia, uint32_t timestamp,
    int64_t arrival_ms, int64_t system_ms, size_t packet_size,
    uint32_t * ts_delta, int64_t * t_delta_ms, int *size_delta)
{
  bool calculated = false;
  BweTimestampGroup *cur = &ia->current;

  if (group_is_first_packet (cur)) {
    cur->timestamp = timestamp;
    cur->first_timestamp = timestamp;
    cur->first_arrival_ms = arrival_ms;
  } else if ((uint32_t) (timestamp - cur->first_timestamp) >= 0x80000000u) {
    /* A difference above half the range is taken as reordering. */
    return false;
  } else {
    /* In order, past the group length and not in a burst: a new group. */
    if (ia->prev.complete_time_ms >= 0) {
      int64_t system_delta_ms;

      *ts_delta = cur->timestamp - ia->prev.timestamp;
      *t_delta_ms = cur->complete_time_ms - ia->prev.complete_time_ms;
      system_delta_ms = cur->last_system_time_ms - ia->prev.last_system_time_ms;
      /* The arrival clock jumped against the system clock: start over. */
      if (*t_delta_ms - system_delta_ms >=
          BWE_INTER_ARRIVAL_OFFSET_THRESHOLD_MS) {
        bwe_inter_arrival_reset (ia);
        return false;
      }
      if (*t_delta_ms < 0) {
        /* The group was reordered after its arrival time was taken. */
        if (++ia->num_consecutive_reordered >=
            BWE_INTER_ARRIVAL_REORDERED_RESET_THRESHOLD)
          bwe_inter_arrival_reset (ia);
        return false;
      }
      ia->num_consecutive_reordered = 0;
      *size_delta = (int) cur->size - (int) ia->prev.size;
      calculated = true;
    }
    ia->prev = *cur;
    cur->first_timestamp = timestamp;
    cur->timestamp = timestamp;
    cur->first_arrival_ms = arrival_ms;
    cur->size = 0;
  }
  cur->size += packet_size;
  cur->complete_time_ms = arrival_ms;
  cur->last_system_time_ms = system_ms;
  return calculated;
}
