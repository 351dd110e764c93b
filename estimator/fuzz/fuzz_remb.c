/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the REMB codec: arbitrary bytes through the parser and the compound
 * RTCP walk (which must always move forward and end), and a REMB written from
 * the input's bitrate and SSRCs must parse back to the same SSRCs and to the
 * bitrate truncated to an 18-bit mantissa (capped at INT64_MAX). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "remb.h"

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static uint8_t buf[20 + 4 * 256];
  static uint32_t ssrcs[256];
  BweRemb remb;
  uint64_t bitrate = 0, expect;
  size_t n, i, len;

  if (bwe_remb_parse (data, size, &remb) == 0) {
    if (size < bwe_remb_size (remb.num_ssrcs))
      abort ();
  }
  if (size >= 12 && bwe_remb_parse_fci (data + 12, size - 12, 7, &remb) == 0
      && (remb.sender_ssrc != 7 || size != bwe_remb_size (remb.num_ssrcs)))
    abort ();
  {
    size_t off = 0, before;
    BweRembNext r;

    do {
      before = off;
      r = bwe_remb_next (data, size, &off, &remb);
      if (off > size || (r != BWE_REMB_NEXT_END && off <= before))
        abort ();
      if (r == BWE_REMB_NEXT_FOUND && off - before < bwe_remb_size
          (remb.num_ssrcs))
        abort ();
    } while (r == BWE_REMB_NEXT_FOUND || r == BWE_REMB_NEXT_BAD_REMB);
    if (off != size)
      abort ();
  }

  for (i = 0; i < 8 && i < size; i++)
    bitrate = bitrate << 8 | data[i];
  n = size > 8 ? (size - 8) / 4 : 0;
  if (n > 256)
    n = 256;
  for (i = 0; i < n; i++)
    ssrcs[i] = (uint32_t) data[8 + 4 * i] << 24 | (uint32_t) data[9 + 4 * i] << 16
        | (uint32_t) data[10 + 4 * i] << 8 | data[11 + 4 * i];
  /* A cap one byte short must be refused. */
  if (n <= BWE_REMB_MAX_SSRCS && bwe_remb_write (buf, bwe_remb_size (n) - 1,
          1, bitrate, ssrcs, n) != 0)
    abort ();
  len = bwe_remb_write (buf, sizeof (buf), 0xFEEDBEEF, bitrate, ssrcs, n);
  if (n > BWE_REMB_MAX_SSRCS) {
    if (len != 0)
      abort ();
    return 0;
  }
  if (len != bwe_remb_size (n) || bwe_remb_parse (buf, len, &remb) != 0)
    abort ();
  if (remb.sender_ssrc != 0xFEEDBEEF || remb.num_ssrcs != n
      || memcmp (remb.ssrcs, ssrcs, n * sizeof (uint32_t)) != 0)
    abort ();
  /* The bitrate (at most INT64_MAX, as libwebrtc) with its bits below an 18-bit
   * mantissa cleared. */
  expect = bitrate > INT64_MAX ? INT64_MAX : bitrate;
  i = 0;
  while ((expect >> i) > 0x3FFFF)
    i++;
  expect = (expect >> i) << i;
  if (remb.bitrate_bps != expect)
    abort ();
  return 0;
}
