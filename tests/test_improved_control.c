/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's rate control (estimator/improved_control.c) on
 * synthetic signals, one regime per test, numbers from docs/improved-mode.md
 * and the header:
 *   level  = Q_REF + min (14400 bit / r_500ms, 50 ms),  Q_REF = 3 ms
 *   steady: target = r x (1 + (level - q) / 500 ms)
 *   drain:  target = min (target, share x clamp (1 - (q - level) / 500 ms,
 *           0.5, 0.95))
 *   ramp:   x 1.5^(dt / D) below 0.9 x the ceiling, else
 *           x (1 + min (0.5, 50 ms / D))^(dt / D);  D = rtt + 200 ms
 *   every increase at most 1.5 x r_1s + 10 kbit/s, never pulling down.
 * The round trip is the default 200 ms: D = 0.4 s, NADA's gamma 0.125.  The
 * controller's target is a double; the tests read it with a tolerance of
 * 1e-6 bit/s. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "improved_control.h"

#define MS 1000
#define TOL 1e-6
/* the level at r = 1 Mbit/s: 3000 + 14400 / 10^6 s = 17400 us */
#define LEVEL_1M 17400

static BweImprovedControl c;

/* Signals at now_us: a queue (standing, and the same for the last frame's
 * first packet), every delivered rate equal to rate_bps, nothing else. */
static BweImprovedSignals
sig (int64_t now_us, int64_t queue_us, uint32_t rate_bps)
{
  BweImprovedSignals s = { 0 };

  s.now_us = now_us;
  s.queue_us = queue_us;
  s.queue_now_us = queue_us;
  s.have_rate = s.have_recent_rate = s.have_short_rate = true;
  s.rate_bps = s.recent_rate_bps = s.short_rate_bps = rate_bps;
  s.packet_bits = 9600;
  return s;
}

static void
tick (const BweImprovedSignals * s)
{
  ck_assert (bwe_improved_control_update (&c, s));
}

/* A controller that started at 0 with 1 Mbit/s delivered: target 1 Mbit/s,
 * the queue last seen (and uncontested) at 0. */
static void
start_at_1m (uint32_t min_bps, uint32_t max_bps)
{
  BweImprovedSignals s = sig (0, 0, 1000000);

  bwe_improved_control_init (&c, min_bps, max_bps);
  tick (&s);
  ck_assert_double_eq (c.target_bps, 1000000);
}

START_TEST (test_start)
{
  BweImprovedSignals s = sig (0, 0, 300000);

  bwe_improved_control_init (&c, 0, 0);
  s.have_recent_rate = false;
  ck_assert (!bwe_improved_control_update (&c, &s));
  ck_assert_int_eq (c.regime, BWE_REGIME_START);
  ck_assert_uint_eq (bwe_improved_control_target (&c), 0);
  /* the first delivered rate (500 ms) is the target */
  s.have_recent_rate = true;
  ck_assert (bwe_improved_control_update (&c, &s));
  ck_assert_uint_eq (bwe_improved_control_target (&c), 300000);
  ck_assert_int_eq (c.regime, BWE_REGIME_RAMP);
  ck_assert_int_eq (bwe_improved_control_usage (&c), BWE_USAGE_NORMAL);
  /* bounded by min and max from the start */
  bwe_improved_control_init (&c, 400000, 0);
  tick (&s);
  ck_assert_uint_eq (bwe_improved_control_target (&c), 400000);
  bwe_improved_control_init (&c, 0, 250000);
  tick (&s);
  ck_assert_uint_eq (bwe_improved_control_target (&c), 250000);
}
END_TEST

/* Steady holds the queue at the level: the correction is the queue's
 * distance to it over 500 ms. */
