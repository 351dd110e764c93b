/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/rtp_rtcp/source/rtcp_packet/transport_feedback.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Transport-wide congestion control feedback (RTPFB, PT 205, FMT 15;
 * draft-holmer-rmcat-transport-wide-cc-extensions-01), built exactly as
 * libwebrtc's rtcp::TransportFeedback builds it, and a tolerant parser.
 * The parser allocates nothing; the builder keeps the chunks and deltas of
 * the packet being built in storage that grows with the packets it has held
 * (doubling, through the allocator given to bwe_twcc_builder_setup, see
 * allocator.h).  When the allocator fails the packet is full: the add
 * returns false and the caller starts a new packet with it. */
#ifndef BWE_TWCC_FEEDBACK_H
#define BWE_TWCC_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

#define BWE_TWCC_DELTA_TICK_US 250
#define BWE_TWCC_BASE_TICK_US 64000     /* reference time unit: 256 ticks */
#define BWE_TWCC_TIME_WRAP_US (INT64_C (64000) << 24)
#define BWE_TWCC_HEADER_BYTES 20
#define BWE_TWCC_MAX_STATUSES 0xFFFF
/* The RTCP length field counts 32-bit words minus one in 16 bits. */
#define BWE_TWCC_MAX_PACKET_BYTES ((size_t) 1 << 18)
/* Every chunk but the last covers at least 7 statuses. */
#define BWE_TWCC_MAX_CHUNKS (BWE_TWCC_MAX_STATUSES / 7 + 2)

/* Status symbols. */
#define BWE_TWCC_NOT_RECEIVED 0
#define BWE_TWCC_SMALL_DELTA 1  /* 1-byte delta, 0..255 ticks */
#define BWE_TWCC_LARGE_DELTA 2  /* 2-byte signed delta */

typedef struct
{
  uint32_t sender_ssrc;
  uint32_t media_ssrc;
  uint16_t base_seq;
  uint32_t base_time_ticks;     /* 24-bit, units of 64 ms */
  uint8_t fb_count;
  size_t max_size;              /* unpadded size limit */

  uint32_t num_seq;             /* statuses so far */
  uint32_t num_received;
  int64_t last_us;              /* reconstructed time of the last packet */
  size_t size_bytes;            /* unpadded size so far */

  /* The chunk being filled (libwebrtc's LastChunk). */
  uint8_t lc_symbols[14];
  uint32_t lc_size;
  bool lc_all_same;
  bool lc_has_large;

  uint16_t *chunks;              /* chunk_capacity chunks */
  uint32_t num_chunks;
  uint32_t chunk_capacity;
  uint8_t *deltas;              /* delta_capacity bytes */
  size_t delta_bytes;
  size_t delta_capacity;
  const BweAllocator *alloc;
} BweTwccBuilder;

/* Once, before the first packet: no storage yet, taken from alloc as the
 * packets need it (NULL: none, no packet can hold a status). */
void bwe_twcc_builder_setup (BweTwccBuilder * b, const BweAllocator * alloc);

/* Gives the storage back; the builder can be used again (it grows anew). */
void bwe_twcc_builder_release (BweTwccBuilder * b);

/* Bytes of storage held. */
size_t bwe_twcc_builder_heap_bytes (const BweTwccBuilder * b);

/* Starts a feedback packet: base sequence number, reference time taken from
 * ref_us (the first received packet's arrival, floored to 64 ms, modulo
 * 2^24 units), feedback packet count.  max_size bounds the unpadded size
 * (BWE_TWCC_MAX_PACKET_BYTES is libwebrtc's limit; smaller values split
 * feedback earlier). */
void bwe_twcc_builder_init (BweTwccBuilder * b, uint32_t sender_ssrc,
    uint32_t media_ssrc, uint16_t base_seq, int64_t ref_us,
    uint8_t fb_count, size_t max_size);

/* Adds a received packet; sequence numbers between the previous one and seq
 * are reported lost.  Returns false, and leaves the packet out, when seq is
 * not newer than the previous one (a jump of more than 0x8000), the delta
 * does not fit 16 bits of 250 µs ticks, or a limit (0xFFFF statuses,
 * max_size, the storage the allocator gives) is reached: the caller starts
 * a new packet with it. */
bool bwe_twcc_builder_add (BweTwccBuilder * b, uint16_t seq,
    int64_t arrival_us);

/* Size the packet will take on the wire (padded to 32 bits); 0 when empty. */
size_t bwe_twcc_builder_size (const BweTwccBuilder * b);

/* Writes the packet (padded, P bit set when padded); returns its length, or 0
 * when no packet was added or cap is too small. */
size_t bwe_twcc_builder_write (const BweTwccBuilder * b, uint8_t * buf,
    size_t cap);

/* One status of a parsed feedback packet. */
typedef struct
{
  uint16_t seq;
  uint8_t symbol;               /* BWE_TWCC_NOT_RECEIVED, _SMALL_DELTA or
                                 * _LARGE_DELTA */
  int16_t delta_ticks;          /* 0 when not received or no deltas sent */
  int64_t time_us;              /* reference time + deltas so far */
} BweTwccStatus;

typedef struct
{
  uint32_t sender_ssrc;
  uint32_t media_ssrc;
  uint16_t base_seq;
  uint16_t status_count;
  uint32_t ref_time;            /* 24-bit, units of 64 ms */
  uint8_t fb_count;
  bool has_deltas;              /* false: statuses only (no receive deltas) */
  size_t num_received;
} BweTwccInfo;

/* Parses the first RTCP packet of buf as transport feedback.  Fills info and,
 * when statuses is not NULL, up to max_statuses statuses.  Tolerates what
 * other stacks send: zero padding without the P bit, a P bit whose count
 * byte is 0 or too large (ignored), extra bytes after the deltas.  Returns
 * the number of statuses, or -1 when buf is not well-formed feedback (wrong
 * type, truncated, status count 0, a reserved status symbol 3). */
int bwe_twcc_parse (const uint8_t * buf, size_t len, BweTwccInfo * info,
    BweTwccStatus * statuses, size_t max_statuses);

#endif
