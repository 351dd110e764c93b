/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_estimator_proxy.cc and
 * packet_arrival_map.cc, source stamp 2023-02-14 (~M112); libwebrtc's
 * BSD-3-Clause notice: LICENSES/BSD-3-Clause-WebRTC.txt. */
/* RemoteEstimatorProxy semantics (libwebrtc 2023): the packet arrival map,
 * the periodic window, the back-window culling and the feedback interval.
 * The arrival map keeps libwebrtc's rules in a power-of-two ring indexed by
 * sequence number, grown before it would have to forget a packet libwebrtc
 * keeps (up to BWE_TWCC_MAX_TRACKED, libwebrtc's own limit). */
#include "twcc_recorder.h"

#define NOT_RECEIVED INT64_MIN
/* The per-packet path is one function without calls; growing is apart. */
#if defined(__GNUC__)
#define COLD __attribute__ ((noinline, cold))
#define HOT_INLINE inline __attribute__ ((always_inline))
#else
#define COLD
#define HOT_INLINE inline
#endif
#define SEQ_HALF 0x8000
#define SEQ_RANGE 0x10000
/* The interval is chosen so that feedback takes 5 % of the bitrate, counting a
 * report as IPv4 (20) + UDP (8) + SRTP (10) + an average report (30) bytes. */
#define TWCC_REPORT_BITS ((20 + 8 + 10 + 30) * 8)
#define TWCC_BANDWIDTH_SHARE 0.05
#define US_PER_S 1000000

static size_t
ring_index (const BweTwccRecorder * r, int64_t seq)
{
  return (size_t) ((uint64_t) seq & r->mask);
}

/* Moves [begin, end) into a ring of capacity entries (a power of two, at
 * least the span; 0: none); false when the allocator fails. */
static bool
resize_map (BweTwccRecorder * r, size_t capacity)
{
  int64_t *ring = NULL;

  if (capacity > 0) {
    ring = bwe_alloc (r->alloc, capacity * sizeof (int64_t));
    if (ring == NULL)
      return false;
    if (r->map_used)
      bwe_ring_copy (ring, capacity, r->arrival_us, r->capacity,
          sizeof (int64_t), (uint64_t) r->begin, (size_t) (r->end - r->begin));
  }
  bwe_free (r->alloc, r->arrival_us, r->capacity * sizeof (int64_t));
  r->arrival_us = ring;
  r->capacity = capacity;
  r->mask = capacity > 0 ? capacity - 1 : 0;
  return true;
}

/* Grows the ring to hold a span of needed packets (at most
 * BWE_TWCC_MAX_TRACKED); returns the span it holds, less when the allocator
 * failed. */
static int64_t
map_limit (BweTwccRecorder * r, int64_t needed)
{
  if (needed > (int64_t) r->capacity && r->capacity < BWE_TWCC_MAX_TRACKED)
    resize_map (r, bwe_capacity_to_hold (r->capacity, (size_t) needed,
            BWE_TWCC_MIN_TRACKED, BWE_TWCC_MAX_TRACKED));
  return (int64_t) r->capacity;
}

/* The builder's storage is given back only above this many bytes (its first
 * storage holds a few dozen packets). */
#define BUILDER_KEEP_BYTES 1024

/* At a periodic Process(): a ring used at most an eighth shrinks to four
 * times the span (it grows again only past half), builder storage four
 * times larger than the packets built since the last trim (and larger than
 * BUILDER_KEEP_BYTES) is given back. */
static void
trim (BweTwccRecorder * r)
{
  size_t span = r->map_used ? (size_t) (r->end - r->begin) : 0;
  size_t capacity = BWE_TWCC_MIN_TRACKED;

  while (capacity < 4 * span)
    capacity *= 2;
  if (capacity < r->capacity && span * 8 <= r->capacity)
    resize_map (r, capacity);
  if (bwe_twcc_builder_heap_bytes (&r->builder) > BUILDER_KEEP_BYTES
      && bwe_twcc_builder_heap_bytes (&r->builder) > 4 * r->builder_used)
    bwe_twcc_builder_release (&r->builder);
  r->builder_used = 0;
}