START_TEST (test_steady_level)
{
  BweImprovedSignals s;

  start_at_1m (0, 0);
  /* 50 ms, queue 10 ms at 1 Mbit/s: level 17400; 1e6 x (1 + 7400 / 500000)
   * = 1014800 */
  s = sig (50 * MS, 10000, 1000000);
  tick (&s);
  ck_assert_int_eq (c.level_us, LEVEL_1M);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  ck_assert_double_eq_tol (c.target_bps, 1014800, TOL);
  /* 200 kbit/s: 14400 / 200000 s = 72 ms, capped at 50: level 53000; queue
   * 30 ms: 200000 x (1 + 23000 / 500000) = 209200 */
  s = sig (100 * MS, 30000, 200000);
  tick (&s);
  ck_assert_int_eq (c.level_us, 53000);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  ck_assert_double_eq_tol (c.target_bps, 209200, TOL);
  /* 288 kbit/s is exactly the cap: 14400 / 288000 s = 50 ms */
  s = sig (150 * MS, 53000, 288000);
  tick (&s);
  ck_assert_int_eq (c.level_us, 53000);
  ck_assert_double_eq_tol (c.target_bps, 288000, TOL);
  /* 10 ms over the level at 1 Mbit/s (under the 20 ms of a drain):
   * 1e6 x (1 - 10000 / 500000) = 980000 */
  s = sig (200 * MS, LEVEL_1M + 10000, 1000000);
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  ck_assert_double_eq_tol (c.target_bps, 980000, TOL);
}
END_TEST

/* The ramp starts when the queue has stayed under half the level for
 * 300 ms; without a known capacity it is NADA's: gamma = min (0.5, 50 ms /
 * 400 ms) = 0.125. */
START_TEST (test_ramp_nada)
{
  BweImprovedSignals s;

  /* 299.999 ms after the queue was last seen: steady, 1e6 x (1 + 17400 /
   * 500000) = 1034800 */
  start_at_1m (0, 0);
  s = sig (299999, 0, 1000000);
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  ck_assert_double_eq_tol (c.target_bps, 1034800, TOL);

  /* at 300 ms: a ramp over dt = 300 ms, held to 200 ms: 1e6 x 1.125^(0.2 /
   * 0.4) = 1060660.1718 */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_RAMP);
  ck_assert_int_eq (bwe_improved_control_usage (&c), BWE_USAGE_NORMAL);
  ck_assert_double_eq_tol (c.target_bps, 1060660.1717798212, TOL);
}
END_TEST

/* Below 0.9 x the trains' capacity the ramp is 1.5x per feedback delay, up
 * to that ceiling, then NADA's. */
START_TEST (test_ramp_fast_to_ceiling)
{
  BweImprovedSignals s;

  /* capacity 4 Mbit/s, ceiling 3.6: 1e6 x 1.5^(0.2 / 0.4) = 1224744.8714,
   * then 50 ms later x 1.5^(0.05 / 0.4): 1288418.7516 */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  s.train_capacity_bps = 4000000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1224744.871391589, TOL);
  s.now_us = 350 * MS;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1288418.7516294857, TOL);

  /* capacity 1.2 Mbit/s: the ceiling 1080000 stops the fast ramp; past it
   * the ramp waits until 0.95 x the target (1026000) arrives over the last
   * 500 ms: 1 Mbit/s does not, the target stays; 1030000 does: NADA's
   * 1080000 x 1.125^(0.05 / 0.4) = 1096018.3385 */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  s.train_capacity_bps = 1200000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1080000, TOL);
  s.now_us = 350 * MS;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1080000, TOL);
  s.now_us = 400 * MS;
  s.recent_rate_bps = 1030000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1096018.3384992385, TOL);

  /* a floor is a ceiling too, the higher of both counts: floor 1.2 Mbit/s
   * over a capacity of 1 Mbit/s, 1080000 again */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  s.train_capacity_bps = 1000000;
  s.train_floor_bps = 1200000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1080000, TOL);
}
END_TEST

/* Increases stop at 1.5 x r_1s + 10 kbit/s, which never pulls the target
 * down; none at all without a delivered rate. */
START_TEST (test_increase_bound)
{
  BweImprovedSignals s;

  /* NADA's 1060660 over 1.5 x 700000 + 10000 = 1060000 */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  s.rate_bps = 700000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1060000, TOL);
  /* 1.5 x 600000 + 10000 = 910000 is under the target: it stays */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  s.rate_bps = 600000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1000000, TOL);
  /* no 1 s rate: no increase */
  start_at_1m (0, 0);
  s = sig (300 * MS, 0, 1000000);
  s.have_rate = false;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1000000, TOL);
  /* the steady regime's increase too: 1034800 over 1.5 x 20000 + 10000 */
  start_at_1m (0, 0);
  s = sig (50 * MS, 0, 1000000);
  s.rate_bps = 20000;
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1000000, TOL);
}
END_TEST

/* A drain from the controller started at 1 Mbit/s, one tick at 50 ms.
 * Returns the target. */
static double
drain_once (BweImprovedSignals * s)
{
  start_at_1m (0, 0);
  s->now_us = 50 * MS;
  tick (s);
  return c.target_bps;
}

