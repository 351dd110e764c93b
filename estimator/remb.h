/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/rtp_rtcp/source/rtcp_packet/remb.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* REMB (draft-alvestrand-rmcat-remb): PSFB, FMT 15, media SSRC 0, "REMB",
 * 6-bit exponent and 18-bit mantissa (encoding truncates), up to 255 SSRCs. */
#ifndef BWE_REMB_H
#define BWE_REMB_H

#include <stddef.h>
#include <stdint.h>

#define BWE_REMB_MAX_SSRCS 255

typedef struct
{
  uint32_t sender_ssrc;
  uint64_t bitrate_bps;         /* mantissa << exponent, may exceed 32 bits */
  uint8_t num_ssrcs;
  uint32_t ssrcs[BWE_REMB_MAX_SSRCS];
} BweRemb;

/* Bytes a REMB with n SSRCs takes: 20 + 4 n. */
size_t bwe_remb_size (size_t num_ssrcs);

/* Writes one REMB packet into buf; returns its length, or 0 when
 * num_ssrcs > 255 or cap is too small.  Rates above INT64_MAX are sent as
 * INT64_MAX. */
size_t bwe_remb_write (uint8_t * buf, size_t cap, uint32_t sender_ssrc,
    uint64_t bitrate_bps, const uint32_t * ssrcs, size_t num_ssrcs);

/* Parses one REMB packet (the first RTCP packet of buf).  Returns 0 on success,
 * -1 when buf is not a well-formed REMB: truncated, not "REMB", an SSRC count
 * that does not match the length, or a rate above INT64_MAX (as libwebrtc). */
int bwe_remb_parse (const uint8_t * buf, size_t len, BweRemb * out);

/* Parses a REMB's feedback control information alone: the bytes after the
 * 12-byte PSFB header, from "REMB" on (what an RTP stack that parsed the
 * header hands over, e.g. rtpsession's on-feedback-rtcp), with the packet
 * sender's SSRC.  Same checks and result as bwe_remb_parse. */
int bwe_remb_parse_fci (const uint8_t * fci, size_t len, uint32_t sender_ssrc,
    BweRemb * out);

/* What bwe_remb_next found. */
typedef enum
{
  BWE_REMB_NEXT_END = 0,        /* no further RTCP packet */
  BWE_REMB_NEXT_FOUND = 1,      /* *out holds the REMB */
  BWE_REMB_NEXT_BAD_REMB = 2,   /* a PSFB FMT 15 "REMB" that does not parse:
                                 * skipped, the walk goes on */
  BWE_REMB_NEXT_MALFORMED = 3,  /* not RTCP from *offset on (version, or a
                                 * length past the end): the walk ends */
} BweRembNext;

/* Walks a compound (RFC 3550) or reduced-size (RFC 5506) RTCP buffer from
 * *offset (0 to start) to its next REMB, leaving *offset after the packet it
 * stopped at (at len when the walk ends).  Other packets, and application
 * feedback that is not "REMB", are stepped over. */
BweRembNext bwe_remb_next (const uint8_t * buf, size_t len, size_t * offset,
    BweRemb * out);

#endif
