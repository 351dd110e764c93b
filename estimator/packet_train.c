/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "packet_train.h"

void
bwe_packet_train_init (BwePacketTrain * t)
{
  t->first_send_us = t->last_send_us = 0;
  t->first_arrival_us = t->last_arrival_us = 0;
  t->packets = 0;
  t->bytes_after_first = 0;
  t->next = 0;
  t->count = 0;
}

static void
close_train (BwePacketTrain * t)
{
  int64_t send_span = t->last_send_us - t->first_send_us;
  int64_t arrival_span = t->last_arrival_us - t->first_arrival_us;
  BweTrainSample *s;
  uint64_t bits = t->bytes_after_first * 8;
  bool dispersed;
  int64_t span;

  if (t->packets < BWE_TRAIN_MIN_PACKETS || arrival_span <= 0)
    return;
  dispersed = arrival_span > BWE_TRAIN_MIN_SPREAD_US &&
      (double) arrival_span > BWE_TRAIN_SPREAD * (double) send_span;
  /* A floor is the slower of sending and arriving: both were carried. */
  span = dispersed || send_span < arrival_span ? arrival_span : send_span;
  if (span <= 0)
    return;
  s = &t->samples[t->next];
  s->at_us = t->last_arrival_us;
  s->bps = bits * 1000000 / (uint64_t) span > UINT32_MAX ? UINT32_MAX :
      (uint32_t) (bits * 1000000 / (uint64_t) span);
  s->dispersed = dispersed;
  t->next = (t->next + 1) % BWE_TRAIN_SAMPLES;
  if (t->count < BWE_TRAIN_SAMPLES)
    t->count++;
}

void
bwe_packet_train_start (BwePacketTrain * t, int64_t send_us,
    int64_t arrival_us, uint32_t payload_bytes)
{
  close_train (t);
  t->first_send_us = t->last_send_us = send_us;
  t->first_arrival_us = t->last_arrival_us = arrival_us;
  t->bytes_after_first = 0;
  t->packets = 1;
}

uint32_t
bwe_packet_train_capacity (const BwePacketTrain * t, int64_t now_us,
    int64_t window_us, int min_samples)
{
  uint32_t v[BWE_TRAIN_SAMPLES];
  int n = 0, i, j;

  for (i = 0; i < t->count; i++) {
    const BweTrainSample *s = &t->samples[i];
    uint32_t x;
    if (!s->dispersed || now_us - s->at_us > window_us)
      continue;
    /* insertion sort: at most 16 values */
    x = s->bps;
    for (j = n; j > 0 && v[j - 1] > x; j--)
      v[j] = v[j - 1];
    v[j] = x;
    n++;
  }
  if (n < min_samples || n == 0)
    return 0;
  return v[n / 2];
}

uint32_t
bwe_packet_train_floor (const BwePacketTrain * t, int64_t now_us,
    int64_t window_us)
{
  uint32_t best = 0;
  int i;

  for (i = 0; i < t->count; i++) {
    const BweTrainSample *s = &t->samples[i];
    if (!s->dispersed && now_us - s->at_us <= window_us && s->bps > best)
      best = s->bps;
  }
  return best;
}
