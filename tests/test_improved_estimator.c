/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode's hub (estimator/improved_estimator.c) on synthetic
 * packet sequences: a sender, a bottleneck written here (a FIFO served at a
 * capacity that may change, then 30 ms of propagation), and the estimator.
 * abs-send-time is the send time as a 24-bit 6.18 value, rounded.  The
 * bounds asserted are derived in the comments from the header's contract and
 * docs/improved-mode.md. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "improved_estimator.h"

#define MS 1000
#define PROP_US (30 * MS)

typedef struct
{
  BweImprovedEstimator e;
  int64_t link_free_us;         /* when the bottleneck has sent what it holds */
  uint64_t capacity_bps;        /* 0: no bottleneck */
  int64_t last_arrival_us;
  BweEstimatorUpdate out;
} Sim;

static void
sim_init (Sim * s, uint64_t capacity_bps)
{
  bwe_improved_estimator_init (&s->e, NULL);
  s->link_free_us = 0;
  s->capacity_bps = capacity_bps;
  s->last_arrival_us = 0;
}

static uint32_t
abs24 (int64_t send_us)
{
  return (uint32_t) (((send_us << 18) + 500000) / 1000000) & 0xFFFFFF;
}

/* A packet sent at send_us through the bottleneck: it starts when the link
 * is free, takes bytes x 8 / capacity, then PROP_US.  Returns whether an
 * estimate was signalled (s->out). */
static bool
sim_send (Sim * s, int64_t send_us, uint32_t bytes, uint32_t ssrc,
    int32_t seq)
{
  int64_t arrival;

  if (s->capacity_bps > 0) {
    int64_t start = send_us > s->link_free_us ? send_us : s->link_free_us;
    s->link_free_us = start + (int64_t) (bytes * UINT64_C (8000000) /
        s->capacity_bps);
    arrival = s->link_free_us + PROP_US;
  } else {
    arrival = send_us + PROP_US;
  }
  s->last_arrival_us = arrival;
  bwe_improved_estimator_incoming_packet (&s->e, arrival, arrival,
      abs24 (send_us), bytes, ssrc, seq, &s->out);
  return s->out.updated;
}

static uint32_t
incoming (const Sim * s)
{
  uint32_t bps = 0;

  if (!bwe_improved_estimator_incoming_bitrate (&s->e, s->last_arrival_us,
          &bps))
    return 0;
  return bps;
}

/* The hub's clock: a tick every 50 ms of arrival time (at the first packet
 * at least 50 ms after the last tick), the first estimate at the first tick
 * with 500 ms of packets (the 500 ms delivered rate), and an estimate
 * signalled when it moved 1 % from the last one signalled or 1 s after it.
 * 1250 bytes every 25 ms, arriving at A + 25 ms x k, A = 1.03 s. */
START_TEST (test_ticks_and_signals)
{
  Sim s;
  const int64_t a = 1030 * MS;
  int64_t signalled_at = -1;
  uint32_t signalled = 0;
  int k, moved = 0, periodic = 0, quiet = 0;

  sim_init (&s, 0);
  for (k = 0; k < 400; k++) {
    bool updated = sim_send (&s, 1000 * MS + k * 25 * MS, 1250, 1, k);
    int64_t now = s.last_arrival_us;
    uint32_t target = bwe_improved_estimator_latest_estimate (&s.e);
    ck_assert_int_eq (now, a + k * 25 * MS);
    /* no queue, no alarm: a tick at every other packet */
    ck_assert_int_eq (s.e.last_tick_us, a + (k / 2) * 50 * MS);
    if (k < 20) {
      ck_assert (!updated);
      continue;
    }
    if (k == 20) {
      /* A + 500 ms: packets 0..20 over the slots from A: 21 x 10000 bits /
       * 0.5 s */
      ck_assert (updated);
      ck_assert_uint_eq (s.out.bitrate_bps, 420000);
    } else if (k % 2 == 1) {
      ck_assert (!updated);
    } else {
      bool change = target >= signalled * 1.01 || target <= signalled * 0.99;
      bool period = now - signalled_at >= 1000 * MS;
      ck_assert_int_eq (updated, change || period);
      if (updated && change)
        moved++;
      else if (updated)
        periodic++;
      else
        quiet++;
    }
    if (updated) {
      ck_assert_uint_eq (s.out.bitrate_bps, target);
      signalled = target;
      signalled_at = now;
    }
  }
  /* each rule was exercised */
  ck_assert_int_gt (moved, 0);
  ck_assert_int_gt (periodic, 0);
  ck_assert_int_gt (quiet, 0);
}
END_TEST

