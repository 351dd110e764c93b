/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_unittest_helper.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* A C port of libwebrtc's remote-estimator test harness
 * (remote_bitrate_estimator_unittest_helper.cc): RtpStream, StreamGenerator
 * (a FIFO bottleneck link) and the RemoteBitrateEstimatorTest fixture with its
 * helpers.  Every integer rounding follows libwebrtc, since the tests assert
 * libwebrtc's exact numbers. */
#ifndef BWE_TEST_STREAM_GENERATOR_H
#define BWE_TEST_STREAM_GENERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libc_allocator.h"
#include "remote_estimator.h"

#define TEST_MTU 1200
#define TEST_ACCEPTED_BITRATE_ERROR_BPS 50000
#define TEST_NUM_INITIAL_PACKETS 2
#define TEST_DEFAULT_SSRC 1u
/* libwebrtc's tests use at most 30 streams and about 100 packets a frame. */
#define TEST_MAX_STREAMS 32
#define TEST_MAX_FRAME_PACKETS 512

typedef struct
{
  int64_t send_time_us;
  int64_t arrival_time_us;
  uint32_t rtp_timestamp;
  size_t size;
  uint32_t ssrc;
} TestRtpPacket;

typedef struct
{
  int fps;
  int bitrate_bps;
  uint32_t ssrc;
  uint32_t frequency;
  int64_t next_rtp_time_us;
  uint32_t rtp_timestamp_offset;
} TestRtpStream;

typedef struct
{
  int capacity_bps;
  int64_t prev_arrival_time_us;
  /* Kept in ascending SSRC order, like libwebrtc's std::map. */
  TestRtpStream streams[TEST_MAX_STREAMS];
  size_t num_streams;
} TestStreamGenerator;

void test_rtp_stream_init (TestRtpStream * s, int fps, int bitrate_bps,
    uint32_t ssrc, uint32_t frequency, uint32_t timestamp_offset);
/* Appends the frame's packets to packets[*n] when a frame is due; returns the
 * time of the next frame. */
int64_t test_rtp_stream_generate_frame (TestRtpStream * s, int64_t now_us,
    TestRtpPacket * packets, size_t * n);

void test_stream_generator_init (TestStreamGenerator * g, int capacity_bps,
    int64_t now_us);
void test_stream_generator_add_stream (TestStreamGenerator * g,
    const TestRtpStream * s);
void test_stream_generator_set_capacity_bps (TestStreamGenerator * g,
    int capacity_bps);
void test_stream_generator_set_bitrate_bps (TestStreamGenerator * g,
    int bitrate_bps);
void test_stream_generator_set_rtp_timestamp_offset (TestStreamGenerator * g,
    uint32_t ssrc, uint32_t offset);
/* One frame of the stream due first, with arrival times through the link;
 * returns the time the next frame is due (never before now_us). */
int64_t test_stream_generator_generate_frame (TestStreamGenerator * g,
    int64_t now_us, TestRtpPacket * packets, size_t * n);

/* The abs-send-time of t / denom seconds, rounded, 24 bits. */
uint32_t test_abs_send_time (int64_t t, int64_t denom);
uint32_t test_add_abs_send_time (uint32_t t1, uint32_t t2);

typedef struct
{
  bool updated;
  uint32_t latest_bitrate;
} TestBitrateObserver;

/* RemoteBitrateEstimatorTest: the receiver's simulated clock starts at 100 s,
 * the link at 1 Mbps. */
typedef struct
{
  int64_t clock_us;
  TestBitrateObserver observer;
  TestStreamGenerator generator;
  int64_t arrival_time_offset_ms;
  BweLibcAllocator alloc;
  BweRemoteEstimator estimator;
} TestRbeFixture;

/* Allocates and initialises a fixture; freeing it checks that the estimator
 * gave all its memory back. */
TestRbeFixture *test_rbe_fixture_new (void);
void test_rbe_fixture_free (TestRbeFixture * f);

/* SimulatedClock::TimeInMilliseconds(): microseconds rounded to nearest. */
int64_t test_rbe_clock_ms (const TestRbeFixture * f);
void test_rbe_advance_ms (TestRbeFixture * f, int64_t ms);
void test_rbe_observer_reset (TestRbeFixture * f);

void test_rbe_add_default_stream (TestRbeFixture * f);
/* The estimator gets arrival_ms + the arrival-time offset, its clock is the
 * fixture's clock.  Records a signalled estimate in the observer. */
void test_rbe_incoming_packet (TestRbeFixture * f, uint32_t ssrc,
    size_t payload_size, int64_t arrival_ms, uint32_t rtp_timestamp,
    uint32_t abs_send_time);
/* GenerateAndProcessFrame: true when an estimate below bitrate_bps was
 * signalled for one of the frame's packets. */
bool test_rbe_generate_and_process_frame (TestRbeFixture * f, uint32_t ssrc,
    uint32_t bitrate_bps);
/* SteadyStateRun: asserts libwebrtc's expectations (an update was seen, every
 * over-use estimate in (min, max)); returns the last bitrate. */
uint32_t test_rbe_steady_state_run (TestRbeFixture * f, uint32_t ssrc,
    int max_number_of_frames, uint32_t start_bitrate, uint32_t min_bitrate,
    uint32_t max_bitrate, uint32_t target_bitrate);

typedef struct
{
  uint32_t steady_bitrate_bps;  /* SteadyStateRun's result */
  int64_t drop_delay_ms;        /* first estimate <= 500 kbps - capacity change */
  uint32_t final_bitrate_bps;   /* the last signalled estimate */
} TestCapacityDropResult;

/* CapacityDropTestHelper without its final tolerance check on the drop delay
 * (the caller asserts the exact value); the steady-state and LatestEstimate /
 * RemoveStream checks of libwebrtc are asserted inside. */
void test_rbe_capacity_drop (TestRbeFixture * f, int number_of_streams,
    bool wrap_time_stamp, int64_t receiver_clock_offset_change_ms,
    TestCapacityDropResult * result);

#endif
