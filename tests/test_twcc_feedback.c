/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/rtp_rtcp/source/rtcp_packet/transport_feedback_unittest.cc, source
 * stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Transport-wide feedback codec: libwebrtc's exact bytes and sizes
 * (gcc-reference 1.9 and 2.7, transport_feedback_unittest.cc), packets other
 * stacks produced, limits, and round trips. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libc_allocator.h"
#include "twcc_feedback.h"

#define MS 1000
#define TICK BWE_TWCC_DELTA_TICK_US
#define NO_LIMIT BWE_TWCC_MAX_PACKET_BYTES

/* ck_assert records a mark point (a write to a pipe) each time it passes:
 * loops over thousands of statuses test with this instead. */
#define CHECK(expr, ...) \
  do { \
    if (!(expr)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

static BweTwccBuilder builder;
static BweLibcAllocator alloc;
static uint8_t out[BWE_TWCC_MAX_PACKET_BYTES];
static BweTwccStatus st[BWE_TWCC_MAX_STATUSES];

static size_t
unhex (const char *hex, uint8_t * buf)
{
  size_t n = 0;

  while (*hex) {
    unsigned v;

    if (*hex == ' ') {
      hex++;
      continue;
    }
    ck_assert (sscanf (hex, "%2x", &v) == 1);
    buf[n++] = (uint8_t) v;
    hex += 2;
  }
  return n;
}

static void
assert_bytes (const uint8_t * got, size_t got_len, const char *hex)
{
  uint8_t want[512];
  size_t want_len = unhex (hex, want);

  ck_assert_uint_eq (got_len, want_len);
  for (size_t i = 0; i < want_len; i++)
    ck_assert_msg (got[i] == want[i], "byte %zu: got %02x want %02x", i,
        got[i], want[i]);
}

/* Builds a packet the way libwebrtc's FeedbackTester does: the base is the
 * first packet's sequence number and time. */
static size_t
build (const uint16_t * seqs, const int64_t * times_us, size_t n,
    uint32_t media_ssrc)
{
  bwe_twcc_builder_init (&builder, 0, media_ssrc, seqs[0], times_us[0], 0,
      NO_LIMIT);
  for (size_t i = 0; i < n; i++)
    ck_assert (bwe_twcc_builder_add (&builder, seqs[i], times_us[i]));
  return bwe_twcc_builder_write (&builder, out, sizeof (out));
}

/* The receive times the FeedbackTester generates: seq * default delta. */
static size_t
build_default (const uint16_t * seqs, size_t n, int64_t delta_us)
{
  int64_t times[64];

  for (size_t i = 0; i < n; i++)
    times[i] = seqs[i] * delta_us;
  return build (seqs, times, n, 0);
}

/* Every packet decodes back with its sequence number and its time within
 * half a tick, every other status as lost. */
static void
assert_round_trip (const uint8_t * buf, size_t len, const uint16_t * seqs,
    const int64_t * times_us, size_t n)
{
  BweTwccInfo info;
  int count = bwe_twcc_parse (buf, len, &info, st, BWE_TWCC_MAX_STATUSES);
  size_t k = 0;

  ck_assert_int_gt (count, 0);
  ck_assert (info.has_deltas);
  ck_assert_uint_eq (info.num_received, n);
  ck_assert_uint_eq (info.base_seq, seqs[0]);
  for (int i = 0; i < count; i++) {
    if (k < n && st[i].seq == seqs[k]) {
      int64_t err = (st[i].time_us - times_us[k]) % BWE_TWCC_TIME_WRAP_US;

      if (err > BWE_TWCC_TIME_WRAP_US / 2)
        err -= BWE_TWCC_TIME_WRAP_US;
      if (err < -BWE_TWCC_TIME_WRAP_US / 2)
        err += BWE_TWCC_TIME_WRAP_US;
      CHECK (st[i].symbol != BWE_TWCC_NOT_RECEIVED, "seq %u lost", st[i].seq);
      CHECK (llabs (err) <= TICK / 2, "seq %u off by %lld us", st[i].seq,
          (long long) err);
      k++;
    } else {
      CHECK (st[i].symbol == BWE_TWCC_NOT_RECEIVED, "seq %u received",
          st[i].seq);
    }
  }
  ck_assert_uint_eq (k, n);
}

/* ---- gcc-reference 1.9 / 2.7 byte vectors ---- */

START_TEST (test_reference_two_packets)
{
  const uint16_t seqs[] = { 10, 12 };
  const int64_t times[] = { 123000, 124500 };
  size_t len;

  /* RemoteEstimatorProxy: base seq 10, reference time from 123 ms. */
  bwe_twcc_builder_init (&builder, 0, 456, 10, 123000, 0, NO_LIMIT);
  ck_assert (bwe_twcc_builder_add (&builder, 10, 123000));
  ck_assert (bwe_twcc_builder_add (&builder, 12, 124500));
  len = bwe_twcc_builder_write (&builder, out, sizeof (out));
  assert_bytes (out, len,
      "8fcd0005 00000000 000001c8 000a 0003 000001 00 d100 ec 06");
  assert_round_trip (out, len, seqs, times, 2);
}

END_TEST;

START_TEST (test_reference_single_padded)
{
  const uint16_t seqs[] = { 0 };
  const int64_t times[] = { 1000 * MS };
  size_t len = build (seqs, times, 1, 0);

  /* 23 bytes: one padding byte counting itself, P bit set. */
  assert_bytes (out, len,
      "afcd0005 00000000 00000000 0000 0001 00000f 00 2001 a0 01");
  assert_round_trip (out, len, seqs, times, 1);
}

END_TEST;

START_TEST (test_reference_large_and_negative_deltas)
{
  const uint16_t seqs[] = { 1, 2, 6, 7, 8 };
  const int64_t times[] = { 2 * MS, 1 * MS, 4 * MS, 3 * MS,
    3 * MS + 256 * TICK
  };
  size_t len = build (seqs, times, 5, 1);

  /* Deltas 8, -4, 12, -4, 256 ticks: two-bit chunk of the first 7 statuses,
   * then the last-chunk rule gives a run of one large delta. */
  assert_bytes (out, len, "8fcd0007 00000000 00000001 0001 0008 000000 00 "
      "d806 4001 08 fffc 0c fffc 0100");
  assert_round_trip (out, len, seqs, times, 5);
}

END_TEST;

/* ---- transport_feedback_unittest.cc sizes (rounded up to 32 bits) ---- */

START_TEST (test_sizes)
{
  static const uint16_t one_bit[] = { 1, 2, 7, 8, 9, 10, 13 };
  static const uint16_t full_one_bit[] = { 1, 2, 7, 8, 9, 10, 13, 14 };
  static const uint16_t wrap_received[] = { 0xFFFD, 0xFFFE, 0xFFFF, 0, 1, 2 };
  static const uint16_t wrap_missing[] = { 0xFFFD, 0xFFFE, 1, 2 };
  static const uint16_t two_bit[] = { 1, 2, 6, 7 };
  static const uint16_t two_bit_full[] = { 1, 2, 6, 7, 8 };
  int64_t times[8];
  size_t len;

  /* Default delta 1 ms per sequence number: all small. */
  len = build_default (one_bit, 7, 1 * MS);
  ck_assert_uint_eq (len, 32);  /* 20 + 2 + 7 */
  len = build_default (full_one_bit, 8, 1 * MS);
  ck_assert_uint_eq (len, 32);  /* 20 + 2 + 8 */
  /* Receive times after the wrap continue from 0x10000 sequence steps. */
  for (int i = 0; i < 6; i++)
    times[i] = (wrap_received[i] + (i >= 3 ? 0x10000 : 0)) * (int64_t) MS;
  len = build (wrap_received, times, 6, 0);
  ck_assert_uint_eq (len, 28);  /* 20 + 2 + 6 */
  assert_round_trip (out, len, wrap_received, times, 6);
  for (int i = 0; i < 4; i++)
    times[i] = (wrap_missing[i] + (i >= 2 ? 0x10000 : 0)) * (int64_t) MS;
  len = build (wrap_missing, times, 4, 0);
  ck_assert_uint_eq (len, 28);  /* 20 + 2 + 4 */
  assert_round_trip (out, len, wrap_missing, times, 4);
  /* 256 ticks per sequence number: all large. */
  len = build_default (two_bit, 4, 256 * TICK);
  ck_assert_uint_eq (len, 32);  /* 20 + 2 + 4 * 2 */
  len = build_default (two_bit_full, 5, 256 * TICK);
  ck_assert_uint_eq (len, 36);  /* 20 + 2 * 2 + 5 * 2 */
}

END_TEST;

START_TEST (test_run_length_limits)
{
  const uint16_t max_rle[] = { 0, (1 << 13) - 1 + 14 };
  const uint16_t min_rle[] = { 0, 14 * 2 + 1 };
  const int64_t times[] = { 1 * MS, 2 * MS };
  size_t len;

  /* one-bit (1 + 13 lost), run of 8191 lost, one-bit (1 + 13 lost) */
  len = build (max_rle, times, 2, 0);
  ck_assert_uint_eq (len, 28);  /* 20 + 3 * 2 + 2 */
  ck_assert_uint_eq (builder.num_chunks + 1, 3);
  assert_round_trip (out, len, max_rle, times, 2);
  len = build (min_rle, times, 2, 0);
  ck_assert_uint_eq (len, 28);
  ck_assert_uint_eq (builder.num_chunks + 1, 3);
  assert_round_trip (out, len, min_rle, times, 2);
}

END_TEST;

START_TEST (test_one_to_two_bit)
{
  const uint16_t seqs6[] = { 0, 6 };
  const uint16_t seqs7[] = { 0, 7 };
  const int64_t times[] = { 0, 256 * TICK };
  uint16_t seqs[22];
  int64_t split_times[22];
  size_t len;

  len = build (seqs6, times, 2, 0);
  ck_assert_uint_eq (len, 28);  /* 20 + 2 + 1 + 2 */
  len = build (seqs7, times, 2, 0);
  ck_assert_uint_eq (len, 28);  /* 20 + 2 * 2 + 1 + 2 */

  /* SSSSSSSSLSSSSSSSSSSSSS: a 1:2 split at the large delta. */
  for (int i = 0; i < 22; i++) {
    seqs[i] = (uint16_t) i;
    split_times[i] = i == 0 ? 1 * MS : split_times[i - 1] +
        (i == 8 ? 256 * TICK : 1 * MS);
  }
  len = build (seqs, split_times, 22, 0);
  ck_assert_uint_eq (len, 52);  /* 20 + 3 * 2 + 21 + 2 */
  assert_round_trip (out, len, seqs, split_times, 22);
}

END_TEST;

START_TEST (test_small_deltas_then_large_split_correctly)
{
  for (int deltas = 0; deltas <= 15; deltas++) {
    uint16_t seqs[16];
    int64_t times[16];
    size_t len;

    for (int i = 0; i <= deltas; i++) {
      seqs[i] = (uint16_t) i;
      times[i] = i * MS + (i == deltas ? 256 * TICK : 0);
    }
    len = build (seqs, times, (size_t) deltas + 1, 0);
    assert_round_trip (out, len, seqs, times, (size_t) deltas + 1);
  }
}

END_TEST;

START_TEST (test_limits)
{
  /* A jump of 0x8000 is newer, 0x8001 is not. */
  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, NO_LIMIT);
  ck_assert (bwe_twcc_builder_add (&builder, 0, 0));
  ck_assert (bwe_twcc_builder_add (&builder, 0x8000, 1 * MS));
  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, NO_LIMIT);
  ck_assert (bwe_twcc_builder_add (&builder, 0, 0));
  ck_assert (!bwe_twcc_builder_add (&builder, 0x8001, 1 * MS));

  /* At most 0xFFFF statuses. */
  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, NO_LIMIT);
  ck_assert (bwe_twcc_builder_add (&builder, 0, 0));
  ck_assert (bwe_twcc_builder_add (&builder, 0x8000, 1 * MS));
  ck_assert (bwe_twcc_builder_add (&builder, 0xFFFE, 2 * MS));
  ck_assert_uint_eq (builder.num_seq, 0xFFFF);
  ck_assert (!bwe_twcc_builder_add (&builder, 0xFFFF, 3 * MS));
  ck_assert_uint_eq (builder.num_seq, 0xFFFF);
  {
    size_t len = bwe_twcc_builder_write (&builder, out, sizeof (out));
    const uint16_t seqs[] = { 0, 0x8000, 0xFFFE };
    const int64_t times[] = { 0, 1 * MS, 2 * MS };

    BweTwccInfo info;

    ck_assert_uint_gt (len, 0);
    assert_round_trip (out, len, seqs, times, 3);
    /* Without statuses to write, or room for only the first two, the runs
     * of lost packets are counted, not walked: the same totals. */
    ck_assert_int_eq (bwe_twcc_parse (out, len, &info, NULL, 0), 0xFFFF);
    ck_assert_uint_eq (info.num_received, 3);
    ck_assert (info.has_deltas);
    ck_assert_int_eq (bwe_twcc_parse (out, len, &info, st, 2), 0xFFFF);
    ck_assert_uint_eq (info.num_received, 3);
    ck_assert_int_eq (st[0].symbol, BWE_TWCC_SMALL_DELTA);
    ck_assert_int_eq (st[1].symbol, BWE_TWCC_NOT_RECEIVED);
  }

  /* The largest delta: 32767 ticks (8.19175 s). */
  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, NO_LIMIT);
  ck_assert (!bwe_twcc_builder_add (&builder, 1, (INT16_MAX + 1) * TICK));
  ck_assert (bwe_twcc_builder_add (&builder, 1, INT16_MAX * TICK));
  ck_assert_uint_eq (builder.num_received, 1);

  /* The most negative delta: -32768 ticks. */
  bwe_twcc_builder_init (&builder, 0, 0, 0, 1000000 * 1000000LL, 0, NO_LIMIT);
  ck_assert (!bwe_twcc_builder_add (&builder, 1,
          1000000 * 1000000LL + (INT16_MIN - 1) * TICK));
  ck_assert (bwe_twcc_builder_add (&builder, 1,
          1000000 * 1000000LL + INT16_MIN * TICK));
  {
    size_t len = bwe_twcc_builder_write (&builder, out, sizeof (out));
    BweTwccInfo info;

    ck_assert_int_eq (bwe_twcc_parse (out, len, &info, st, 16), 2);
    ck_assert_int_eq (st[1].delta_ticks, INT16_MIN);
  }
}

