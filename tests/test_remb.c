/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's modules/rtp_rtcp/source/rtcp_packet/remb_unittest.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* REMB codec: libwebrtc's remb_unittest.cc vector (gcc-reference 1.8), the
 * truncating 6-bit exponent / 18-bit mantissa, and malformed packets. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "remb.h"

static const uint32_t ssrcs[] = { 0x23456789, 0x2345678a, 0x2345678b };

static const uint8_t reference[] = {
  0x8f, 0xce, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00,
  0x52, 0x45, 0x4d, 0x42, 0x03, 0x07, 0xfb, 0x93, 0x23, 0x45, 0x67, 0x89,
  0x23, 0x45, 0x67, 0x8a, 0x23, 0x45, 0x67, 0x8b
};

static BweRemb remb;

START_TEST (test_reference_packet)
{
  uint8_t buf[64];
  size_t len = bwe_remb_write (buf, sizeof (buf), 0x12345678, 0x3fb93 * 2,
      ssrcs, 3);

  ck_assert_uint_eq (len, sizeof (reference));
  ck_assert_uint_eq (bwe_remb_size (3), sizeof (reference));
  ck_assert_mem_eq (buf, reference, sizeof (reference));

  ck_assert_int_eq (bwe_remb_parse (reference, sizeof (reference), &remb), 0);
  ck_assert_uint_eq (remb.sender_ssrc, 0x12345678);
  ck_assert_uint_eq (remb.bitrate_bps, 522022);
  ck_assert_uint_eq (remb.num_ssrcs, 3);
  ck_assert_mem_eq (remb.ssrcs, ssrcs, sizeof (ssrcs));
}

END_TEST;

START_TEST (test_mantissa_truncates)
{
  uint8_t buf[64];
  /* bitrate -> value the receiver reads back */
  static const uint64_t cases[][2] = {
    {0, 0},
    {0x3FFFF, 0x3FFFF},         /* largest exponent-0 value */
    {0x40000, 0x40000},         /* mantissa 0x20000, exponent 1 */
    {0x40001, 0x40000},         /* truncated, never rounded up */
    {30000127, 30000000},       /* 0x39387 << 7, the low 7 bits lost */
    /* libwebrtc's CreateAndParse64bitBitrate */
    {(uint64_t) 0x3fb93 << 30, (uint64_t) 0x3fb93 << 30},
    {INT64_MAX, 0x3FFFFull << 45},
    {UINT64_MAX, 0x3FFFFull << 45},     /* sent as INT64_MAX */
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    size_t len = bwe_remb_write (buf, sizeof (buf), 1, cases[i][0], NULL, 0);

    ck_assert_uint_eq (len, 20);
    ck_assert_int_eq (bwe_remb_parse (buf, len, &remb), 0);
    ck_assert_uint_eq (remb.bitrate_bps, cases[i][1]);
    ck_assert_uint_eq (remb.num_ssrcs, 0);
  }
}

END_TEST;

START_TEST (test_ssrc_limits)
{
  static uint8_t buf[2048];
  static uint32_t many[256];

  for (uint32_t i = 0; i < 256; i++)
    many[i] = i * 7919;
  ck_assert_uint_eq (bwe_remb_write (buf, sizeof (buf), 1, 1000, many, 255),
      20 + 4 * 255);
  ck_assert_int_eq (bwe_remb_parse (buf, 20 + 4 * 255, &remb), 0);
  ck_assert_uint_eq (remb.num_ssrcs, 255);
  ck_assert_uint_eq (remb.ssrcs[254], 254 * 7919);
  ck_assert_uint_eq (bwe_remb_write (buf, sizeof (buf), 1, 1000, many, 256),
      0);
  /* too small a buffer */
  ck_assert_uint_eq (bwe_remb_write (buf, 31, 1, 1000, many, 3), 0);
}

END_TEST;

