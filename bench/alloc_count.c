/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Allocation counter: the executable's own malloc family takes precedence
 * over libc's for every library in the process (GLib and GStreamer included),
 * counts, and forwards to glibc's internal entry points. */
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "alloc_count.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_NO_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define BENCH_NO_INTERPOSE 1
#endif
#endif

#ifdef BENCH_NO_INTERPOSE

bool
bench_alloc_counting (void)
{
  return false;
}

uint64_t
bench_alloc_count (void)
{
  return 0;
}

#else

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);
extern void *__libc_memalign (size_t alignment, size_t size);
extern void __libc_free (void *ptr);

static atomic_uint_fast64_t allocations;

bool
bench_alloc_counting (void)
{
  return true;
}

uint64_t
bench_alloc_count (void)
{
  return atomic_load_explicit (&allocations, memory_order_relaxed);
}

static void
count (void)
{
  atomic_fetch_add_explicit (&allocations, 1, memory_order_relaxed);
}

void *
malloc (size_t size)
{
  count ();
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  count ();
  return __libc_calloc (n, size);
}

void *
realloc (void *ptr, size_t size)
{
  count ();
  return __libc_realloc (ptr, size);
}

void
free (void *ptr)
{
  __libc_free (ptr);
}

int
posix_memalign (void **out, size_t alignment, size_t size)
{
  void *p;

  count ();
  p = __libc_memalign (alignment, size);
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}

void *
aligned_alloc (size_t alignment, size_t size)
{
  count ();
  return __libc_memalign (alignment, size);
}

void *
memalign (size_t alignment, size_t size)
{
  count ();
  return __libc_memalign (alignment, size);
}

#endif