START_TEST (test_drain_factor)
{
  BweImprovedSignals s;

  /* 80 ms over the level: 1 - 80000 / 500000 = 0.84 of 1 Mbit/s */
  s = sig (0, LEVEL_1M + 80000, 1000000);
  s.queue_now_us = 0;
  ck_assert_double_eq_tol (drain_once (&s), 840000, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  ck_assert_int_eq (bwe_improved_control_usage (&c), BWE_USAGE_OVERUSING);
  ck_assert_int_eq (c.last_cut_us, 50 * MS);
  /* the share at the congestion is the link's rate */
  ck_assert (c.link_valid);
  ck_assert_double_eq (c.link_bps, 1000000);
  /* 20 ms over: 0.96, held to 0.95 */
  s = sig (0, LEVEL_1M + 20000, 1000000);
  ck_assert_double_eq_tol (drain_once (&s), 950000, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  /* 19.999 ms over is not a drain: steady, 1e6 x (1 - 19999 / 500000) */
  s = sig (0, LEVEL_1M + 19999, 1000000);
  ck_assert_double_eq_tol (drain_once (&s), 960002, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  /* 300 ms over: 0.4, held to 0.5 */
  s = sig (0, LEVEL_1M + 300000, 1000000);
  ck_assert_double_eq_tol (drain_once (&s), 500000, TOL);
  /* the lower of the 500 ms and 100 ms rates; the bottleneck's rate only in
   * an emergency: 800000 x 0.95 */
  s = sig (0, LEVEL_1M + 20000, 1000000);
  s.queue_now_us = 0;
  s.short_rate_bps = 800000;
  s.have_bottleneck_rate = true;
  s.bottleneck_rate_bps = 400000;
  ck_assert_double_eq_tol (drain_once (&s), 760000, TOL);
}
END_TEST

/* An emergency: the last frame's first packet waited 30 ms over the level
 * (or a capacity drop): the bottleneck's rate counts, and a capacity drop
 * halves it. */
START_TEST (test_drain_emergency)
{
  BweImprovedSignals s;

  /* standing queue 10 ms, the frame's 47.4 ms: q = 47400, factor 1 -
   * 30000 / 500000 = 0.94 of min (1e6, 800000, 400000) = 376000 */
  s = sig (0, 10000, 1000000);
  s.queue_now_us = LEVEL_1M + 30000;
  s.short_rate_bps = 800000;
  s.have_bottleneck_rate = true;
  s.bottleneck_rate_bps = 400000;
  ck_assert_double_eq_tol (drain_once (&s), 376000, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  ck_assert_double_eq (c.link_bps, 400000);
  /* 29.999 ms over: no emergency, no drain: steady on 1 Mbit/s, 1e6 x (1 +
   * 7400 / 500000) */
  s.queue_now_us = LEVEL_1M + 29999;
  ck_assert_double_eq_tol (drain_once (&s), 1014800, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  /* a capacity drop with no queue yet: 0.5 x 300000 */
  s = sig (0, 0, 1000000);
  s.capacity_drop = true;
  s.have_bottleneck_rate = true;
  s.bottleneck_rate_bps = 300000;
  ck_assert_double_eq_tol (drain_once (&s), 150000, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
}
END_TEST

/* A new loss event with the queue at the level drains; under it, not. */
START_TEST (test_drain_on_loss_with_queue)
{
  BweImprovedSignals s;

  /* q = level: factor 1, held to 0.95 */
  s = sig (0, LEVEL_1M, 1000000);
  s.loss_events = 1;
  s.loss_event_rate = 0.5;
  ck_assert_double_eq_tol (drain_once (&s), 950000, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  /* 1 us under: steady, 1e6 x (1 + 1 / 500000) */
  s.queue_us = s.queue_now_us = LEVEL_1M - 1;
  ck_assert_double_eq_tol (drain_once (&s), 1000002, TOL);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
}
END_TEST

/* A drain never raises the target, and does not count as a cut then. */
START_TEST (test_drain_never_raises)
{
  BweImprovedSignals s = sig (0, 0, 300000);

  bwe_improved_control_init (&c, 0, 0);
  tick (&s);
  /* 1 Mbit/s arrives, 80 ms over its level: 840000 > 300000 */
  s = sig (50 * MS, LEVEL_1M + 80000, 1000000);
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  ck_assert_double_eq (c.target_bps, 300000);
  ck_assert_int_eq (c.last_cut_us, INT64_MIN);
}
END_TEST

/* The link's rate from the last drain is the ramp's ceiling until trains or
 * the delivered rate show more than 1.1x it with the queue empty. */
START_TEST (test_link_expiry)
{
  BweImprovedSignals s;

  start_at_1m (0, 0);
  /* drain at 50 ms: 840000, link 1 Mbit/s */
  s = sig (50 * MS, LEVEL_1M + 80000, 1000000);
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 840000, TOL);
  /* 300 ms later, empty: fast (840000 x 1.5^0.5 = 1028785.7) up to 0.9 x
   * 1e6 */
  s = sig (350 * MS, 0, 1000000);
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_RAMP);
  ck_assert_double_eq_tol (c.target_bps, 900000, TOL);
  /* trains are no evidence (behind a token bucket they pass at line rate
   * whenever it has refilled): with a floor of 1.1 x 1e6 + 1 the link
   * holds, there is no probing past it, and the queue is held at the level
   * as in steady: 1e6 x (1 + 17.4 ms / 500 ms) = 1034800 */
  s.now_us = 400 * MS;
  s.train_floor_bps = 1100001;
  tick (&s);
  ck_assert (c.link_valid);
  ck_assert_int_eq (c.at_link_since_us, 400 * MS);
  ck_assert_double_eq_tol (c.target_bps, 1034800, TOL);
  s.now_us = 899 * MS;
  tick (&s);
  ck_assert (c.link_valid);
  ck_assert_int_eq (c.at_link_since_us, 400 * MS);
  ck_assert_double_eq_tol (c.target_bps, 1034800, TOL);
  /* held at the link with the queue empty for 500 ms: it expires.  The
   * ceiling is the floor's 0.9 x 1100001 = 990000.9, below the target,
   * whose 0.95 (983060) arrives: NADA's over the 1 ms since the last
   * tick, 1034800 x 1.125^(0.001 / 0.4) = 1035104.7496 */
  s.now_us = 900 * MS;
  tick (&s);
  ck_assert (!c.link_valid);
  ck_assert_int_eq (c.at_link_since_us, INT64_MIN);
  ck_assert_double_eq_tol (c.target_bps, 1035104.7495789544, TOL);

  /* the delivered rate is evidence too (1 s rate 1100001, under the
   * bound) */
  start_at_1m (0, 0);
  s = sig (50 * MS, LEVEL_1M + 80000, 1000000);
  tick (&s);
  s = sig (350 * MS, 0, 1000000);
  s.rate_bps = 1100001;
  tick (&s);
  ck_assert (!c.link_valid);
  /* no ceiling left: NADA's from 840000 over 200 ms, 840000 x 1.125^0.5 =
   * 890954.5443 */
  ck_assert_double_eq_tol (c.target_bps, 890954.5442950499, TOL);
}
END_TEST

/* Compete: after a cut, a queue 30 ms or more over the level for 3 s.  At
 * entry the target goes back to the highest uncontested rate, forgotten with
 * a half-life of 10 s; then TCP-friendly AIMD's increase a = 0.9 / 1.7
 * packets per round trip per round trip before the first loss event. */
START_TEST (test_compete_entry)
{
  BweImprovedSignals s;
  int64_t t;

  start_at_1m (0, 0);
  /* 50 ms: no queue, uncontested at 1 Mbit/s */
  s = sig (50 * MS, 0, 1000000);
  tick (&s);
  /* from 100 ms on, 300 ms over the level: drained to 0.5 x 1e6 at once */
  for (t = 100 * MS; t <= 3000 * MS; t += 50 * MS) {
    s = sig (t, LEVEL_1M + 300000, 1000000);
    tick (&s);
    ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
    ck_assert_double_eq_tol (c.target_bps, 500000, TOL);
  }
  /* 3 s after the last uncontested tick (50 ms): compete.  The uncontested
   * 1e6 decayed over 60 ticks of 50 ms: 1e6 x 2^(-3 / 10) = 812252.3964;
   * then + (0.9 / 1.7) x 9600 bit / R^2 x 50 ms with R = 200 ms + 317.4 ms:
   * + 949.2530 = 813201.6494 */
  s = sig (3050 * MS, LEVEL_1M + 300000, 1000000);
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_COMPETE);
  ck_assert_double_eq_tol (c.uncontested_bps, 812252.3963562335, TOL);
  ck_assert_double_eq_tol (c.target_bps, 813201.6493525747, TOL);
}
END_TEST

/* The competitor's queue is 30 ms over the level or more: exactly 30 ms
 * for 3 s after a cut enters compete, 29.999 ms never does (each tick with
 * less is uncontested). */
static BweRegime
regime_after_3s_at (int64_t over_level_us)
{
  BweImprovedSignals s;
  int64_t t;

  start_at_1m (0, 0);
  s = sig (50 * MS, 0, 1000000);
  tick (&s);
  for (t = 100 * MS; t <= 3050 * MS; t += 50 * MS) {
    s = sig (t, LEVEL_1M + over_level_us, 1000000);
    tick (&s);
  }
  return c.regime;
}

START_TEST (test_compete_margin)
{
  /* a drain at 100 ms: 1e6 x (1 - 30000 / 500000) = 940000, a cut */
  ck_assert_int_eq (regime_after_3s_at (30000), BWE_REGIME_COMPETE);
  ck_assert_int_eq (c.last_cut_us, 100 * MS);
  ck_assert_int_eq (regime_after_3s_at (29999), BWE_REGIME_DRAIN);
  ck_assert_int_eq (c.uncontested_us, 3050 * MS);
  ck_assert_double_eq_tol (c.target_bps, 940002, TOL);
}
END_TEST

/* Without a cut before, a queue that stays is drained, not competed with. */
START_TEST (test_no_compete_without_cut)
{
  BweImprovedSignals s = sig (0, 0, 300000);
  int64_t t;

  bwe_improved_control_init (&c, 0, 0);
  tick (&s);
  /* 300 kbit/s, level 3000 + 48000: 300000 x (1 + 51000 / 500000) */
  s = sig (50 * MS, 0, 300000);
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 330600, TOL);
  /* a drain's 0.5 x 1e6 is above the target: never a cut */
  for (t = 100 * MS; t <= 4000 * MS; t += 50 * MS) {
    s = sig (t, LEVEL_1M + 300000, 1000000);
    tick (&s);
    ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  }
  ck_assert_double_eq_tol (c.target_bps, 330600, TOL);
}
END_TEST

/* In compete, TFRC's rate for the loss event rate and R = rtt + q; the
 * regime ends when the queue is under 5 ms. */
static void
enter_compete (void)
{
  BweImprovedSignals s;
  int64_t t;

  start_at_1m (0, 0);
  s = sig (50 * MS, 0, 1000000);
  tick (&s);
  for (t = 100 * MS; t <= 3050 * MS; t += 50 * MS) {
    s = sig (t, LEVEL_1M + 300000, 1000000);
    tick (&s);
  }
  ck_assert_int_eq (c.regime, BWE_REGIME_COMPETE);
}

START_TEST (test_compete_tfrc_and_leaving)
{
  BweImprovedSignals s;

  enter_compete ();
  /* p = 0.01, R = 0.5174 s, s = 9600 bit:
   * 9600 / (R sqrt (2p / 3) + 4 R 3 sqrt (3p / 8) p (1 + 32 p^2)) =
   * 208424.7101 */
  s = sig (3100 * MS, LEVEL_1M + 300000, 1000000);
  s.loss_events = 1;
  s.loss_event_rate = 0.01;
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_COMPETE);
  ck_assert_double_eq_tol (c.target_bps, 208424.7100666279, TOL);
  /* 5 ms of queue is still a competitor's: R = 0.205 s, 526043.6341 */
  s = sig (3150 * MS, 5000, 1000000);
  s.loss_events = 1;
  s.loss_event_rate = 0.01;
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_COMPETE);
  ck_assert_double_eq_tol (c.target_bps, 526043.6340901135, TOL);
  /* 4.999 ms: it left.  The queue was last at half the level 100 ms ago:
   * steady, 1e6 x (1 + (17400 - 4999) / 500000) = 1024802 */
  s = sig (3200 * MS, 4999, 1000000);
  s.loss_events = 1;
  s.loss_event_rate = 0.01;
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_STEADY);
  ck_assert (!c.link_valid);
  ck_assert_double_eq_tol (c.target_bps, 1024802, TOL);
}
END_TEST

