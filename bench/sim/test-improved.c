/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The improved mode against its targets on the simulator's RFC 8867 cases,
 * beside the libwebrtc mode in the same run.  The simulator is deterministic,
 * so these are exact checks, not timing: every threshold of issue 11.
 *
 * - 5.1 and 5.1-100ms: whole-run utilisation >= 90 %; every up-step settled
 *   within 3 s; the down-step phase with a queue p95 <= 120 ms and loss
 *   <= 2 %; every other phase with a queue p95 <= 50 ms and no loss.
 *   One exception, which no receiver can meet: 5.1-100ms's drop from 2.5 to
 *   0.6 Mbit/s fills the 300 ms queue 90 ms after the step, while the first
 *   delayed packets reach the receiver 117 ms after it and the REMB the
 *   sender 100 ms later: about 140 ms of 2 Mbit/s too much is dropped
 *   whatever the estimator does, 2.1 to 2.2 % of the phase.  Its limit
 *   here is 2.5 % (docs/improved-mode.md, "What it cannot do").
 * - 5.2 and 5.8: Jain >= 0.95 in every phase; whole-run utilisation >= 90 %.
 * - 5.6: the media's share against TCP >= 30 % over the run.
 * - 5.1 with 5 ms of jitter and 1 % loss: whole-run utilisation within 5
 *   points of the clean run, on the mean of 8 seeds (the jitter and the
 *   losses fall differently with each; one seed alone swings by 4 points),
 *   and no phase of seed 1 worse than the libwebrtc mode's by the margins
 *   below.
 * - No phase of any case worse than the libwebrtc mode by more than 5 points
 *   of utilisation, 20 ms of queue p95 or 0.5 points of loss.
 * And behind a sender that follows a REMB 300 ms late and raises its rate at
 * most once a second (an encoder behind rtpbweadapt), over each whole run:
 * utilisation at least 90 % and a queue p95 under 50 ms (against TCP: a
 * share of at least 30 %), and loss no higher than the libwebrtc mode's. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static int failures;

#define EXPECT(cond, ...) do { \
    if (!(cond)) { \
      fprintf (stderr, "FAIL: "); \
      fprintf (stderr, __VA_ARGS__); \
      fputc ('\n', stderr); \
      failures++; \
    } \
  } while (0)

static int64_t sender_lag_us, increase_interval_us;

static void
run_seed (const char *name, SimMode mode, double jitter_ms, double loss,
    uint64_t seed, SimResult * r)
{
  SimOptions o;

  sim_options_init (&o);
  o.seed = seed;
  o.mode = mode;
  o.sender_lag_us = sender_lag_us;
  o.increase_interval_us = increase_interval_us;
  o.jitter_sd_ms = jitter_ms;
  o.loss = loss;
  memset (r, 0, sizeof (*r));
  if (sim_run (sim_scenario_find (name), &o, r) != 0) {
    fprintf (stderr, "FAIL: %s: the simulator failed\n", name);
    exit (1);
  }
  sim_print_rows (stdout, sim_scenario_find (name), &o, r);
}

static void
run (const char *name, SimMode mode, double jitter_ms, double loss,
    SimResult * r)
{
  run_seed (name, mode, jitter_ms, loss, 1, r);
}

/* Phases of improved no worse than libwebrtc's by the margins. */
static void
expect_no_worse (const char *name, const SimResult * imp, const SimResult * lib)
{
  int k;

  for (k = 0; k < imp->num_phases; k++) {
    const SimPhaseResult *a = &imp->phase[k], *b = &lib->phase[k];
    EXPECT (a->utilisation >= b->utilisation - 0.05,
        "%s phase %d: utilisation %.3f, libwebrtc %.3f", name, k,
        a->utilisation, b->utilisation);
    EXPECT (a->qdelay_p95_ms <= b->qdelay_p95_ms + 20.0,
        "%s phase %d: queue p95 %.1f ms, libwebrtc %.1f ms", name, k,
        a->qdelay_p95_ms, b->qdelay_p95_ms);
    EXPECT (a->loss <= b->loss + 0.005,
        "%s phase %d: loss %.4f, libwebrtc %.4f", name, k, a->loss, b->loss);
  }
}

