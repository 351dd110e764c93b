/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rtp_parse.h"

#include "abs_send_time.h"

#define RTP_VERSION 2
/* RFC 5761 section 4: with RTCP on the RTP port, payload types 64..95 must not
 * be used, as RTCP packet types 192..223 read as them: SR..APP (72..76), and the
 * feedback RTCP that rides that path most, RTPFB (TWCC, 77) and PSFB (REMB,
 * 78). */
#define RTCP_MUX_PT_FIRST 64
#define RTCP_MUX_PT_LAST 95
#define ONE_BYTE_PROFILE 0xBEDE
/* RFC 8285: 0x100 followed by 4 application bits. */
#define TWO_BYTE_PROFILE 0x1000
#define TWO_BYTE_PROFILE_MASK 0xFFF0
#define ONE_BYTE_RESERVED_ID 15
#define EXT_HEADER_SIZE 4

static const char *const result_names[BWE_RTP_NUM_RESULTS] = {
  "ok",
  "too-short",
  "bad-version",
  "rtcp",
  "csrc-past-end",
  "ext-past-end",
  "padding-invalid",
  "ext-element-past-end",
  "ext-reserved-id",
  "ext-wrong-size",
};

static uint16_t
read_u16 (const uint8_t * p)
{
  return (uint16_t) ((p[0] << 8) | p[1]);
}

static uint32_t
read_u32 (const uint8_t * p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
      ((uint32_t) p[2] << 8) | p[3];
}

static uint64_t
read_u64 (const uint8_t * p)
{
  return ((uint64_t) read_u32 (p) << 32) | read_u32 (p + 4);
}

/* abs-capture-time: 8 bytes of capture time, or 16 with the clock offset. */
static BweRtpParseResult
take_abs_capture_time (const uint8_t * data, size_t size, BweRtpPacket * out)
{
  if (size != BWE_RTP_ABS_CAPTURE_TIME_SIZE
      && size != BWE_RTP_ABS_CAPTURE_TIME_WITH_OFFSET_SIZE)
    return BWE_RTP_EXT_WRONG_SIZE;
  out->abs_capture_time = read_u64 (data);
  out->has_abs_capture_time = true;
  if (size == BWE_RTP_ABS_CAPTURE_TIME_WITH_OFFSET_SIZE) {
    /* two's complement Q32.32; converted without relying on
     * implementation-defined unsigned-to-signed conversion */
    uint64_t raw = read_u64 (data + 8);

    out->capture_clock_offset = raw <= INT64_MAX ? (int64_t) raw :
        -(int64_t) (~raw) - 1;
    out->has_capture_clock_offset = true;
  }
  return BWE_RTP_OK;
}

/* One extension element: keeps the first occurrence of each mapped id, as a
 * second copy of the same id is not allowed by RFC 8285 anyway. */
static BweRtpParseResult
take_element (const BweRtpExtMap * map, uint8_t id, const uint8_t * data,
    size_t size, BweRtpPacket * out)
{
  if (id == map->abs_send_time_id && !out->has_abs_send_time) {
    if (size != BWE_RTP_ABS_SEND_TIME_SIZE)
      return BWE_RTP_EXT_WRONG_SIZE;
    out->abs_send_time = ((uint32_t) data[0] << 16) |
        ((uint32_t) data[1] << 8) | data[2];
    out->has_abs_send_time = true;
  } else if (id == map->transport_seq_id && !out->has_transport_seq) {
    if (size != BWE_RTP_TRANSPORT_SEQ_SIZE)
      return BWE_RTP_EXT_WRONG_SIZE;
    out->transport_seq = read_u16 (data);
    out->has_transport_seq = true;
  } else if (id == map->abs_capture_time_id && !out->has_abs_capture_time) {
    return take_abs_capture_time (data, size, out);
  }
  return BWE_RTP_OK;
}

static BweRtpParseResult
parse_one_byte (const uint8_t * p, size_t n, const BweRtpExtMap * map,
    BweRtpPacket * out)
{
  size_t i = 0;

  while (i < n) {
    uint8_t id = p[i] >> 4;
    size_t size = (size_t) (p[i] & 0x0F) + 1;
    BweRtpParseResult r;

    if (p[i] == 0) {
      i++;
      continue;
    }
    /* RFC 8285 stops at id 15; a non-zero byte with id 0 is no padding
     * either.  Both make the rest of the block unreadable. */
    if (id == 0 || id == ONE_BYTE_RESERVED_ID)
      return BWE_RTP_EXT_RESERVED_ID;
    if (size > n - i - 1)
      return BWE_RTP_EXT_ELEMENT_PAST_END;
    r = take_element (map, id, p + i + 1, size, out);
    if (r != BWE_RTP_OK)
      return r;
    i += 1 + size;
  }
  return BWE_RTP_OK;
}

