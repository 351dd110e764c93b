/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the closed-loop simulator: the bottleneck model against numbers
 * worked out by hand (open loop), and determinism for a seed (closed loop). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static int failures;

#define EXPECT(cond, ...) do { \
    if (!(cond)) { \
      fprintf (stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf (stderr, __VA_ARGS__); \
      fputc ('\n', stderr); \
      failures++; \
    } \
  } while (0)

/* 600 kbit/s at 30 fps: frames of 2500 B, three packets (payload at most
 * 1180 B), each with 20 B RTP and 28 B IP/UDP overhead: 2644 B per frame on
 * the wire, 634560 bit/s, 63.456 % of the 1 Mbit/s of 5.1's first phase.  The
 * pacer (1.5 Mbit/s) outruns the link only within a frame: at most two packets
 * wait, less than one packet time (7.1 ms) each, and nothing is lost. */
static void
test_open_loop_underload (void)
{
  SimOptions o;
  SimResult r;

  sim_options_init (&o);
  o.fixed_bps = 600000;
  o.duration_us = 20000000;
  EXPECT (sim_run (sim_scenario_find ("5.1"), &o, &r) == 0, "run");
  EXPECT (r.num_phases == 1, "phases %d", r.num_phases);
  EXPECT (fabs (r.phase[0].utilisation - 0.63456) < 1e-9, "utilisation %.9f",
      r.phase[0].utilisation);
  EXPECT (r.phase[0].loss == 0, "loss %f", r.phase[0].loss);
  EXPECT (r.phase[0].qdelay_p95_ms < 7.1, "p95 %f", r.phase[0].qdelay_p95_ms);
}

/* 1.5 Mbit/s: frames of 6250 B in six packets, 6538 B on the wire, 1.56912
 * Mbit/s offered to 1 Mbit/s.  The link never idles and the 300 ms queue is
 * refilled at every frame, so over T = 20 s the loss is
 * 1 - (C T + 0.3 s C) / (R T) = 1 - 20.3 / 31.3824 = 35.31 % (packets are
 * within a byte of each other, so bytes ~ packets).  An admitted packet waits
 * at most 300 ms less its own 8.7 ms, and at least what is left after the
 * queue drained for one frame interval (33.3 ms) and two packet times:
 * 300 - 33.3 - 17.4 = 249.3 ms. */
static void
test_open_loop_overload (void)
{
  SimOptions o;
  SimResult r;

  sim_options_init (&o);
  o.fixed_bps = 1500000;
  o.duration_us = 20000000;
  EXPECT (sim_run (sim_scenario_find ("5.1"), &o, &r) == 0, "run");
  EXPECT (r.phase[0].utilisation > 0.999 && r.phase[0].utilisation <= 1.0,
      "utilisation %f", r.phase[0].utilisation);
  EXPECT (fabs (r.phase[0].loss - 0.3531) < 0.003, "loss %f",
      r.phase[0].loss);
  EXPECT (r.phase[0].qdelay_p50_ms > 249.3 && r.phase[0].qdelay_p50_ms < 291.3,
      "p50 %f", r.phase[0].qdelay_p50_ms);
}

static char *
run_series (const char *scenario, BweDelayFilter filter, uint64_t seed,
    SimResult * r, size_t * len)
{
  SimOptions o;
  char *buf = NULL;

  sim_options_init (&o);
  o.filter = filter;
  o.seed = seed;
  o.jitter_sd_ms = 2.0;
  o.loss = 0.01;
  o.duration_us = 30000000;
  o.series = open_memstream (&buf, len);
  EXPECT (o.series != NULL, "open_memstream");
  memset (r, 0, sizeof (*r));
  EXPECT (sim_run (sim_scenario_find (scenario), &o, r) == 0, "run");
  fclose (o.series);
  return buf;
}

/* Same seed, same everything; another seed, another jitter and loss pattern. */
static void
test_deterministic (const char *scenario, BweDelayFilter filter)
{
  SimResult a, b, c;
  size_t la, lb, lc;
  char *sa = run_series (scenario, filter, 7, &a, &la);
  char *sb = run_series (scenario, filter, 7, &b, &lb);
  char *sc = run_series (scenario, filter, 8, &c, &lc);

  EXPECT (a.media_packets > 500, "%s: only %llu packets", scenario,
      (unsigned long long) a.media_packets);
  EXPECT (memcmp (&a, &b, sizeof (a)) == 0, "%s: results differ", scenario);
  EXPECT (la == lb && memcmp (sa, sb, la) == 0, "%s: series differ", scenario);
  EXPECT (la != lc || memcmp (sa, sc, la) != 0, "%s: seed has no effect",
      scenario);
  free (sa);
  free (sb);
  free (sc);
}

/* Whatever the estimator does, the link delivers at most its capacity (plus
 * the one packet of at most 1500 B whose transmission straddles the start of
 * the phase) and the queue never holds more than its limit. */
static void
test_invariants (void)
{
  int i, k;

  for (i = 0; sim_scenario_get (i) != NULL; i++) {
    const SimScenario *s = sim_scenario_get (i);
    SimOptions o;
    SimResult r;

    sim_options_init (&o);
    o.duration_us = 45000000;
    EXPECT (sim_run (s, &o, &r) == 0, "run %s", s->name);
    for (k = 0; k < r.num_phases; k++) {
      const SimPhaseResult *ph = &r.phase[k];
      double slack = 12000.0 / (ph->capacity_bps * (ph->end_us - ph->start_us)
          / 1e6);
      EXPECT (ph->utilisation <= 1.0 + slack, "%s phase %d: %f",
          s->name, k, r.phase[k].utilisation);
      EXPECT (r.phase[k].qdelay_p95_ms <= s->queue_us / 1000.0, "%s: p95 %f",
          s->name, r.phase[k].qdelay_p95_ms);
    }
  }
}

int
main (void)
{
  test_open_loop_underload ();
  test_open_loop_overload ();
  test_deterministic ("5.1", BWE_FILTER_KALMAN);
  test_deterministic ("5.2", BWE_FILTER_TRENDLINE);
  test_deterministic ("5.6", BWE_FILTER_KALMAN);
  test_invariants ();
  if (failures)
    fprintf (stderr, "%d failure(s)\n", failures);
  else
    printf ("sim: all tests passed\n");
  return failures ? 1 : 0;
}
