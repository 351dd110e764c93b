/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RTP header and header-extension parser: every field and every kind of bad
 * input, on hand-built packets whose bytes follow RFC 3550 and RFC 8285. */
#include <check.h>
#include <string.h>

#include "abs_send_time.h"
#include "rtp_parse.h"

/* abs-send-time 3, transport sequence 5, abs-capture-time 7 */
static const BweRtpExtMap map = { 3, 5, 7 };

/* V=2, X=1, PT 96, seq 0x1234, ts 0x01020304, SSRC 0xdeadbeef, one-byte
 * extension block of 2 words: abs-send-time (id 3, 3 bytes) and transport
 * sequence (id 5, 2 bytes), one padding byte; then 4 payload bytes. */
static const uint8_t one_byte_pkt[] = {
  0x90, 0x60, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef,
  0xbe, 0xde, 0x00, 0x02,
  0x32, 0xab, 0xcd, 0xef, 0x51, 0x01, 0x02, 0x00,
  0xaa, 0xbb, 0xcc, 0xdd,
};

/* Same content with the two-byte form (profile 0x1000): 3 words. */
static const uint8_t two_byte_pkt[] = {
  0x90, 0xe0, 0x12, 0x35, 0x01, 0x02, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef,
  0x10, 0x00, 0x00, 0x03,
  0x03, 0x03, 0xab, 0xcd, 0xef, 0x05, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
  0xaa, 0xbb, 0xcc, 0xdd,
};

static BweRtpParseResult
parse_copy (const uint8_t * src, size_t len, BweRtpPacket * pkt)
{
  return bwe_rtp_parse (src, len, &map, pkt);
}

START_TEST (test_one_byte)
{
  BweRtpPacket p;

  ck_assert_int_eq (parse_copy (one_byte_pkt, sizeof one_byte_pkt, &p),
      BWE_RTP_OK);
  ck_assert_uint_eq (p.payload_type, 96);
  ck_assert (!p.marker);
  ck_assert_uint_eq (p.seq, 0x1234);
  ck_assert_uint_eq (p.timestamp, 0x01020304);
  ck_assert_uint_eq (p.ssrc, 0xdeadbeef);
  ck_assert_uint_eq (p.header_size, 24);
  ck_assert_uint_eq (p.payload_size, 4);
  ck_assert_uint_eq (p.padding_size, 0);
  ck_assert (p.has_abs_send_time);
  ck_assert_uint_eq (p.abs_send_time, 0xabcdef);
  ck_assert (p.has_transport_seq);
  ck_assert_uint_eq (p.transport_seq, 0x0102);
}
END_TEST

START_TEST (test_two_byte)
{
  BweRtpPacket p;

  ck_assert_int_eq (parse_copy (two_byte_pkt, sizeof two_byte_pkt, &p),
      BWE_RTP_OK);
  ck_assert (p.marker);
  ck_assert_uint_eq (p.seq, 0x1235);
  ck_assert_uint_eq (p.header_size, 28);
  ck_assert_uint_eq (p.payload_size, 4);
  ck_assert_uint_eq (p.abs_send_time, 0xabcdef);
  ck_assert_uint_eq (p.transport_seq, 0x0102);
}
END_TEST

START_TEST (test_unmapped_ids_ignored)
{
  BweRtpExtMap other = { 4, 6, 8 };
  BweRtpPacket p;

  ck_assert_int_eq (bwe_rtp_parse (one_byte_pkt, sizeof one_byte_pkt, &other,
          &p), BWE_RTP_OK);
  ck_assert (!p.has_abs_send_time);
  ck_assert (!p.has_transport_seq);
  ck_assert_int_eq (bwe_rtp_parse (one_byte_pkt, sizeof one_byte_pkt, NULL,
          &p), BWE_RTP_OK);
  ck_assert (!p.has_abs_send_time);
  ck_assert_uint_eq (p.payload_size, 4);
}
END_TEST

START_TEST (test_plain_with_csrc_and_padding)
{
  /* P=1, CC=2, no extension, 2 payload bytes and 3 padding bytes */
  const uint8_t pkt[] = {
    0xa2, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 7,
    1, 1, 1, 1, 2, 2, 2, 2,
    0x55, 0x66, 0, 0, 3,
  };
  BweRtpPacket p;

  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_OK);
  ck_assert_uint_eq (p.csrc_count, 2);
  ck_assert_uint_eq (p.payload_type, 8);
  ck_assert_uint_eq (p.ssrc, 7);
  ck_assert_uint_eq (p.header_size, 20);
  ck_assert_uint_eq (p.payload_size, 2);
  ck_assert_uint_eq (p.padding_size, 3);
  ck_assert (!p.has_abs_send_time);
}
END_TEST