/* (a) An application-limited sender: 1000 bytes every 40 ms, 200 kbit/s, no
 * bottleneck.  Every increase of the target is bounded by 1.5 x the 1 s
 * delivered rate at that tick + 10 kbit/s, and never pulls the target down:
 * a signalled value is at most 1.5 x the highest 1 s rate read so far +
 * 10000.
 *
 * The 1 s rate is read over whole 50 ms slots: at a packet's arrival the span
 * S from the oldest slot's start to now is in [1.0 s, 1.05 s) and holds at
 * most S / 40 ms + 1 packets (both ends): 26 packets (208000 bit/s) when
 * S < 1.04 s, 27 over at least 1.04 s (207692).  The highest is 26 x 8000
 * bit / 1.0 s = 208000, reached where the 40 and 50 ms grids meet (every
 * 200 ms), so the bound is 1.5 x 208000 + 10000 = 322000.  The target
 * settles below it, at 229411: a ramp step is taken only while the last
 * 500 ms (whole slots: at most 14 packets over 520 ms, 215385 bit/s)
 * delivered 0.95 x the target, so the last step starts below 226721 and
 * NADA's growth per tick (1.125^(80 ms / 400 ms) at most) takes it to
 * 229411. */
START_TEST (test_application_limited)
{
  Sim s;
  int64_t t;
  int32_t seq = 0;
  uint32_t rate_max = 0, signalled_max = 0, first = 0;

  sim_init (&s, 0);
  for (t = 1000 * MS; t < 31000 * MS; t += 40 * MS) {
    bool updated = sim_send (&s, t, 1000, 1, seq++);
    uint32_t r = incoming (&s);
    if (r > rate_max)
      rate_max = r;
    if (!updated)
      continue;
    if (first == 0) {
      uint32_t recent = 0;
      /* the first target is the 500 ms delivered rate, before the 1 s one */
      first = s.out.bitrate_bps;
      ck_assert_uint_eq (rate_max, 0);
      ck_assert (bwe_delivery_rate_get (&s.e.delivery, s.last_arrival_us,
              500 * MS, &recent));
      ck_assert_uint_eq (first, recent);
      ck_assert_uint_le (first, 208000);
    } else {
      ck_assert_uint_le (s.out.bitrate_bps, 1.5 * rate_max + 10000);
    }
    if (s.out.bitrate_bps > signalled_max)
      signalled_max = s.out.bitrate_bps;
    ck_assert_int_eq (bwe_improved_estimator_state (&s.e), BWE_USAGE_NORMAL);
  }
  ck_assert_uint_eq (rate_max, 208000);
  ck_assert_uint_eq (signalled_max, 229411);
  ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&s.e), 229411);
}
END_TEST

/* A deterministic generator (Knuth's MMIX LCG), top 31 bits. */
static uint64_t lcg_state;

static uint32_t
lcg (void)
{
  lcg_state = lcg_state * UINT64_C (6364136223846793005) +
      UINT64_C (1442695040888963407);
  return (uint32_t) (lcg_state >> 33);
}

/* A sender that follows the signalled estimate (from the REMB's arrival,
 * PROP_US after it was signalled), frames every 40 ms of rate x 40 ms split
 * into packets of at most 1200 bytes sent 100 us apart, at most app_max. */
typedef struct
{
  double rate_bps;
  double app_max_bps;
  int64_t remb_at_us[4096];
  uint32_t remb_bps[4096];
  int remb_head, remb_tail;
} Sender;

static void
sender_init (Sender * snd, double start_bps, double app_max_bps)
{
  snd->rate_bps = start_bps;
  snd->app_max_bps = app_max_bps;
  snd->remb_head = snd->remb_tail = 0;
}

static void
sender_hear (Sender * snd, int64_t at_us, uint32_t bps)
{
  snd->remb_at_us[snd->remb_tail % 4096] = at_us + PROP_US;
  snd->remb_bps[snd->remb_tail % 4096] = bps;
  snd->remb_tail++;
}

/* The frame sent at t_us: its packet count and sizes. */
static int
sender_frame (Sender * snd, int64_t t_us, uint32_t * sizes)
{
  uint32_t bytes;
  int n, k;

  while (snd->remb_head < snd->remb_tail &&
      snd->remb_at_us[snd->remb_head % 4096] <= t_us) {
    snd->rate_bps = snd->remb_bps[snd->remb_head % 4096];
    snd->remb_head++;
  }
  if (snd->rate_bps > snd->app_max_bps)
    snd->rate_bps = snd->app_max_bps;
  bytes = (uint32_t) (snd->rate_bps * 0.040 / 8);
  n = (int) ((bytes + 1199) / 1200);
  if (n < 1)
    n = 1;
  for (k = 0; k < n; k++)
    sizes[k] = bytes / (uint32_t) n;
  return n;
}

