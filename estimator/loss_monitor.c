/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loss_monitor.h"

#define NO_TIME INT64_MIN

void
bwe_loss_monitor_init (BweLossMonitor * lm)
{
  lm->num_streams = 0;
  lm->received = 0;
  lm->lost = 0;
  lm->events = 0;
  lm->event_start_us = NO_TIME;
  lm->num_intervals = 0;
  lm->received_at_event = 0;
  lm->closed_sum = lm->closed_weights = 0;
  lm->shifted_sum = lm->shifted_weights = 0;
}

/* RFC 5348's weights: 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2. */
static const double interval_weight[BWE_LOSS_INTERVALS] = {
  1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2
};

/* The weighted sums of the closed intervals, as the newest ones and as the
 * ones behind the open interval (each one weight further), kept so that the
 * rate costs nothing between loss events. */
static void
sum_intervals (BweLossMonitor * lm)
{
  int i;

  lm->closed_sum = lm->closed_weights = 0;
  lm->shifted_sum = lm->shifted_weights = 0;
  for (i = 0; i < lm->num_intervals; i++) {
    lm->closed_sum += interval_weight[i] * lm->intervals[i];
    lm->closed_weights += interval_weight[i];
    if (i + 1 < BWE_LOSS_INTERVALS) {
      lm->shifted_sum += interval_weight[i + 1] * lm->intervals[i];
      lm->shifted_weights += interval_weight[i + 1];
    }
  }
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
    sum_intervals (lm);
  }
  lm->events++;
  lm->event_start_us = now_us;
  lm->received_at_event = lm->received;
}

double
bwe_loss_monitor_event_rate (const BweLossMonitor * lm)
{
  double open, closed, with_open;

  if (lm->num_intervals == 0)
    return 0;
  open = (double) (lm->received - lm->received_at_event);
  with_open = (open * interval_weight[0] + lm->shifted_sum) /
      (interval_weight[0] + lm->shifted_weights);
  closed = lm->closed_weights > 0 ? lm->closed_sum / lm->closed_weights : 0;
  if (with_open > closed)
    closed = with_open;
  return closed >= 1 ? 1.0 / closed : 1.0;
}

/* The entry of ssrc, or a new one for it (in place of the one seen longest
 * ago when all are taken), with has_seq false. */
static BweLossStream *
find_stream (BweLossMonitor * lm, uint32_t ssrc)
{
  BweLossStream *s;
  int i, oldest = 0;

  for (i = 0; i < lm->num_streams; i++) {
    if (lm->streams[i].ssrc == ssrc)
      return &lm->streams[i];
    if (lm->streams[i].last_seen_us < lm->streams[oldest].last_seen_us)
      oldest = i;
  }
  s = lm->num_streams < BWE_LOSS_STREAMS ? &lm->streams[lm->num_streams++] :
      &lm->streams[oldest];
  s->ssrc = ssrc;
  s->has_seq = false;
  return s;
}

uint32_t
bwe_loss_monitor_add_slow (BweLossMonitor * lm, uint32_t ssrc, int32_t seq,
    int64_t now_us, int64_t event_us)
{
  BweLossStream *s = find_stream (lm, ssrc);
  uint32_t lost = 0;
  int16_t diff;

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

  for (i = 0; i < lm->num_streams; i++)
    if (lm->streams[i].ssrc == ssrc) {
      lm->streams[i] = lm->streams[--lm->num_streams];
      return;
    }
}