END_TEST;

START_TEST (test_aliasing)
{
  /* 100 packets a third of a tick apart: the reconstructed time never drifts
   * more than half a tick. */
  int64_t acc = 0;
  size_t len;
  BweTwccInfo info;

  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, NO_LIMIT);
  for (int i = 0; i < 100; i++)
    ck_assert (bwe_twcc_builder_add (&builder, (uint16_t) i, i * TICK / 3));
  len = bwe_twcc_builder_write (&builder, out, sizeof (out));
  ck_assert_int_eq (bwe_twcc_parse (out, len, &info, st, 100), 100);
  for (int i = 0; i < 100; i++) {
    acc += st[i].delta_ticks * TICK;
    ck_assert (llabs (acc - i * TICK / 3) <= TICK / 2);
  }
}

END_TEST;

START_TEST (test_size_limit_splits)
{
  /* 40-byte limit: 20 header + one run-length chunk + 18 small deltas. */
  int added = 0;

  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, 40);
  while (added < 100 && bwe_twcc_builder_add (&builder, (uint16_t) added,
          added * MS))
    added++;
  ck_assert_int_eq (added, 18);
  ck_assert_uint_eq (bwe_twcc_builder_size (&builder), 40);
  ck_assert_uint_eq (bwe_twcc_builder_write (&builder, out, 39), 0);
  ck_assert_uint_eq (bwe_twcc_builder_write (&builder, out, 40), 40);
}

