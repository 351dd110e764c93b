/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a sender does with each REMB before it reconfigures its encoder
 * (element rtpbweadapt): the stream's share of the REMB less header
 * overhead, clamped to bounds; no change below a deadband; decreases at
 * once; increases at most every min interval.  The defaults follow
 * libwebrtc's sender. */
#ifndef BWE_BITRATE_POLICY_H
#define BWE_BITRATE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* cricket::kMinVideoBitrateBps: the least libwebrtc gives a video stream. */
#define BWE_BITRATE_POLICY_MIN_BPS 30000
/* Changes smaller than this share of the bitrate in force are not applied:
 * the 3 % that libwebrtc's RembThrottler takes as a real drop. */
#define BWE_BITRATE_POLICY_DEADBAND_PERCENT 3.0
/* kBweIncreaseInterval of libwebrtc's SendSideBandwidthEstimation: its
 * estimate rises at most once a second. */
#define BWE_BITRATE_POLICY_MIN_INTERVAL_US 1000000
/* cricket::kVideoMtu: the packet size the per-packet overhead is counted
 * for (libwebrtc's RtpVideoSender counts packets of the rate this way). */
#define BWE_BITRATE_POLICY_PACKET_BYTES 1200

typedef struct
{
  uint32_t min_bps;             /* floor of what is applied */
  uint32_t max_bps;             /* ceiling; 0 = none */
  double fraction;              /* this stream's share of the REMB, 0..1 */
  uint32_t overhead_bytes;      /* taken off per packet of PACKET_BYTES */
  double overhead_percent;      /* taken off as a share of the rate */
  double deadband_percent;      /* smaller changes are not applied */
  int64_t min_interval_us;      /* between a change and the next increase */
} BweBitratePolicyConfig;

typedef enum
{
  BWE_BITRATE_APPLIED = 0,      /* the share is now in force */
  BWE_BITRATE_CLAMPED = 1,      /* the share was out of bounds: the bound is */
  BWE_BITRATE_DEADBAND = 2,     /* too small a change: nothing changes */
  BWE_BITRATE_RATE_LIMITED = 3, /* an increase too soon: nothing changes */
} BweBitrateReason;

typedef struct
{
  BweBitratePolicyConfig config;
  uint32_t current_bps;         /* in force; 0 = not known yet */
  int64_t last_change_us;       /* when current_bps last changed */
  bool changed;                 /* last_change_us is valid */
} BweBitratePolicy;

/* The defaults above, fraction 1, no overhead. */
void bwe_bitrate_policy_config_default (BweBitratePolicyConfig * c);

/* A policy with no bitrate in force yet. */
void bwe_bitrate_policy_init (BweBitratePolicy * p,
    const BweBitratePolicyConfig * c);

/* The bitrate in force without a decision (the encoder's own setting when
 * the sender starts); 0 = not known. */
void bwe_bitrate_policy_set_current (BweBitratePolicy * p, uint32_t bps);

/* This stream's share of a REMB: remb x fraction, less the overhead, before
 * clamping (saturates at 0 and UINT32_MAX). */
uint32_t bwe_bitrate_policy_share (const BweBitratePolicyConfig * c,
    uint64_t remb_bps);

/* A REMB of remb_bps arrives at now_us.  Returns what was decided;
 * p->current_bps is the bitrate in force afterwards, *share_bps (if not
 * NULL) the share before clamping. */
BweBitrateReason bwe_bitrate_policy_on_remb (BweBitratePolicy * p,
    int64_t now_us, uint64_t remb_bps, uint32_t * share_bps);

#endif
