/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Probe clusters of libwebrtc's RemoteBitrateEstimatorAbsSendTime.  Clusters are
 * computed and judged in one pass over the stored probes, which gives the same
 * result as libwebrtc's ComputeClusters + FindBestProbe on its list. */
#include "probe_clusters.h"

/* Deltas of at least 1 ms count as "above min delta". */
#define MIN_CLUSTER_DELTA_US 1000
/* A send delta this far from the cluster's mean starts a new cluster. */
#define MAX_CLUSTER_SEND_DEVIATION_US 2500
#define MIN_CLUSTER_SIZE 4
/* Without any cluster at this many probes, the oldest probe is dropped. */
#define MAX_PROBE_PACKETS 15
/* This many clusters without an improving one: start over. */
#define EXPECTED_NUMBER_OF_PROBES 3
/* A good cluster's receive spacing exceeds its send spacing by at most 2 ms
 * and falls short of it by at most 5 ms. */
#define MAX_RECV_MINUS_SEND_US 2000
#define MAX_SEND_MINUS_RECV_US 5000

typedef struct
{
  int64_t send_mean_us;
  int64_t recv_mean_us;
  int64_t mean_size;
  int count;
  int num_above_min_delta;
} Cluster;

static void
scan_reset (BweProbeScan * scan)
{
  scan->agg = (BweProbeAggregate) {
  0, 0, 0, 0, 0};
  scan->num_clusters = 0;
  scan->stopped = false;
  scan->best_bps = 0;
}

void
bwe_probe_clusters_init (BweProbeClusters * p, const BweAllocator * alloc)
{
  p->probes = NULL;
  p->capacity = 0;
  p->alloc = alloc;
  p->head = 0;
  p->len = 0;
  p->evicted = 0;
  p->total_probes_received = 0;
  p->probes_dropped = 0;
  scan_reset (&p->scan);
}

uint64_t
bwe_probe_clusters_size (const BweProbeClusters * p)
{
  return p->evicted + p->len;
}

static const BweProbe *
ring_at (const BweProbeClusters * p, size_t i)
{
  return &p->probes[(p->head + i) & (p->capacity - 1)];
}

/* Moves the list into a ring of capacity probes (a power of two, at least
 * len; 0: none); false when the allocator fails. */
static bool
resize_ring (BweProbeClusters * p, size_t capacity)
{
  BweProbe *ring = NULL;

  if (capacity > 0) {
    ring = bwe_alloc (p->alloc, capacity * sizeof (BweProbe));
    if (ring == NULL)
      return false;
    bwe_ring_copy (ring, capacity, p->probes, p->capacity, sizeof (BweProbe),
        p->head, p->len);
  }
  bwe_free (p->alloc, p->probes, p->capacity * sizeof (BweProbe));
  p->probes = ring;
  p->capacity = capacity;
  return true;
}

void
bwe_probe_clusters_release (BweProbeClusters * p)
{
  p->len = 0;
  resize_ring (p, 0);
}

size_t
bwe_probe_clusters_heap_bytes (const BweProbeClusters * p)
{
  return p->capacity * sizeof (BweProbe);
}

void
bwe_probe_clusters_trim (BweProbeClusters * p, bool done)
{
  size_t capacity = 0;

  if (p->len > 0) {
    capacity = done ? 1 : BWE_PROBE_MIN_RING;
    while (capacity < (done ? p->len : 2 * p->len))
      capacity *= 2;
  }
  if (capacity < p->capacity && (done || p->len * 4 <= p->capacity))
    resize_ring (p, capacity);
}

/* DataSize / TimeDelta in bit/s, truncated. */
static int64_t
bitrate (int64_t bytes, int64_t us)
{
  return bytes * 8000000 / us;
}

/* MaybeAddCluster followed by FindBestProbe's judgement of that cluster. */
static void
maybe_add_cluster (const BweProbeAggregate * agg, BweProbeScan * scan)
{
  Cluster c;

  if (agg->count < MIN_CLUSTER_SIZE || agg->send_sum_us <= 0 ||
      agg->recv_sum_us <= 0)
    return;
  c.send_mean_us = agg->send_sum_us / agg->count;
  c.recv_mean_us = agg->recv_sum_us / agg->count;
  c.mean_size = agg->size_sum / agg->count;
  c.count = agg->count;
  c.num_above_min_delta = agg->num_above_min_delta;
  scan->num_clusters++;

  if (scan->stopped || c.send_mean_us == 0 || c.recv_mean_us == 0)
    return;
  if (c.num_above_min_delta > c.count / 2 &&
      c.recv_mean_us - c.send_mean_us <= MAX_RECV_MINUS_SEND_US &&
      c.send_mean_us - c.recv_mean_us <= MAX_SEND_MINUS_RECV_US) {
    int64_t send_bps = bitrate (c.mean_size, c.send_mean_us);
    int64_t recv_bps = bitrate (c.mean_size, c.recv_mean_us);
    int64_t probe_bps = send_bps < recv_bps ? send_bps : recv_bps;
    if (probe_bps > scan->best_bps)
      scan->best_bps = probe_bps;
  } else {
    /* libwebrtc stops at the first failed cluster. */
    scan->stopped = true;
  }
}

