/* Transport-wide congestion control feedback as libwebrtc's RemoteEstimatorProxy
 * produces it: arrival times recorded per unwrapped transport sequence number in
 * fixed storage, periodic feedback whose interval follows the bitrate.
 * No clock of its own: every time is the caller's, in microseconds. */
#ifndef BWE_TWCC_RECORDER_H
#define BWE_TWCC_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "twcc_feedback.h"

#define BWE_TWCC_MAX_TRACKED (1 << 15)  /* packets remembered at once */
#define BWE_TWCC_BACK_WINDOW_US 500000
#define BWE_TWCC_MIN_INTERVAL_US 50000
#define BWE_TWCC_MAX_INTERVAL_US 250000
#define BWE_TWCC_DEFAULT_INTERVAL_US 100000

typedef struct BweTwccRecorder BweTwccRecorder;

/* The implementation defines the struct in this header after the API (fixed
 * arrays sized BWE_TWCC_MAX_TRACKED); callers allocate it (it is large: keep it
 * off small stacks). */

void bwe_twcc_recorder_init (BweTwccRecorder * r, uint32_t sender_ssrc);

/* A packet with transport-wide sequence number seq arrived at arrival_us. */
void bwe_twcc_recorder_on_packet (BweTwccRecorder * r, int64_t arrival_us,
    uint16_t seq, size_t payload_size, uint32_t media_ssrc);

/* The send bitrate is known (OnBitrateChanged): sets the feedback interval. */
void bwe_twcc_recorder_on_bitrate (BweTwccRecorder * r, uint32_t bitrate_bps);

/* When the next periodic Process() is due (µs); INT64_MAX before any packet. */
int64_t bwe_twcc_recorder_next_process_us (const BweTwccRecorder * r);

/* Runs Process() at now_us if due.  Feedback packets are produced one by one:
 * call until it returns 0.  Each call writes one RTCP packet into buf and
 * returns its length (0: nothing more to send now). */
size_t bwe_twcc_recorder_process (BweTwccRecorder * r, int64_t now_us,
    uint8_t * buf, size_t cap);

/* End of stream: the feedback for everything not yet reported, one packet per
 * call as above. */
size_t bwe_twcc_recorder_flush (BweTwccRecorder * r, uint8_t * buf, size_t cap);

#endif
