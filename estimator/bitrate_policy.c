/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sender's REMB policy (see bitrate_policy.h). */
#include "bitrate_policy.h"

#include <math.h>
#include <stddef.h>

void
bwe_bitrate_policy_config_default (BweBitratePolicyConfig * c)
{
  c->min_bps = BWE_BITRATE_POLICY_MIN_BPS;
  c->max_bps = 0;
  c->fraction = 1.0;
  c->overhead_bytes = 0;
  c->overhead_percent = 0.0;
  c->deadband_percent = BWE_BITRATE_POLICY_DEADBAND_PERCENT;
  c->min_interval_us = BWE_BITRATE_POLICY_MIN_INTERVAL_US;
}

void
bwe_bitrate_policy_init (BweBitratePolicy * p, const BweBitratePolicyConfig * c)
{
  p->config = *c;
  p->current_bps = 0;
  p->last_change_us = 0;
  p->changed = false;
}

void
bwe_bitrate_policy_set_current (BweBitratePolicy * p, uint32_t bps)
{
  p->current_bps = bps;
}

uint32_t
bwe_bitrate_policy_share (const BweBitratePolicyConfig * c, uint64_t remb_bps)
{
  double share = c->fraction > 0.0 ? floor ((double) remb_bps * c->fraction)
      : 0.0;
  double packets, overhead;

  /* Packets a second at this rate, whole packets as libwebrtc counts them. */
  packets = ceil (share / (8.0 * BWE_BITRATE_POLICY_PACKET_BYTES));
  overhead = packets * c->overhead_bytes * 8.0
      + floor (share * c->overhead_percent / 100.0);
  share -= overhead;
  if (share <= 0.0)
    return 0;
  if (share >= (double) UINT32_MAX)
    return UINT32_MAX;
  return (uint32_t) share;
}

static uint32_t
clamp_bps (const BweBitratePolicyConfig * c, uint32_t bps)
{
  if (bps < c->min_bps)
    bps = c->min_bps;
  /* a ceiling below the floor wins: never more than the user allows */
  if (c->max_bps != 0 && bps > c->max_bps)
    bps = c->max_bps;
  return bps;
}

static bool
within_deadband (const BweBitratePolicy * p, uint32_t bps)
{
  double diff;

  if (p->current_bps == 0)
    return false;
  if (bps == p->current_bps)
    return true;
  diff = fabs ((double) bps - (double) p->current_bps);
  return diff * 100.0 < p->config.deadband_percent * p->current_bps;
}

static bool
increase_too_soon (const BweBitratePolicy * p, int64_t now_us, uint32_t bps)
{
  /* time going backwards (a restarted clock) does not hold increases off */
  return bps > p->current_bps && p->changed && now_us >= p->last_change_us
      && now_us - p->last_change_us < p->config.min_interval_us;
}

BweBitrateReason
bwe_bitrate_policy_on_remb (BweBitratePolicy * p, int64_t now_us,
    uint64_t remb_bps, uint32_t * share_bps)
{
  uint32_t share = bwe_bitrate_policy_share (&p->config, remb_bps);
  uint32_t bps = clamp_bps (&p->config, share);

  if (share_bps != NULL)
    *share_bps = share;
  if (within_deadband (p, bps))
    return BWE_BITRATE_DEADBAND;
  if (increase_too_soon (p, now_us, bps))
    return BWE_BITRATE_RATE_LIMITED;
  p->current_bps = bps;
  p->last_change_us = now_us;
  p->changed = true;
  return bps == share ? BWE_BITRATE_APPLIED : BWE_BITRATE_CLAMPED;
}
