/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc
 * (its SSRC map), source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause
 * notice: LICENSES/BSD-3-Clause-WebRTC.txt. */
/* The stream table: linear probing over entries, backward-shift deletion. */
#include "stream_table.h"

#include <string.h>

/* The slots of a table not yet allocated: two empty ones (the top bit of the
 * hashed SSRC picks one), never written. */
static const BweStreamEntry no_slots[2];

static void
set_no_table (BweStreamTable * t)
{
  t->slots = (BweStreamEntry *) no_slots;
  t->mask = 1;
  t->shift = 31;
  t->capacity = 0;
}

void
bwe_stream_table_init (BweStreamTable * t, const BweAllocator * alloc)
{
  t->alloc = alloc;
  t->count = 0;
  set_no_table (t);
}

static size_t
table_bytes (size_t capacity)
{
  return 2 * capacity * sizeof (BweStreamEntry);
}

void
bwe_stream_table_release (BweStreamTable * t)
{
  if (t->capacity > 0)
    bwe_free (t->alloc, t->slots, table_bytes (t->capacity));
  t->count = 0;
  set_no_table (t);
}

size_t
bwe_stream_table_heap_bytes (const BweStreamTable * t)
{
  return table_bytes (t->capacity);
}

BweStreamEntry *
bwe_stream_table_probe (BweStreamTable * t, uint32_t ssrc)
{
  uint32_t s = bwe_stream_table_home (t, ssrc);

  while (t->slots[s].used) {
    if (t->slots[s].ssrc == ssrc)
      return &t->slots[s];
    s = (s + 1) & t->mask;
  }
  return NULL;
}

/* The empty slot where an entry for ssrc goes. */
static BweStreamEntry *
free_slot (BweStreamTable * t, uint32_t ssrc)
{
  uint32_t s = bwe_stream_table_home (t, ssrc);

  while (t->slots[s].used)
    s = (s + 1) & t->mask;
  return &t->slots[s];
}

/* Moves the entries into a table for capacity streams (a power of two, at
 * least count; 0: none); false when the allocator fails. */
static bool
resize (BweStreamTable * t, size_t capacity)
{
  BweStreamEntry *old = t->slots;
  size_t old_capacity = t->capacity, i;
  unsigned bits = 1;

  if (capacity == 0) {
    set_no_table (t);
  } else {
    BweStreamEntry *slots = bwe_alloc (t->alloc, table_bytes (capacity));

    if (slots == NULL)
      return false;
    memset (slots, 0, table_bytes (capacity));
    while (((size_t) 1 << bits) < 2 * capacity)
      bits++;
    t->slots = slots;
    t->mask = (uint32_t) (2 * capacity - 1);
    t->shift = 32 - bits;
    t->capacity = capacity;
    for (i = 0; i < 2 * old_capacity; i++)
      if (old[i].used)
        *free_slot (t, old[i].ssrc) = old[i];
  }
  if (old_capacity > 0)
    bwe_free (t->alloc, old, table_bytes (old_capacity));
  return true;
}

BweStreamEntry *
bwe_stream_table_add (BweStreamTable * t, uint32_t ssrc, size_t max)
{
  BweStreamEntry *entry;

  if (t->count == t->capacity && (t->capacity >= max || !resize (t,
              bwe_capacity_to_hold (t->capacity, t->count + 1,
                  BWE_STREAM_TABLE_MIN, max))))
    return NULL;
  entry = free_slot (t, ssrc);
  entry->ssrc = ssrc;
  entry->used = 1;
  t->count++;
  return entry;
}

/* Backward-shift deletion keeps every probe chain unbroken: an entry after
 * the hole moves into it unless its home lies cyclically in (hole, s]. */
static void
remove_at (BweStreamTable * t, uint32_t hole)
{
  uint32_t s = hole;

  t->slots[hole].used = 0;
  t->count--;
  for (;;) {
    uint32_t home;

    s = (s + 1) & t->mask;
    if (!t->slots[s].used)
      return;
    home = bwe_stream_table_home (t, t->slots[s].ssrc);
    if (((s - home) & t->mask) >= ((s - hole) & t->mask)) {
      t->slots[hole] = t->slots[s];
      t->slots[s].used = 0;
      hole = s;
    }
  }
}

bool
bwe_stream_table_remove (BweStreamTable * t, uint32_t ssrc)
{
  BweStreamEntry *entry = bwe_stream_table_find (t, ssrc);

  if (entry == NULL)
    return false;
  remove_at (t, (uint32_t) (entry - t->slots));
  return true;
}

int64_t
bwe_stream_table_timeout (BweStreamTable * t, int64_t now_us,
    int64_t timeout_us)
{
  int64_t oldest = INT64_MAX;
  size_t j = 0;

  /* A removal may move a later entry into slot j (look at it again) or one
   * from the start of the table, already seen, further on (seen twice:
   * harmless). */
  while (j < 2 * t->capacity) {
    const BweStreamEntry *entry = &t->slots[j];

    if (!entry->used) {
      j++;
    } else if (now_us - entry->last_seen_us > timeout_us) {
      remove_at (t, (uint32_t) j);
    } else {
      if (entry->last_seen_us < oldest)
        oldest = entry->last_seen_us;
      j++;
    }
  }
  return oldest;
}

uint32_t
bwe_stream_table_oldest (const BweStreamTable * t)
{
  const BweStreamEntry *oldest = NULL;
  size_t j;

  for (j = 0; j < 2 * t->capacity; j++) {
    const BweStreamEntry *entry = &t->slots[j];

    if (entry->used && (oldest == NULL
            || entry->last_seen_us < oldest->last_seen_us))
      oldest = entry;
  }
  return oldest != NULL ? oldest->ssrc : 0;
}

size_t
bwe_stream_table_ssrcs (const BweStreamTable * t, uint32_t * ssrcs, size_t max)
{
  size_t n = 0, j;

  /* Insertion sort into the caller's array: ascending, like std::map keys;
   * with a short array the smallest SSRCs are kept. */
  for (j = 0; j < 2 * t->capacity && max > 0; j++) {
    uint32_t v = t->slots[j].ssrc;
    size_t k;

    if (!t->slots[j].used)
      continue;
    if (n == max) {
      if (v >= ssrcs[max - 1])
        continue;
      n--;
    }
    k = n;
    while (k > 0 && ssrcs[k - 1] > v) {
      ssrcs[k] = ssrcs[k - 1];
      k--;
    }
    ssrcs[k] = v;
    n++;
  }
  return t->count;
}

void
bwe_stream_table_trim (BweStreamTable * t)
{
  size_t capacity = 0;

  if (t->count > 0) {
    capacity = BWE_STREAM_TABLE_MIN;
    while (capacity < 2 * t->count)
      capacity *= 2;
  }
  if (capacity < t->capacity && t->count * 4 <= t->capacity)
    resize (t, capacity);
}
