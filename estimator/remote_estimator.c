/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* libwebrtc's RemoteBitrateEstimatorAbsSendTime::IncomingPacketInfo, step by
 * step, on top of the modules of this directory. */
#include "remote_estimator.h"

#include <string.h>

#include "abs_send_time.h"

/* kStreamTimeOutMs: a stream not seen for longer is dropped. */
#define STREAM_TIMEOUT_US 2000000
/* kInitialProbingInterval: packets of the first 2 s are probe candidates. */
#define INITIAL_PROBING_INTERVAL_US 2000000
/* kMinProbePacketSize: only larger packets are assumed paced. */
#define MIN_PROBE_PACKET_SIZE 200
/* kBitrateWindowMs and the bytes/ms -> bit/s scale of the incoming rate. */
#define BITRATE_WINDOW_MS 1000
#define BITRATE_SCALE 8000.0f
#define NO_TIME INT64_MIN
/* RTTs are clamped to [0, an hour]: a negative one would make AIMD's response
 * time zero (a division by it) and a huge one overflow microseconds. */
#define MAX_RTT_MS 3600000
/* The cold parts of a packet live apart so that the per-packet path keeps few
 * values alive. */
#if defined(__GNUC__)
#define COLD __attribute__ ((noinline, cold))
#else
#define COLD
#endif

/* Timestamp::ms(): microseconds rounded to the nearest millisecond as
 * libwebrtc's DivideRoundToNearest does, halves up for positive values and
 * towards zero for negative ones. */
static int64_t
us_to_ms (int64_t us)
{
  int64_t q, r;

  if (us >= 0)
    return (int64_t) (((uint64_t) us + 500) / 1000);
  q = us / 1000;
  r = us % 1000;
  if (-r > 500)
    q--;
  return q;
}