static bool
within_cluster_bounds (int64_t send_delta_us, const BweProbeAggregate * agg)
{
  int64_t mean, diff;

  if (agg->count == 0)
    return true;
  mean = agg->send_sum_us / agg->count;
  diff = send_delta_us - mean;
  if (diff < 0)
    diff = -diff;
  return diff < MAX_CLUSTER_SEND_DEVIATION_US;
}

/* One step of ComputeClusters' loop: the probe after prev. */
static void
scan_step (BweProbeScan * scan, const BweProbe * prev, const BweProbe * probe)
{
  BweProbeAggregate *agg = &scan->agg;
  int64_t send_delta = probe->send_time_us - prev->send_time_us;
  int64_t recv_delta = probe->recv_time_us - prev->recv_time_us;

  /* Counted in the running aggregate even when this delta closes it. */
  if (send_delta >= MIN_CLUSTER_DELTA_US && recv_delta >= MIN_CLUSTER_DELTA_US)
    agg->num_above_min_delta++;
  if (!within_cluster_bounds (send_delta, agg)) {
    maybe_add_cluster (agg, scan);
    *agg = (BweProbeAggregate) {
    0, 0, 0, 0, 0};
  }
  agg->send_sum_us += send_delta;
  agg->recv_sum_us += recv_delta;
  agg->size_sum += probe->payload_size;
  agg->count++;
}

static void
rescan (BweProbeClusters * p)
{
  size_t i;

  scan_reset (&p->scan);
  for (i = 1; i < p->len; i++)
    scan_step (&p->scan, ring_at (p, i - 1), ring_at (p, i));
}

void
bwe_probe_clusters_add (BweProbeClusters * p, int64_t send_time_us,
    int64_t arrival_ms, int64_t payload_size)
{
  BweProbe *probe;

  if (p->len == p->capacity && (p->capacity == BWE_PROBE_RAW_PROBES ||
          !resize_ring (p, bwe_capacity_to_hold (p->capacity, p->len + 1,
                  BWE_PROBE_MIN_RING, BWE_PROBE_RAW_PROBES)))) {
    /* Without any ring the probe cannot be kept. */
    if (p->capacity == 0) {
      p->probes_dropped++;
      return;
    }
    /* Already in the scan state; needed again only by a pop past the ring. */
    p->head++;
    p->len--;
    p->evicted++;
  }
  probe = &p->probes[(p->head + p->len) & (p->capacity - 1)];
  probe->send_time_us = send_time_us;
  probe->recv_time_us = arrival_ms * 1000;
  probe->payload_size = payload_size;
  p->len++;
  p->total_probes_received++;
  if (p->len > 1)
    scan_step (&p->scan, ring_at (p, p->len - 2), probe);
  /* With a closed cluster no pop can come before the list is cleared, and
   * only a pop rescans: of the kept probes only the last is still needed
   * (by the next step).  The list's length counts the others as before. */
  if (p->scan.num_clusters > 0 && p->len > 1) {
    p->evicted += p->len - 1;
    p->head += p->len - 1;
    p->len = 1;
  }
}

bool
bwe_probe_clusters_process (BweProbeClusters * p, bool valid_estimate,
    int64_t current_bps, int64_t * probe_bps)
{
  BweProbeScan result;

  /* The final aggregate is closed too, on a copy: later probes may extend it. */
  result = p->scan;
  maybe_add_cluster (&result.agg, &result);

  if (result.num_clusters == 0) {
    if (bwe_probe_clusters_size (p) >= MAX_PROBE_PACKETS) {
      /* Only an open aggregate turned invalid gets here past the ring. */
      p->probes_dropped += p->evicted;
      p->evicted = 0;
      p->head++;
      p->len--;
      rescan (p);
    }
    return false;
  }
  if (result.best_bps > 0) {
    /* A probe slower than the estimate must not lower it. */
    bool improving = !valid_estimate || result.best_bps > current_bps;
    if (improving) {
      *probe_bps = result.best_bps;
      return true;
    }
  }
  if (result.num_clusters >= EXPECTED_NUMBER_OF_PROBES) {
    p->head = 0;
    p->len = 0;
    p->evicted = 0;
    scan_reset (&p->scan);
  }
  return false;
}