END_TEST;

/* ---- packets other stacks produced ---- */

/* Pion rtcp, transport_layer_cc_test.go (github.com/pion/rtcp),
 * TestTransportLayerCC_Unmarshal "example1": one packet, 37 ms delta. */
START_TEST (test_parse_pion_example1)
{
  uint8_t buf[64];
  size_t len = unhex ("afcd0005 fa17fa17 43032fa0 0099 0001 3de802 17 "
      "2001 94 01", buf);
  BweTwccInfo info;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 1);
  ck_assert_uint_eq (info.sender_ssrc, 4195875351u);
  ck_assert_uint_eq (info.media_ssrc, 1124282272u);
  ck_assert_uint_eq (info.base_seq, 153);
  ck_assert_uint_eq (info.ref_time, 4057090);
  ck_assert_uint_eq (info.fb_count, 23);
  ck_assert_uint_eq (st[0].symbol, BWE_TWCC_SMALL_DELTA);
  ck_assert_int_eq (st[0].delta_ticks * TICK, 37000);
  ck_assert_int_eq (st[0].time_us, 4057090LL * 64000 + 37000);
}

END_TEST;

/* Pion "example3": two large then four small deltas; the P bit is set but
 * no padding follows (the last byte is a delta, 0). */
START_TEST (test_parse_pion_p_bit_without_padding)
{
  uint8_t buf[64];
  size_t len = unhex ("afcd0007 fa17fa17 193dd8bb 0174 0006 45b15a 40 "
      "4002 2004 1ffe 1f9a d0 00 d0 00", buf);
  const int expect_us[] = { 2047500, 2022500, 52000, 0, 52000, 0 };
  BweTwccInfo info;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 6);
  ck_assert (info.has_deltas);
  ck_assert_uint_eq (info.num_received, 6);
  ck_assert_uint_eq (info.base_seq, 372);
  ck_assert_uint_eq (info.fb_count, 64);
  for (int i = 0; i < 6; i++) {
    ck_assert_uint_eq (st[i].symbol, i < 2 ? 2 : 1);
    ck_assert_int_eq (st[i].delta_ticks * TICK, expect_us[i]);
  }
}

