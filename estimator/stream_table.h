/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc
 * (its SSRC map), source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause
 * notice: LICENSES/BSD-3-Clause-WebRTC.txt. */
/* The streams an estimator has seen: SSRC -> last-seen time, as libwebrtc's
 * std::map in RemoteBitrateEstimatorAbsSendTime, looked up on every packet.
 *
 * An open-addressing hash table whose slots are the entries themselves (one
 * memory access per packet).  It grows with use through the allocator given
 * to init (allocator.h): no memory until the first stream, then room for
 * BWE_STREAM_TABLE_MIN streams, doubling up to the limit the caller sets;
 * bwe_stream_table_trim() gives back a table used at most a quarter.  The
 * order of the entries (for bwe_stream_table_oldest()'s ties) is the slots'
 * order, which a resize changes. */
#ifndef BWE_STREAM_TABLE_H
#define BWE_STREAM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "allocator.h"

/* The first table allocated holds this many streams (in twice as many
 * slots). */
#define BWE_STREAM_TABLE_MIN 4

typedef struct
{
  uint32_t ssrc;
  uint32_t used;                /* 1, 0: an empty slot */
  int64_t last_seen_us;
} BweStreamEntry;

typedef struct
{
  BweStreamEntry *slots;        /* 2 * capacity slots */
  uint32_t mask;                /* slots - 1 */
  uint32_t shift;               /* 32 - log2 (slots) */
  size_t capacity;              /* streams it holds at most, 0: no table */
  size_t count;
  const BweAllocator *alloc;
} BweStreamTable;

/* An empty table taking its memory from alloc (allocates nothing itself). */
void bwe_stream_table_init (BweStreamTable * t, const BweAllocator * alloc);

/* Gives the table back; the table is empty and usable after. */
void bwe_stream_table_release (BweStreamTable * t);

/* Multiplicative hashing: the top bits of ssrc * 2^32 / phi. */
static inline uint32_t
bwe_stream_table_home (const BweStreamTable * t, uint32_t ssrc)
{
  return (ssrc * 2654435761u) >> t->shift;
}

/* Whether entry is ssrc's: its SSRC and used flag compared as one word. */
static inline bool
bwe_stream_table_entry_is (const BweStreamEntry * entry, uint32_t ssrc)
{
  const BweStreamEntry key = { ssrc, 1, 0 };
  uint64_t a, b;

  memcpy (&a, entry, sizeof a);
  memcpy (&b, &key, sizeof b);
  return a == b;
}

/* bwe_stream_table_find() past the home slot. */
BweStreamEntry *bwe_stream_table_probe (BweStreamTable * t, uint32_t ssrc);

/* The entry of ssrc, NULL when absent.  Most lookups end at the home slot
 * (the table is at most half full): that one is inline. */
static inline BweStreamEntry *
bwe_stream_table_find (BweStreamTable * t, uint32_t ssrc)
{
  BweStreamEntry *entry = &t->slots[bwe_stream_table_home (t, ssrc)];

  if (bwe_stream_table_entry_is (entry, ssrc))
    return entry;
  return bwe_stream_table_probe (t, ssrc);
}

/* A new entry for ssrc (not in the table), growing it as needed up to max
 * streams; NULL when the table holds max streams or the allocator failed. */
BweStreamEntry *bwe_stream_table_add (BweStreamTable * t, uint32_t ssrc,
    size_t max);

/* Removes ssrc; false when it was not there. */
bool bwe_stream_table_remove (BweStreamTable * t, uint32_t ssrc);

/* Removes every stream not seen for more than timeout_us at now_us; returns
 * the oldest last-seen time of those left (INT64_MAX: none). */
int64_t bwe_stream_table_timeout (BweStreamTable * t, int64_t now_us,
    int64_t timeout_us);

/* The SSRC seen longest ago (the first in slot order of those seen
 * earliest); the table must not be empty. */
uint32_t bwe_stream_table_oldest (const BweStreamTable * t);

/* Copies up to max SSRCs in ascending order (with a short array the smallest
 * ones); returns how many there are. */
size_t bwe_stream_table_ssrcs (const BweStreamTable * t, uint32_t * ssrcs,
    size_t max);

/* A table used at most a quarter shrinks to twice its streams (none when
 * empty). */
void bwe_stream_table_trim (BweStreamTable * t);

/* Bytes held from the allocator. */
size_t bwe_stream_table_heap_bytes (const BweStreamTable * t);

#endif
