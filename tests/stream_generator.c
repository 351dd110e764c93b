/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_unittest_helper.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's remote-estimator test harness in C; see stream_generator.h. */
#include "stream_generator.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* RtpStream::kSendSideOffsetUs: the sender's clock runs 1 s ahead. */
#define SEND_SIDE_OFFSET_US 1000000
#define FIXTURE_START_TIME_US 100000000
#define FIXTURE_CAPACITY_BPS 1000000

void
test_rtp_stream_init (TestRtpStream * s, int fps, int bitrate_bps,
    uint32_t ssrc, uint32_t frequency, uint32_t timestamp_offset)
{
  ck_assert_int_gt (fps, 0);
  memset (s, 0, sizeof (*s));
  s->fps = fps;
  s->bitrate_bps = bitrate_bps;
  s->ssrc = ssrc;
  s->frequency = frequency;
  s->next_rtp_time_us = 0;
  s->rtp_timestamp_offset = timestamp_offset;
}

int64_t
test_rtp_stream_generate_frame (TestRtpStream * s, int64_t now_us,
    TestRtpPacket * packets, size_t * n)
{
  size_t bits_per_frame, n_packets, packet_size, i;

  if (now_us < s->next_rtp_time_us)
    return s->next_rtp_time_us;

  /* libwebrtc computes these in int, then stores them in size_t. */
  bits_per_frame = (size_t) ((s->bitrate_bps + s->fps / 2) / s->fps);
  n_packets = (bits_per_frame + 4 * TEST_MTU) / (8 * TEST_MTU);
  if (n_packets < 1)
    n_packets = 1;
  packet_size = (bits_per_frame + 4 * n_packets) / (8 * n_packets);
  ck_assert_uint_le (*n + n_packets, TEST_MAX_FRAME_PACKETS);

  for (i = 0; i < n_packets; i++) {
    TestRtpPacket *p = &packets[(*n)++];
    int64_t ticks_per_ms = (int64_t) (s->frequency / 1000);

    p->send_time_us = now_us + SEND_SIDE_OFFSET_US;
    p->arrival_time_us = 0;
    p->size = packet_size;
    p->rtp_timestamp = s->rtp_timestamp_offset +
        (uint32_t) ((ticks_per_ms * p->send_time_us + 500) / 1000);
    p->ssrc = s->ssrc;
  }
  s->next_rtp_time_us = now_us + (1000000 + s->fps / 2) / s->fps;
  return s->next_rtp_time_us;
}

void
test_stream_generator_init (TestStreamGenerator * g, int capacity_bps,
    int64_t now_us)
{
  memset (g, 0, sizeof (*g));
  g->capacity_bps = capacity_bps;
  g->prev_arrival_time_us = now_us;
}

void
test_stream_generator_add_stream (TestStreamGenerator * g,
    const TestRtpStream * s)
{
  size_t i, pos;

  for (i = 0; i < g->num_streams; i++) {
    if (g->streams[i].ssrc == s->ssrc) {
      g->streams[i] = *s;
      return;
    }
  }
  ck_assert_uint_lt (g->num_streams, TEST_MAX_STREAMS);
  pos = 0;
  while (pos < g->num_streams && g->streams[pos].ssrc < s->ssrc)
    pos++;
  memmove (&g->streams[pos + 1], &g->streams[pos],
      (g->num_streams - pos) * sizeof (g->streams[0]));
  g->streams[pos] = *s;
  g->num_streams++;
}

void
test_stream_generator_set_capacity_bps (TestStreamGenerator * g,
    int capacity_bps)
{
  ck_assert_int_gt (capacity_bps, 0);
  g->capacity_bps = capacity_bps;
}