END_TEST;

/* Pion "example4" (run of 7 small, 3 padding bytes) and "example5" (one-bit
 * vector, padding count 3 where only 2 padding bytes follow). */
START_TEST (test_parse_pion_padding)
{
  uint8_t buf[64];
  size_t len = unhex ("afcd0007 fa17fa17 193dd8bb 0004 0007 10636e 01 "
      "2007 4c 24 24 10 0c 0c 10 000003", buf);
  const int ex4_us[] = { 19000, 9000, 9000, 4000, 3000, 3000, 4000 };
  const int ex5_seqs[] = { 1, 2, 3, 5 };
  const int ex5_us[] = { 4000, 3000, 3000, 4000 };
  BweTwccInfo info;
  int k = 0;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 7);
  ck_assert_uint_eq (info.ref_time, 1074030);
  for (int i = 0; i < 7; i++)
    ck_assert_int_eq (st[i].delta_ticks * TICK, ex4_us[i]);

  len = unhex ("afcd0006 fa17fa17 193dd8bb 0001 000e 10636d 00 "
      "ba00 10 0c 0c 10 00 03", buf);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 14);
  ck_assert (info.has_deltas);
  ck_assert_uint_eq (info.num_received, 4);
  for (int i = 0; i < 14; i++) {
    if (st[i].symbol == BWE_TWCC_NOT_RECEIVED)
      continue;
    ck_assert_int_eq (st[i].seq, ex5_seqs[k]);
    ck_assert_int_eq (st[i].delta_ticks * TICK, ex5_us[k]);
    k++;
  }
  ck_assert_int_eq (k, 4);
}