void
bwe_twcc_recorder_init (BweTwccRecorder * r, uint32_t sender_ssrc,
    const BweAllocator * alloc)
{
  r->alloc = alloc;
  r->arrival_us = NULL;
  r->capacity = 0;
  r->mask = 0;
  bwe_twcc_builder_setup (&r->builder, alloc);
  r->builder_used = 0;
  r->sender_ssrc = sender_ssrc;
  r->media_ssrc = 0;
  r->have_seq = false;
  r->last_seq = 0;
  r->last_unwrapped = 0;
  r->map_used = false;
  r->begin = 0;
  r->end = 0;
  r->have_window = false;
  r->window_start = 0;
  r->fb_count = 0;
  r->packets_sent = 0;
  r->interval_us = BWE_TWCC_DEFAULT_INTERVAL_US;
  r->processed = false;
  r->last_process_us = 0;
  r->armed_us = INT64_MAX;
  r->sending = false;
  r->send_end = 0;
}

void
bwe_twcc_recorder_release (BweTwccRecorder * r)
{
  resize_map (r, 0);
  r->map_used = false;
  bwe_twcc_builder_release (&r->builder);
}

size_t
bwe_twcc_recorder_heap_bytes (const BweTwccRecorder * r)
{
  return r->capacity * sizeof (int64_t) +
      bwe_twcc_builder_heap_bytes (&r->builder);
}

/* libwebrtc's SeqNumUnwrapper: the first value unwraps to itself; a step of
 * exactly half the range goes forward only when it does not wrap. */
static int64_t
unwrap (BweTwccRecorder * r, uint16_t seq)
{
  if (!r->have_seq) {
    r->have_seq = true;
    r->last_unwrapped = seq;
  } else {
    uint16_t diff = (uint16_t) (seq - r->last_seq);
    bool ahead = diff == SEQ_HALF ? seq > r->last_seq : diff < SEQ_HALF;
    int64_t delta = diff;

    if (!ahead)
      delta -= SEQ_RANGE;
    r->last_unwrapped += delta;
  }
  r->last_seq = seq;
  return r->last_unwrapped;
}

static bool
has_received (const BweTwccRecorder * r, int64_t seq)
{
  return r->map_used && seq >= r->begin && seq < r->end &&
      r->arrival_us[ring_index (r, seq)] != NOT_RECEIVED;
}

static void
set_not_received (BweTwccRecorder * r, int64_t from, int64_t to)
{
  for (int64_t s = from; s < to; s++)
    r->arrival_us[ring_index (r, s)] = NOT_RECEIVED;
}

/* The span of the window once seq is in it (at most BWE_TWCC_MAX_TRACKED;
 * 1 when a jump restarts it, 0 when seq is too old to be kept). */
static int64_t
map_span_with (const BweTwccRecorder * r, int64_t seq)
{
  int64_t new_end = seq + 1;

  if (!r->map_used)
    return 1;
  if (seq >= r->begin && seq < r->end)
    return r->end - r->begin;
  if (seq < r->begin)
    return r->end - seq > BWE_TWCC_MAX_TRACKED ? 0 : r->end - seq;
  if (new_end >= r->end + BWE_TWCC_MAX_TRACKED)
    return 1;
  if (r->begin < new_end - BWE_TWCC_MAX_TRACKED)
    return BWE_TWCC_MAX_TRACKED;
  return new_end - r->begin;
}

/* Records seq in the ring as it is, which keeps at most capacity packets:
 * libwebrtc's rules when the ring could grow to hold map_span_with (seq);
 * otherwise (the allocator failed) the ring it has is the limit. */
static HOT_INLINE void
map_add (BweTwccRecorder * r, int64_t seq, int64_t arrival_us)
{
  const int64_t limit = (int64_t) r->capacity;
  int64_t new_end = seq + 1;

  /* Without a ring (no memory at all) nothing is recorded. */
  if (limit == 0)
    return;
  if (!r->map_used) {
    r->map_used = true;
    r->begin = seq;
    r->end = new_end;
  } else if (seq >= r->begin && seq < r->end) {
    /* inside the window already */
  } else if (seq < r->begin) {
    /* Earlier than the window: grow backwards only if the newest packets
     * stay. */
    if (r->end - seq > limit)
      return;
    set_not_received (r, seq + 1, r->begin);
    r->begin = seq;
  } else if (new_end >= r->end + BWE_TWCC_MAX_TRACKED) {
    r->begin = seq;
    r->end = new_end;
  } else {
    /* At BWE_TWCC_MAX_TRACKED the window's start never passes its end. */
    if (r->begin < new_end - limit)
      r->begin = new_end - limit;
    set_not_received (r, r->end > r->begin ? r->end : r->begin, seq);
    r->end = new_end;
  }
  r->arrival_us[ring_index (r, seq)] = arrival_us;
}

