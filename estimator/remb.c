/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/rtp_rtcp/source/rtcp_packet/remb.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* REMB codec (draft-alvestrand-rmcat-remb-03), as libwebrtc's rtcp::Remb
 * writes and reads it. */
#include "remb.h"

#define RTCP_VERSION 2
#define PSFB_PT 206
#define REMB_FMT 15
#define REMB_FIXED_BYTES 20     /* header, 2 SSRCs, "REMB", count and rate */
#define PSFB_HEADER_BYTES 12    /* header, sender and media SSRC */
#define REMB_FCI_FIXED_BYTES 8  /* "REMB", count, exponent and mantissa */
#define MANTISSA_MAX 0x3FFFFu   /* 18 bits */

static const uint8_t remb_id[4] = { 'R', 'E', 'M', 'B' };

static void
put32 (uint8_t * p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static uint32_t
get32 (const uint8_t * p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
      ((uint32_t) p[2] << 8) | p[3];
}

size_t
bwe_remb_size (size_t num_ssrcs)
{
  return REMB_FIXED_BYTES + 4 * num_ssrcs;
}

size_t
bwe_remb_write (uint8_t * buf, size_t cap, uint32_t sender_ssrc,
    uint64_t bitrate_bps, const uint32_t * ssrcs, size_t num_ssrcs)
{
  size_t len = bwe_remb_size (num_ssrcs);
  uint64_t mantissa = bitrate_bps;
  uint32_t exponent = 0;

  if (num_ssrcs > BWE_REMB_MAX_SSRCS || cap < len)
    return 0;
  /* libwebrtc's rates are int64: larger values are sent as its maximum. */
  if (mantissa > INT64_MAX)
    mantissa = INT64_MAX;
  /* Truncating: the receiver never sees more than was estimated. */
  while (mantissa > MANTISSA_MAX) {
    mantissa >>= 1;
    exponent++;
  }
  buf[0] = (RTCP_VERSION << 6) | REMB_FMT;
  buf[1] = PSFB_PT;
  buf[2] = (uint8_t) ((len / 4 - 1) >> 8);
  buf[3] = (uint8_t) (len / 4 - 1);
  put32 (buf + 4, sender_ssrc);
  put32 (buf + 8, 0);           /* media SSRC: unused by REMB */
  for (int i = 0; i < 4; i++)
    buf[12 + i] = remb_id[i];
  buf[16] = (uint8_t) num_ssrcs;
  buf[17] = (uint8_t) ((exponent << 2) | (uint32_t) (mantissa >> 16));
  buf[18] = (uint8_t) (mantissa >> 8);
  buf[19] = (uint8_t) mantissa;
  for (size_t i = 0; i < num_ssrcs; i++)
    put32 (buf + REMB_FIXED_BYTES + 4 * i, ssrcs[i]);
  return len;
}

int
bwe_remb_parse_fci (const uint8_t * fci, size_t len, uint32_t sender_ssrc,
    BweRemb * out)
{
  uint32_t exponent;
  uint64_t mantissa;
  uint8_t num;

  if (len < REMB_FCI_FIXED_BYTES)
    return -1;
  for (int i = 0; i < 4; i++)
    if (fci[i] != remb_id[i])
      return -1;
  num = fci[4];
  /* libwebrtc requires the SSRC count to match the length exactly. */
  if (len != REMB_FCI_FIXED_BYTES + 4 * (size_t) num)
    return -1;
  exponent = fci[5] >> 2;
  mantissa = ((uint64_t) (fci[5] & 0x03) << 16) | ((uint64_t) fci[6] << 8)
      | fci[7];
  /* A rate that does not fit libwebrtc's int64 is not a rate. */
  if (((mantissa << exponent) >> exponent) != mantissa
      || (mantissa << exponent) > INT64_MAX)
    return -1;
  out->sender_ssrc = sender_ssrc;
  out->bitrate_bps = mantissa << exponent;
  out->num_ssrcs = num;
  for (size_t i = 0; i < num; i++)
    out->ssrcs[i] = get32 (fci + REMB_FCI_FIXED_BYTES + 4 * i);
  return 0;
}

int
bwe_remb_parse (const uint8_t * buf, size_t len, BweRemb * out)
{
  size_t payload;

  if (len < 4 || (buf[0] >> 6) != RTCP_VERSION || (buf[0] & 0x1F) != REMB_FMT
      || buf[1] != PSFB_PT)
    return -1;
  payload = (((size_t) buf[2] << 8) | buf[3]) * 4;
  if (len < 4 + payload)
    return -1;
  if (buf[0] & 0x20) {
    uint8_t pad;

    if (payload == 0)
      return -1;
    pad = buf[4 + payload - 1];
    if (pad == 0 || pad > payload)
      return -1;
    payload -= pad;
  }
  /* payload counts from the sender SSRC on: 8 bytes of SSRCs, then the FCI */
  if (payload < REMB_FIXED_BYTES - 4)
    return -1;
  return bwe_remb_parse_fci (buf + PSFB_HEADER_BYTES,
      payload - (PSFB_HEADER_BYTES - 4), get32 (buf + 4), out);
}

/* Whether the packet at p (size bytes, a whole RTCP packet) says it is a
 * REMB: PSFB, FMT 15, and "REMB" where the FCI starts. */
static int
says_remb (const uint8_t * p, size_t size)
{
  if ((p[0] & 0x1F) != REMB_FMT || p[1] != PSFB_PT
      || size < PSFB_HEADER_BYTES + 4)
    return 0;
  for (int i = 0; i < 4; i++)
    if (p[PSFB_HEADER_BYTES + i] != remb_id[i])
      return 0;
  return 1;
}

BweRembNext
bwe_remb_next (const uint8_t * buf, size_t len, size_t * offset, BweRemb * out)
{
  while (*offset < len) {
    const uint8_t *p = buf + *offset;
    size_t left = len - *offset, size;

    if (left < 4 || (p[0] >> 6) != RTCP_VERSION) {
      *offset = len;
      return BWE_REMB_NEXT_MALFORMED;
    }
    size = ((((size_t) p[2] << 8) | p[3]) + 1) * 4;
    if (size > left) {
      *offset = len;
      return BWE_REMB_NEXT_MALFORMED;
    }
    *offset += size;
    if (says_remb (p, size))
      return bwe_remb_parse (p, size, out) == 0 ? BWE_REMB_NEXT_FOUND :
          BWE_REMB_NEXT_BAD_REMB;
  }
  return BWE_REMB_NEXT_END;
}