END_TEST;

/* Pion "example6": a two-bit chunk then a run of 48 lost of which only 2
 * are within the status count. */
START_TEST (test_parse_pion_trimmed_run)
{
  uint8_t buf[64];
  size_t len = unhex ("afcd0007 9b74f61f 9371dcbc 853c 0009 63f916 b3 "
      "d552 0030 9b aa 6a aa 7b 0109 01", buf);
  const int expect_us[] = { 38750, 42500, 26500, 42500, 30750, 66250 };
  const uint8_t expect_sym[] = { 1, 1, 1, 1, 1, 0, 2, 0, 0 };
  BweTwccInfo info;
  int k = 0;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 9);
  ck_assert_uint_eq (info.base_seq, 34108);
  ck_assert_uint_eq (info.fb_count, 179);
  for (int i = 0; i < 9; i++) {
    ck_assert_uint_eq (st[i].symbol, expect_sym[i]);
    if (st[i].symbol != 0)
      ck_assert_int_eq (st[i].delta_ticks * TICK, expect_us[k++]);
  }
}

END_TEST;

/* Pion "example2" carries status symbol 3 (reserved): libwebrtc rejects the
 * packet and so does this parser, without reading past the buffer. */
START_TEST (test_parse_symbol_3)
{
  uint8_t buf[64];
  size_t len = unhex ("afcd0006 fa17fa17 193dd8bb 0174 000e 45b15a 40 "
      "d800 f0ff d0 00 00 03", buf);
  BweTwccInfo info;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
  /* A run of symbol 3. */
  len = unhex ("8fcd0005 00000000 00000000 0000 0002 000000 00 6002 0000",
      buf);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
}

