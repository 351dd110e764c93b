/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes transport-wide feedback three ways, chosen by the first input byte:
 * 0: the parser on arbitrary bytes;
 * 1: builder then parser: the packets the input describes (sequence and arrival
 *    steps) must come back from the wire with the same statuses and arrival times
 *    within half a 250 µs tick;
 * 2: the recorder driven by arbitrary arrivals, sequence numbers, bitrates and
 *    Process()/flush() calls: every packet it writes fits its buffer and parses.
 * With bit 7 of the first byte, a 64-bit pattern follows: the allocator
 * refuses those requests, and all of the above holds still.  The memory held
 * is what the allocator gave, within the limits, and all goes back. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "libc_allocator.h"
#include "twcc_recorder.h"

/* Smaller than libwebrtc's limit at times, to exercise the splitting too. */
#define OUT_CAP BWE_TWCC_MAX_PACKET_BYTES
#define MAX_ADDED 4096

static uint8_t out_buf[OUT_CAP];
static BweTwccStatus statuses[BWE_TWCC_MAX_STATUSES];
static BweLibcAllocator alloc;

/* The most a recorder may hold: the largest ring, a builder at its limits. */
#define MAX_HEAP_BYTES (BWE_TWCC_MAX_TRACKED * sizeof (int64_t) + \
    BWE_TWCC_MAX_CHUNKS * sizeof (uint16_t) + 2 * BWE_TWCC_MAX_STATUSES)

/* Checks a packet that claims to be well-formed feedback; returns its status count. */
static int
parse_checked (const uint8_t * buf, size_t len, BweTwccInfo * info)
{
  int n = bwe_twcc_parse (buf, len, info, statuses, BWE_TWCC_MAX_STATUSES);
  int i;
  size_t received = 0;

  if (n < 0)
    return n;
  if (n == 0 || n != info->status_count || info->ref_time > 0xFFFFFF)
    abort ();
  for (i = 0; i < n; i++) {
    if (statuses[i].seq != (uint16_t) (info->base_seq + i))
      abort ();
    if (statuses[i].symbol > BWE_TWCC_LARGE_DELTA)
      abort ();
    if (statuses[i].symbol != BWE_TWCC_NOT_RECEIVED)
      received++;
  }
  if (received != info->num_received)
    abort ();
  return n;
}

static void
fuzz_parser (FuzzReader * r)
{
  BweTwccInfo info;
  parse_checked (r->p, r->left, &info);
}

static int64_t
wrap_diff (int64_t a, int64_t b)
{
  int64_t d = (a - b) % BWE_TWCC_TIME_WRAP_US;
  if (d > BWE_TWCC_TIME_WRAP_US / 2)
    d -= BWE_TWCC_TIME_WRAP_US;
  if (d < -BWE_TWCC_TIME_WRAP_US / 2)
    d += BWE_TWCC_TIME_WRAP_US;
  return d;
}

