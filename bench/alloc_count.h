/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Counts heap allocations in this process (malloc, calloc, realloc,
 * posix_memalign, aligned_alloc, memalign) by interposing glibc's allocator.
 * Not available in sanitizer builds, whose runtime owns the allocator. */
#ifndef BENCH_ALLOC_COUNT_H
#define BENCH_ALLOC_COUNT_H

#include <stdbool.h>
#include <stdint.h>

/* False when allocations are not counted (sanitizer build). */
bool bench_alloc_counting (void);
/* Allocations so far, all threads. */
uint64_t bench_alloc_count (void);

#endif
