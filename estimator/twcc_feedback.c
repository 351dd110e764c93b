/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/rtp_rtcp/source/rtcp_packet/transport_feedback.cc, source stamp
 * 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Transport-wide feedback codec.  The chunk choice, the delta rounding and the
 * size accounting follow libwebrtc's rtcp::TransportFeedback step by step, so
 * that the same input gives the same bytes. */
#include "twcc_feedback.h"

#include <string.h>

#define RTCP_VERSION 2
#define RTPFB_PT 205
#define TWCC_FMT 15
#define CHUNK_BYTES 2
#define TWO_BIT_CAPACITY 7
#define ONE_BIT_CAPACITY 14
#define RUN_LENGTH_CAPACITY 0x1FFF
#define SEQ_BREAKPOINT 0x8000

/* libwebrtc's IsNewerSequenceNumber: a jump of exactly half the range counts
 * as newer only when it does not wrap. */
static bool
seq_is_newer (uint16_t value, uint16_t prev)
{
  uint16_t diff = (uint16_t) (value - prev);

  if (diff == SEQ_BREAKPOINT)
    return value > prev;
  return value != prev && diff < SEQ_BREAKPOINT;
}

static int64_t
positive_mod (int64_t a, int64_t m)
{
  int64_t r = a % m;

  return r < 0 ? r + m : r;
}