END_TEST;

/* mediasoup, worker/test/src/RTC/RTCP/TestFeedbackRtpTransport.cpp
 * (github.com/versatica/mediasoup): feedback Chrome sent, with the deltas
 * libwebrtc parsed from it (in ms, truncated from ticks). */
START_TEST (test_parse_chrome_via_mediasoup)
{
  static const struct
  {
    const char *hex;
    uint32_t ref_time;
    uint16_t base_seq;
    int count;
    int deltas_ms[8];
  } v[] = {
    {"afcd0005 fa17fa17 000004d2 000d 0001 008ab0 00 2001 e4 01",
        35504, 13, 1, {57}},
    {"afcd0006 fa17fa17 1cb7daf3 000e 0004 008ab0 01 2004 e8 08 0c dc 0002",
        35504, 14, 4, {58, 2, 3, 55}},
    {"afcd0006 fa17fa17 1cb7daf3 0012 0005 008ab1 02 2005 f0 18 14 24 58 01",
        35505, 18, 5, {60, 6, 5, 9, 22}},
    {"8fcd0005 fa17fa17 39e94238 0001 0002 bd57aa 00 2002 8c 44",
        0xbd57aa, 1, 2, {35, 17}},
    {"afcd0007 fa17fa17 33b04ae8 0399 0007 0c7f34 9f 2007 "
          "38 14 18 18 1c 38 14 000003", 818996, 921, 7,
        {14, 5, 6, 6, 7, 14, 5}},
    {"8fcd0006 fa17fa17 269e8e50 03ae 0006 0c7f35 a1 2006 9c 34 24 14 10 34",
        818997, 942, 6, {39, 13, 9, 5, 4, 13}},
  };

  for (size_t n = 0; n < sizeof (v) / sizeof (v[0]); n++) {
    uint8_t buf[64];
    size_t len = unhex (v[n].hex, buf);
    BweTwccInfo info;

    ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), v[n].count);
    ck_assert_uint_eq (info.ref_time, v[n].ref_time);
    ck_assert_uint_eq (info.base_seq, v[n].base_seq);
    ck_assert_uint_eq (info.sender_ssrc, 0xfa17fa17u);
    for (int i = 0; i < v[n].count; i++)
      ck_assert_int_eq (st[i].delta_ticks / 4, v[n].deltas_ms[i]);
  }
}

END_TEST;

/* GStreamer rtpsession tests (gst-plugins-good tests/check/elements/
 * rtpsession.c, github.com/GStreamer/gstreamer): the FCI GStreamer writes,
 * zero-padded without the P bit, here behind the 12-byte RTPFB header. */