/* a + b for b >= 0, saturating: times come from the caller unchecked. */
static int64_t
add_saturated (int64_t a, int64_t b)
{
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The oldest-seen bound and the time from which a packet must look for
 * timed-out streams; with no stream every packet looks (which also resets
 * the delay filters, as libwebrtc does while it has no stream). */
static void
set_oldest_seen_bound (BweRemoteEstimator * e, int64_t bound_us)
{
  e->oldest_seen_bound_us = bound_us;
  e->streams_check_from_us = e->streams.count == 0 ? INT64_MIN :
      add_saturated (bound_us, STREAM_TIMEOUT_US + 1);
}

/* Probing goes on while there is no valid estimate, and for 2 s after the
 * first packet. */
static void
update_probe_last (BweRemoteEstimator * e)
{
  e->probe_last_us = !bwe_aimd_valid_estimate (&e->aimd)
      || e->first_packet_time_us == NO_TIME ? INT64_MAX :
      add_saturated (e->first_packet_time_us, INITIAL_PROBING_INTERVAL_US - 1);
}

/* With no stream left the bound is gone. */
static void
stream_removed (BweRemoteEstimator * e)
{
  if (e->streams.count == 0)
    set_oldest_seen_bound (e, INT64_MAX);
}

static inline BweBandwidthUsage
current_state (const BweRemoteEstimator * e)
{
  if (e->config.filter == BWE_FILTER_TRENDLINE)
    return bwe_trendline_state (&e->trendline);
  return bwe_overuse_detector_state (&e->detector);
}

BweBandwidthUsage
bwe_remote_estimator_state (const BweRemoteEstimator * e)
{
  return current_state (e);
}

/* After the periodic deadline, or at once while over-using, a packet may
 * have to update the estimate: called whenever either changes. */
static void
update_act_after (BweRemoteEstimator * e)
{
  e->act_after_ms = current_state (e) == BWE_USAGE_OVERUSING ? INT64_MIN :
      e->periodic_deadline_ms;
}

static void
reset_delay_filters (BweRemoteEstimator * e)
{
  bwe_inter_arrival_init (&e->inter_arrival,
      BWE_ABS_SEND_TIME_GROUP_LENGTH_TICKS, BWE_ABS_SEND_TIME_TO_MS, true);
  bwe_kalman_init (&e->kalman);
  bwe_trendline_init (&e->trendline);
  update_act_after (e);
}

void
bwe_remote_estimator_config_init (BweRemoteEstimatorConfig * config)
{
  config->filter = BWE_FILTER_KALMAN;
  config->min_bitrate_bps = 5000;
  config->max_bitrate_bps = 0;
  config->monotonic_now = false;
}

void
bwe_remote_estimator_init (BweRemoteEstimator * e,
    const BweRemoteEstimatorConfig * config, const BweAllocator * alloc)
{
  if (config)
    e->config = *config;
  else
    bwe_remote_estimator_config_init (&e->config);
  e->alloc = alloc;
  bwe_overuse_detector_init (&e->detector);
  bwe_rate_statistics_init (&e->incoming_bitrate, BITRATE_WINDOW_MS,
      BITRATE_SCALE, alloc);
  e->incoming_bitrate_initialized = false;
  bwe_aimd_init (&e->aimd);
  if (e->config.max_bitrate_bps > 0)
    bwe_aimd_set_max_bitrate (&e->aimd, e->config.max_bitrate_bps);
  bwe_aimd_set_min_bitrate (&e->aimd, e->config.min_bitrate_bps);
  bwe_probe_clusters_init (&e->probes, alloc);
  bwe_stream_table_init (&e->streams, alloc);
  set_oldest_seen_bound (e, INT64_MAX);
  e->periodic_deadline_ms = INT64_MIN;
  reset_delay_filters (e);
  e->first_packet_time_us = NO_TIME;
  update_probe_last (e);
  e->last_update_us = NO_TIME;
  e->last_update_ms = 0;
  e->ssrcs_evicted = 0;
}

void
bwe_remote_estimator_release (BweRemoteEstimator * e)
{
  bwe_stream_table_release (&e->streams);
  set_oldest_seen_bound (e, INT64_MAX);
  bwe_rate_statistics_release (&e->incoming_bitrate);
  bwe_probe_clusters_release (&e->probes);
}

size_t
bwe_remote_estimator_heap_bytes (const BweRemoteEstimator * e)
{
  return bwe_stream_table_heap_bytes (&e->streams) +
      bwe_rate_statistics_heap_bytes (&e->incoming_bitrate) +
      bwe_probe_clusters_heap_bytes (&e->probes);
}

/* Memory no longer needed goes back: a stream table used at most a quarter
 * (or not at all), the rate buckets that left the window, a probe list
 * much shorter than its ring, or just as long as the list once probing is
 * over, or all of it when probing cannot start again.  Nothing changes but
 * where the state lives. */
static void
release_idle (BweRemoteEstimator * e, int64_t now_us)
{
  bool probing_over = now_us > e->probe_last_us;

  bwe_stream_table_trim (&e->streams);
  bwe_rate_statistics_trim (&e->incoming_bitrate);
  if (probing_over && e->config.monotonic_now)
    bwe_probe_clusters_release (&e->probes);
  else
    bwe_probe_clusters_trim (&e->probes, probing_over);
}

/* TimeoutStreams when a stream may have timed out (or there is none): drops
 * streams not seen for more than 2 s; with none left the inter-arrival and
 * delay filters start afresh (the detector, rate control and probes are kept,
 * as in libwebrtc).  The first packet comes here too. */
static COLD void
timeout_streams (BweRemoteEstimator * e, int64_t now_us)
{
  if (e->first_packet_time_us == NO_TIME) {
    e->first_packet_time_us = now_us;
    update_probe_last (e);
  }
  if (e->streams.count > 0)
    set_oldest_seen_bound (e, bwe_stream_table_timeout (&e->streams, now_us,
            STREAM_TIMEOUT_US));
  if (e->streams.count == 0)
    reset_delay_filters (e);
  release_idle (e, now_us);
}

/* A stream not in the table: a larger table, or else (at BWE_MAX_SSRCS, or
 * when the allocator fails) the stream seen longest ago is forgotten.
 * Without memory for a first stream there is none to track. */
static COLD void
stream_add (BweRemoteEstimator * e, uint32_t ssrc, int64_t now_us)
{
  BweStreamEntry *entry = bwe_stream_table_add (&e->streams, ssrc,
      BWE_MAX_SSRCS);

  if (entry == NULL && e->streams.count > 0) {
    bwe_stream_table_remove (&e->streams,
        bwe_stream_table_oldest (&e->streams));
    e->ssrcs_evicted++;
    entry = bwe_stream_table_add (&e->streams, ssrc, BWE_MAX_SSRCS);
  }
  if (entry == NULL)
    return;
  entry->last_seen_us = now_us;
  if (e->streams.count == 1)
    set_oldest_seen_bound (e, now_us);
}

static inline void
stream_seen (BweRemoteEstimator * e, uint32_t ssrc, int64_t now_us)
{
  BweStreamEntry *entry;

  /* With no stream the bound is INT64_MAX: the first one sets it. */
  if (now_us < e->oldest_seen_bound_us)
    set_oldest_seen_bound (e, now_us);
  entry = bwe_stream_table_find (&e->streams, ssrc);
  if (entry)
    entry->last_seen_us = now_us;
  else
    stream_add (e, ssrc, now_us);
}

/* "now.ms() - last_update.ms() > GetFeedbackInterval().ms()" is
 * "now_ms > periodic_deadline_ms"; the deadline changes only with the last
 * update and the bitrate, which only rate_control_update() changes. */
static void
update_periodic_deadline (BweRemoteEstimator * e)
{
  if (e->last_update_us == NO_TIME)
    e->periodic_deadline_ms = INT64_MIN;
  else
    e->periodic_deadline_ms = e->last_update_ms +
        us_to_ms (bwe_aimd_feedback_interval_us (&e->aimd));
}


/* Probe-cluster step; true when it set a new estimate. */
static COLD bool
probe_packet (BweRemoteEstimator * e, uint32_t timestamp, int64_t arrival_ms,
    int64_t size, int64_t now_us)
{
  int64_t probe_bps;

  bwe_probe_clusters_add (&e->probes, bwe_abs_send_time_probe_us (timestamp),
      arrival_ms, size);
  if (!bwe_probe_clusters_process (&e->probes,
          bwe_aimd_valid_estimate (&e->aimd),
          bwe_aimd_latest_estimate (&e->aimd), &probe_bps))
    return false;
  bwe_aimd_set_estimate (&e->aimd, probe_bps, now_us);
  update_probe_last (e);
  return true;
}

/* One inter-group delta through the delay filter and the detector. */
static void
delay_sample (BweRemoteEstimator * e, uint32_t ts_delta, int64_t t_delta,
    int size_delta, int64_t arrival_ms, size_t payload_size)
{
  double ts_delta_ms = bwe_abs_send_time_delta_ms (ts_delta);

  if (e->config.filter == BWE_FILTER_TRENDLINE) {
    bwe_trendline_update (&e->trendline, (double) t_delta, ts_delta_ms,
        0, arrival_ms, payload_size, true);
  } else {
    bwe_kalman_update (&e->kalman, t_delta, ts_delta_ms, size_delta,
        bwe_overuse_detector_state (&e->detector), arrival_ms);
    bwe_overuse_detector_detect (&e->detector, bwe_kalman_offset (&e->kalman),
        ts_delta_ms, bwe_kalman_num_of_deltas (&e->kalman), arrival_ms);
  }
  update_act_after (e);
}

/* Whether the periodic update is due, or an over-use should cut the estimate
 * now (TimeToReduceFurther). */
static COLD bool
update_due (BweRemoteEstimator * e, int64_t arrival_ms, int64_t now_us,
    int64_t now_ms)
{
  int64_t rate;

  if (now_ms > e->periodic_deadline_ms)
    return true;
  return current_state (e) == BWE_USAGE_OVERUSING &&
      bwe_rate_statistics_rate (&e->incoming_bitrate, arrival_ms, &rate) &&
      bwe_aimd_time_to_reduce_further (&e->aimd, now_us,
      (int64_t) (uint32_t) rate);
}

/* The incoming rate's Update() after its Rate() test, outside the steady
 * case: a rate that was valid and no longer is restarts the window with new
 * data. */
static COLD void
incoming_rate_update (BweRemoteEstimator * e, int64_t size, int64_t arrival_ms)
{
  if (bwe_rate_statistics_available (&e->incoming_bitrate, arrival_ms))
    e->incoming_bitrate_initialized = true;
  else if (e->incoming_bitrate_initialized) {
    bwe_rate_statistics_reset (&e->incoming_bitrate);
    e->incoming_bitrate_initialized = false;
  }
  bwe_rate_statistics_update_erased (&e->incoming_bitrate, size, arrival_ms);
}

/* The rate controller's update and, when it has an estimate, the signal. */
static COLD void
rate_control_update (BweRemoteEstimator * e, int64_t arrival_ms,
    int64_t now_us, int64_t now_ms, BweEstimatorUpdate * out)
{
  int64_t rate = 0, target_bps;
  bool has_rate;

  has_rate = bwe_rate_statistics_rate (&e->incoming_bitrate, arrival_ms, &rate);
  target_bps = bwe_aimd_update (&e->aimd, current_state (e),
      has_rate, (int64_t) (int32_t) rate, now_us);
  if (bwe_aimd_valid_estimate (&e->aimd)) {
    e->last_update_us = now_us;
    e->last_update_ms = now_ms;
    out->updated = true;
    out->bitrate_bps = (uint32_t) target_bps;
  }
  update_periodic_deadline (e);
  update_act_after (e);
  update_probe_last (e);
}

void
bwe_remote_estimator_incoming_packet (BweRemoteEstimator * e,
    int64_t arrival_us, int64_t now_us, uint32_t send_time_24,
    size_t payload_size, uint32_t ssrc, BweEstimatorUpdate * out)
{
  const int64_t arrival_ms = us_to_ms (arrival_us);
  const int64_t now_ms = now_us == arrival_us ? arrival_ms : us_to_ms (now_us);
  const uint32_t timestamp = bwe_abs_send_time_upshift (send_time_24);
  const int64_t size = (int64_t) payload_size;
  uint32_t ts_delta;
  int64_t t_delta;
  int size_delta;
  bool update_estimate = false;

  out->updated = false;
  out->bitrate_bps = 0;

  if (bwe_rate_statistics_steady (&e->incoming_bitrate, size, arrival_ms)) {
    bwe_rate_statistics_update_steady (&e->incoming_bitrate, size, arrival_ms);
    e->incoming_bitrate_initialized = true;
  } else
    incoming_rate_update (e, size, arrival_ms);

  if (now_us >= e->streams_check_from_us)
    timeout_streams (e, now_us);
  stream_seen (e, ssrc, now_us);

  /* Only packets above 200 bytes are assumed paced by the sender. */
  if (size > MIN_PROBE_PACKET_SIZE && now_us <= e->probe_last_us)
    update_estimate = probe_packet (e, timestamp, arrival_ms, size, now_us);

  if (bwe_inter_arrival_compute_deltas (&e->inter_arrival, timestamp,
          arrival_ms, now_ms, payload_size, &ts_delta, &t_delta, &size_delta))
    delay_sample (e, ts_delta, t_delta, size_delta, arrival_ms, payload_size);

  /* Periodic update, or an over-use that must act now. */
  if (update_estimate || (now_ms > e->act_after_ms &&
          update_due (e, arrival_ms, now_us, now_ms)))
    rate_control_update (e, arrival_ms, now_us, now_ms, out);
}

#if defined(__GNUC__)
#define PREFETCH(addr) __builtin_prefetch (addr)
#else
#define PREFETCH(addr) ((void) (addr))
#endif
#define CACHE_LINE 64

void
bwe_remote_estimator_prefetch (const BweRemoteEstimator * e)
{
  const char *p = (const char *) e;
  const char *hot_end = (const char *) &e->kalman.minq;

  for (; p < hot_end; p += CACHE_LINE)
    PREFETCH (p);
}

void
bwe_remote_estimator_prefetch_stream (const BweRemoteEstimator * e,
    uint32_t ssrc)
{
  const BweRateStatistics *rs = &e->incoming_bitrate;
  const BweKalman *k = &e->kalman;
  const unsigned mask = BWE_KALMAN_HISTORY_RING - 1;

  PREFETCH (&e->streams.slots[bwe_stream_table_home (&e->streams, ssrc)]);
  if (rs->buckets != NULL)
    PREFETCH (&rs->buckets[rs->tail & rs->mask]);
  /* the queue's back and the entry after it, and its head */
  PREFETCH (&k->minq[(k->minq_head + k->minq_len) & mask]);
  PREFETCH (&k->minq[(k->minq_head + k->minq_len - 1) & mask]);
  PREFETCH (&k->minq[k->minq_head]);
}

void
bwe_remote_estimator_set_rtt (BweRemoteEstimator * e, int64_t rtt_ms)
{
  if (rtt_ms < 0)
    rtt_ms = 0;
  if (rtt_ms > MAX_RTT_MS)
    rtt_ms = MAX_RTT_MS;
  bwe_aimd_set_rtt (&e->aimd, rtt_ms * 1000);
}

void
bwe_remote_estimator_remove_stream (BweRemoteEstimator * e, uint32_t ssrc)
{
  if (bwe_stream_table_remove (&e->streams, ssrc))
    stream_removed (e);
}

uint32_t
bwe_remote_estimator_latest_estimate (const BweRemoteEstimator * e)
{
  if (!bwe_aimd_valid_estimate (&e->aimd) || e->streams.count == 0)
    return 0;
  return (uint32_t) bwe_aimd_latest_estimate (&e->aimd);
}

bool
bwe_remote_estimator_incoming_bitrate (BweRemoteEstimator * e,
    int64_t now_us, uint32_t * bps)
{
  int64_t rate;

  if (!bwe_rate_statistics_rate (&e->incoming_bitrate, us_to_ms (now_us),
          &rate))
    return false;
  *bps = (uint32_t) rate;
  return true;
}

size_t
bwe_remote_estimator_ssrcs (const BweRemoteEstimator * e, uint32_t * ssrcs,
    size_t max)
{
  return bwe_stream_table_ssrcs (&e->streams, ssrcs, max);
}
