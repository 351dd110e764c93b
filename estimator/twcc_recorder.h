/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_estimator_proxy.cc and
 * packet_arrival_map.cc, source stamp 2023-02-14 (~M112); libwebrtc's
 * BSD-3-Clause notice: LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Transport-wide congestion control feedback as libwebrtc's RemoteEstimatorProxy
 * produces it: arrival times recorded per unwrapped transport sequence number,
 * periodic feedback whose interval follows the bitrate.
 * No clock of its own: every time is the caller's, in microseconds.
 *
 * Memory grows with use (allocator.h): the arrival map holds the packets not
 * yet reported and libwebrtc's 500 ms back window, in a ring kept at least
 * twice that (doubling from BWE_TWCC_MIN_TRACKED up to BWE_TWCC_MAX_TRACKED
 * packets: it grows when the rate does) and, at a periodic Process(), shrunk
 * when an eighth of it is used; the feedback
 * builder's storage grows with the largest packet and is given back when
 * packets get four times smaller.  If the allocator fails, the ring it has is
 * the limit (older packets are forgotten sooner, a packet too old for it is
 * not recorded) and a feedback packet ends where the builder's storage
 * does. */
#ifndef BWE_TWCC_RECORDER_H
#define BWE_TWCC_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "twcc_feedback.h"

#define BWE_TWCC_MAX_TRACKED (1 << 15)  /* packets remembered at once */
#define BWE_TWCC_MIN_TRACKED 64 /* the first ring allocated */
#define BWE_TWCC_BACK_WINDOW_US 500000
#define BWE_TWCC_MIN_INTERVAL_US 50000
#define BWE_TWCC_MAX_INTERVAL_US 250000
#define BWE_TWCC_DEFAULT_INTERVAL_US 100000
/* Room for a header, the run-length chunks of the longest loss run the
 * recorder can hold, and one delta: every feedback packet holds a packet. */
#define BWE_TWCC_MIN_CAP 32

typedef struct BweTwccRecorder BweTwccRecorder;

/* The struct is defined at the end of this header. */

/* A fresh recorder taking its memory from alloc (kept: it must outlive r;
 * NULL: none, nothing recorded).  Allocates nothing itself.  Init a struct
 * only when new or released. */
void bwe_twcc_recorder_init (BweTwccRecorder * r, uint32_t sender_ssrc,
    const BweAllocator * alloc);

/* Gives all the memory back; init again to use r after. */
void bwe_twcc_recorder_release (BweTwccRecorder * r);

/* Bytes held from the allocator now. */
size_t bwe_twcc_recorder_heap_bytes (const BweTwccRecorder * r);

/* A packet with transport-wide sequence number seq arrived at arrival_us. */
void bwe_twcc_recorder_on_packet (BweTwccRecorder * r, int64_t arrival_us,
    uint16_t seq, size_t payload_size, uint32_t media_ssrc);

/* The send bitrate is known (OnBitrateChanged): sets the feedback interval. */
void bwe_twcc_recorder_on_bitrate (BweTwccRecorder * r, uint32_t bitrate_bps);

/* When the next periodic Process() is due (µs); INT64_MAX before any
 * packet. */
int64_t bwe_twcc_recorder_next_process_us (const BweTwccRecorder * r);

/* Catching up: when nothing waits to be reported, every Process() due before
 * before_us would only re-arm.  Skips all of them but the last, so that a
 * long gap in arrival times costs one Process() and not one per interval;
 * what is sent, and when, stays the same. */
void bwe_twcc_recorder_skip_idle (BweTwccRecorder * r, int64_t before_us);

/* Runs Process() at now_us if due.  Feedback packets are produced one by one:
 * call until it returns 0.  Each call writes one RTCP packet into buf and
 * returns its length (0: nothing more to send now).  A packet never exceeds
 * cap: cap >= BWE_TWCC_MAX_PACKET_BYTES reproduces libwebrtc, a smaller cap
 * (an MTU) splits the feedback into more packets.  cap must be at least
 * BWE_TWCC_MIN_CAP.  With buf NULL the packet is built but not written:
 * bwe_twcc_recorder_write() then writes it into a buffer of the returned
 * length, before the next call. */
size_t bwe_twcc_recorder_process (BweTwccRecorder * r, int64_t now_us,
    uint8_t * buf, size_t cap);

/* End of stream: the feedback for everything not yet reported, one packet per
 * call as above. */
size_t bwe_twcc_recorder_flush (BweTwccRecorder * r, uint8_t * buf, size_t cap);

/* Writes the packet the last call above built into buf (at least its length,
 * cap bytes); returns its length, 0 when cap is too small. */
size_t bwe_twcc_recorder_write (const BweTwccRecorder * r, uint8_t * buf,
    size_t cap);

/* Feedback packets produced so far (the uint8 feedback count wraps, this
 * does not). */
uint64_t bwe_twcc_recorder_feedback_count (const BweTwccRecorder * r);

struct BweTwccRecorder
{
  uint32_t sender_ssrc;
  uint32_t media_ssrc;

  /* transport sequence unwrapping */
  bool have_seq;
  uint16_t last_seq;
  int64_t last_unwrapped;

  /* arrival times of [begin, end), a ring indexed by seq & (capacity - 1);
   * INT64_MIN marks a packet not received */
  bool map_used;
  int64_t begin;
  int64_t end;
  int64_t *arrival_us;          /* capacity entries, NULL while 0 */
  size_t capacity;
  uint64_t mask;                /* capacity - 1 */
  const BweAllocator *alloc;

  /* first sequence number of the next periodic feedback */
  bool have_window;
  int64_t window_start;

  uint8_t fb_count;
  uint64_t packets_sent;
  int64_t interval_us;
  bool processed;
  int64_t last_process_us;
  int64_t armed_us;             /* when the caller's timer fires next */

  /* a Process() in progress: packets up to send_end still to be built */
  bool sending;
  int64_t send_end;

  BweTwccBuilder builder;
  size_t builder_used;          /* largest packet built since the last trim */
};

#endif