START_TEST (test_parse_gstreamer)
{
  uint8_t buf[128];
  size_t len;
  BweTwccInfo info;

  /* test_twcc_negative_delta: deltas 0, 2, -1, 2 ticks */
  len = unhex ("8fcd0006 00000000 00000000 0000 0004 000000 00 d640 "
      "00 02 ffff 02 00", buf);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 4);
  ck_assert_int_eq (st[0].delta_ticks, 0);
  ck_assert_int_eq (st[1].delta_ticks, 2);
  ck_assert_uint_eq (st[2].symbol, BWE_TWCC_LARGE_DELTA);
  ck_assert_int_eq (st[2].delta_ticks, -1);
  ck_assert_int_eq (st[3].delta_ticks, 2);
  ck_assert_int_eq (st[3].time_us, 3 * TICK);

  /* test_twcc_seqnum_wrap: 65534 .. 1 */
  len = unhex ("8fcd0006 00000000 00000000 fffe 0004 000000 00 2004 "
      "00 01 01 01 0000", buf);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 4);
  ck_assert_uint_eq (st[3].seq, 1);
  ck_assert_int_eq (st[3].time_us, 3 * TICK);

  /* test_twcc_huge_seqnum_gap: 30005 statuses, 30000 lost, the last one-bit
   * chunk cut to the 3 statuses left. */
  len = unhex ("8fcd0009 00000000 00000000 0009 7535 000002 00 "
      "b000 1fff 1fff 1fff 1527 b800 00 80 80 80 80 000000", buf);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st,
          BWE_TWCC_MAX_STATUSES), 30005);
  ck_assert_uint_eq (info.num_received, 5);
  ck_assert_uint_eq (st[1].seq, 10);
  ck_assert_int_eq (st[1].time_us, 5 * 32 * MS);
  ck_assert_uint_eq (st[30004].seq, 30013);
  ck_assert_uint_eq (st[30004].symbol, BWE_TWCC_SMALL_DELTA);
  ck_assert_int_eq (st[30004].time_us, 8 * 32 * MS);
}

END_TEST;

/* libwebrtc's TransportFeedbackPadding / ...BackwardsCompatibility: 4 more
 * padding bytes with the P bit, or zero padding without it. */
START_TEST (test_parse_libwebrtc_padding_variants)
{
  uint8_t buf[64];
  size_t len;
  BweTwccInfo info;

  bwe_twcc_builder_init (&builder, 0, 0, 0, 0, 0, NO_LIMIT);
  ck_assert (bwe_twcc_builder_add (&builder, 0, 0));
  len = bwe_twcc_builder_write (&builder, buf, sizeof (buf));
  ck_assert_uint_eq (len, 24);
  ck_assert_uint_eq (buf[23], 1);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 1);

  memset (buf + 24, 0, 3);
  buf[27] = 1 + 4;
  buf[3] += 1;
  ck_assert_int_eq (bwe_twcc_parse (buf, 28, &info, st, 16), 1);
  ck_assert (info.has_deltas);

  buf[3] -= 1;
  buf[23] = 0;
  buf[0] &= ~0x20;
  ck_assert_int_eq (bwe_twcc_parse (buf, 24, &info, st, 16), 1);
  ck_assert (info.has_deltas);
}

END_TEST;

START_TEST (test_parse_rejects)
{
  uint8_t buf[64];
  size_t len = unhex ("8fcd0005 00000000 000001c8 000a 0003 000001 00 "
      "d100 ec 06", buf);
  BweTwccInfo info;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 3);
  /* truncated anywhere */
  for (size_t l = 0; l < len; l++)
    ck_assert_int_eq (bwe_twcc_parse (buf, l, &info, st, 16), -1);
  /* not RTPFB / not FMT 15 / not version 2 */
  buf[1] = 206;
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
  buf[1] = 205;
  buf[0] = 0x81;
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
  buf[0] = 0x4f;
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
  buf[0] = 0x8f;
  /* status count 0 */
  buf[14] = buf[15] = 0;
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
  /* One status more: the deltas are read as a chunk, and the packet is one
   * without receive deltas, as libwebrtc reads it. */
  buf[15] = 8;
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 8);
  ck_assert (!info.has_deltas);
  /* More statuses than the packet has chunks for. */
  buf[14] = 1;
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
  /* Pion example7: an empty feedback (status count 0, no chunk) */
  len = unhex ("8fcd0004 9acb0442 00000000 00000000 00000000", buf);
  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), -1);
}

END_TEST;

/* Statuses whose deltas are missing decode as a packet without receive
 * deltas, as libwebrtc does (Pion's examples 8 and 9 are such packets). */
