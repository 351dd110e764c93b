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

#endif
