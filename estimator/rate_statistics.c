/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's rtc_base/rate_statistics.cc, source stamp 2023-02-14
 * (~M112); libwebrtc's BSD-3-Clause notice: LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's RateStatistics over a ring of buckets holding running totals. */
#include "rate_statistics.h"

/* A prune that leaves more than 7/8 of the ring live grows it: the next
 * prune is then at least an eighth of a ring of new buckets away. */
#define GROW_LIVE_EIGHTHS 7

void
bwe_rate_statistics_init (BweRateStatistics * rs, int64_t window_ms,
    float scale, const BweAllocator * alloc)
{
  if (window_ms < 1)
    window_ms = 1;
  if (window_ms > BWE_RATE_STATISTICS_MAX_WINDOW_MS)
    window_ms = BWE_RATE_STATISTICS_MAX_WINDOW_MS;
  rs->window_ms = window_ms;
  /* A 1 ms window is never more than one bucket: no rate. */
  rs->full_window = window_ms > 1 ? (int) window_ms : 0;
  rs->scale = scale;
  rs->alloc = alloc;
  rs->buckets = NULL;
  rs->capacity = 0;
  rs->mask = 0;
  rs->samples_merged = 0;
  bwe_rate_statistics_reset (rs);
}

void
bwe_rate_statistics_release (BweRateStatistics * rs)
{
  bwe_free (rs->alloc, rs->buckets, rs->capacity * sizeof (BweRateBucket));
  rs->buckets = NULL;
  rs->capacity = 0;
  rs->mask = 0;
  rs->full_tail = rs->head;
}

size_t
bwe_rate_statistics_heap_bytes (const BweRateStatistics * rs)
{
  return rs->capacity * sizeof (BweRateBucket);
}

/* The steady case needs a full window with a rate. */
static void
update_steady_from (BweRateStatistics * rs)
{
  rs->steady_from_ms = rs->overflow || rs->full_window == 0 ?
      INT64_MAX : rs->full_from_ms;
}

static void
empty_ring (BweRateStatistics * rs)
{
  rs->head = rs->live = rs->tail;
  rs->full_tail = rs->head + rs->capacity;
  rs->newest_timestamp = INT64_MIN;
  rs->steady_until_ms = INT64_MIN;
  rs->floor_ms = INT64_MAX;
  rs->total = 0;
  rs->total_samples = 0;
}

void
bwe_rate_statistics_reset (BweRateStatistics * rs)
{
  rs->tail = 0;
  empty_ring (rs);
  rs->overflow = false;
  rs->first_timestamp = -1;
  rs->full_from_ms = INT64_MAX;
  update_steady_from (rs);
}

static const BweRateBucket *
bucket_at (const BweRateStatistics * rs, uint32_t pos)
{
  return &rs->buckets[pos & rs->mask];
}

static int64_t
floor_of (const BweRateStatistics * rs)
{
  int64_t newest_floor;

  if (rs->newest_timestamp == INT64_MIN)
    return rs->floor_ms;
  newest_floor = rs->newest_timestamp - rs->window_ms + 1;
  return rs->floor_ms > newest_floor ? rs->floor_ms : newest_floor;
}

/* The first bucket at or after the floor.  Times increase along the ring and
 * the floor only rises while the ring holds buckets, so the search gallops
 * from where the last one ended: the window moved by little since.
 * Positions are searched as offsets from head, as they run over 2^32. */
static uint32_t
first_live (BweRateStatistics * rs)
{
  const int64_t floor = floor_of (rs);
  const uint32_t n = rs->tail - rs->head;
  uint32_t lo = rs->live - rs->head, hi = lo, step = 1;

  /* The first offset at or after the floor lies in (lo - 1, hi]. */
  while (hi < n && bucket_at (rs, rs->head + hi)->timestamp < floor) {
    lo = hi + 1;
    hi = n - hi > step ? hi + step : n;
    step *= 2;
  }
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;

    if (bucket_at (rs, rs->head + mid)->timestamp < floor)
      lo = mid + 1;
    else
      hi = mid;
  }
  rs->live = rs->head + lo;
  return rs->live;
}

/* Moves the kept buckets into a ring of capacity buckets (a power of two, at
 * least the kept ones, 0 for none); false when the allocator fails. */
static bool
resize_ring (BweRateStatistics * rs, uint32_t capacity)
{
  BweRateBucket *ring = NULL;
  uint32_t kept = rs->tail - rs->head;

  if (capacity > 0) {
    ring = bwe_alloc (rs->alloc, capacity * sizeof (BweRateBucket));
    if (ring == NULL)
      return false;
    bwe_ring_copy (ring, capacity, rs->buckets, rs->capacity,
        sizeof (BweRateBucket), rs->head, kept);
  }
  bwe_free (rs->alloc, rs->buckets, rs->capacity * sizeof (BweRateBucket));
  rs->buckets = ring;
  rs->capacity = capacity;
  rs->mask = capacity > 0 ? capacity - 1 : 0;
  rs->full_tail = rs->head + capacity;
  return true;
}

/* Room for a new bucket: a full ring drops the buckets that left the window,
 * and grows when most of it is live.  False when every bucket is live and
 * the allocator gave no more. */
static bool
make_room (BweRateStatistics * rs)
{
  uint32_t kept;

  if (rs->tail != rs->full_tail)
    return true;
  rs->head = first_live (rs);
  rs->full_tail = rs->head + rs->capacity;
  kept = rs->tail - rs->head;
  if (kept >= rs->capacity / 8 * GROW_LIVE_EIGHTHS
      && rs->capacity < BWE_RATE_STATISTICS_RING)
    resize_ring (rs, (uint32_t) bwe_capacity_to_hold (rs->capacity, kept + 1,
            BWE_RATE_STATISTICS_MIN_RING, BWE_RATE_STATISTICS_RING));
  return rs->tail != rs->full_tail;
}