START_TEST (test_unknown_profile)
{
  uint8_t pkt[sizeof one_byte_pkt];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[12] = 0x12;               /* profile 0x12de: opaque RFC 3550 extension */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_OK);
  ck_assert (!p.has_abs_send_time);
  ck_assert_uint_eq (p.header_size, 24);
}
END_TEST

START_TEST (test_too_short)
{
  BweRtpPacket p;

  ck_assert_int_eq (parse_copy (one_byte_pkt, 11, &p), BWE_RTP_TOO_SHORT);
  ck_assert_int_eq (parse_copy (one_byte_pkt, 0, &p), BWE_RTP_TOO_SHORT);
}
END_TEST

START_TEST (test_bad_version)
{
  uint8_t pkt[sizeof one_byte_pkt];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[0] = 0x50;                /* version 1 */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_BAD_VERSION);
  pkt[0] = 0xd0;                /* version 3 */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_BAD_VERSION);
}
END_TEST

START_TEST (test_rtcp_mux)
{
  /* an RTCP receiver report (PT 201) read as RTP: byte 1 = 0xc9, pt 73 */
  const uint8_t rr[] = { 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 0 };
  BweRtpPacket p;

  ck_assert_int_eq (parse_copy (rr, sizeof rr, &p), BWE_RTP_IS_RTCP);
}
END_TEST

START_TEST (test_csrc_past_end)
{
  uint8_t pkt[16];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[0] = 0x82;                /* 2 CSRCs = 8 bytes, only 4 follow */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_CSRC_PAST_END);
}
END_TEST

START_TEST (test_ext_past_end)
{
  BweRtpPacket p;

  /* extension header cut */
  ck_assert_int_eq (parse_copy (one_byte_pkt, 14, &p), BWE_RTP_EXT_PAST_END);
  /* extension data (8 bytes announced) cut */
  ck_assert_int_eq (parse_copy (one_byte_pkt, 20, &p), BWE_RTP_EXT_PAST_END);
}
END_TEST

START_TEST (test_padding_invalid)
{
  uint8_t pkt[sizeof one_byte_pkt];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[0] |= 0x20;
  pkt[sizeof pkt - 1] = 0;      /* padding count 0 */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_PADDING_INVALID);
  pkt[sizeof pkt - 1] = 5;      /* 5 > 4 bytes after the header */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_PADDING_INVALID);
  pkt[sizeof pkt - 1] = 4;      /* exactly the 4 bytes: all padding */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_OK);
  ck_assert_uint_eq (p.payload_size, 0);
  ck_assert_uint_eq (p.padding_size, 4);
}
END_TEST

START_TEST (test_element_past_end)
{
  uint8_t pkt[sizeof one_byte_pkt];
  uint8_t pkt2[sizeof two_byte_pkt];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[20] = 0x57;               /* id 5 with 8 bytes: only 3 left in the block */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p),
      BWE_RTP_EXT_ELEMENT_PAST_END);

  memcpy (pkt2, two_byte_pkt, sizeof pkt2);
  pkt2[22] = 9;                 /* id 5 with 9 bytes: 6 left */
  ck_assert_int_eq (parse_copy (pkt2, sizeof pkt2, &p),
      BWE_RTP_EXT_ELEMENT_PAST_END);
  /* an id in the last byte of a two-byte block has no length byte */
  pkt2[21] = 0;
  pkt2[22] = 0;
  pkt2[23] = 0;
  pkt2[24] = 0;
  pkt2[25] = 0;
  pkt2[26] = 0;
  pkt2[27] = 7;
  ck_assert_int_eq (parse_copy (pkt2, sizeof pkt2, &p),
      BWE_RTP_EXT_ELEMENT_PAST_END);
}
END_TEST

START_TEST (test_reserved_id)
{
  uint8_t pkt[sizeof one_byte_pkt];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[20] = 0xf1;               /* id 15 */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_EXT_RESERVED_ID);
  pkt[20] = 0x01;               /* id 0 with a length: not a padding byte */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_EXT_RESERVED_ID);
}
END_TEST

