/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bwe-replay --twcc: transport-wide feedback for a packet trace, produced as
 * the rtpbwe element produces it. */
#ifndef BWE_TWCC_REPLAY_H
#define BWE_TWCC_REPLAY_H

#include <stdint.h>
#include <stdio.h>

/* Reads `arrival_time_us transport_seq payload_bytes ssrc` lines from in
 * (`#` comments and lines not starting with a number are skipped) and writes
 * one line `time_ms hex` per feedback packet to out.  Process() runs from the
 * first arrival, re-armed with the interval it returns; a Process() due at t
 * runs after every packet that arrived at or before t; at end of input the
 * Process() calls due by the last arrival run, then the tail is flushed.
 * Returns 0, or -1 when out of memory. */
int bwe_twcc_replay (FILE * in, FILE * out, uint32_t sender_ssrc);

#endif