START_TEST (test_parse_without_deltas)
{
  uint8_t buf[64];
  size_t len = unhex ("afcd0005 fa17fa17 43032fa0 0099 0003 3de802 17 "
      "2003 94 01", buf);
  BweTwccInfo info;

  ck_assert_int_eq (bwe_twcc_parse (buf, len, &info, st, 16), 3);
  ck_assert (!info.has_deltas);
  ck_assert_uint_eq (info.num_received, 3);
  ck_assert_int_eq (st[2].delta_ticks, 0);
}

END_TEST;

/* ---- round trips ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t) ((rng_state * 2685821657736338717ull) >> 32);
}

START_TEST (test_round_trip_random)
{
  /* Sets of arrivals starting just before the sequence number wrap and
   * the 24-bit reference time wrap (2^24 * 64 ms), with losses, reordering
   * within a few ms and gaps up to 300 ms. */
  static uint16_t seqs[2000];
  static int64_t times[2000];

  for (int round = 0; round < 200; round++) {
    size_t n = 1 + rng () % 1500, len;
    uint16_t seq = (uint16_t) (0xFFFF - rng () % 1000);
    int64_t t = BWE_TWCC_TIME_WRAP_US - (int64_t) (rng () % 2000000);

    if (round % 4 == 3)
      t = (int64_t) rng () * 1000;      /* anywhere, no wrap */
    for (size_t i = 0; i < n; i++) {
      seq = (uint16_t) (seq + 1 + (rng () % 8 == 0 ? rng () % 20 : 0));
      seqs[i] = seq;
      times[i] = t + (int64_t) (rng () % 5000) - 2500;
      t += (rng () % 50 == 0) ? rng () % 300000 : rng () % 3000;
    }
    bwe_twcc_builder_init (&builder, 1, 2, seqs[0], times[0], (uint8_t) round,
        NO_LIMIT);
    for (size_t i = 0; i < n; i++)
      CHECK (bwe_twcc_builder_add (&builder, seqs[i], times[i]),
          "packet %zu refused", i);
    len = bwe_twcc_builder_write (&builder, out, sizeof (out));
    ck_assert_uint_eq (len % 4, 0);
    assert_round_trip (out, len, seqs, times, n);
  }
}

END_TEST;

static void
setup (void)
{
  bwe_libc_allocator_init (&alloc);
  bwe_twcc_builder_setup (&builder, &alloc.allocator);
}

/* The builder's storage is what it was given, and all goes back. */
static void
teardown (void)
{
  ck_assert_uint_eq (bwe_twcc_builder_heap_bytes (&builder), alloc.in_use);
  bwe_twcc_builder_release (&builder);
  ck_assert_uint_eq (alloc.in_use, 0);
}

static Suite *
twcc_feedback_suite (void)
{
  Suite *s = suite_create ("twcc_feedback");
  TCase *tc = tcase_create ("core");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_reference_two_packets);
  tcase_add_test (tc, test_reference_single_padded);
  tcase_add_test (tc, test_reference_large_and_negative_deltas);
  tcase_add_test (tc, test_sizes);
  tcase_add_test (tc, test_run_length_limits);
  tcase_add_test (tc, test_one_to_two_bit);
  tcase_add_test (tc, test_small_deltas_then_large_split_correctly);
  tcase_add_test (tc, test_limits);
  tcase_add_test (tc, test_aliasing);
  tcase_add_test (tc, test_size_limit_splits);
  tcase_add_test (tc, test_parse_pion_example1);
  tcase_add_test (tc, test_parse_pion_p_bit_without_padding);
  tcase_add_test (tc, test_parse_pion_padding);
  tcase_add_test (tc, test_parse_pion_trimmed_run);
  tcase_add_test (tc, test_parse_symbol_3);
  tcase_add_test (tc, test_parse_chrome_via_mediasoup);
  tcase_add_test (tc, test_parse_gstreamer);
  tcase_add_test (tc, test_parse_libwebrtc_padding_variants);
  tcase_add_test (tc, test_parse_rejects);
  tcase_add_test (tc, test_parse_without_deltas);
  tcase_add_test (tc, test_round_trip_random);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (twcc_feedback_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
