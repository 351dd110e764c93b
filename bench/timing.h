/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Wall-clock timing of benchmark passes on a shared machine. */
#ifndef BWE_BENCH_TIMING_H
#define BWE_BENCH_TIMING_H

/* CLOCK_MONOTONIC in nanoseconds. */
double bench_now_ns (void);
/* Median of n values (sorts v in place). */
double bench_median (double *v, int n);
/* Other processes only ever add time: the fastest pass is the estimate, the
 * median says how loaded the machine was.  Sorts v in place. */
double bench_fastest (double *v, int n);

#endif
