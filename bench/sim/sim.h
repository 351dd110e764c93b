/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Closed-loop simulator: video senders that follow the REMB of a receiver
 * running the estimator core, a drop-tail bottleneck measured in time,
 * propagation delay, optional jitter and random loss, and an optional
 * TCP-like AIMD competitor.
 * Deterministic for a seed: no clock is read, events at equal times run in the
 * order they were scheduled. */
#ifndef BWE_SIM_H
#define BWE_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "improved_estimator.h"
#include "remote_estimator.h"

#define SIM_MAX_FLOWS 4
#define SIM_MAX_STEPS 8
#define SIM_MAX_PHASES 8

typedef struct
{
  int64_t at_us;
  uint32_t bps;
} SimStep;

typedef struct
{
  const char *name;             /* short id, e.g. "5.1" */
  const char *title;
  int64_t duration_us;
  int64_t one_way_us;           /* propagation, each direction */
  int64_t queue_us;             /* drop-tail limit of the bottleneck, in time */
  SimStep capacity[SIM_MAX_STEPS];
  int num_steps;
  int num_flows;                /* media flows */
  int64_t start_us[SIM_MAX_FLOWS];
  int64_t pause_us[SIM_MAX_FLOWS];      /* -1: never paused */
  int64_t resume_us[SIM_MAX_FLOWS];
  bool tcp;                     /* a long-lived TCP-like AIMD flow from 0 s */
  int64_t phase_us[SIM_MAX_PHASES + 1]; /* boundaries, first 0, last duration */
  int num_phases;
} SimScenario;

typedef enum
{
  SIM_MODE_LIBWEBRTC = 0,       /* the parity estimator */
  SIM_MODE_IMPROVED = 1,
} SimMode;

typedef struct
{
  SimMode mode;
  BweDelayFilter filter;        /* of the libwebrtc mode */
  uint64_t seed;
  double jitter_sd_ms;          /* 0: none */
  double loss;                  /* random path loss probability */
  int64_t duration_us;          /* 0: the scenario's */
  uint32_t fixed_bps;           /* open loop: senders ignore REMB (0: obey) */
  bool no_probing;              /* no probe clusters at the start of a flow */
  /* A real encoder behind rtpbweadapt: its rate follows a REMB this long
   * after it arrives, and rises at most once per increase interval (falls
   * at once).  0: the target follows every REMB at once. */
  int64_t sender_lag_us;
  int64_t increase_interval_us;
  FILE *series;                 /* 100 ms time series (TSV) or NULL */
  bool progress;                /* a line on stderr every 10 simulated s */
  const char *label;            /* scenario column of the rows (NULL: name) */
} SimOptions;

typedef struct
{
  int64_t start_us;
  int64_t end_us;
  double capacity_bps;          /* mean over the phase */
  double utilisation;           /* received (all flows) / capacity */
  double media_bps;             /* media received per second */
  double tcp_bps;
  double qdelay_p50_ms;         /* waiting time of media packets in the queue */
  double qdelay_p95_ms;
  double loss;                  /* media packets lost / sent */
  double settle_s;              /* < 0: did not settle within the phase */
  double jain;                  /* < 0: fewer than two media flows */
  int active_flows;
} SimPhaseResult;

typedef struct
{
  int num_phases;
  SimPhaseResult phase[SIM_MAX_PHASES];
  SimPhaseResult whole;         /* the run as one phase (settle: none) */
  uint64_t media_packets;
  uint64_t events;
} SimResult;

/* Settling band: the summed sender targets are inside
 * [SIM_SETTLE_LOW, SIM_SETTLE_HIGH] x capacity for SIM_SETTLE_HOLD_US. */
#define SIM_SETTLE_LOW 0.7
#define SIM_SETTLE_HIGH 1.1
#define SIM_SETTLE_HOLD_US 2000000

const SimScenario *sim_scenario_find (const char *name);
const SimScenario *sim_scenario_get (int i);    /* NULL past the last */

void sim_options_init (SimOptions * o);
/* Runs one scenario; returns 0, or -1 when it could not (out of memory). */
int sim_run (const SimScenario * s, const SimOptions * o, SimResult * r);

/* The mode column: the filter for libwebrtc, else "improved". */
const char *sim_mode_name (const SimOptions * o);

/* Markdown rows, one per phase: | scenario | mode | phase | ... | */
void sim_print_rows (FILE * f, const SimScenario * s, const SimOptions * o,
    const SimResult * r);
void sim_print_header (FILE * f);

#endif
