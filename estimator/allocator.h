/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How the core gets memory: from a hook its caller supplies.
 *
 * The core never calls malloc.  A structure that grows with use (the remote
 * estimator's stream table, probe list and incoming-rate ring, the TWCC
 * recorder's arrival map and feedback builder) starts empty and takes its
 * memory from the BweAllocator its init function was given; its release
 * function gives everything back.
 *
 * The contract, in the manner of lua_Alloc:
 * - resize (user_data, ptr, old_size, new_size): with ptr NULL (old_size 0)
 *   allocates new_size bytes; with new_size 0 frees ptr (of old_size bytes)
 *   and returns NULL; otherwise resizes ptr, keeping its first
 *   min (old_size, new_size) bytes, as realloc does.  Returns NULL when it
 *   cannot allocate, ptr then untouched.  Memory is aligned for any type, as
 *   malloc's.  The core never asks for 0 bytes but to free.
 * - The core calls it when a structure grows (capacities double, so a steady
 *   stream never makes it allocate), when it shrinks (idle streams, the end
 *   of probing, a backlog reported) and from release functions; never from
 *   the per-packet path of a structure that has room.  One structure's calls
 *   come from one thread at a time (its caller serializes them); an
 *   allocator shared by structures used from several threads must be
 *   thread-safe.
 * - The core keeps the pointer: the BweAllocator must outlive every
 *   structure initialized with it.
 * - NULL is allowed: nothing is ever allocated, as if every request failed.
 *
 * When a request fails the structure goes on with what it holds, as if its
 * capacity were its limit; each header says what that means (where the
 * estimate may then depart from libwebrtc's, it is counted). */
#ifndef BWE_ALLOCATOR_H
#define BWE_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void *(*BweResizeFunc) (void *user_data, void *ptr, size_t old_size,
    size_t new_size);

typedef struct
{
  BweResizeFunc resize;
  void *user_data;
} BweAllocator;

/* size bytes (size > 0) from a; NULL when a is NULL or it fails. */
void *bwe_alloc (const BweAllocator * a, size_t size);

/* Gives back ptr, of size bytes (nothing when ptr is NULL). */
void bwe_free (const BweAllocator * a, void *ptr, size_t size);

/* The capacity to grow to (a power of two, at least min, at most max) from
 * capacity so that it holds needed: doubling, never less than twice the old
 * capacity unless max stops it.  min and max are powers of two. */
size_t bwe_capacity_to_hold (size_t capacity, size_t needed, size_t min,
    size_t max);

/* The growable rings of the core are power-of-two arrays indexed by a
 * free-running position masked by capacity - 1.  Copies the elements at
 * positions [first, first + count) of src (src_capacity elements of
 * elem_size bytes) to the same positions of dst (dst_capacity); count is at
 * most both capacities. */
void bwe_ring_copy (void *dst, size_t dst_capacity, const void *src,
    size_t src_capacity, size_t elem_size, uint64_t first, size_t count);

#endif
