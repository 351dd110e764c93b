/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one entry point every fuzz target defines, as libFuzzer calls it.  Built with
 * -Dfuzz=true the targets link libFuzzer; otherwise standalone.c drives them over
 * their seed corpus and regression inputs in the normal test suite. */
#ifndef BWE_FUZZ_H
#define BWE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);
/* Optional one-time set-up, before the first input (a weak symbol: targets that
 * need none do not define it). */
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

/* The input read front to back; past its end every byte reads as 0, so each
 * target decodes any input, however short, into a whole run. */
typedef struct
{
  const uint8_t *p;
  size_t left;
} FuzzReader;

/* The next `bytes` bytes (at most 4), big-endian. */
static inline uint32_t
fuzz_take (FuzzReader * r, int bytes)
{
  uint32_t v = 0;
  int i;

  for (i = 0; i < bytes; i++) {
    v = (v << 8) | (r->left > 0 ? *r->p : 0);
    if (r->left > 0) {
      r->p++;
      r->left--;
    }
  }
  return v;
}

#endif
