/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the improved mode's estimator with arbitrary packet sequences:
 * arrival times that jump forwards and backwards, clocks apart from arrival,
 * any abs-send-time, size, SSRC and sequence number (unknown ones too), RTT
 * updates and stream removals.  Whatever the sequence, a signalled or latest
 * estimate stays within [min, max], never grows past 1.5x the delivered rate
 * + 10 kbit/s in one step, and the accessors return sane values.
 *
 * Input: one config byte (bit 1: the next 7 bytes set min (24 bits) and
 * max - min (32 bits)), then commands of 1 opcode byte and 10 argument bytes
 * until the input runs out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "improved_estimator.h"

#define COMMAND_BYTES 11

/* Arrival steps are a signed 16-bit count of one of these units, so that
 * bursts, the 50 ms tick, the 2 s stream timeout, the 30 s base bucket and the
 * 64 s abs-send-time wrap are a few mutations away. */
static const int64_t step_unit_us[4] = { 1, 100, 10000, 1000000 };

static void
check_bounds (const BweRemoteEstimatorConfig * c, uint32_t bps)
{
  if (bps < c->min_bitrate_bps || (c->max_bitrate_bps > 0
          && bps > c->max_bitrate_bps))
    abort ();
}

static void
check_accessors (BweImprovedEstimator * e, const BweRemoteEstimatorConfig * c,
    int64_t now_us)
{
  uint32_t ssrcs[BWE_LOSS_STREAMS + 1], bps;
  size_t n, i;

  bps = bwe_improved_estimator_latest_estimate (e);
  if (bps != 0)
    check_bounds (c, bps);
  if (!isfinite (e->control.target_bps))
    abort ();
  n = bwe_improved_estimator_ssrcs (e, now_us, ssrcs, BWE_LOSS_STREAMS + 1);
  if (n > BWE_LOSS_STREAMS)
    abort ();
  for (i = 1; i < n; i++)
    if (ssrcs[i - 1] >= ssrcs[i])
      abort ();
  switch (bwe_improved_estimator_regime (e)) {
    case BWE_REGIME_START:
    case BWE_REGIME_RAMP:
    case BWE_REGIME_STEADY:
    case BWE_REGIME_DRAIN:
    case BWE_REGIME_COMPETE:
      break;
    default:
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static BweImprovedEstimator e;
  static const uint32_t common_ssrcs[4] = { 0x1111, 0x2222, 0x3333,
    0xFFFFFFFFu
  };
  BweRemoteEstimatorConfig config;
  FuzzReader r = { data, size };
  uint32_t flags = fuzz_take (&r, 1), send_24 = 0;
  int64_t arrival_us = 1000000, now_us = arrival_us;
  uint16_t seq = 0;

  bwe_remote_estimator_config_init (&config);
  if (flags & 2) {
    config.min_bitrate_bps = fuzz_take (&r, 3);
    config.max_bitrate_bps = config.min_bitrate_bps +
        (fuzz_take (&r, 4) & 0x7FFFFFFF);
  }
  bwe_improved_estimator_init (&e, &config);

  while (r.left >= COMMAND_BYTES) {
    uint32_t op = fuzz_take (&r, 1);
    uint32_t a = fuzz_take (&r, 2);
    uint32_t b = fuzz_take (&r, 2);
    uint32_t c = fuzz_take (&r, 2);
    uint32_t d = fuzz_take (&r, 2);
    uint32_t s = fuzz_take (&r, 2);

    switch (op >> 6) {
      case 0:
      case 1:{
        /* A packet: arrival step (a, unit from op), send-time step (b, or an
         * absolute 24-bit value when op bit 2 is set), size (c), SSRC (d),
         * the clock off the arrival when op bit 3 is set, the sequence
         * number stepping by s's low byte (a signed jump when op bit 4 is
         * set, unknown when op bit 5 is set). */
        BweEstimatorUpdate out;
        uint32_t ssrc = common_ssrcs[d & 3];
        uint32_t rate = 0, before = bwe_improved_estimator_latest_estimate (&e);
        bool had_rate;

        arrival_us += (int16_t) a * step_unit_us[op & 3];
        if (op & 4)
          send_24 = ((b << 8) | (d & 0xFF)) & 0xFFFFFF;
        else
          send_24 = (send_24 + b) & 0xFFFFFF;
        now_us = arrival_us;
        if (op & 8)
          now_us += (int8_t) (d >> 8) * step_unit_us[(s >> 8) & 3];
        seq = (op & 16) ? (uint16_t) (seq + (int16_t) s) :
            (uint16_t) (seq + (s & 0xFF));
        had_rate = bwe_improved_estimator_incoming_bitrate (&e, now_us, &rate);
        memset (&out, 0xA5, sizeof (out));
        bwe_improved_estimator_incoming_packet (&e, arrival_us, now_us,
            send_24, c, ssrc, (op & 32) ? -1 : seq, &out);
        if (out.updated) {
          check_bounds (&config, out.bitrate_bps);
          /* The bound on increases: 1.5x what arrived + 10 kbit/s, with a
           * margin for the packet just added to the rate. */
          if (before > 0 && out.bitrate_bps > before && had_rate &&
              out.bitrate_bps > 1.5 * (rate + 8.0 * 65535 * 20) + 10000 &&
              out.bitrate_bps > config.min_bitrate_bps)
            abort ();
        }
        break;
      }
      case 2:
        bwe_improved_estimator_set_rtt (&e, (int64_t) (int32_t) (a << 16 | b));
        break;
      default:
        bwe_improved_estimator_remove_stream (&e, common_ssrcs[a & 3]);
        break;
    }
    check_accessors (&e, &config, now_us);
  }
  return 0;
}