/* TFRC's rate is an increase like any other: at most 1.5 x r_1s + 10 kbit/s
 * (p = 10^-6 would give 22.7 Mbit/s). */
START_TEST (test_compete_increase_bound)
{
  BweImprovedSignals s;

  enter_compete ();
  s = sig (3100 * MS, LEVEL_1M + 300000, 1000000);
  s.loss_events = 1;
  s.loss_event_rate = 1e-6;
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_COMPETE);
  ck_assert_double_eq_tol (c.target_bps, 1510000, TOL);
}
END_TEST

/* min and max bound every regime. */
START_TEST (test_min_max)
{
  BweImprovedSignals s;

  /* the fast ramp's 1224745 over a max of 1.2 Mbit/s */
  start_at_1m (0, 1200000);
  s = sig (300 * MS, 0, 1000000);
  s.train_capacity_bps = 4000000;
  tick (&s);
  ck_assert_uint_eq (bwe_improved_control_target (&c), 1200000);
  /* a drain's 0.5 x 800000 under a min of 450 kbit/s */
  start_at_1m (450000, 0);
  s = sig (50 * MS, LEVEL_1M + 300000, 1000000);
  s.short_rate_bps = 800000;
  tick (&s);
  ck_assert_int_eq (c.regime, BWE_REGIME_DRAIN);
  ck_assert_uint_eq (bwe_improved_control_target (&c), 450000);
}
END_TEST

