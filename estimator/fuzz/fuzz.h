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

#endif
