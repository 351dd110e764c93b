/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/congestion_controller/remb_throttler.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's RembThrottler: the first value is sent, then at most one REMB every
 * 200 ms, but at once when bitrate * 103 / 100 <= the last value sent. */
#ifndef BWE_REMB_THROTTLER_H
#define BWE_REMB_THROTTLER_H

#include <stdbool.h>
#include <stdint.h>

#define BWE_REMB_SEND_INTERVAL_US 200000

typedef struct
{
  int64_t last_send_us;         /* INT64_MIN until the first REMB */
  uint64_t last_sent_bps;       /* UINT64_MAX until the first REMB */
  uint64_t max_desired_bps;     /* UINT64_MAX: no cap */
} BweRembThrottler;

void bwe_remb_throttler_init (BweRembThrottler * t);

/* An estimate was signalled at now_us.  Returns true when a REMB goes out now,
 * with the bitrate to send in *send_bps (min of bitrate and the cap). */
bool bwe_remb_throttler_on_estimate (BweRembThrottler * t, int64_t now_us,
    uint64_t bitrate_bps, uint64_t * send_bps);

/* SetMaxDesiredReceiveBitrate: caps what is sent and sends the cap at once.
 * Returns true with *send_bps when a REMB goes out now. */
bool bwe_remb_throttler_set_max_desired (BweRembThrottler * t, int64_t now_us,
    uint64_t max_bps, uint64_t * send_bps);

#endif