/* (b) Random loss with no queue is not congestion: 1 % of the sequence
 * numbers skipped (the same packets arrive) gives exactly the estimates of the
 * run without gaps.  The sender follows the estimate up to 1.5 Mbit/s; no
 * bottleneck. */
START_TEST (test_random_gaps_without_queue)
{
  Sim clean, gaps;
  Sender snd;
  int64_t t;
  int32_t seq = 0, gap_seq = 0;
  uint64_t skipped = 0;
  uint32_t sizes[64];

  sim_init (&clean, 0);
  sim_init (&gaps, 0);
  sender_init (&snd, 300000, 1500000);
  lcg_state = 11;
  for (t = 1000 * MS; t < 21000 * MS; t += 40 * MS) {
    int n = sender_frame (&snd, t, sizes), k;
    for (k = 0; k < n; k++) {
      int64_t send = t + k * 100;
      bool a = sim_send (&clean, send, sizes[k], 7, seq), b;
      if (lcg () % 100 == 0) {
        gap_seq = (gap_seq + 1) & 0xFFFF;
        skipped++;
      }
      b = sim_send (&gaps, send, sizes[k], 7, gap_seq);
      seq = (seq + 1) & 0xFFFF;
      gap_seq = (gap_seq + 1) & 0xFFFF;
      ck_assert_int_eq (a, b);
      if (a) {
        ck_assert_uint_eq (clean.out.bitrate_bps, gaps.out.bitrate_bps);
        sender_hear (&snd, clean.last_arrival_us, clean.out.bitrate_bps);
      }
      ck_assert_int_eq (gaps.e.control.regime, clean.e.control.regime);
      ck_assert_int_ne (gaps.e.control.regime, BWE_REGIME_DRAIN);
    }
  }
  /* the gaps were there: every skipped number counted lost, in events */
  ck_assert_uint_gt (skipped, 0);
  ck_assert_uint_eq (gaps.e.loss.lost, skipped);
  ck_assert_uint_gt (gaps.e.loss.events, 0);
  ck_assert_uint_eq (clean.e.loss.events, 0);
  /* and the run went somewhere: the sender reached its 1.5 Mbit/s (7
   * packets of 1071 bytes per 40 ms) and the target is above it */
  ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&gaps.e),
      bwe_improved_estimator_latest_estimate (&clean.e));
  ck_assert_uint_gt (bwe_improved_estimator_latest_estimate (&gaps.e),
      1500000);
}
END_TEST

/* (c) A burst after 2 s of silence: the stream of (a) through a 5 Mbit/s
 * link (1000 bytes take 1.6 ms) until 11 s, nothing until 13 s, then 50
 * packets sent at once, then the stream again.  Before the silence the
 * target is (a)'s 229411.
 *
 * - The burst is one train whose first packet waited for nothing: the
 *   frame's queue is 0, and the 100 ms minimum holds that packet for the
 *   whole burst (50 x 1.6 = 80 ms on the link).  The two packets after it
 *   wait 40 and 1.6 ms: under (a)'s level of 3 + 44.7 ms (14400 bit at
 *   229411 bit/s) + 20.  No drain.
 * - After the silence the delivered rate needs a whole second again (it
 *   restarts at the burst's first arrival, 13.0316 s): no increase before
 *   14.0316 s.  The target stays 229411.
 * - From 14.0316 s the 1 s window holds the burst: 50 + 25 packets over
 *   1 s, 600000 bit/s, bound 910000, and the queue has been empty for
 *   300 ms: a ramp may start, but it waits for the sender: the last 500 ms
 *   delivered at most 14 packets over 520 ms (215385 bit/s), under 0.95 x
 *   229411.
 *   The target stays 229411: the burst does not raise it. */