static void
put16 (uint8_t * p, uint16_t v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static void
put32 (uint8_t * p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static uint16_t
get16 (const uint8_t * p)
{
  return (uint16_t) ((p[0] << 8) | p[1]);
}

static uint32_t
get32 (const uint8_t * p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
      ((uint32_t) p[2] << 8) | p[3];
}

/* ---- the chunk being filled ---- */

static void
lc_clear (BweTwccBuilder * b)
{
  b->lc_size = 0;
  b->lc_all_same = true;
  b->lc_has_large = false;
}

static bool
lc_can_add (const BweTwccBuilder * b, uint8_t symbol)
{
  if (b->lc_size < TWO_BIT_CAPACITY)
    return true;
  if (b->lc_size < ONE_BIT_CAPACITY && !b->lc_has_large
      && symbol != BWE_TWCC_LARGE_DELTA)
    return true;
  if (b->lc_size < RUN_LENGTH_CAPACITY && b->lc_all_same
      && b->lc_symbols[0] == symbol)
    return true;
  return false;
}

static void
lc_add (BweTwccBuilder * b, uint8_t symbol)
{
  if (b->lc_size < ONE_BIT_CAPACITY)
    b->lc_symbols[b->lc_size] = symbol;
  b->lc_size++;
  b->lc_all_same = b->lc_all_same && symbol == b->lc_symbols[0];
  b->lc_has_large = b->lc_has_large || symbol == BWE_TWCC_LARGE_DELTA;
}

static uint16_t
lc_run_length (const BweTwccBuilder * b)
{
  return (uint16_t) ((b->lc_symbols[0] << 13) | b->lc_size);
}

static uint16_t
lc_one_bit (const BweTwccBuilder * b)
{
  uint16_t chunk = 0x8000;

  for (uint32_t i = 0; i < b->lc_size; i++)
    chunk |= (uint16_t) (b->lc_symbols[i] << (ONE_BIT_CAPACITY - 1 - i));
  return chunk;
}

static uint16_t
lc_two_bit (const BweTwccBuilder * b, uint32_t n)
{
  uint16_t chunk = 0xc000;

  for (uint32_t i = 0; i < n; i++)
    chunk |= (uint16_t) (b->lc_symbols[i] << 2 * (TWO_BIT_CAPACITY - 1 - i));
  return chunk;
}

/* The chunk is full: encode it, keeping what a two-bit vector leaves over. */
static uint16_t
lc_emit (BweTwccBuilder * b)
{
  uint16_t chunk;

  if (b->lc_all_same) {
    chunk = lc_run_length (b);
    lc_clear (b);
    return chunk;
  }
  if (b->lc_size == ONE_BIT_CAPACITY) {
    chunk = lc_one_bit (b);
    lc_clear (b);
    return chunk;
  }
  chunk = lc_two_bit (b, TWO_BIT_CAPACITY);
  b->lc_size -= TWO_BIT_CAPACITY;
  b->lc_all_same = true;
  b->lc_has_large = false;
  for (uint32_t i = 0; i < b->lc_size; i++) {
    uint8_t s = b->lc_symbols[TWO_BIT_CAPACITY + i];

    b->lc_symbols[i] = s;
    b->lc_all_same = b->lc_all_same && s == b->lc_symbols[0];
    b->lc_has_large = b->lc_has_large || s == BWE_TWCC_LARGE_DELTA;
  }
  return chunk;
}

/* libwebrtc's last-chunk rule: a short mixed chunk is a two-bit vector even
 * without large deltas. */
static uint16_t
lc_encode_last (const BweTwccBuilder * b)
{
  if (b->lc_all_same)
    return lc_run_length (b);
  if (b->lc_size <= TWO_BIT_CAPACITY)
    return lc_two_bit (b, b->lc_size);
  return lc_one_bit (b);
}

static void
push_chunk (BweTwccBuilder * b, uint16_t chunk)
{
  b->chunks[b->num_chunks++] = chunk;
}

/* ---- storage ---- */

#if defined(__GNUC__)
#define COLD_FN __attribute__ ((noinline, cold))
#else
#define COLD_FN
#endif

#define MIN_CHUNKS 16
#define MIN_DELTA_BYTES 64
#define MAX_DELTA_BYTES (2 * BWE_TWCC_MAX_STATUSES)

void
bwe_twcc_builder_setup (BweTwccBuilder * b, const BweAllocator * alloc)
{
  b->alloc = alloc;
  b->chunks = NULL;
  b->chunk_capacity = 0;
  b->deltas = NULL;
  b->delta_capacity = 0;
  b->num_chunks = 0;
  b->delta_bytes = 0;
  b->num_seq = 0;
}

void
bwe_twcc_builder_release (BweTwccBuilder * b)
{
  bwe_free (b->alloc, b->chunks, b->chunk_capacity * sizeof (uint16_t));
  bwe_free (b->alloc, b->deltas, b->delta_capacity);
  bwe_twcc_builder_setup (b, b->alloc);
}

size_t
bwe_twcc_builder_heap_bytes (const BweTwccBuilder * b)
{
  return b->chunk_capacity * sizeof (uint16_t) + b->delta_capacity;
}

/* Grows *block (of *capacity elements) to hold needed, keeping used of
 * them; false when the allocator fails. */
static bool
reserve (const BweAllocator * alloc, void **block, size_t elem_size,
    size_t * capacity, size_t used, size_t needed, size_t min, size_t max)
{
  size_t c;
  void *grown;

  if (needed <= *capacity)
    return true;
  c = bwe_capacity_to_hold (*capacity, needed, min, max);
  grown = bwe_alloc (alloc, c * elem_size);
  if (grown == NULL)
    return false;
  if (used > 0)
    memcpy (grown, *block, used * elem_size);
  bwe_free (alloc, *block, *capacity * elem_size);
  *block = grown;
  *capacity = c;
  return true;
}

/* Room for what adding one packet after num_missing lost ones can take: a
 * delta, a chunk for the chunk being filled, the run-length chunks of the
 * gap and one for the packet's symbol.  Nothing changes when it fails. */
static COLD_FN bool
reserve_for_add (BweTwccBuilder * b, uint32_t num_missing)
{
  size_t chunks = b->chunk_capacity;
  size_t need_chunks = (size_t) b->num_chunks + 2 + num_missing /
      RUN_LENGTH_CAPACITY + 1;
  void *block = b->chunks;
  bool ok;

  if (need_chunks > BWE_TWCC_MAX_CHUNKS)
    need_chunks = BWE_TWCC_MAX_CHUNKS;

  ok = reserve (b->alloc, &block, sizeof (uint16_t), &chunks, b->num_chunks,
      need_chunks, MIN_CHUNKS, BWE_TWCC_MAX_CHUNKS);
  b->chunks = block;
  b->chunk_capacity = (uint32_t) chunks;
  if (!ok)
    return false;
  block = b->deltas;
  ok = reserve (b->alloc, &block, 1, &b->delta_capacity, b->delta_bytes,
      b->delta_bytes + 2, MIN_DELTA_BYTES, MAX_DELTA_BYTES);
  b->deltas = block;
  return ok;
}

/* ---- builder ---- */

static int64_t
base_time_us (const BweTwccBuilder * b)
{
  /* One wrap period ahead, so that packets earlier than the base still give
   * a positive time. */
  return BWE_TWCC_TIME_WRAP_US + (int64_t) b->base_time_ticks *
      BWE_TWCC_BASE_TICK_US;
}

void
bwe_twcc_builder_init (BweTwccBuilder * b, uint32_t sender_ssrc,
    uint32_t media_ssrc, uint16_t base_seq, int64_t ref_us, uint8_t fb_count,
    size_t max_size)
{
  b->sender_ssrc = sender_ssrc;
  b->media_ssrc = media_ssrc;
  b->base_seq = base_seq;
  b->base_time_ticks = (uint32_t) (positive_mod (ref_us,
          BWE_TWCC_TIME_WRAP_US) / BWE_TWCC_BASE_TICK_US);
  b->fb_count = fb_count;
  b->max_size = max_size > BWE_TWCC_MAX_PACKET_BYTES ?
      BWE_TWCC_MAX_PACKET_BYTES : max_size;
  b->num_seq = 0;
  b->num_received = 0;
  b->last_us = base_time_us (b);
  b->size_bytes = BWE_TWCC_HEADER_BYTES;
  lc_clear (b);
  b->num_chunks = 0;
  b->delta_bytes = 0;
}

static bool
add_symbol (BweTwccBuilder * b, uint8_t symbol)
{
  size_t add_chunk = b->lc_size == 0 ? CHUNK_BYTES : 0;

  if (b->num_seq == BWE_TWCC_MAX_STATUSES)
    return false;
  if (b->size_bytes + symbol + add_chunk > b->max_size)
    return false;
  if (lc_can_add (b, symbol)) {
    b->size_bytes += add_chunk;
    lc_add (b, symbol);
    b->num_seq++;
    return true;
  }
  if (b->size_bytes + symbol + CHUNK_BYTES > b->max_size)
    return false;
  push_chunk (b, lc_emit (b));
  b->size_bytes += CHUNK_BYTES;
  lc_add (b, symbol);
  b->num_seq++;
  return true;
}

static bool
add_missing (BweTwccBuilder * b, uint32_t num_missing)
{
  uint32_t new_num_seq = b->num_seq + num_missing;
  uint32_t full, partial, num_chunks;

  if (new_num_seq > BWE_TWCC_MAX_STATUSES)
    return false;
  if (b->lc_size != 0) {
    while (num_missing > 0 && lc_can_add (b, BWE_TWCC_NOT_RECEIVED)) {
      lc_add (b, BWE_TWCC_NOT_RECEIVED);
      num_missing--;
    }
    if (num_missing == 0) {
      b->num_seq = new_num_seq;
      return true;
    }
    push_chunk (b, lc_emit (b));
  }
  full = num_missing / RUN_LENGTH_CAPACITY;
  partial = num_missing % RUN_LENGTH_CAPACITY;
  num_chunks = full + (partial > 0 ? 1 : 0);
  if (b->size_bytes + CHUNK_BYTES * (size_t) num_chunks > b->max_size) {
    b->num_seq = new_num_seq - num_missing;
    return false;
  }
  b->size_bytes += CHUNK_BYTES * (size_t) num_chunks;
  for (uint32_t i = 0; i < full; i++)
    push_chunk (b, RUN_LENGTH_CAPACITY);
  memset (b->lc_symbols, BWE_TWCC_NOT_RECEIVED, sizeof (b->lc_symbols));
  b->lc_size = partial;
  b->lc_all_same = true;
  b->lc_has_large = false;
  b->num_seq = new_num_seq;
  return true;
}

bool
bwe_twcc_builder_add (BweTwccBuilder * b, uint16_t seq, int64_t arrival_us)
{
  int64_t d = positive_mod (arrival_us - b->last_us, BWE_TWCC_TIME_WRAP_US);
  int64_t delta;
  uint16_t next_seq = (uint16_t) (b->base_seq + b->num_seq);
  uint8_t symbol;

  /* Round half away from zero, from the reconstructed previous time so that
   * rounding errors do not accumulate. */
  if (d > BWE_TWCC_TIME_WRAP_US / 2)
    d = d - BWE_TWCC_TIME_WRAP_US - BWE_TWCC_DELTA_TICK_US / 2;
  else
    d += BWE_TWCC_DELTA_TICK_US / 2;
  delta = d / BWE_TWCC_DELTA_TICK_US;
  if (delta < INT16_MIN || delta > INT16_MAX)
    return false;

  if (seq != next_seq) {
    if (!seq_is_newer (seq, (uint16_t) (next_seq - 1)))
      return false;
    if (!reserve_for_add (b, (uint16_t) (seq - next_seq)))
      return false;
    if (!add_missing (b, (uint16_t) (seq - next_seq)))
      return false;
  } else if (b->num_chunks + 3 > b->chunk_capacity
      || b->delta_bytes + 2 > b->delta_capacity) {
    if (!reserve_for_add (b, 0))
      return false;
  }

  symbol = (delta >= 0 && delta <= 0xFF) ? BWE_TWCC_SMALL_DELTA :
      BWE_TWCC_LARGE_DELTA;
  if (!add_symbol (b, symbol))
    return false;

  if (symbol == BWE_TWCC_SMALL_DELTA) {
    b->deltas[b->delta_bytes++] = (uint8_t) delta;
  } else {
    put16 (&b->deltas[b->delta_bytes], (uint16_t) (int16_t) delta);
    b->delta_bytes += 2;
  }
  b->size_bytes += symbol;
  b->last_us += delta * BWE_TWCC_DELTA_TICK_US;
  b->num_received++;
  return true;
}

size_t
bwe_twcc_builder_size (const BweTwccBuilder * b)
{
  if (b->num_seq == 0)
    return 0;
  return (b->size_bytes + 3) & ~(size_t) 3;
}

size_t
bwe_twcc_builder_write (const BweTwccBuilder * b, uint8_t * buf, size_t cap)
{
  size_t len = bwe_twcc_builder_size (b);
  size_t padding, pos;

  if (len == 0 || cap < len)
    return 0;
  padding = len - b->size_bytes;
  buf[0] = (uint8_t) ((RTCP_VERSION << 6) | (padding > 0 ? 0x20 : 0) |
      TWCC_FMT);
  buf[1] = RTPFB_PT;
  put16 (buf + 2, (uint16_t) (len / 4 - 1));
  put32 (buf + 4, b->sender_ssrc);
  put32 (buf + 8, b->media_ssrc);
  put16 (buf + 12, b->base_seq);
  put16 (buf + 14, (uint16_t) b->num_seq);
  buf[16] = (uint8_t) (b->base_time_ticks >> 16);
  buf[17] = (uint8_t) (b->base_time_ticks >> 8);
  buf[18] = (uint8_t) b->base_time_ticks;
  buf[19] = b->fb_count;
  pos = BWE_TWCC_HEADER_BYTES;
  for (uint32_t i = 0; i < b->num_chunks; i++, pos += CHUNK_BYTES)
    put16 (buf + pos, b->chunks[i]);
  if (b->lc_size > 0) {
    put16 (buf + pos, lc_encode_last (b));
    pos += CHUNK_BYTES;
  }
  memcpy (buf + pos, b->deltas, b->delta_bytes);
  pos += b->delta_bytes;
  if (padding > 0) {
    memset (buf + pos, 0, padding - 1);
    buf[len - 1] = (uint8_t) padding;
  }
  return len;
}

/* ---- parser ---- */

/* Decodes the statuses one chunk describes, at most `room` of them (a run
 * longer than 14 is only counted, its symbol repeated in symbols[0..13]).
 * Returns how many, or -1 for the reserved symbol 3. */
static int
decode_chunk (uint16_t chunk, uint32_t room, uint8_t * symbols)
{
  uint32_t n;

  if ((chunk & 0x8000) == 0) {
    uint8_t s = (chunk >> 13) & 0x03;

    n = chunk & RUN_LENGTH_CAPACITY;
    if (n > room)
      n = room;
    if (s == 3 && n > 0)
      return -1;
    memset (symbols, s, ONE_BIT_CAPACITY);
  } else if ((chunk & 0x4000) == 0) {
    n = room < ONE_BIT_CAPACITY ? room : ONE_BIT_CAPACITY;
    for (uint32_t i = 0; i < n; i++)
      symbols[i] = (chunk >> (ONE_BIT_CAPACITY - 1 - i)) & 0x01;
  } else {
    n = room < TWO_BIT_CAPACITY ? room : TWO_BIT_CAPACITY;
    for (uint32_t i = 0; i < n; i++) {
      symbols[i] = (chunk >> 2 * (TWO_BIT_CAPACITY - 1 - i)) & 0x03;
      if (symbols[i] == 3)
        return -1;
    }
  }
  return (int) n;
}

int
bwe_twcc_parse (const uint8_t * buf, size_t len, BweTwccInfo * info,
    BweTwccStatus * statuses, size_t max_statuses)
{
  uint8_t symbols[ONE_BIT_CAPACITY];
  size_t payload, pos, chunks_end, end, delta_bytes = 0;
  uint32_t count, have;
  int64_t t;

  if (len < 4 || (buf[0] >> 6) != RTCP_VERSION || (buf[0] & 0x1F) != TWCC_FMT
      || buf[1] != RTPFB_PT)
    return -1;
  payload = (size_t) get16 (buf + 2) * 4;
  if (len < 4 + payload || payload < BWE_TWCC_HEADER_BYTES - 4 + CHUNK_BYTES)
    return -1;
  end = 4 + payload;
  if (buf[0] & 0x20) {
    uint8_t pad = buf[end - 1];

    /* A P bit with a zero or impossible count occurs in the wild: ignore it. */
    if (pad > 0 && pad <= payload - (BWE_TWCC_HEADER_BYTES - 4 + CHUNK_BYTES))
      end -= pad;
  }

  info->sender_ssrc = get32 (buf + 4);
  info->media_ssrc = get32 (buf + 8);
  info->base_seq = get16 (buf + 12);
  info->status_count = get16 (buf + 14);
  info->ref_time = ((uint32_t) buf[16] << 16) | ((uint32_t) buf[17] << 8) |
      buf[18];
  info->fb_count = buf[19];
  info->num_received = 0;
  count = info->status_count;
  if (count == 0)
    return -1;

  /* First pass: where the chunks end and how many delta bytes follow, which
   * tells whether receive deltas are present at all. */
  pos = BWE_TWCC_HEADER_BYTES;
  for (have = 0; have < count; pos += CHUNK_BYTES) {
    int n;

    if (pos + CHUNK_BYTES > end)
      return -1;
    n = decode_chunk (get16 (buf + pos), count - have, symbols);
    if (n < 0)
      return -1;
    if (n > ONE_BIT_CAPACITY) {
      /* a run: one symbol n times (up to 8191, counted not walked) */
      delta_bytes += (size_t) n * symbols[0];
    } else {
      for (int i = 0; i < n; i++)
        delta_bytes += symbols[i];
    }
    have += (uint32_t) n;
  }
  chunks_end = pos;
  info->has_deltas = end >= chunks_end + delta_bytes;
  /* A padding count larger than the padding really sent occurs in the wild:
   * the deltas are there when the padding is not taken off. */
  if (!info->has_deltas && 4 + payload >= chunks_end + delta_bytes)
    info->has_deltas = true;

  /* Second pass: the statuses with their deltas. */
  t = (int64_t) info->ref_time * BWE_TWCC_BASE_TICK_US;
  pos = BWE_TWCC_HEADER_BYTES;
  for (have = 0; have < count; pos += CHUNK_BYTES) {
    int n = decode_chunk (get16 (buf + pos), count - have, symbols);

    if (n > ONE_BIT_CAPACITY && symbols[0] == BWE_TWCC_NOT_RECEIVED
        && (statuses == NULL || have >= max_statuses)) {
      /* a run of lost packets, none of them to write out */
      have += (uint32_t) n;
      continue;
    }
    for (int i = 0; i < n; i++, have++) {
      uint8_t symbol = symbols[i % ONE_BIT_CAPACITY];
      int16_t delta = 0;

      if (symbol != BWE_TWCC_NOT_RECEIVED) {
        info->num_received++;
        if (info->has_deltas) {
          if (symbol == BWE_TWCC_SMALL_DELTA)
            delta = buf[chunks_end];
          else
            delta = (int16_t) get16 (buf + chunks_end);
          chunks_end += symbol;
          t += (int64_t) delta * BWE_TWCC_DELTA_TICK_US;
        }
      }
      if (statuses != NULL && have < max_statuses) {
        statuses[have].seq = (uint16_t) (info->base_seq + have);
        statuses[have].symbol = symbol;
        statuses[have].delta_ticks = delta;
        statuses[have].time_us = t;
      }
    }
  }
  return (int) count;
}
