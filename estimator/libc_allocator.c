/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The counting libc allocator of the programs around the core. */
#include "libc_allocator.h"

#include <stdlib.h>

static void *
libc_resize (void *user_data, void *ptr, size_t old_size, size_t new_size)
{
  BweLibcAllocator *a = user_data;
  void *p;

  if (new_size == 0) {
    free (ptr);
    a->in_use -= old_size;
    return NULL;
  }
  if (a->fail_pattern >> (a->requests++ % 64) & 1) {
    a->failed++;
    return NULL;
  }
  p = realloc (ptr, new_size);
  if (p == NULL)
    return NULL;
  a->in_use += new_size - old_size;
  if (a->in_use > a->peak)
    a->peak = a->in_use;
  return p;
}

void
bwe_libc_allocator_init (BweLibcAllocator * a)
{
  a->allocator.resize = libc_resize;
  a->allocator.user_data = a;
  a->in_use = 0;
  a->peak = 0;
  a->requests = 0;
  a->failed = 0;
  a->fail_pattern = 0;
}