START_TEST (test_burst_after_silence)
{
  Sim s;
  int64_t t;
  int32_t seq = 0;
  int k;
  uint32_t last = 229411;

  sim_init (&s, 5000000);
  for (t = 1000 * MS; t < 11000 * MS; t += 40 * MS)
    sim_send (&s, t, 1000, 1, seq++);
  ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&s.e), 229411);
  t = 13000 * MS;
  for (k = 0; k < 50; k++) {
    if (sim_send (&s, t, 1000, 1, seq++))
      ck_assert_uint_eq (s.out.bitrate_bps, 229411);
    ck_assert_int_eq (bwe_improved_estimator_state (&s.e), BWE_USAGE_NORMAL);
  }
  ck_assert_int_eq (s.last_arrival_us, 13031600 + 49 * 1600);
  for (t += 40 * MS; t < 16000 * MS; t += 40 * MS) {
    bool updated = sim_send (&s, t, 1000, 1, seq++);
    ck_assert_int_ne (s.e.control.regime, BWE_REGIME_DRAIN);
    ck_assert_int_eq (bwe_improved_estimator_state (&s.e), BWE_USAGE_NORMAL);
    if (s.last_arrival_us < 14031600)
      ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&s.e),
          229411);
    if (s.last_arrival_us == 14031600) {
      ck_assert_uint_eq (incoming (&s), 600000);
      ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&s.e),
          229411);
    }
    /* an increase is within the bound of its tick (a value signalled
     * again after a second need not be) */
    if (updated && s.out.bitrate_bps > last)
      ck_assert_uint_le (s.out.bitrate_bps, 1.5 * incoming (&s) + 10000);
    if (updated)
      last = s.out.bitrate_bps;
  }
  ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&s.e), 229411);
}
END_TEST

/* (d) A capacity drop: the link carries 2.5 Mbit/s, then 1 Mbit/s for what
 * it starts to send from T = 20 s.  The sender follows the estimate (frames
 * every F = 40 ms, REMB heard 30 ms after it is signalled).
 *
 * The bound: let frame 0 be the first sent at or after T (before T + F),
 * frames 1 and 2 the next.  Asserted below: the sender's rate R for frames
 * 0..2 is between 2 and 2.55 Mbit/s (at 2.5 Mbit/s the steady law may ask
 * for a little more than the link while the queue is under its level).  Each of them then needs at least 80 ms
 * of the 1 Mbit/s link and comes 40 ms after the one before, so the first
 * packet of frame 2 waits at least 40 ms more than frame 1's and at least
 * 80 ms in all: more than both its level (3 ms + 14400 bit / 2 Mbit/s = 10.2
 * ms, at most) + 30 ms and the last frame's wait + 30 ms.  That alarms: a
 * tick at the first packet 10 ms after the last tick (packets come every
 * <= 9.6 ms: within 2 packets, 19.2 ms), an emergency drain asking at most
 * 0.95 x the bottleneck's rate, which its packets (all queued, each one
 * its size x 8 us after the one before) put at 1 Mbit/s: below the new
 * capacity.  Frame 2 leaves before T + 3F = T + 120 ms; its first packet
 * waits at most the backlog at T (one frame, <= 2.55 Mbit/s x 40 ms, 102 ms
 * at 1 Mbit/s) plus frames 0 and 1 less what the link serves meanwhile
 * (2 x 40 ms x (2.55 - 1) = 124 ms): 226 ms, then 30 ms of propagation.  The
 * estimate is below 1 Mbit/s by T + 120 + 226 + 30 + 19.2 = T + 395.2 ms. */
START_TEST (test_capacity_drop)
{
  Sim s;
  Sender snd;
  int64_t t, below = -1, drop = 20000 * MS;
  int32_t seq = 0;
  uint32_t sizes[64];

  sim_init (&s, 2500000);
  sender_init (&snd, 500000, 1e9);
  for (t = 1000 * MS; t < 25000 * MS; t += 40 * MS) {
    int n = sender_frame (&snd, t, sizes), k;
    if (t >= drop && t < drop + 120 * MS) {
      ck_assert_double_ge (snd.rate_bps, 2000000);
      ck_assert_double_le (snd.rate_bps, 2550000);
    }
    for (k = 0; k < n; k++) {
      int64_t send = t + k * 100;
      int64_t start = send > s.link_free_us ? send : s.link_free_us;
      if (start >= drop)
        s.capacity_bps = 1000000;
      if (!sim_send (&s, send, sizes[k], 1, seq++))
        continue;
      sender_hear (&snd, s.last_arrival_us, s.out.bitrate_bps);
      if (below < 0 && s.last_arrival_us >= drop &&
          s.out.bitrate_bps < 1000000) {
        below = s.last_arrival_us;
        ck_assert_int_eq (s.e.control.regime, BWE_REGIME_DRAIN);
        ck_assert_int_eq (bwe_improved_estimator_state (&s.e),
            BWE_USAGE_OVERUSING);
      }
    }
  }
  ck_assert_int_ge (below, drop);
  ck_assert_int_le (below, drop + 395200);
}
END_TEST

/* (e) Unknown sequence numbers: no loss counted, the same estimates as with
 * contiguous ones. */
