/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "timing.h"

#include <stdlib.h>
#include <time.h>

double
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
bench_median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof (double), compare_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
bench_fastest (double *v, int n)
{
  bench_median (v, n);
  return v[0];
}
