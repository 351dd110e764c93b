/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A BweAllocator (allocator.h) over libc's realloc and free, for the programs
 * around the core (bwe-replay, the tests, the fuzz targets, the benchmarks):
 * it counts the bytes in use and their peak, and can fail requests on
 * purpose so that what the core does without memory is tested too.  Not part
 * of the core library, which never calls malloc; not thread-safe. */
#ifndef BWE_LIBC_ALLOCATOR_H
#define BWE_LIBC_ALLOCATOR_H

#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

typedef struct
{
  BweAllocator allocator;       /* what the core is given: &a->allocator */
  size_t in_use;                /* bytes held by the core now */
  size_t peak;                  /* the most held at once */
  uint64_t requests;            /* allocations and resizes asked for */
  uint64_t failed;              /* of which refused */
  /* Request n (counting from 0) is refused when bit n % 64 is set. */
  uint64_t fail_pattern;
} BweLibcAllocator;

/* Counts from zero, refuses nothing. */
void bwe_libc_allocator_init (BweLibcAllocator * a);

#endif