void
test_stream_generator_set_bitrate_bps (TestStreamGenerator * g,
    int bitrate_bps)
{
  int total_bitrate_before = 0, total_bitrate_after = 0;
  int64_t bitrate_before = 0;
  size_t i;

  for (i = 0; i < g->num_streams; i++)
    total_bitrate_before += g->streams[i].bitrate_bps;
  /* Cumulative rounding: the shares always add up to bitrate_bps. */
  for (i = 0; i < g->num_streams; i++) {
    int64_t bitrate_after;

    bitrate_before += g->streams[i].bitrate_bps;
    bitrate_after = (bitrate_before * bitrate_bps + total_bitrate_before / 2)
        / total_bitrate_before;
    g->streams[i].bitrate_bps = (int) (bitrate_after - total_bitrate_after);
    ck_assert_int_ge (g->streams[i].bitrate_bps, 0);
    total_bitrate_after += g->streams[i].bitrate_bps;
  }
  ck_assert_int_eq (bitrate_before, total_bitrate_before);
  ck_assert_int_eq (total_bitrate_after, bitrate_bps);
}

void
test_stream_generator_set_rtp_timestamp_offset (TestStreamGenerator * g,
    uint32_t ssrc, uint32_t offset)
{
  size_t i;

  for (i = 0; i < g->num_streams; i++) {
    if (g->streams[i].ssrc == ssrc) {
      g->streams[i].rtp_timestamp_offset = offset;
      return;
    }
  }
  ck_abort_msg ("no stream with ssrc %u", ssrc);
}

/* The first stream (in SSRC order) among those due earliest. */
static TestRtpStream *
earliest_stream (TestStreamGenerator * g)
{
  TestRtpStream *best = &g->streams[0];
  size_t i;

  for (i = 1; i < g->num_streams; i++) {
    if (g->streams[i].next_rtp_time_us < best->next_rtp_time_us)
      best = &g->streams[i];
  }
  return best;
}

int64_t
test_stream_generator_generate_frame (TestStreamGenerator * g,
    int64_t now_us, TestRtpPacket * packets, size_t * n)
{
  size_t first = *n, i;
  int64_t next_us;

  ck_assert_uint_gt (g->num_streams, 0);
  ck_assert_int_gt (g->capacity_bps, 0);
  test_rtp_stream_generate_frame (earliest_stream (g), now_us, packets, n);
  for (i = first; i < *n; i++) {
    /* kbps is bits per ms, so 8000 * bytes / kbps is the time on the wire
     * in µs, computed in size_t as libwebrtc does. */
    int64_t capacity_kbps = g->capacity_bps / 1000;
    int64_t required_network_time_us =
        (int64_t) ((8 * 1000 * packets[i].size + (size_t) (capacity_kbps / 2))
        / (size_t) capacity_kbps);
    int64_t a = now_us + required_network_time_us;
    int64_t b = g->prev_arrival_time_us + required_network_time_us;

    g->prev_arrival_time_us = a > b ? a : b;
    packets[i].arrival_time_us = g->prev_arrival_time_us;
  }
  next_us = earliest_stream (g)->next_rtp_time_us;
  return next_us > now_us ? next_us : now_us;
}

uint32_t
test_abs_send_time (int64_t t, int64_t denom)
{
  return (uint32_t) ((((t << 18) + (denom >> 1)) / denom) & 0x00ffffff);
}

uint32_t
test_add_abs_send_time (uint32_t t1, uint32_t t2)
{
  return (t1 + t2) & 0x00ffffff;
}

TestRbeFixture *
test_rbe_fixture_new (void)
{
  TestRbeFixture *f = calloc (1, sizeof (*f));
  BweRemoteEstimatorConfig config;

  ck_assert_ptr_nonnull (f);
  f->clock_us = FIXTURE_START_TIME_US;
  f->observer.updated = false;
  f->observer.latest_bitrate = 0;
  test_stream_generator_init (&f->generator, FIXTURE_CAPACITY_BPS,
      f->clock_us);
  f->arrival_time_offset_ms = 0;
  bwe_remote_estimator_config_init (&config);
  bwe_libc_allocator_init (&f->alloc);
  bwe_remote_estimator_init (&f->estimator, &config, &f->alloc.allocator);
  return f;
}

void
test_rbe_fixture_free (TestRbeFixture * f)
{
  ck_assert_uint_eq (bwe_remote_estimator_heap_bytes (&f->estimator),
      f->alloc.in_use);
  bwe_remote_estimator_release (&f->estimator);
  ck_assert_uint_eq (f->alloc.in_use, 0);
  free (f);
}

