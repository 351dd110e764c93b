/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the remote estimator with arbitrary packet sequences: arrival times that
 * jump forwards and backwards, clocks apart from arrival, any abs-send-time, size
 * and SSRC, RTT updates and stream removals.  Whatever the sequence, a signalled
 * or latest estimate stays within the configured [min, max] and the accessors
 * return sane values.
 *
 * The memory it holds stays within its limits, is what the allocator gave,
 * and all goes back at the end; with bit 7 of the config byte the allocator
 * refuses requests (a 64-bit pattern follows), and all of the above holds
 * still.
 *
 * Input: one config byte (bit 0: trendline; bit 1: the next 7 bytes set min (24
 * bits) and max - min (32 bits); bit 7: the next 8 bytes are the allocator's
 * refusal pattern), then commands of 1 opcode byte and 8 argument bytes until
 * the input runs out. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "libc_allocator.h"
#include "remote_estimator.h"

/* The most the estimator may hold: a full stream table (entries and hash
 * slots), the largest rate ring and probe ring. */
#define MAX_HEAP_BYTES (2 * BWE_MAX_SSRCS * sizeof (BweStreamEntry) + \
    BWE_RATE_STATISTICS_RING * sizeof (BweRateBucket) + \
    BWE_PROBE_RAW_PROBES * sizeof (BweProbe))

#define COMMAND_BYTES 9

/* Arrival steps are a signed 16-bit count of one of these units, so that both
 * sub-millisecond bursts and the 2 s stream timeout or the 64 s abs-send-time wrap
 * are a few mutations away. */
static const int64_t step_unit_us[4] = { 1, 100, 10000, 1000000 };

static void
check_bounds (const BweRemoteEstimatorConfig * c, uint32_t bps)
{
  if (bps < c->min_bitrate_bps || (c->max_bitrate_bps > 0
          && bps > c->max_bitrate_bps))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static BweRemoteEstimator e;
  static BweLibcAllocator alloc;
  BweRemoteEstimatorConfig config;
  FuzzReader r = { data, size };
  uint32_t flags = fuzz_take (&r, 1);
  int64_t arrival_us = 1000000;
  uint32_t send_24 = 0;
  /* A few SSRCs most of the time, so streams live and time out; any value at times. */
  static const uint32_t common_ssrcs[4] = { 0x1111, 0x2222, 0x3333, 0xFFFFFFFFu };
  uint32_t ssrcs[BWE_MAX_SSRCS + 1];

  bwe_remote_estimator_config_init (&config);
  if (flags & 1)
    config.filter = BWE_FILTER_TRENDLINE;
  if (flags & 2) {
    config.min_bitrate_bps = fuzz_take (&r, 3);
    config.max_bitrate_bps = config.min_bitrate_bps + (fuzz_take (&r, 4) & 0x7FFFFFFF);
  }
  bwe_libc_allocator_init (&alloc);
  if (flags & 0x80)
    alloc.fail_pattern = (uint64_t) fuzz_take (&r, 4) << 32 | fuzz_take (&r, 4);
  bwe_remote_estimator_init (&e, &config, &alloc.allocator);

  while (r.left >= COMMAND_BYTES) {
    uint32_t op = fuzz_take (&r, 1);
    uint32_t a = fuzz_take (&r, 2);
    uint32_t b = fuzz_take (&r, 2);
    uint32_t c = fuzz_take (&r, 2);
    uint32_t d = fuzz_take (&r, 2);

    switch (op >> 6) {
      case 0:
      case 1:{
        /* A packet: arrival step (a, unit from op), send-time step (b, or an
         * absolute 24-bit value when op bit 2 is set), size (c), SSRC (d), the
         * clock off the arrival by a signed step when op bit 3 is set. */
        BweEstimatorUpdate out;
        int64_t now_us;
        uint32_t ssrc;
        uint32_t bps;

        arrival_us += (int16_t) a * step_unit_us[op & 3];
        if (op & 4)
          send_24 = ((b << 8) | (d & 0xFF)) & 0xFFFFFF;
        else
          send_24 = (send_24 + b) & 0xFFFFFF;
        now_us = arrival_us;
        if (op & 8)
          now_us += (int8_t) (d >> 8) * step_unit_us[(op >> 4) & 3];
        ssrc = (op & 32) ? ((uint32_t) d << 16 | a) : common_ssrcs[d & 3];
        memset (&out, 0xA5, sizeof (out));
        bwe_remote_estimator_incoming_packet (&e, arrival_us, now_us, send_24,
            c, ssrc, &out);
        if (out.updated)
          check_bounds (&config, out.bitrate_bps);
        bps = bwe_remote_estimator_latest_estimate (&e);
        if (bps != 0)
          check_bounds (&config, bps);
        if (bwe_remote_estimator_incoming_bitrate (&e, now_us, &bps)
            && bps == 0xFFFFFFFFu)
          abort ();
        break;
      }
      case 2:
        /* Any RTT, negative ones included. */
        bwe_remote_estimator_set_rtt (&e, (int64_t) (int32_t) (a << 16 | b));
        break;
      default:
        bwe_remote_estimator_remove_stream (&e,
            (op & 1) ? common_ssrcs[a & 3] : ((uint32_t) a << 16 | b));
        break;
    }
    {
      size_t n = bwe_remote_estimator_ssrcs (&e, ssrcs, BWE_MAX_SSRCS + 1);
      size_t i;
      if (n > BWE_MAX_SSRCS)
        abort ();
      /* Ascending, as libwebrtc reports them, hence no duplicates either. */
      for (i = 1; i < n; i++)
        if (ssrcs[i - 1] >= ssrcs[i])
          abort ();
      switch (bwe_remote_estimator_state (&e)) {
        case BWE_USAGE_NORMAL:
        case BWE_USAGE_UNDERUSING:
        case BWE_USAGE_OVERUSING:
          break;
        default:
          abort ();
      }
      if (bwe_remote_estimator_heap_bytes (&e) != alloc.in_use
          || alloc.in_use > MAX_HEAP_BYTES)
        abort ();
    }
  }
  bwe_remote_estimator_release (&e);
  if (alloc.in_use != 0)
    abort ();
  return 0;
}