/* Drops packets from the front (received or not) that arrived at or before
 * limit_us, stopping at seq. */
static void
map_remove_old (BweTwccRecorder * r, int64_t seq, int64_t limit_us)
{
  int64_t check_to = seq < r->end ? seq : r->end;

  while (r->begin < check_to && r->arrival_us[ring_index (r, r->begin)] <=
      limit_us)
    r->begin++;
}

/* The packet into the map, the window start after it, the timer. */
static HOT_INLINE void
add_and_arm (BweTwccRecorder * r, int64_t seq, int64_t arrival_us)
{
  map_add (r, seq, arrival_us);
  if (r->window_start < r->begin)
    r->window_start = r->begin;

  if (!r->processed && r->armed_us == INT64_MAX)
    r->armed_us = arrival_us;
}

/* The same when the ring may have to grow first (out of line: the
 * per-packet path calls nothing).  It grows to twice the span it must hold
 * (at most BWE_TWCC_MAX_TRACKED), so that the per-packet path has room. */
static COLD void
add_growing (BweTwccRecorder * r, int64_t seq, int64_t arrival_us)
{
  int64_t span = map_span_with (r, seq);

  if (span > (int64_t) r->capacity / 2)
    map_limit (r, span < BWE_TWCC_MAX_TRACKED / 2 ? 2 * span :
        BWE_TWCC_MAX_TRACKED);
  add_and_arm (r, seq, arrival_us);
}

void
bwe_twcc_recorder_on_packet (BweTwccRecorder * r, int64_t arrival_us,
    uint16_t seq16, size_t payload_size, uint32_t media_ssrc)
{
  int64_t seq;

  (void) payload_size;
  /* libwebrtc refuses arrival times before its epoch. */
  if (arrival_us < 0)
    return;
  r->media_ssrc = media_ssrc;
  seq = unwrap (r, seq16);

  /* Cull only when the previous window has been reported, so that a
   * feedback in progress keeps its packets. */
  if (r->have_window && r->window_start >= r->end
      && arrival_us >= BWE_TWCC_BACK_WINDOW_US)
    map_remove_old (r, seq, arrival_us - BWE_TWCC_BACK_WINDOW_US);
  if (!r->have_window || seq < r->window_start) {
    r->have_window = true;
    r->window_start = seq;
  }
  /* The first arrival wins; a duplicate still moved the window back above,
   * as libwebrtc does. */
  if (has_received (r, seq))
    return;
  /* From the window's start to seq fits half the ring: nothing to grow.
   * Else (a window past half the ring, before the window, a jump, the first
   * packet, no ring yet) out of line. */
  if ((uint64_t) (seq - r->begin) >= r->capacity / 2) {
    add_growing (r, seq, arrival_us);
    return;
  }
  add_and_arm (r, seq, arrival_us);
}

void
bwe_twcc_recorder_on_bitrate (BweTwccRecorder * r, uint32_t bitrate_bps)
{
  const int64_t min_twcc_bps = (int64_t) TWCC_REPORT_BITS * US_PER_S /
      BWE_TWCC_MAX_INTERVAL_US;
  int64_t twcc_bps = (int64_t) (TWCC_BANDWIDTH_SHARE * bitrate_bps);
  int64_t interval;

  if (twcc_bps <= min_twcc_bps) {
    interval = BWE_TWCC_MAX_INTERVAL_US;
  } else {
    interval = (int64_t) TWCC_REPORT_BITS * US_PER_S / twcc_bps;
    if (interval < BWE_TWCC_MIN_INTERVAL_US)
      interval = BWE_TWCC_MIN_INTERVAL_US;
  }
  r->interval_us = interval;
}