static BweRtpParseResult
parse_two_byte (const uint8_t * p, size_t n, const BweRtpExtMap * map,
    BweRtpPacket * out)
{
  size_t i = 0;

  while (i < n) {
    uint8_t id = p[i];
    size_t size;
    BweRtpParseResult r;

    if (id == 0) {
      i++;
      continue;
    }
    if (n - i < 2)
      return BWE_RTP_EXT_ELEMENT_PAST_END;
    size = p[i + 1];
    if (size > n - i - 2)
      return BWE_RTP_EXT_ELEMENT_PAST_END;
    r = take_element (map, id, p + i + 2, size, out);
    if (r != BWE_RTP_OK)
      return r;
    i += 2 + size;
  }
  return BWE_RTP_OK;
}

BweRtpParseResult
bwe_rtp_parse (const uint8_t * buf, size_t len, const BweRtpExtMap * map,
    BweRtpPacket * out)
{
  static const BweRtpExtMap no_map = { 0, 0, 0 };
  size_t pos, csrc_bytes;
  bool has_padding, has_ext;

  if (map == NULL)
    map = &no_map;

  out->has_abs_send_time = false;
  out->has_transport_seq = false;
  out->abs_send_time = 0;
  out->transport_seq = 0;
  out->has_abs_capture_time = false;
  out->abs_capture_time = 0;
  out->has_capture_clock_offset = false;
  out->capture_clock_offset = 0;

  if (len < BWE_RTP_FIXED_HEADER_SIZE)
    return BWE_RTP_TOO_SHORT;
  if ((buf[0] >> 6) != RTP_VERSION)
    return BWE_RTP_BAD_VERSION;

  has_padding = (buf[0] & 0x20) != 0;
  has_ext = (buf[0] & 0x10) != 0;
  out->csrc_count = buf[0] & 0x0F;
  out->marker = (buf[1] & 0x80) != 0;
  out->payload_type = buf[1] & 0x7F;
  out->seq = read_u16 (buf + 2);
  out->timestamp = read_u32 (buf + 4);
  out->ssrc = read_u32 (buf + 8);

  if (out->payload_type >= RTCP_MUX_PT_FIRST
      && out->payload_type <= RTCP_MUX_PT_LAST)
    return BWE_RTP_IS_RTCP;

  csrc_bytes = 4 * (size_t) out->csrc_count;
  if (csrc_bytes > len - BWE_RTP_FIXED_HEADER_SIZE)
    return BWE_RTP_CSRC_PAST_END;
  pos = BWE_RTP_FIXED_HEADER_SIZE + csrc_bytes;

  if (has_ext) {
    uint16_t profile;
    size_t ext_bytes;
    const uint8_t *ext;
    BweRtpParseResult r = BWE_RTP_OK;

    if (len - pos < EXT_HEADER_SIZE)
      return BWE_RTP_EXT_PAST_END;
    profile = read_u16 (buf + pos);
    ext_bytes = 4 * (size_t) read_u16 (buf + pos + 2);
    if (ext_bytes > len - pos - EXT_HEADER_SIZE)
      return BWE_RTP_EXT_PAST_END;
    ext = buf + pos + EXT_HEADER_SIZE;
    if (profile == ONE_BYTE_PROFILE)
      r = parse_one_byte (ext, ext_bytes, map, out);
    else if ((profile & TWO_BYTE_PROFILE_MASK) == TWO_BYTE_PROFILE)
      r = parse_two_byte (ext, ext_bytes, map, out);
    /* any other profile is an RFC 3550 extension we cannot read: no ids */
    if (r != BWE_RTP_OK)
      return r;
    pos += EXT_HEADER_SIZE + ext_bytes;
  }
  out->header_size = pos;

  out->padding_size = 0;
  if (has_padding) {
    size_t pad = buf[len - 1];

    if (pad == 0 || pad > len - pos)
      return BWE_RTP_PADDING_INVALID;
    out->padding_size = pad;
  }
  out->payload_size = len - pos - out->padding_size;
  return BWE_RTP_OK;
}

BweSendTimeSource
bwe_rtp_send_time (const BweRtpPacket * pkt, uint32_t * abs24)
{
  if (pkt->has_abs_send_time) {
    *abs24 = pkt->abs_send_time;
    return BWE_SEND_TIME_ABS_SEND_TIME;
  }
  if (pkt->has_abs_capture_time) {
    *abs24 = bwe_abs_send_time_from_ntp (pkt->abs_capture_time);
    return BWE_SEND_TIME_ABS_CAPTURE_TIME;
  }
  return BWE_SEND_TIME_NONE;
}

const char *
bwe_rtp_parse_result_name (BweRtpParseResult result)
{
  if ((unsigned) result >= BWE_RTP_NUM_RESULTS)
    return "unknown";
  return result_names[result];
}