int64_t
test_rbe_clock_ms (const TestRbeFixture * f)
{
  /* The clock never goes below its 100 s start, so this is round-to-nearest. */
  return (f->clock_us + 500) / 1000;
}

void
test_rbe_advance_ms (TestRbeFixture * f, int64_t ms)
{
  f->clock_us += ms * 1000;
}

void
test_rbe_observer_reset (TestRbeFixture * f)
{
  f->observer.updated = false;
}

void
test_rbe_add_default_stream (TestRbeFixture * f)
{
  TestRtpStream s;

  test_rtp_stream_init (&s, 30, 300000, TEST_DEFAULT_SSRC, 90000, 0xFFFFF000u);
  test_stream_generator_add_stream (&f->generator, &s);
}

void
test_rbe_incoming_packet (TestRbeFixture * f, uint32_t ssrc,
    size_t payload_size, int64_t arrival_ms, uint32_t rtp_timestamp,
    uint32_t abs_send_time)
{
  BweEstimatorUpdate update;
  int64_t ms = arrival_ms + f->arrival_time_offset_ms;

  (void) rtp_timestamp;         /* abs-send-time estimation ignores it */
  ck_assert_int_ge (ms, 0);
  memset (&update, 0, sizeof (update));
  /* A whole number of ms in µs: the estimator's rounding gives back ms. */
  bwe_remote_estimator_incoming_packet (&f->estimator, ms * 1000, f->clock_us,
      abs_send_time, payload_size, ssrc, &update);
  if (update.updated) {
    f->observer.updated = true;
    f->observer.latest_bitrate = update.bitrate_bps;
  }
}

bool
test_rbe_generate_and_process_frame (TestRbeFixture * f, uint32_t ssrc,
    uint32_t bitrate_bps)
{
  TestRtpPacket packets[TEST_MAX_FRAME_PACKETS];
  size_t n = 0, i;
  int64_t next_time_us;
  bool overuse = false;

  (void) ssrc;                  /* libwebrtc uses each packet's own SSRC */
  ck_assert_uint_gt (bitrate_bps, 0);
  test_stream_generator_set_bitrate_bps (&f->generator, (int) bitrate_bps);
  next_time_us = test_stream_generator_generate_frame (&f->generator,
      f->clock_us, packets, &n);
  for (i = 0; i < n; i++) {
    test_rbe_observer_reset (f);
    f->clock_us = packets[i].arrival_time_us;
    test_rbe_incoming_packet (f, packets[i].ssrc, packets[i].size,
        (packets[i].arrival_time_us + 500) / 1000, packets[i].rtp_timestamp,
        test_abs_send_time (packets[i].send_time_us, 1000000));
    if (f->observer.updated && f->observer.latest_bitrate < bitrate_bps)
      overuse = true;
  }
  /* Process() is a no-op in libwebrtc's abs-send-time estimator. */
  f->clock_us = next_time_us;
  return overuse;
}

uint32_t
test_rbe_steady_state_run (TestRbeFixture * f, uint32_t ssrc,
    int max_number_of_frames, uint32_t start_bitrate, uint32_t min_bitrate,
    uint32_t max_bitrate, uint32_t target_bitrate)
{
  uint32_t bitrate_bps = start_bitrate;
  bool bitrate_update_seen = false;
  int i;

  for (i = 0; i < max_number_of_frames; i++) {
    bool overuse = test_rbe_generate_and_process_frame (f, ssrc, bitrate_bps);

    if (overuse) {
      ck_assert_uint_lt (f->observer.latest_bitrate, max_bitrate);
      ck_assert_uint_gt (f->observer.latest_bitrate, min_bitrate);
      bitrate_bps = f->observer.latest_bitrate;
      bitrate_update_seen = true;
    } else if (f->observer.updated) {
      bitrate_bps = f->observer.latest_bitrate;
      test_rbe_observer_reset (f);
    }
    if (bitrate_update_seen && bitrate_bps > target_bitrate)
      break;
  }
  ck_assert (bitrate_update_seen);
  return bitrate_bps;
}

