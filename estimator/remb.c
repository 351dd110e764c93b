/* REMB codec (draft-alvestrand-rmcat-remb-03), as libwebrtc's rtcp::Remb
 * writes and reads it. */
#include "remb.h"

#define RTCP_VERSION 2
#define PSFB_PT 206
#define REMB_FMT 15
#define REMB_FIXED_BYTES 20     /* header, 2 SSRCs, "REMB", count and rate */
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
bwe_remb_parse (const uint8_t * buf, size_t len, BweRemb * out)
{
  size_t payload;
  uint32_t exponent;
  uint64_t mantissa;
  uint8_t num;

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
  if (payload < REMB_FIXED_BYTES - 4)
    return -1;
  for (int i = 0; i < 4; i++)
    if (buf[12 + i] != remb_id[i])
      return -1;
  num = buf[16];
  /* libwebrtc requires the SSRC count to match the length exactly. */
  if (payload != REMB_FIXED_BYTES - 4 + 4 * (size_t) num)
    return -1;
  exponent = buf[17] >> 2;
  mantissa = ((uint64_t) (buf[17] & 0x03) << 16) | ((uint64_t) buf[18] << 8)
      | buf[19];
  /* A rate that does not fit libwebrtc's int64 is not a rate. */
  if (((mantissa << exponent) >> exponent) != mantissa
      || (mantissa << exponent) > INT64_MAX)
    return -1;
  out->sender_ssrc = get32 (buf + 4);
  out->bitrate_bps = mantissa << exponent;
  out->num_ssrcs = num;
  for (size_t i = 0; i < num; i++)
    out->ssrcs[i] = get32 (buf + REMB_FIXED_BYTES + 4 * i);
  return 0;
}
