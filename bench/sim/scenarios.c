/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RFC 8867 test cases as the simulator runs them.  Parameters the RFC leaves to
 * the tester: 50 ms one way and a 300 ms queue wherever the case does not say
 * otherwise, every flow starting at 0 s, 120 s for 5.6 and 5.8. */
#include <string.h>

#include "sim.h"

#define S(x) ((int64_t) (x) * 1000000)
#define MS(x) ((int64_t) (x) * 1000)

static const SimScenario scenarios[] = {
  {
        .name = "5.1",
        .title = "5.1 variable capacity, one flow, 50 ms",
        .duration_us = S (100),
        .one_way_us = MS (50),
        .queue_us = MS (300),
        .capacity = {{S (0), 1000000}, {S (40), 2500000}, {S (60), 600000},
            {S (80), 1000000}},
        .num_steps = 4,
        .num_flows = 1,
        .pause_us = {-1, -1, -1, -1},
        .resume_us = {-1, -1, -1, -1},
        .phase_us = {S (0), S (40), S (60), S (80), S (100)},
        .num_phases = 4,
      },
  {
        .name = "5.1-100ms",
        .title = "5.1 variable capacity, one flow, 100 ms",
        .duration_us = S (100),
        .one_way_us = MS (100),
        .queue_us = MS (300),
        .capacity = {{S (0), 1000000}, {S (40), 2500000}, {S (60), 600000},
            {S (80), 1000000}},
        .num_steps = 4,
        .num_flows = 1,
        .pause_us = {-1, -1, -1, -1},
        .resume_us = {-1, -1, -1, -1},
        .phase_us = {S (0), S (40), S (60), S (80), S (100)},
        .num_phases = 4,
      },
  {
        .name = "5.2",
        .title = "5.2 variable capacity, two flows",
        .duration_us = S (125),
        .one_way_us = MS (50),
        .queue_us = MS (300),
        .capacity = {{S (0), 4000000}, {S (25), 2000000}, {S (50), 3500000},
            {S (75), 1000000}, {S (100), 2000000}},
        .num_steps = 5,
        .num_flows = 2,
        .pause_us = {-1, -1, -1, -1},
        .resume_us = {-1, -1, -1, -1},
        .phase_us = {S (0), S (25), S (50), S (75), S (100), S (125)},
        .num_phases = 5,
      },
  {
        .name = "5.6",
        .title = "5.6 one flow against long-lived TCP, 2 Mbps",
        .duration_us = S (120),
        .one_way_us = MS (50),
        .queue_us = MS (300),
        .capacity = {{S (0), 2000000}},
        .num_steps = 1,
        .num_flows = 1,
        .pause_us = {-1, -1, -1, -1},
        .resume_us = {-1, -1, -1, -1},
        .tcp = true,
        .phase_us = {S (0), S (30), S (120)},
        .num_phases = 2,
      },
  {
        .name = "5.8",
        .title = "5.8 pause and resume, three flows, 3.5 Mbps",
        .duration_us = S (120),
        .one_way_us = MS (50),
        .queue_us = MS (300),
        .capacity = {{S (0), 3500000}},
        .num_steps = 1,
        .num_flows = 3,
        .pause_us = {S (40), -1, -1, -1},
        .resume_us = {S (60), -1, -1, -1},
        .phase_us = {S (0), S (40), S (60), S (120)},
        .num_phases = 3,
      },
};

const SimScenario *
sim_scenario_get (int i)
{
  if (i < 0 || (size_t) i >= sizeof (scenarios) / sizeof (scenarios[0]))
    return NULL;
  return &scenarios[i];
}

const SimScenario *
sim_scenario_find (const char *name)
{
  const SimScenario *s;
  int i;

  for (i = 0; (s = sim_scenario_get (i)) != NULL; i++)
    if (strcmp (s->name, name) == 0)
      return s;
  return NULL;
}