void
bwe_rate_statistics_trim (BweRateStatistics * rs)
{
  uint32_t kept, capacity;

  if (rs->capacity == 0)
    return;
  rs->head = first_live (rs);
  rs->full_tail = rs->head + rs->capacity;
  kept = rs->tail - rs->head;
  if (kept == 0) {
    resize_ring (rs, 0);
    return;
  }
  if (kept > rs->capacity / 4 || rs->capacity <= BWE_RATE_STATISTICS_MIN_RING)
    return;
  capacity = BWE_RATE_STATISTICS_MIN_RING;
  while (capacity < 2 * kept)
    capacity *= 2;
  resize_ring (rs, capacity);
}

/* The sum and sample count of the live buckets.  Differences of running
 * totals, exact modulo 2^64: a window's sum stays below 2^63 until the
 * overflow flag is set, and is not read after. */
static void
window_totals (BweRateStatistics * rs, uint64_t * sum, uint64_t * samples)
{
  uint32_t pos = first_live (rs);

  if (pos == rs->tail) {
    *sum = 0;
    *samples = 0;
    return;
  }
  *sum = rs->total - bucket_at (rs, pos)->sum_before;
  *samples = rs->total_samples - bucket_at (rs, pos)->samples_before;
}

/* EraseOld(now_ms). */
static void
erase_old (BweRateStatistics * rs, int64_t now_ms)
{
  const int64_t new_floor = now_ms - rs->window_ms + 1;

  /* An empty ring has no floor (INT64_MAX): nothing to do. */
  if (new_floor <= rs->floor_ms)
    return;
  if (new_floor > rs->newest_timestamp) {
    /* Every bucket leaves: the next sample opens one whatever its time.  Like
     * libwebrtc, an overflow is never cleared. */
    empty_ring (rs);
    return;
  }
  rs->floor_ms = new_floor;
}

/* First sample since the ring was empty, or since a first time of -1
 * (libwebrtc's "none", even when it is a real time). */
static void
set_first (BweRateStatistics * rs, int64_t now_ms)
{
  rs->first_timestamp = now_ms;
  rs->full_from_ms = now_ms == -1 ? INT64_MAX : now_ms + rs->window_ms;
  update_steady_from (rs);
}

void
bwe_rate_statistics_update_erased (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  /* An empty ring has no newest bucket (INT64_MIN). */
  if (now_ms > rs->newest_timestamp) {
    bool room = make_room (rs);

    if (rs->newest_timestamp == INT64_MIN) {
      /* No ring at all without memory: nothing is kept, and no rate. */
      if (!room)
        return;
      set_first (rs, now_ms);
      rs->floor_ms = now_ms - rs->window_ms + 1;
    } else if (rs->first_timestamp == -1) {
      set_first (rs, now_ms);
    }
    if (room)
      bwe_rate_statistics_open_bucket (rs, now_ms);
    else
      rs->samples_merged++;
  } else if (rs->first_timestamp == -1) {
    /* A time before the newest bucket is counted in the newest bucket. */
    set_first (rs, now_ms);
  }
  if ((rs->total | (uint64_t) count) >= BWE_RATE_STATISTICS_SAFE_TOTAL) {
    uint64_t sum, samples;

    /* libwebrtc's "max - accumulated_count_ > count" fails. */
    window_totals (rs, &sum, &samples);
    if (!((uint64_t) INT64_MAX - sum > (uint64_t) count)) {
      rs->overflow = true;
      update_steady_from (rs);
    }
  }
  rs->total += (uint64_t) count;
  rs->total_samples++;
}

void
bwe_rate_statistics_update (BweRateStatistics * rs, int64_t count,
    int64_t now_ms)
{
  erase_old (rs, now_ms);
  bwe_rate_statistics_update_erased (rs, count, now_ms);
}

/* Rate()'s active window after EraseOld(now_ms), 0 when it returns nullopt. */
static int
active_window (BweRateStatistics * rs, int64_t now_ms)
{
  int active_window_size = 0;
  uint64_t sum, samples;

  erase_old (rs, now_ms);
  if (rs->newest_timestamp == INT64_MIN || rs->overflow)
    return 0;
  /* The stream started before the window. */
  if (now_ms >= rs->full_from_ms)
    return rs->full_window;
  if (rs->first_timestamp != -1) {
    if (rs->first_timestamp <= now_ms - rs->window_ms)
      /* The stream started before the window: count the window as full. */
      active_window_size = (int) rs->window_ms;
    else
      active_window_size = (int) (now_ms - rs->first_timestamp + 1);
  }
  if (active_window_size <= 1)
    return 0;
  /* A single sample in a window not yet full gives no rate. */
  window_totals (rs, &sum, &samples);
  if (samples <= 1 && active_window_size < rs->window_ms)
    return 0;
  return active_window_size;
}

bool
bwe_rate_statistics_available (BweRateStatistics * rs, int64_t now_ms)
{
  return active_window (rs, now_ms) > 0;
}

bool
bwe_rate_statistics_rate (BweRateStatistics * rs, int64_t now_ms,
    int64_t * rate)
{
  int active_window_size = active_window (rs, now_ms);
  uint64_t sum, samples;
  float scale, result;

  if (active_window_size == 0)
    return false;
  window_totals (rs, &sum, &samples);
  /* Single precision, as libwebrtc computes it. */
  scale = rs->scale / (float) active_window_size;
  result = (float) (int64_t) sum * scale + 0.5f;
  if (result > (float) INT64_MAX)
    return false;
  *rate = (int64_t) result;
  return true;
}