START_TEST (test_parse_rejects)
{
  uint8_t buf[64];

  memcpy (buf, reference, sizeof (reference));
  for (size_t l = 0; l < sizeof (reference); l++)
    ck_assert_int_eq (bwe_remb_parse (buf, l, &remb), -1);
  /* not "REMB" */
  buf[15] = 'C';
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  buf[15] = 'B';
  /* SSRC count does not match the length */
  buf[16] = 4;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  buf[16] = 2;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  buf[16] = 3;
  /* libwebrtc's ParseFailsWhenBitrateDoNotFitIn64bits / ...In63bits */
  buf[17] |= 0xfc;
  buf[19] |= 0x02;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  buf[17] = 56 << 2;
  buf[18] = 0;
  buf[19] = 200;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  /* Pion's largest rate (0x3FFFF << 63) is refused the same way. */
  {
    static const uint8_t pion_max[] = { 0x8f, 0xce, 0x00, 0x04, 0, 0, 0, 0,
      0, 0, 0, 0, 'R', 'E', 'M', 'B', 0x00, 0xff, 0xff, 0xff
    };
    ck_assert_int_eq (bwe_remb_parse (pion_max, sizeof (pion_max), &remb),
        -1);
  }
  buf[17] = 0x07;
  buf[18] = 0xfb;
  buf[19] = 0x93;
  /* libwebrtc's ParseFailsOnTooSmallPacketToBeRemb: length 3 */
  buf[3] = 3;
  ck_assert_int_eq (bwe_remb_parse (buf, 16, &remb), -1);
  buf[3] = 7;
  /* RTPFB instead of PSFB, other FMT */
  buf[1] = 205;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  buf[1] = 206;
  buf[0] = 0x81;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), -1);
  buf[0] = 0x8f;
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (reference), &remb), 0);
}

END_TEST;

/* Pion rtcp, receiver_estimated_maximum_bitrate_test.go
 * (github.com/pion/rtcp): "Real data sent by Chrome while watching a 6Mb/s
 * stream", mantissa 139487, exponent 6. */
START_TEST (test_parse_chrome)
{
  static const uint8_t chrome[] = { 143, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0,
    82, 69, 77, 66, 1, 26, 32, 223, 72, 116, 237, 22
  };
  uint8_t buf[64];

  ck_assert_int_eq (bwe_remb_parse (chrome, sizeof (chrome), &remb), 0);
  ck_assert_uint_eq (remb.sender_ssrc, 1);
  ck_assert_uint_eq (remb.bitrate_bps, 8927168);
  ck_assert_uint_eq (remb.num_ssrcs, 1);
  ck_assert_uint_eq (remb.ssrcs[0], 1215622422);
  /* and written back identically; one bit/s less loses a mantissa step */
  ck_assert_uint_eq (bwe_remb_write (buf, sizeof (buf), 1, 8927168,
          remb.ssrcs, 1), sizeof (chrome));
  ck_assert_mem_eq (buf, chrome, sizeof (chrome));
  bwe_remb_write (buf, sizeof (buf), 1, 8927167, remb.ssrcs, 1);
  ck_assert_int_eq (bwe_remb_parse (buf, sizeof (chrome), &remb), 0);
  ck_assert_uint_eq (remb.bitrate_bps, 8927104);
}

END_TEST;

START_TEST (test_parse_padded)
{
  uint8_t buf[64];

  /* Four padding bytes announced by the P bit are not SSRCs. */
  memcpy (buf, reference, sizeof (reference));
  buf[0] |= 0x20;
  buf[3] += 1;
  memset (buf + 32, 0, 3);
  buf[35] = 4;
  ck_assert_int_eq (bwe_remb_parse (buf, 36, &remb), 0);
  ck_assert_uint_eq (remb.num_ssrcs, 3);
  /* A P bit with a zero count is invalid RTCP. */
  buf[35] = 0;
  ck_assert_int_eq (bwe_remb_parse (buf, 36, &remb), -1);
}

END_TEST;

START_TEST (test_parse_fci)
{
  /* the FCI of libwebrtc's vector: what rtpsession's on-feedback-rtcp hands
   * over after it parsed the PSFB header */
  ck_assert_int_eq (bwe_remb_parse_fci (reference + 12, sizeof (reference) - 12,
          0x12345678, &remb), 0);
  ck_assert_uint_eq (remb.sender_ssrc, 0x12345678);
  ck_assert_uint_eq (remb.bitrate_bps, 522022);
  ck_assert_uint_eq (remb.num_ssrcs, 3);
  ck_assert_mem_eq (remb.ssrcs, ssrcs, sizeof (ssrcs));
  /* one SSRC short, one byte short, not "REMB" */
  ck_assert_int_eq (bwe_remb_parse_fci (reference + 12, sizeof (reference) - 16,
          1, &remb), -1);
  ck_assert_int_eq (bwe_remb_parse_fci (reference + 12, 7, 1, &remb), -1);
  ck_assert_int_eq (bwe_remb_parse_fci (reference + 8, 24, 1, &remb), -1);
}