static void
check_variable_capacity (const char *name, double down_step_loss)
{
  const SimScenario *s = sim_scenario_find (name);
  SimResult imp, lib;
  int k;

  run (name, SIM_MODE_IMPROVED, 0, 0, &imp);
  run (name, SIM_MODE_LIBWEBRTC, 0, 0, &lib);
  EXPECT (imp.whole.utilisation >= 0.90, "%s: utilisation %.3f", name,
      imp.whole.utilisation);
  for (k = 0; k < imp.num_phases; k++) {
    const SimPhaseResult *ph = &imp.phase[k];
    uint32_t before = k > 0 ? s->capacity[k - 1].bps : 0;
    uint32_t now = s->capacity[k].bps;

    if (k > 0 && now > before)
      EXPECT (ph->settle_s >= 0 && ph->settle_s <= 3.0,
          "%s phase %d: up-step settled in %.1f s", name, k, ph->settle_s);
    if (k > 0 && now < before) {
      EXPECT (ph->qdelay_p95_ms <= 120.0, "%s phase %d: down-step queue p95 "
          "%.1f ms", name, k, ph->qdelay_p95_ms);
      EXPECT (ph->loss <= down_step_loss, "%s phase %d: down-step loss %.4f",
          name, k, ph->loss);
    } else {
      EXPECT (ph->qdelay_p95_ms <= 50.0, "%s phase %d: queue p95 %.1f ms",
          name, k, ph->qdelay_p95_ms);
      EXPECT (ph->loss == 0, "%s phase %d: loss %.4f", name, k, ph->loss);
    }
  }
  expect_no_worse (name, &imp, &lib);
}

static void
check_sharing (const char *name)
{
  SimResult imp, lib;
  int k;

  run (name, SIM_MODE_IMPROVED, 0, 0, &imp);
  run (name, SIM_MODE_LIBWEBRTC, 0, 0, &lib);
  EXPECT (imp.whole.utilisation >= 0.90, "%s: utilisation %.3f", name,
      imp.whole.utilisation);
  for (k = 0; k < imp.num_phases; k++)
    EXPECT (imp.phase[k].jain >= 0.95, "%s phase %d: Jain %.3f", name, k,
        imp.phase[k].jain);
  expect_no_worse (name, &imp, &lib);
}

static void
check_tcp (void)
{
  SimResult imp, lib;
  double share;

  run ("5.6", SIM_MODE_IMPROVED, 0, 0, &imp);
  run ("5.6", SIM_MODE_LIBWEBRTC, 0, 0, &lib);
  share = imp.whole.media_bps / (imp.whole.media_bps + imp.whole.tcp_bps);
  EXPECT (share >= 0.30, "5.6: media share %.3f", share);
  expect_no_worse ("5.6", &imp, &lib);
}

#define ROUGH_SEEDS 8

static void
check_rough_path (void)
{
  SimResult clean, rough, lib;
  double sum = 0;
  uint64_t seed;

  run ("5.1", SIM_MODE_IMPROVED, 0, 0, &clean);
  for (seed = 1; seed <= ROUGH_SEEDS; seed++) {
    run_seed ("5.1", SIM_MODE_IMPROVED, 5.0, 0.01, seed, &rough);
    sum += rough.whole.utilisation;
    if (seed == 1) {
      run_seed ("5.1", SIM_MODE_LIBWEBRTC, 5.0, 0.01, seed, &lib);
      expect_no_worse ("5.1 with jitter and loss", &rough, &lib);
    }
  }
  EXPECT (sum / ROUGH_SEEDS >= clean.whole.utilisation - 0.05,
      "5.1 with jitter and loss: utilisation %.3f (mean of %d seeds), "
      "clean %.3f", sum / ROUGH_SEEDS, ROUGH_SEEDS, clean.whole.utilisation);
}

/* Behind a late sender, over the whole run. */
static void
check_late_sender (const char *name)
{
  const SimScenario *sc = sim_scenario_find (name);
  SimResult imp, lib;
  double share;

  run (name, SIM_MODE_IMPROVED, 0, 0, &imp);
  run (name, SIM_MODE_LIBWEBRTC, 0, 0, &lib);
  EXPECT (imp.whole.loss <= lib.whole.loss, "%s, late sender: loss %.4f, "
      "libwebrtc %.4f", name, imp.whole.loss, lib.whole.loss);
  if (sc->tcp) {
    share = imp.whole.media_bps / (imp.whole.media_bps + imp.whole.tcp_bps);
    EXPECT (share >= 0.30, "%s, late sender: share %.3f", name, share);
    return;
  }
  EXPECT (imp.whole.utilisation >= 0.90, "%s, late sender: utilisation "
      "%.3f", name, imp.whole.utilisation);
  EXPECT (imp.whole.qdelay_p95_ms < 50, "%s, late sender: queue p95 %.1f ms",
      name, imp.whole.qdelay_p95_ms);
}

int
main (void)
{
  sim_print_header (stdout);
  check_variable_capacity ("5.1", 0.02);
  check_variable_capacity ("5.1-100ms", 0.025);
  check_sharing ("5.2");
  check_sharing ("5.8");
  check_tcp ();
  check_rough_path ();
  sender_lag_us = 300000;
  increase_interval_us = 1000000;
  check_late_sender ("5.1");
  check_late_sender ("5.1-100ms");
  check_late_sender ("5.2");
  check_late_sender ("5.8");
  check_late_sender ("5.6");
  if (failures)
    fprintf (stderr, "%d failure(s)\n", failures);
  else
    printf ("improved mode: every target met\n");
  return failures ? 1 : 0;
}