START_TEST (test_wrong_size)
{
  uint8_t pkt[sizeof one_byte_pkt];
  uint8_t pkt2[sizeof two_byte_pkt];
  BweRtpPacket p;

  memcpy (pkt, one_byte_pkt, sizeof pkt);
  pkt[16] = 0x31;               /* abs-send-time with 2 bytes ... */
  pkt[19] = 0x00;               /* ... then a padding byte */
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_EXT_WRONG_SIZE);

  memcpy (pkt2, two_byte_pkt, sizeof pkt2);
  pkt2[22] = 1;                 /* transport seq with 1 byte */
  ck_assert_int_eq (parse_copy (pkt2, sizeof pkt2, &p),
      BWE_RTP_EXT_WRONG_SIZE);
}
END_TEST

/* abs-capture-time, 8-byte form (one-byte header, id 7, length 8):
 * NTP 0xe9a1b2c3.40000000 = 3,919,688,387.25 s; no abs-send-time. */
static const uint8_t capture8_pkt[] = {
  0x90, 0x60, 0x00, 0x10, 0, 0, 0x0b, 0xb8, 0, 0, 0, 0x42,
  0xbe, 0xde, 0x00, 0x03,
  0x77, 0xe9, 0xa1, 0xb2, 0xc3, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x11, 0x22,
};

/* The 16-byte form (one-byte header, id 7, length 16) with a clock offset of
 * -0.5 s (Q32.32 0xffffffff.80000000), then abs-send-time 0x123456 (id 3). */
static const uint8_t capture16_pkt[] = {
  0x90, 0x60, 0x00, 0x11, 0, 0, 0x0b, 0xb8, 0, 0, 0, 0x42,
  0xbe, 0xde, 0x00, 0x06,
  0x7f, 0xe9, 0xa1, 0xb2, 0xc3, 0x40, 0x00, 0x20, 0x00,
  0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00,
  0x32, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00,
  0x11, 0x22,
};

/* The 16-byte form with two-byte headers (profile 0x1000, id 7, length 16):
 * NTP 0x0000003f.ffffe000, offset +1.25 s. */
static const uint8_t capture16_two_byte_pkt[] = {
  0x90, 0x60, 0x00, 0x12, 0, 0, 0x0b, 0xb8, 0, 0, 0, 0x42,
  0x10, 0x00, 0x00, 0x05,
  0x07, 0x10, 0x00, 0x00, 0x00, 0x3f, 0xff, 0xff, 0xe0, 0x00,
  0x00, 0x00, 0x00, 0x01, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x11, 0x22,
};

START_TEST (test_abs_capture_time_8)
{
  BweRtpPacket p;
  uint32_t abs24 = 0;

  ck_assert_int_eq (parse_copy (capture8_pkt, sizeof capture8_pkt, &p),
      BWE_RTP_OK);
  ck_assert_uint_eq (p.header_size, 28);
  ck_assert_uint_eq (p.payload_size, 2);
  ck_assert (!p.has_abs_send_time);
  ck_assert (p.has_abs_capture_time);
  ck_assert_uint_eq (p.abs_capture_time, 0xe9a1b2c340000000ull);
  ck_assert (!p.has_capture_clock_offset);
  ck_assert_int_eq (p.capture_clock_offset, 0);
  /* 6 low bits of the seconds (0xc3 & 0x3f = 3) and 18 of the fraction
   * (0.25 = 0x10000): 3 << 18 | 0x10000 */
  ck_assert_int_eq (bwe_rtp_send_time (&p, &abs24),
      BWE_SEND_TIME_ABS_CAPTURE_TIME);
  ck_assert_uint_eq (abs24, 0x0d0000);
}
END_TEST

START_TEST (test_abs_capture_time_16)
{
  BweRtpPacket p;
  uint32_t abs24 = 0;

  ck_assert_int_eq (parse_copy (capture16_pkt, sizeof capture16_pkt, &p),
      BWE_RTP_OK);
  ck_assert_uint_eq (p.header_size, 40);
  ck_assert_uint_eq (p.payload_size, 2);
  ck_assert (p.has_abs_capture_time);
  /* fraction 0x40002000: the half tick (bit 13) rounds up */
  ck_assert_uint_eq (p.abs_capture_time, 0xe9a1b2c340002000ull);
  ck_assert (p.has_capture_clock_offset);
  ck_assert_int_eq (p.capture_clock_offset, -(INT64_C (1) << 31));
  /* abs-send-time, when there, is the send time */
  ck_assert (p.has_abs_send_time);
  ck_assert_int_eq (bwe_rtp_send_time (&p, &abs24),
      BWE_SEND_TIME_ABS_SEND_TIME);
  ck_assert_uint_eq (abs24, 0x123456);
  p.has_abs_send_time = false;
  ck_assert_int_eq (bwe_rtp_send_time (&p, &abs24),
      BWE_SEND_TIME_ABS_CAPTURE_TIME);
  ck_assert_uint_eq (abs24, 0x0d0001);

  ck_assert_int_eq (parse_copy (capture16_two_byte_pkt,
          sizeof capture16_two_byte_pkt, &p), BWE_RTP_OK);
  ck_assert_uint_eq (p.header_size, 36);
  ck_assert_uint_eq (p.abs_capture_time, 0x0000003fffffe000ull);
  ck_assert_int_eq (p.capture_clock_offset, INT64_C (0x140000000));
  ck_assert_int_eq (bwe_rtp_send_time (&p, &abs24),
      BWE_SEND_TIME_ABS_CAPTURE_TIME);
  /* 63.9999981 s: 0xffffff.8 ticks, the half rounds up and wraps to 0 */
  ck_assert_uint_eq (abs24, 0);
}
END_TEST