int64_t
bwe_twcc_recorder_next_process_us (const BweTwccRecorder * r)
{
  int64_t due;

  if (!r->processed)
    return r->armed_us;
  /* Process() re-arms with the interval it returned; when the interval grew
   * since, libwebrtc's Process() answers "not yet" and is re-armed for the
   * rest. */
  due = r->last_process_us + r->interval_us;
  return due > r->armed_us ? due : r->armed_us;
}

void
bwe_twcc_recorder_skip_idle (BweTwccRecorder * r, int64_t before_us)
{
  int64_t due = bwe_twcc_recorder_next_process_us (r);
  int64_t skipped;

  /* Before the first Process() or during a send something is pending. */
  if (!r->processed || r->sending || due >= before_us)
    return;
  if (r->have_window && r->window_start < r->end)
    return;
  skipped = (before_us - 1 - due) / r->interval_us;
  if (skipped == 0)
    return;
  /* As after an empty Process() at the one before the last due. */
  r->last_process_us = due + (skipped - 1) * r->interval_us;
  r->armed_us = due + skipped * r->interval_us;
}

uint64_t
bwe_twcc_recorder_feedback_count (const BweTwccRecorder * r)
{
  return r->packets_sent;
}

/* Builds the feedback packet that starts at window_start (MaybeBuildFeedback-
 * Packet, periodic): returns its length, 0 when no received packet is left
 * before send_end. */
static size_t
build_one (BweTwccRecorder * r, uint8_t * buf, size_t cap)
{
  BweTwccBuilder *b = &r->builder;
  int64_t first = r->window_start;
  int64_t start = first, stop = r->send_end, next = first;
  bool started = false;

  if (start < r->begin)
    start = r->begin;
  if (start > r->end)
    start = r->end;
  if (stop < r->begin)
    stop = r->begin;
  if (stop > r->end)
    stop = r->end;

  for (int64_t seq = start; seq < stop; seq++) {
    int64_t t;

    while (seq < r->end && r->arrival_us[ring_index (r, seq)] == NOT_RECEIVED)
      seq++;
    if (seq >= stop)
      break;
    t = r->arrival_us[ring_index (r, seq)];
    if (!started) {
      /* The base sequence number is the first expected one, received or
       * not; the reference time is the first received packet's. */
      bwe_twcc_builder_init (b, r->sender_ssrc, r->media_ssrc,
          (uint16_t) first, t, r->fb_count++, cap & ~(size_t) 3);
      started = true;
    }
    if (!bwe_twcc_builder_add (b, (uint16_t) seq, t))
      break;
    next = seq + 1;
  }
  r->window_start = next;
  if (!started)
    return 0;
  if (r->builder_used < bwe_twcc_builder_size (b))
    r->builder_used = bwe_twcc_builder_size (b);
  if (buf == NULL)
    return bwe_twcc_builder_size (b);
  return bwe_twcc_builder_write (b, buf, cap);
}

static size_t
send_step (BweTwccRecorder * r, uint8_t * buf, size_t cap)
{
  size_t len = 0;

  if (r->have_window && r->window_start < r->send_end)
    len = build_one (r, buf, cap);
  if (len == 0)
    r->sending = false;
  else
    r->packets_sent++;
  return len;
}

size_t
bwe_twcc_recorder_process (BweTwccRecorder * r, int64_t now_us, uint8_t * buf,
    size_t cap)
{
  if (cap < BWE_TWCC_MIN_CAP)
    return 0;
  if (!r->sending) {
    if (r->processed && now_us < r->last_process_us + r->interval_us)
      return 0;
    r->processed = true;
    r->last_process_us = now_us;
    r->armed_us = now_us + r->interval_us;
    r->sending = true;
    r->send_end = r->end;
    trim (r);
  }
  return send_step (r, buf, cap);
}

size_t
bwe_twcc_recorder_flush (BweTwccRecorder * r, uint8_t * buf, size_t cap)
{
  if (cap < BWE_TWCC_MIN_CAP)
    return 0;
  r->sending = true;
  r->send_end = r->end;
  return send_step (r, buf, cap);
}

size_t
bwe_twcc_recorder_write (const BweTwccRecorder * r, uint8_t * buf, size_t cap)
{
  return bwe_twcc_builder_write (&r->builder, buf, cap);
}
