/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loss_monitor.h"

#define NO_TIME INT64_MIN

void
bwe_loss_monitor_init (BweLossMonitor * lm)
{
  int i;

  for (i = 0; i < BWE_LOSS_STREAMS; i++)
    lm->streams[i].used = false;
  lm->received = 0;
  lm->lost = 0;
  lm->events = 0;
  lm->event_start_us = NO_TIME;
  lm->num_intervals = 0;
  lm->received_at_event = 0;
}

static void
start_event (BweLossMonitor * lm, int64_t now_us)
{
  int i;

  if (lm->events > 0) {
    uint64_t n = lm->received - lm->received_at_event;
    for (i = BWE_LOSS_INTERVALS - 1; i > 0; i--)
      lm->intervals[i] = lm->intervals[i - 1];
    lm->intervals[0] = n > UINT32_MAX ? UINT32_MAX : (uint32_t) n;
    if (lm->num_intervals < BWE_LOSS_INTERVALS)
      lm->num_intervals++;
  }
  lm->events++;
  lm->event_start_us = now_us;
  lm->received_at_event = lm->received;
}

/* RFC 5348's weights: 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2. */
static const double interval_weight[BWE_LOSS_INTERVALS] = {
  1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2
};

/* The weighted mean of the open interval (when with_open) followed by the
 * closed ones. */
static double
mean_interval (const BweLossMonitor * lm, bool with_open)
{
  double sum = 0, weights = 0;
  int k = 0, i;

  if (with_open) {
    sum += (double) (lm->received - lm->received_at_event);
    weights += interval_weight[k++];
  }
  for (i = 0; i < lm->num_intervals && k < BWE_LOSS_INTERVALS; i++, k++) {
    sum += interval_weight[k] * lm->intervals[i];
    weights += interval_weight[k];
  }
  return weights > 0 ? sum / weights : 0;
}

double
bwe_loss_monitor_event_rate (const BweLossMonitor * lm)
{
  double closed, open;

  if (lm->events == 0)
    return 0;
  closed = mean_interval (lm, false);
  open = mean_interval (lm, true);
  if (open > closed)
    closed = open;
  return closed >= 1 ? 1.0 / closed : 1.0;
}

/* The entry of ssrc, or a free (or the least recently seen) one, unused. */
static BweLossStream *
find_stream (BweLossMonitor * lm, uint32_t ssrc)
{
  BweLossStream *victim = &lm->streams[0];
  int i;

  for (i = 0; i < BWE_LOSS_STREAMS; i++) {
    BweLossStream *s = &lm->streams[i];
    if (s->used && s->ssrc == ssrc)
      return s;
    if (!s->used) {
      if (victim->used)
        victim = s;
    } else if (victim->used && s->last_seen_us < victim->last_seen_us) {
      victim = s;
    }
  }
  victim->used = false;
  return victim;
}

uint32_t
bwe_loss_monitor_add (BweLossMonitor * lm, uint32_t ssrc, int32_t seq,
    int64_t now_us, int64_t event_us)
{
  BweLossStream *s = find_stream (lm, ssrc);
  uint32_t lost = 0;
  int16_t diff;

  if (!s->used) {
    s->used = true;
    s->ssrc = ssrc;
    s->has_seq = false;
  }
  s->last_seen_us = now_us;
  if (seq < 0)
    return 0;
  lm->received++;
  if (!s->has_seq) {
    s->has_seq = true;
    s->highest = (uint16_t) seq;
    return 0;
  }
  diff = (int16_t) (uint16_t) ((uint16_t) seq - s->highest);
  if (diff > 1 && diff <= BWE_LOSS_MAX_GAP)
    lost = (uint32_t) diff - 1;
  else if (diff < 0 && diff >= -BWE_LOSS_MAX_GAP && lm->lost > 0)
    lm->lost--;
  if (diff > 0 || diff < -BWE_LOSS_MAX_GAP)
    s->highest = (uint16_t) seq;
  if (lost > 0) {
    lm->lost += lost;
    if (lm->event_start_us == NO_TIME || now_us - lm->event_start_us >= event_us)
      start_event (lm, now_us);
  }
  return lost;
}

void
bwe_loss_monitor_remove (BweLossMonitor * lm, uint32_t ssrc)
{
  int i;

  for (i = 0; i < BWE_LOSS_STREAMS; i++)
    if (lm->streams[i].used && lm->streams[i].ssrc == ssrc)
      lm->streams[i].used = false;
}