END_TEST;

/* A receiver report (one report block), the reference REMB, an SDES with one
 * CNAME "ab", then a second REMB of 300000 bit/s for SSRC 0x1234. */
static size_t
compound (uint8_t * buf)
{
  static const uint8_t rr[] = { 0x81, 0xc9, 0x00, 0x07, 0, 0, 0, 1,
    0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  static const uint8_t sdes[] = { 0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1,
    1, 2, 'a', 'b'
  };
  static const uint32_t one = 0x1234;
  size_t n = 0;

  memcpy (buf + n, rr, sizeof (rr));
  n += sizeof (rr);
  memcpy (buf + n, reference, sizeof (reference));
  n += sizeof (reference);
  memcpy (buf + n, sdes, sizeof (sdes));
  n += sizeof (sdes);
  n += bwe_remb_write (buf + n, 64, 1, 300000, &one, 1);
  return n;
}

START_TEST (test_next_compound)
{
  uint8_t buf[256];
  size_t len = compound (buf), off = 0;

  ck_assert_uint_eq (len, 32 + 32 + 12 + 24);
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_uint_eq (off, 64);
  ck_assert_uint_eq (remb.bitrate_bps, 522022);
  ck_assert_uint_eq (remb.num_ssrcs, 3);
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_uint_eq (off, len);
  /* 300000 = 0x493E0: 18 bits, sent exactly */
  ck_assert_uint_eq (remb.bitrate_bps, 300000);
  ck_assert_uint_eq (remb.num_ssrcs, 1);
  ck_assert_uint_eq (remb.ssrcs[0], 0x1234);
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb), BWE_REMB_NEXT_END);

  /* reduced-size: the REMB alone */
  off = 0;
  ck_assert_int_eq (bwe_remb_next (reference, sizeof (reference), &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_uint_eq (off, sizeof (reference));
  ck_assert_int_eq (bwe_remb_next (reference, sizeof (reference), &off, &remb),
      BWE_REMB_NEXT_END);
  /* nothing at all */
  off = 0;
  ck_assert_int_eq (bwe_remb_next (buf, 0, &off, &remb), BWE_REMB_NEXT_END);
}

END_TEST;

START_TEST (test_next_bad)
{
  uint8_t buf[256];
  size_t len = compound (buf), off = 0;

  /* the first REMB says 4 SSRCs in room for 3: skipped as bad, the second
   * is still found */
  buf[32 + 16] = 4;
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_BAD_REMB);
  ck_assert_uint_eq (off, 64);
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_uint_eq (remb.bitrate_bps, 300000);
  buf[32 + 16] = 3;

  /* application feedback that is not REMB is stepped over */
  buf[32 + 12] = 'X';
  off = 0;
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_uint_eq (remb.bitrate_bps, 300000);
  buf[32 + 12] = 'R';

  /* the SDES length runs past the end: the walk ends there */
  off = 0;
  ck_assert_int_eq (bwe_remb_next (buf, 32 + 32 + 8, &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_int_eq (bwe_remb_next (buf, 32 + 32 + 8, &off, &remb),
      BWE_REMB_NEXT_MALFORMED);
  ck_assert_uint_eq (off, 32 + 32 + 8);
  /* version 1 in the middle */
  buf[64] = 0x41;
  off = 0;
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_FOUND);
  ck_assert_int_eq (bwe_remb_next (buf, len, &off, &remb),
      BWE_REMB_NEXT_MALFORMED);
  ck_assert_uint_eq (off, len);
  /* three stray bytes after a whole packet */
  off = 0;
  ck_assert_int_eq (bwe_remb_next (reference, 3, &off, &remb),
      BWE_REMB_NEXT_MALFORMED);
}

END_TEST;

static Suite *
remb_suite (void)
{
  Suite *s = suite_create ("remb");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_reference_packet);
  tcase_add_test (tc, test_mantissa_truncates);
  tcase_add_test (tc, test_ssrc_limits);
  tcase_add_test (tc, test_parse_rejects);
  tcase_add_test (tc, test_parse_chrome);
  tcase_add_test (tc, test_parse_padded);
  tcase_add_test (tc, test_parse_fci);
  tcase_add_test (tc, test_next_compound);
  tcase_add_test (tc, test_next_bad);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (remb_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