START_TEST (test_abs_capture_time_wrong_size)
{
  uint8_t pkt[sizeof capture8_pkt];
  BweRtpPacket p;
  uint32_t abs24 = 77;

  /* 7 and 9 bytes: neither form */
  memcpy (pkt, capture8_pkt, sizeof pkt);
  pkt[16] = 0x76;
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_EXT_WRONG_SIZE);
  pkt[16] = 0x78;
  ck_assert_int_eq (parse_copy (pkt, sizeof pkt, &p), BWE_RTP_EXT_WRONG_SIZE);
  /* not mapped: ignored, no send time */
  ck_assert_int_eq (bwe_rtp_parse (capture8_pkt, sizeof capture8_pkt, NULL,
          &p), BWE_RTP_OK);
  ck_assert (!p.has_abs_capture_time);
  ck_assert_int_eq (bwe_rtp_send_time (&p, &abs24), BWE_SEND_TIME_NONE);
  ck_assert_uint_eq (abs24, 77);
}
END_TEST

START_TEST (test_abs_send_time_from_ntp)
{
  /* bits 14..37 of the NTP time */
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0), 0);
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0x0000000100000000ull),
      1u << 18);
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0x0000004000000000ull), 0);
  /* 63.999... s is the largest value; 64 s wraps to 0 */
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0x0000003fffffc000ull),
      0xffffff);
  /* rounding at the half tick (2^13 of 2^14): below, at, and the wrap */
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0x0000000000001fffull), 0);
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0x0000000000002000ull), 1);
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (0x0000003fffffe000ull), 0);
  /* no overflow at the top of the NTP range */
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (UINT64_MAX), 0);
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp (UINT64_MAX - 0x2000),
      0xffffff);
  /* (abs24 << 14) plus any whole seconds above 63 comes back as abs24 */
  ck_assert_uint_eq (bwe_abs_send_time_from_ntp ((0xabcdefull << 14) |
          (0xe9a1b2c0ull << 32)), 0xabcdef);
}
END_TEST

START_TEST (test_names)
{
  ck_assert_str_eq (bwe_rtp_parse_result_name (BWE_RTP_OK), "ok");
  ck_assert_str_eq (bwe_rtp_parse_result_name (BWE_RTP_EXT_WRONG_SIZE),
      "ext-wrong-size");
  ck_assert_str_eq (bwe_rtp_parse_result_name (BWE_RTP_NUM_RESULTS),
      "unknown");
}
END_TEST

static Suite *
rtp_parse_suite (void)
{
  Suite *s = suite_create ("rtp_parse");
  TCase *tc = tcase_create ("parse");

  tcase_add_test (tc, test_one_byte);
  tcase_add_test (tc, test_two_byte);
  tcase_add_test (tc, test_unmapped_ids_ignored);
  tcase_add_test (tc, test_plain_with_csrc_and_padding);
  tcase_add_test (tc, test_unknown_profile);
  tcase_add_test (tc, test_too_short);
  tcase_add_test (tc, test_bad_version);
  tcase_add_test (tc, test_rtcp_mux);
  tcase_add_test (tc, test_csrc_past_end);
  tcase_add_test (tc, test_ext_past_end);
  tcase_add_test (tc, test_padding_invalid);
  tcase_add_test (tc, test_element_past_end);
  tcase_add_test (tc, test_reserved_id);
  tcase_add_test (tc, test_wrong_size);
  tcase_add_test (tc, test_abs_capture_time_8);
  tcase_add_test (tc, test_abs_capture_time_16);
  tcase_add_test (tc, test_abs_capture_time_wrong_size);
  tcase_add_test (tc, test_abs_send_time_from_ntp);
  tcase_add_test (tc, test_names);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (rtp_parse_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
