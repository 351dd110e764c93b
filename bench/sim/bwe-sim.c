/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bwe-sim: runs one RFC 8867 scenario (or all) on the estimator core and prints
 * the per-phase metrics as markdown rows.
 *
 *   bwe-sim [--scenario NAME|all|none] [--mode libwebrtc|improved]
 *           [--filter kalman|trendline] [--seed N]
 *           [--duration S] [--jitter MS] [--loss P] [--fixed BPS]
 *           [--no-probing] [--sender-lag MS] [--increase-interval MS]
 *           [--label TEXT] [--series FILE] [--header]
 *           [--progress] [--list]
 *
 * --no-probing: senders skip libwebrtc's start-up probe clusters (3x and 6x
 * the 300 kbit/s start rate).
 * --sender-lag and --increase-interval model an encoder behind rtpbweadapt:
 * its rate follows a REMB MS later, and rises at most once per interval.
 * --fixed runs open loop (senders keep BPS whatever REMB says); --series
 * writes the 100 ms time series of the (last) scenario run.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static int
usage (void)
{
  fprintf (stderr, "usage: bwe-sim [--scenario NAME|all] [--mode libwebrtc|"
      "improved] [--filter kalman|trendline] [--seed N] [--duration S] [--jitter MS] [--loss P] "
      "[--fixed BPS] [--no-probing] [--sender-lag MS] [--increase-interval MS] "
      "[--label TEXT] [--series FILE] [--header] "
      "[--progress] [--list]\n");
  return 2;
}

int
main (int argc, char **argv)
{
  SimOptions o;
  const char *name = "5.1", *series = NULL;
  bool header = false;
  int i;

  sim_options_init (&o);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp (a, "--help") == 0) {
      usage ();
      return 0;
    } else if (strcmp (a, "--header") == 0) {
      header = true;
    } else if (strcmp (a, "--no-probing") == 0) {
      o.no_probing = true;
    } else if (strcmp (a, "--progress") == 0) {
      o.progress = true;
    } else if (strcmp (a, "--list") == 0) {
      const SimScenario *s;
      int k;
      for (k = 0; (s = sim_scenario_get (k)) != NULL; k++)
        printf ("%s\t%d\t%d\t%s\n", s->name, s->num_flows, s->tcp ? 1 : 0,
            s->title);
      return 0;
    } else if (!v) {
      return usage ();
    } else if (strcmp (a, "--scenario") == 0) {
      name = v;
      i++;
    } else if (strcmp (a, "--mode") == 0) {
      if (strcmp (v, "libwebrtc") == 0)
        o.mode = SIM_MODE_LIBWEBRTC;
      else if (strcmp (v, "improved") == 0)
        o.mode = SIM_MODE_IMPROVED;
      else
        return usage ();
      i++;
    } else if (strcmp (a, "--filter") == 0) {
      if (strcmp (v, "kalman") == 0)
        o.filter = BWE_FILTER_KALMAN;
      else if (strcmp (v, "trendline") == 0)
        o.filter = BWE_FILTER_TRENDLINE;
      else
        return usage ();
      i++;
    } else if (strcmp (a, "--seed") == 0) {
      o.seed = strtoull (v, NULL, 0);
      i++;
    } else if (strcmp (a, "--duration") == 0) {
      o.duration_us = (int64_t) (strtod (v, NULL) * 1e6);
      i++;
    } else if (strcmp (a, "--jitter") == 0) {
      o.jitter_sd_ms = strtod (v, NULL);
      i++;
    } else if (strcmp (a, "--loss") == 0) {
      o.loss = strtod (v, NULL);
      i++;
    } else if (strcmp (a, "--sender-lag") == 0) {
      o.sender_lag_us = (int64_t) (strtod (v, NULL) * 1000);
      i++;
    } else if (strcmp (a, "--increase-interval") == 0) {
      o.increase_interval_us = (int64_t) (strtod (v, NULL) * 1000);
      i++;
    } else if (strcmp (a, "--label") == 0) {
      o.label = v;
      i++;
    } else if (strcmp (a, "--fixed") == 0) {
      o.fixed_bps = (uint32_t) strtoul (v, NULL, 0);
      i++;
    } else if (strcmp (a, "--series") == 0) {
      series = v;
      i++;
    } else {
      return usage ();
    }
  }

  if (header)
    sim_print_header (stdout);
  if (strcmp (name, "none") == 0)
    return 0;
  for (i = 0;; i++) {
    const SimScenario *s;
    SimResult r;

    if (strcmp (name, "all") == 0) {
      s = sim_scenario_get (i);
      if (!s)
        break;
    } else {
      if (i > 0)
        break;
      s = sim_scenario_find (name);
      if (!s) {
        fprintf (stderr, "bwe-sim: no scenario %s (see --list)\n", name);
        return 2;
      }
    }
    o.series = NULL;
    if (series) {
      o.series = fopen (series, "w");
      if (!o.series) {
        perror (series);
        return 1;
      }
    }
    if (sim_run (s, &o, &r) < 0) {
      fprintf (stderr, "bwe-sim: %s failed (out of memory)\n", s->name);
      return 1;
    }
    if (o.series)
      fclose (o.series);
    sim_print_rows (stdout, s, &o, &r);
    fflush (stdout);
  }
  return 0;
}