void
test_rbe_capacity_drop (TestRbeFixture * f, int number_of_streams,
    bool wrap_time_stamp, int64_t receiver_clock_offset_change_ms,
    TestCapacityDropResult * result)
{
  const int kFramerate = 30;
  const int kStartBitrate = 900000;
  const uint32_t kMinExpectedBitrate = 800000;
  const uint32_t kMaxExpectedBitrate = 1100000;
  const uint32_t kInitialCapacityBps = 1000000;
  const uint32_t kReducedCapacityBps = 500000;
  const int64_t kSteadyStateTolerance = 130000;
  int steady_state_time;
  uint32_t bitrate_bps;
  int64_t overuse_start_time, bitrate_drop_time = -1;
  int i;

  if (number_of_streams <= 1) {
    steady_state_time = 10;
    test_rbe_add_default_stream (f);
  } else {
    int bitrate_sum = 0;
    int bitrate_denom = number_of_streams * (number_of_streams - 1);

    steady_state_time = 10 * number_of_streams;
    for (i = 0; i < number_of_streams; i++) {
      /* The first stream gets half, the others share the rest as
       * n / (N (N - 1)), which sums to one half. */
      int bitrate = kStartBitrate / 2;
      uint32_t mask = (uint32_t) (~0ull << (32 - i));
      TestRtpStream s;

      if (i > 0)
        bitrate = (kStartBitrate * i + bitrate_denom / 2) / bitrate_denom;
      test_rtp_stream_init (&s, kFramerate, bitrate,
          TEST_DEFAULT_SSRC + (uint32_t) i, 90000, 0xFFFFF000u ^ mask);
      test_stream_generator_add_stream (&f->generator, &s);
      bitrate_sum += bitrate;
    }
    ck_assert_int_eq (bitrate_sum, kStartBitrate);
  }
  if (wrap_time_stamp) {
    test_stream_generator_set_rtp_timestamp_offset (&f->generator,
        TEST_DEFAULT_SSRC, UINT32_MAX - (uint32_t) (steady_state_time * 90000));
  }

  test_stream_generator_set_capacity_bps (&f->generator,
      (int) kInitialCapacityBps);
  bitrate_bps = test_rbe_steady_state_run (f, TEST_DEFAULT_SSRC,
      steady_state_time * kFramerate, (uint32_t) kStartBitrate,
      kMinExpectedBitrate, kMaxExpectedBitrate, kInitialCapacityBps);
  ck_assert_int_le (llabs ((long long) kInitialCapacityBps -
          (long long) bitrate_bps), kSteadyStateTolerance);
  result->steady_bitrate_bps = bitrate_bps;
  test_rbe_observer_reset (f);

  f->arrival_time_offset_ms += receiver_clock_offset_change_ms;

  test_stream_generator_set_capacity_bps (&f->generator,
      (int) kReducedCapacityBps);
  overuse_start_time = test_rbe_clock_ms (f);
  for (i = 0; i < 100 * number_of_streams; i++) {
    test_rbe_generate_and_process_frame (f, TEST_DEFAULT_SSRC, bitrate_bps);
    if (bitrate_drop_time == -1 &&
        f->observer.latest_bitrate <= kReducedCapacityBps)
      bitrate_drop_time = test_rbe_clock_ms (f);
    if (f->observer.updated)
      bitrate_bps = f->observer.latest_bitrate;
  }
  ck_assert_int_ne (bitrate_drop_time, -1);
  result->drop_delay_ms = bitrate_drop_time - overuse_start_time;
  result->final_bitrate_bps = bitrate_bps;

  for (i = 0; i < number_of_streams; i++) {
    ck_assert_uint_eq (bwe_remote_estimator_latest_estimate (&f->estimator),
        bitrate_bps);
    bwe_remote_estimator_remove_stream (&f->estimator,
        TEST_DEFAULT_SSRC + (uint32_t) i);
  }
  ck_assert_uint_eq (bwe_remote_estimator_latest_estimate (&f->estimator), 0);
}
