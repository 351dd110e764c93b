/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Receiver-side delay-based bandwidth estimator: libwebrtc's
 * RemoteBitrateEstimatorAbsSendTime, decision for decision.
 *
 * The caller owns the struct and no clock is read: every time is passed in as
 * microseconds.  Arrival times are rounded to whole milliseconds as libwebrtc
 * does, (us + 500) / 1000.
 *
 * Memory grows with use (allocator.h): the struct itself is small and fixed;
 * the stream table, the probe list and the incoming-rate ring start empty and
 * double through the allocator given to init, up to their limits below.  A
 * steady stream makes no request.  Idle memory goes back when the estimator
 * looks for timed-out streams (at a packet, when a stream may have been
 * silent for 2 s, so every 2 s at most): a table without streams, the buckets
 * that left the rate window, a probe list no longer used (see monotonic_now)
 * are released, a part used at most a quarter is halved or more.  If the allocator fails:
 * a new stream evicts the one seen longest ago (as past BWE_MAX_SSRCS,
 * counted in ssrcs_evicted), a probe drops the oldest kept (counted in the
 * probe list's probes_dropped when that mattered), and the incoming rate
 * counts a sample in its newest bucket (samples_merged) or, with no memory
 * at all, has no rate. */
#ifndef BWE_REMOTE_ESTIMATOR_H
#define BWE_REMOTE_ESTIMATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"
#include "inter_arrival.h"
#include "kalman.h"
#include "trendline.h"
#include "overuse_detector.h"
#include "rate_statistics.h"
#include "aimd.h"
#include "probe_clusters.h"
#include "stream_table.h"

/* Streams tracked at once.  A packet of a new SSRC when the table is full evicts the
 * SSRC seen longest ago (counted in ssrcs_evicted); libwebrtc's map has no bound. */
#define BWE_MAX_SSRCS 256

typedef enum
{
  BWE_FILTER_KALMAN = 0,        /* libwebrtc's OveruseEstimator (parity default) */
  BWE_FILTER_TRENDLINE = 1,     /* libwebrtc's TrendlineEstimator on accumulated delay */
} BweDelayFilter;

typedef struct
{
  BweDelayFilter filter;
  uint32_t min_bitrate_bps;     /* default 5000 (kCongestionControllerMinBitrate) */
  /* Upper bound of the estimate; 0 (default) bounds it only by the 32-bit
   * bitrate reported, as libwebrtc (whose ClampBitrate raises to the minimum
   * only).  The estimate starts from libwebrtc's 30 Mbit/s, or this bound
   * when lower. */
  uint32_t max_bitrate_bps;
  /* The caller's promise that now_us never goes back (the element's clock
   * is the arrival time, which never does).  Once probing is over it then
   * cannot start again, and the probe list is given back; without the
   * promise (default false) the list is kept for a clock going back into
   * the probing window, as libwebrtc would.  No other effect. */
  bool monotonic_now;
} BweRemoteEstimatorConfig;

/* The fields every packet reads come first, then those of every new group
 * of packets (the delay filter's history last), then the rest: a media
 * server interleaves thousands of estimators, and each cache line a packet
 * touches counts.  A packet of a steady stream reads the first 528 bytes
 * (Kalman filter: 9 cache lines when the struct starts on one, else 10) and
 * one or two lines of the filter's history. */
typedef struct
{
  BweRateStatistics incoming_bitrate;
  bool incoming_bitrate_initialized;
  BweRemoteEstimatorConfig config;
  /* Packets above 200 B up to this time are probe candidates. */
  int64_t probe_last_us;
  /* Periodic updates are due once the clock in ms passes this, or (INT64_MIN)
   * while over-using: only later packets may have to update the estimate. */
  int64_t act_after_ms;
  /* The active streams.  oldest_seen_bound_us is at most every stream's
   * last_seen_us, so no stream can have timed out while now - bound <= 2 s:
   * the per-packet timeout check is one comparison, and the full scan
   * libwebrtc does on every packet only runs when a stream may really have
   * timed out (it then tightens the bound to the exact minimum). */
  int64_t streams_check_from_us;        /* bound + 2 s + 1, INT64_MIN: none */
  int64_t oldest_seen_bound_us;         /* INT64_MAX without streams */
  BweStreamTable streams;
  BweInterArrival inter_arrival;
  BweOveruseDetector detector;
  BweKalman kalman;
  BweTrendline trendline;
  BweAimd aimd;
  BweProbeClusters probes;
  /* Periodic updates are due once the clock in ms passes this. */
  int64_t periodic_deadline_ms;
  int64_t first_packet_time_us; /* INT64_MIN until the first packet */
  int64_t last_update_us;       /* INT64_MIN until the first signalled estimate */
  int64_t last_update_ms;       /* the same, as Timestamp::ms() */
  uint64_t ssrcs_evicted;
  const BweAllocator *alloc;
} BweRemoteEstimator;

/* What one packet made the estimator do. */
typedef struct
{
  bool updated;                 /* libwebrtc would call OnReceiveBitrateChanged now */
  uint32_t bitrate_bps;         /* the signalled bitrate when updated */
} BweEstimatorUpdate;

void bwe_remote_estimator_config_init (BweRemoteEstimatorConfig * config);
/* A fresh estimator (config NULL: the defaults) taking its memory from alloc
 * (kept: it must outlive e; NULL: none).  Allocates nothing itself.  Init a
 * struct only when new or released. */
void bwe_remote_estimator_init (BweRemoteEstimator * e,
    const BweRemoteEstimatorConfig * config, const BweAllocator * alloc);
/* Gives all the memory back to the allocator; init again to use e after. */
void bwe_remote_estimator_release (BweRemoteEstimator * e);
/* Bytes held from the allocator now. */
size_t bwe_remote_estimator_heap_bytes (const BweRemoteEstimator * e);

/* One RTP packet: arrival time and the estimator clock (both µs, usually equal),
 * the 24-bit abs-send-time, payload plus padding bytes (no RTP header) and SSRC. */
void bwe_remote_estimator_incoming_packet (BweRemoteEstimator * e,
    int64_t arrival_us, int64_t now_us, uint32_t send_time_24,
    size_t payload_size, uint32_t ssrc, BweEstimatorUpdate * out);

/* Optional hints for a caller that runs thousands of estimators (a media
 * server: each one's state is cold in the cache when its packet comes), to
 * overlap the memory latency with the caller's own work: _prefetch() asks
 * for the cache lines every packet reads, _prefetch_stream() (which reads
 * them: some time after) for ssrc's table slot, the incoming-rate ring's
 * next bucket and the delay filter's history.  They change nothing. */
void bwe_remote_estimator_prefetch (const BweRemoteEstimator * e);
void bwe_remote_estimator_prefetch_stream (const BweRemoteEstimator * e,
    uint32_t ssrc);

/* Round-trip time for AIMD (OnRttUpdate), milliseconds, clamped to [0, 1 h]. */
void bwe_remote_estimator_set_rtt (BweRemoteEstimator * e, int64_t rtt_ms);
/* The stream ended (RemoveStream). */
void bwe_remote_estimator_remove_stream (BweRemoteEstimator * e, uint32_t ssrc);

/* libwebrtc's LatestEstimate(): 0 without a valid estimate or without streams. */
uint32_t bwe_remote_estimator_latest_estimate (const BweRemoteEstimator * e);
/* The detector's hypothesis now. */
BweBandwidthUsage bwe_remote_estimator_state (const BweRemoteEstimator * e);
/* Incoming bitrate over the last second at now_us; false when libwebrtc has none.
 * Like libwebrtc's Rate() it forgets data older than the window, so call it
 * with a time no later than the next packet's arrival. */
bool bwe_remote_estimator_incoming_bitrate (BweRemoteEstimator * e,
    int64_t now_us, uint32_t * bps);
/* Copies up to max SSRCs of the active streams (in the order libwebrtc reports
 * them: ascending), returns how many there are. */
size_t bwe_remote_estimator_ssrcs (const BweRemoteEstimator * e,
    uint32_t * ssrcs, size_t max);

#endif