static void
fuzz_round_trip (FuzzReader * r)
{
  static BweTwccBuilder b;
  static uint16_t seqs[MAX_ADDED];
  static int64_t arrivals[MAX_ADDED];
  BweTwccInfo info;
  uint16_t base_seq = (uint16_t) fuzz_take (r, 2);
  int64_t arrival = (int64_t) fuzz_take (r, 4) * 1000 + fuzz_take (r, 2);
  uint8_t fb_count = (uint8_t) fuzz_take (r, 1);
  size_t max_size = fuzz_take (r, 1) == 0 ? BWE_TWCC_MAX_PACKET_BYTES : 64 + fuzz_take (r, 2);
  uint16_t seq = (uint16_t) (base_seq + (fuzz_take (r, 1) & 7));
  size_t added = 0, len, i;
  int n;

  bwe_twcc_builder_setup (&b, &alloc.allocator);
  bwe_twcc_builder_init (&b, 0x5EED, 0x1234, base_seq, arrival, fb_count,
      max_size);
  while (r->left >= 3 && added < MAX_ADDED) {
    /* Sequence step 1..16, arrival step a signed count of 1, 64 or 4096 µs. */
    uint32_t op = fuzz_take (r, 1);
    int16_t step = (int16_t) fuzz_take (r, 2);
    static const int64_t unit[4] = { 1, 64, 4096, 1 };
    if (!bwe_twcc_builder_add (&b, seq, arrival))
      break;
    seqs[added] = seq;
    arrivals[added] = arrival;
    added++;
    seq = (uint16_t) (seq + 1 + (op & 15));
    arrival += step * unit[op >> 6];
  }
  len = bwe_twcc_builder_write (&b, out_buf, sizeof (out_buf));
  if (bwe_twcc_builder_heap_bytes (&b) != alloc.in_use)
    abort ();
  if (len != bwe_twcc_builder_size (&b))
    abort ();
  bwe_twcc_builder_release (&b);
  if (added == 0) {
    if (len != 0)
      abort ();
    return;
  }
  if (len == 0 || (len & 3) != 0)
    abort ();
  n = parse_checked (out_buf, len, &info);
  if (n < 0 || info.base_seq != base_seq || info.fb_count != fb_count
      || info.num_received != added || info.media_ssrc != 0x1234
      || info.sender_ssrc != 0x5EED)
    abort ();
  for (i = 0; i < added; i++) {
    const BweTwccStatus *s = &statuses[(uint16_t) (seqs[i] - base_seq)];
    if (s->symbol == BWE_TWCC_NOT_RECEIVED)
      abort ();
    if (llabs (wrap_diff (s->time_us, arrivals[i])) > BWE_TWCC_DELTA_TICK_US / 2)
      abort ();
  }
}

static void
fuzz_recorder (FuzzReader * r)
{
  static BweTwccRecorder rec;
  int64_t now = (int64_t) fuzz_take (r, 4) * 1000;
  BweTwccInfo info;
  size_t len;
  uint16_t seq = (uint16_t) fuzz_take (r, 2);

  bwe_twcc_recorder_init (&rec, fuzz_take (r, 4), &alloc.allocator);
  while (r->left >= 4) {
    uint32_t op = fuzz_take (r, 1);
    uint32_t a = fuzz_take (r, 2);
    uint32_t c = fuzz_take (r, 1);
    switch (op & 3) {
      case 0:
      case 1:
        /* A packet: arrival step (signed, ms or µs), sequence step. */
        now += (int16_t) a * ((op & 4) ? 1000 : 1);
        seq = (op & 8) ? (uint16_t) (seq + (int8_t) c) : (uint16_t) (seq + 1);
        bwe_twcc_recorder_on_packet (&rec, now, seq, c * 10, 0xABCD + (op >> 6));
        break;
      case 2:
        bwe_twcc_recorder_on_bitrate (&rec, a * (c + 1) * 8);
        break;
      default:{
        size_t cap = (op & 4) ? OUT_CAP : BWE_TWCC_MIN_CAP + c * 4;
        int64_t due = bwe_twcc_recorder_next_process_us (&rec);
        if ((op & 8) && due != INT64_MAX)
          now = due;
        while ((len = bwe_twcc_recorder_process (&rec, now, out_buf, cap)) > 0)
          if (len > cap || parse_checked (out_buf, len, &info) < 0)
            abort ();
        break;
      }
    }
  }
  while ((len = bwe_twcc_recorder_flush (&rec, out_buf, OUT_CAP)) > 0)
    if (parse_checked (out_buf, len, &info) < 0)
      abort ();
  if (bwe_twcc_recorder_heap_bytes (&rec) != alloc.in_use
      || alloc.in_use > MAX_HEAP_BYTES)
    abort ();
  bwe_twcc_recorder_release (&rec);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  FuzzReader r = { data, size };
  uint32_t mode = fuzz_take (&r, 1);

  bwe_libc_allocator_init (&alloc);
  if (mode & 0x80)
    alloc.fail_pattern = (uint64_t) fuzz_take (&r, 4) << 32 | fuzz_take (&r, 4);
  switch ((mode & 0x7F) % 3) {
    case 0:
      fuzz_parser (&r);
      break;
    case 1:
      fuzz_round_trip (&r);
      break;
    default:
      fuzz_recorder (&r);
      break;
  }
  if (alloc.in_use != 0)
    abort ();
  return 0;
}
