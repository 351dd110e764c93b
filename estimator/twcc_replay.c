/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The driver loop of bwe-replay --twcc: stdio in, stdio out, the recorder in
 * between, its memory from libc (counted, see libc_allocator.h). */
#include "twcc_replay.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "libc_allocator.h"
#include "twcc_recorder.h"

#define LINE_MAX_BYTES 4096

static bool
parse_number (char **p, int64_t * out)
{
  char *s = *p, *end;
  int base = 10;

  while (*s == ' ' || *s == '\t')
    s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    base = 16;
  if (!isdigit ((unsigned char) *s) && *s != '-')
    return false;
  *out = strtoll (s, &end, base);
  if (end == s)
    return false;
  *p = end;
  return true;
}

static void
print_packet (FILE * out, int64_t time_us, const uint8_t * buf, size_t len)
{
  fprintf (out, "%" PRId64 " ", time_us / 1000);
  for (size_t i = 0; i < len; i++)
    fprintf (out, "%02x", buf[i]);
  fputc ('\n', out);
}

/* Runs every Process() due before `before_us` (or at it, when inclusive). */
static void
run_due (BweTwccRecorder * r, FILE * out, int64_t before_us, bool inclusive,
    uint8_t * buf)
{
  for (;;) {
    int64_t due = bwe_twcc_recorder_next_process_us (r);
    size_t len;

    if (due == INT64_MAX || due > before_us || (!inclusive && due == before_us))
      return;
    while ((len = bwe_twcc_recorder_process (r, due, buf,
                BWE_TWCC_MAX_PACKET_BYTES)) > 0)
      print_packet (out, due, buf, len);
  }
}

int
bwe_twcc_replay (FILE * in, FILE * out, uint32_t sender_ssrc)
{
  BweLibcAllocator alloc;
  BweTwccRecorder *r = malloc (sizeof (*r));
  uint8_t *buf = malloc (BWE_TWCC_MAX_PACKET_BYTES);
  char line[LINE_MAX_BYTES];
  int64_t last_arrival = INT64_MIN;
  size_t len;

  if (r == NULL || buf == NULL) {
    free (r);
    free (buf);
    return -1;
  }
  bwe_libc_allocator_init (&alloc);
  bwe_twcc_recorder_init (r, sender_ssrc, &alloc.allocator);

  while (fgets (line, sizeof (line), in) != NULL) {
    char *p = line;
    int64_t arrival, seq, size, ssrc;

    if (!parse_number (&p, &arrival) || !parse_number (&p, &seq)
        || !parse_number (&p, &size) || !parse_number (&p, &ssrc))
      continue;
    run_due (r, out, arrival, false, buf);
    bwe_twcc_recorder_on_packet (r, arrival, (uint16_t) seq,
        size < 0 ? 0 : (size_t) size, (uint32_t) ssrc);
    if (arrival > last_arrival)
      last_arrival = arrival;
  }

  if (last_arrival != INT64_MIN) {
    run_due (r, out, last_arrival, true, buf);
    while ((len = bwe_twcc_recorder_flush (r, buf,
                BWE_TWCC_MAX_PACKET_BYTES)) > 0)
      print_packet (out, last_arrival, buf, len);
  }
  fflush (out);
  bwe_twcc_recorder_release (r);
  free (r);
  free (buf);
  return 0;
}
