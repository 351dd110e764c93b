/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The allocator hook's calls and the ring copy shared by growing structures. */
#include "allocator.h"

#include <string.h>

void *
bwe_alloc (const BweAllocator * a, size_t size)
{
  if (a == NULL || a->resize == NULL)
    return NULL;
  return a->resize (a->user_data, NULL, 0, size);
}

void
bwe_free (const BweAllocator * a, void *ptr, size_t size)
{
  if (ptr != NULL)
    a->resize (a->user_data, ptr, size, 0);
}

size_t
bwe_capacity_to_hold (size_t capacity, size_t needed, size_t min, size_t max)
{
  size_t c = capacity < min ? min : capacity * 2;

  while (c < needed && c < max)
    c *= 2;
  return c < max ? c : max;
}

/* The contiguous run of a ring from position pos, at most count long. */
static size_t
run_length (size_t capacity, uint64_t pos, size_t count)
{
  size_t to_end = capacity - (size_t) (pos & (capacity - 1));

  return to_end < count ? to_end : count;
}

void
bwe_ring_copy (void *dst, size_t dst_capacity, const void *src,
    size_t src_capacity, size_t elem_size, uint64_t first, size_t count)
{
  uint8_t *d = dst;
  const uint8_t *s = src;

  while (count > 0) {
    size_t n = run_length (src_capacity, first, count);
    size_t m = run_length (dst_capacity, first, n);

    memcpy (d + (size_t) (first & (dst_capacity - 1)) * elem_size,
        s + (size_t) (first & (src_capacity - 1)) * elem_size, m * elem_size);
    first += m;
    count -= m;
  }
}