/* A 40 s pause, longer than half the 64 s wrap of abs-send-time, with the
 * sender's clock running: 1000 B every 40 ms (200 kbit/s), no bottleneck.
 * After the pause the queue is what it was (0), not 64 s: no drain, no
 * compete, and the estimate is the one before the pause. */
START_TEST (test_pause_longer_than_half_the_wrap)
{
  Sim s;
  int64_t t;
  uint32_t before;
  int seq = 0;

  sim_init (&s, 0);
  for (t = 0; t < 20000 * MS; t += 40 * MS)
    sim_send (&s, t, 1000, 0x1000, seq++);
  before = bwe_improved_estimator_latest_estimate (&s.e);
  ck_assert_uint_gt (before, 0);
  for (t = 60000 * MS; t < 65000 * MS; t += 40 * MS) {
    sim_send (&s, t, 1000, 0x1000, seq++);
    /* within the 3.8 us of abs-send-time's rounding */
    ck_assert_int_le (s.e.queue.sample_us, 4);
    ck_assert_int_ne (bwe_improved_estimator_regime (&s.e), BWE_REGIME_DRAIN);
    ck_assert_int_ne (bwe_improved_estimator_regime (&s.e),
        BWE_REGIME_COMPETE);
    ck_assert_uint_ge (bwe_improved_estimator_latest_estimate (&s.e), before);
  }
}
END_TEST

START_TEST (test_unknown_sequence_numbers)
{
  Sim known, unknown;
  int64_t t;
  int32_t seq = 0;
  int updates = 0;

  sim_init (&known, 0);
  sim_init (&unknown, 0);
  for (t = 1000 * MS; t < 11000 * MS; t += 40 * MS) {
    bool a = sim_send (&known, t, 1000, 1, seq++);
    bool b = sim_send (&unknown, t, 1000, 1, -1);
    ck_assert_int_eq (a, b);
    if (a) {
      ck_assert_uint_eq (known.out.bitrate_bps, unknown.out.bitrate_bps);
      updates++;
    }
  }
  ck_assert_int_gt (updates, 10);
  ck_assert_uint_eq (unknown.e.loss.received, 0);
  ck_assert_uint_eq (unknown.e.loss.events, 0);
  ck_assert_uint_eq (bwe_improved_estimator_latest_estimate (&unknown.e),
      229411);
}
END_TEST

/* ssrcs(): the SSRCs seen in the last 2 s (arrival times), ascending. */
START_TEST (test_ssrcs)
{
  Sim s;
  uint32_t list[4] = { 0 };
  int64_t t;
  int32_t seq = 0;

  sim_init (&s, 0);
  ck_assert_uint_eq (bwe_improved_estimator_ssrcs (&s.e, 0, list, 4), 0);
  /* 0x30, 0x10 (seq unknown), 0x20 in turn every 10 ms, arriving 30 ms
   * after; 0x20's last is sent at 4980 ms (t = 4960 ms, the last with t +
   * 20 ms < 5 s) and arrives at 5010 ms */
  for (t = 1000 * MS; t < 7000 * MS; t += 30 * MS) {
    sim_send (&s, t, 500, 0x30, seq);
    sim_send (&s, t + 10 * MS, 500, 0x10, -1);
    if (t + 20 * MS < 5000 * MS)
      sim_send (&s, t + 20 * MS, 500, 0x20, seq);
    seq++;
  }
  /* 2 s after it: still listed */
  ck_assert_uint_eq (bwe_improved_estimator_ssrcs (&s.e, 7010 * MS, list, 4),
      3);
  ck_assert_uint_eq (list[0], 0x10);
  ck_assert_uint_eq (list[1], 0x20);
  ck_assert_uint_eq (list[2], 0x30);
  /* 2 s and 1 us after 0x20's last arrival: gone */
  ck_assert_uint_eq (bwe_improved_estimator_ssrcs (&s.e, 7010 * MS + 1, list,
          4), 2);
  ck_assert_uint_eq (list[0], 0x10);
  ck_assert_uint_eq (list[1], 0x30);
}
END_TEST

static Suite *
improved_estimator_suite (void)
{
  Suite *s = suite_create ("improved_estimator");
  TCase *tc = tcase_create ("hub");

  tcase_add_test (tc, test_ticks_and_signals);
  tcase_add_test (tc, test_application_limited);
  tcase_add_test (tc, test_random_gaps_without_queue);
  tcase_add_test (tc, test_burst_after_silence);
  tcase_add_test (tc, test_capacity_drop);
  tcase_add_test (tc, test_pause_longer_than_half_the_wrap);
  tcase_add_test (tc, test_unknown_sequence_numbers);
  tcase_add_test (tc, test_ssrcs);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (improved_estimator_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