/* Random loss with no queue is not congestion: the same targets with and
 * without loss events, tick by tick. */
START_TEST (test_random_loss_without_queue)
{
  BweImprovedControl lossless;
  BweImprovedSignals s;
  int k;

  bwe_improved_control_init (&lossless, 0, 0);
  bwe_improved_control_init (&c, 0, 0);
  for (k = 0; k < 100; k++) {
    /* the delivered rate climbs, the queue stays under 2 ms */
    s = sig (k * 50 * MS, (k * 7) % 2000, 500000 + k * 10000);
    ck_assert (bwe_improved_control_update (&lossless, &s));
    s.loss_events = (uint64_t) k / 3;
    s.loss_event_rate = k >= 3 ? 0.05 : 0;
    tick (&s);
    ck_assert_double_eq (c.target_bps, lossless.target_bps);
    ck_assert_int_eq (c.regime, lossless.regime);
    ck_assert_int_ne (c.regime, BWE_REGIME_DRAIN);
  }
  /* the target did move: 100 ticks of ramp and steady from 500 kbit/s */
  ck_assert_double_gt (c.target_bps, 1000000);
}
END_TEST

/* No queue known (no packet in the last 100 ms): nothing changes. */
START_TEST (test_unknown_queue)
{
  BweImprovedSignals s;

  start_at_1m (0, 0);
  s = sig (300 * MS, BWE_IMPROVED_Q_NONE, 1000000);
  ck_assert (bwe_improved_control_update (&c, &s));
  ck_assert_double_eq (c.target_bps, 1000000);
  ck_assert_int_eq (c.regime, BWE_REGIME_RAMP);
  /* the tick still counts: the next ramp is over 50 ms, not 200:
   * 1e6 x 1.125^(0.05 / 0.4) = 1014831.7949 */
  s = sig (350 * MS, 0, 1000000);
  tick (&s);
  ck_assert_double_eq_tol (c.target_bps, 1014831.7949067022, TOL);
}
END_TEST

static Suite *
improved_control_suite (void)
{
  Suite *s = suite_create ("improved_control");
  TCase *tc = tcase_create ("regimes");

  tcase_add_test (tc, test_start);
  tcase_add_test (tc, test_steady_level);
  tcase_add_test (tc, test_ramp_nada);
  tcase_add_test (tc, test_ramp_fast_to_ceiling);
  tcase_add_test (tc, test_increase_bound);
  tcase_add_test (tc, test_drain_factor);
  tcase_add_test (tc, test_drain_emergency);
  tcase_add_test (tc, test_drain_on_loss_with_queue);
  tcase_add_test (tc, test_drain_never_raises);
  tcase_add_test (tc, test_link_expiry);
  tcase_add_test (tc, test_compete_entry);
  tcase_add_test (tc, test_compete_margin);
  tcase_add_test (tc, test_no_compete_without_cut);
  tcase_add_test (tc, test_compete_tfrc_and_leaving);
  tcase_add_test (tc, test_compete_increase_bound);
  tcase_add_test (tc, test_min_max);
  tcase_add_test (tc, test_random_loss_without_queue);
  tcase_add_test (tc, test_unknown_queue);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (improved_control_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
