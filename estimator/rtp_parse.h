/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RTP fixed header (RFC 3550) and header extensions (RFC 8285, one-byte and
 * two-byte forms), parsed in place without allocation.  Every kind of bad input
 * has its own result code so that callers can count what they skip. */
#ifndef BWE_RTP_PARSE_H
#define BWE_RTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BWE_RTP_FIXED_HEADER_SIZE 12
#define BWE_RTP_ABS_SEND_TIME_SIZE 3
#define BWE_RTP_TRANSPORT_SEQ_SIZE 2
/* abs-capture-time: the UQ32.32 NTP capture time, optionally followed by the
 * Q32.32 estimated capture clock offset */
#define BWE_RTP_ABS_CAPTURE_TIME_SIZE 8
#define BWE_RTP_ABS_CAPTURE_TIME_WITH_OFFSET_SIZE 16

typedef enum
{
  BWE_RTP_OK = 0,
  /* fewer than 12 bytes */
  BWE_RTP_TOO_SHORT,
  /* version field is not 2 */
  BWE_RTP_BAD_VERSION,
  /* payload type 64..95: RTCP multiplexed on the RTP port (RFC 5761) */
  BWE_RTP_IS_RTCP,
  /* the CSRC list runs past the end */
  BWE_RTP_CSRC_PAST_END,
  /* the extension header or its data runs past the end */
  BWE_RTP_EXT_PAST_END,
  /* padding count 0 or larger than what follows the header */
  BWE_RTP_PADDING_INVALID,
  /* an extension element runs past the extension block */
  BWE_RTP_EXT_ELEMENT_PAST_END,
  /* one-byte element with id 15, or id 0 that is not a padding byte */
  BWE_RTP_EXT_RESERVED_ID,
  /* a mapped extension with the wrong data length */
  BWE_RTP_EXT_WRONG_SIZE,
  BWE_RTP_NUM_RESULTS
} BweRtpParseResult;

/* Which local ids carry the extensions we read; 0 means not negotiated.
 * One-byte elements have ids 1..14, two-byte elements 1..255. */
typedef struct
{
  uint8_t abs_send_time_id;
  uint8_t transport_seq_id;
  uint8_t abs_capture_time_id;
} BweRtpExtMap;

typedef struct
{
  uint8_t payload_type;
  bool marker;
  uint16_t seq;
  uint32_t timestamp;
  uint32_t ssrc;
  uint8_t csrc_count;
  size_t header_size;           /* fixed header, CSRCs and extension block */
  size_t payload_size;          /* without padding */
  size_t padding_size;
  bool has_abs_send_time;
  uint32_t abs_send_time;       /* 24-bit 6.18 fixed-point seconds */
  bool has_transport_seq;
  uint16_t transport_seq;
  bool has_abs_capture_time;
  uint64_t abs_capture_time;    /* UQ32.32 NTP time of capture */
  bool has_capture_clock_offset;        /* the 16-byte form */
  int64_t capture_clock_offset; /* Q32.32 seconds, capture clock to sender's */
} BweRtpPacket;

/* Where the send time the estimator uses came from. */
typedef enum
{
  BWE_SEND_TIME_NONE = 0,
  BWE_SEND_TIME_ABS_SEND_TIME,
  BWE_SEND_TIME_ABS_CAPTURE_TIME,
} BweSendTimeSource;

/* Parses buf[0..len) with the ids in map (NULL: read no extension).  Returns
 * BWE_RTP_OK and fills out, or the first problem found; out is then only
 * partly filled and must not be used. */
BweRtpParseResult bwe_rtp_parse (const uint8_t * buf, size_t len,
    const BweRtpExtMap * map, BweRtpPacket * out);

/* The packet's send time as a 24-bit abs-send-time: abs-send-time when it
 * has one, else its abs-capture-time taken to 6.18 (the capture clock
 * offset of the 16-byte form is not applied: it is the sender's estimate
 * and may be revised at any packet, which would move the stream's send
 * times at once; the capture clock alone is steady).  Returns where
 * *abs24 came from, BWE_SEND_TIME_NONE (and *abs24 untouched) if neither. */
BweSendTimeSource bwe_rtp_send_time (const BweRtpPacket * pkt,
    uint32_t * abs24);

/* A short stable name for a result ("ok", "too-short", ...), for logs and stats. */
const char *bwe_rtp_parse_result_name (BweRtpParseResult result);

#endif
