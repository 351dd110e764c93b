/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Follows libwebrtc's
 * modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc,
 * source stamp 2023-02-14 (~M112); libwebrtc's BSD-3-Clause notice:
 * LICENSES/BSD-3-Clause-WebRTC.txt. */
/* Probe-cluster detection of libwebrtc's RemoteBitrateEstimatorAbsSendTime
 * (ComputeClusters, FindBestProbe, ProcessClusters): packets larger than 200 bytes
 * in the first 2 s (or while there is no valid estimate) are grouped into clusters
 * of similar send spacing; the best cluster whose receive spacing matches gives
 * the initial estimate.
 *
 * libwebrtc recomputes every cluster from its whole, unbounded list at each
 * probe.  Probes are only appended, except that the oldest is popped when the
 * list has no cluster, and everything is cleared at 3 clusters without an
 * improving one.  Appending only extends the last aggregate or closes it, so
 * the scan state (the open aggregate, the number of closed clusters, the best
 * rate and whether a bad cluster stopped FindBestProbe) is updated per probe
 * and needs only the previous probe: it is exact for a list of any length.
 * The raw probes are needed only to rescan after a pop, and a pop means no
 * cluster: the list then stays at 15 probes or fewer, unless its one cluster
 * is an open aggregate that turns invalid (a send or receive sum not above
 * zero: a probe sent or received no later than the aggregate's first one).
 * The last BWE_PROBE_RAW_PROBES probes are kept for that rescan; only such a
 * pop on a longer list departs from libwebrtc (the probes before the kept ones
 * are dropped then, counted in probes_dropped).
 *
 * Once a cluster is closed no pop can come before the list is cleared (the
 * closed clusters only grow in number), so from then on only the last probe
 * is kept: the list needs memory only while no cluster has formed.  The ring
 * of kept probes grows with use through the allocator given to init
 * (allocator.h), doubling from BWE_PROBE_MIN_RING to BWE_PROBE_RAW_PROBES;
 * when the allocator fails, the ring it has is the limit instead. */
#ifndef BWE_PROBE_CLUSTERS_H
#define BWE_PROBE_CLUSTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

#define BWE_PROBE_RAW_PROBES 2048
/* The first ring allocated. */
#define BWE_PROBE_MIN_RING 16

typedef struct
{
  int64_t send_time_us;
  int64_t recv_time_us;
  int64_t payload_size;
} BweProbe;

/* A cluster being aggregated: sums over its deltas. */
typedef struct
{
  int64_t send_sum_us;
  int64_t recv_sum_us;
  int64_t size_sum;
  int count;
  int num_above_min_delta;
} BweProbeAggregate;

/* ComputeClusters + FindBestProbe over a prefix of the probes. */
typedef struct
{
  BweProbeAggregate agg;        /* the open cluster */
  size_t num_clusters;
  bool stopped;                 /* FindBestProbe met a bad cluster */
  int64_t best_bps;             /* 0: none */
} BweProbeScan;

typedef struct
{
  BweProbe *probes;             /* ring of capacity, oldest at head */
  size_t capacity;              /* a power of two, 0: no ring yet */
  const BweAllocator *alloc;
  BweProbeScan scan;            /* of the whole list */
  size_t head;                  /* free-running position of the oldest */
  size_t len;                   /* probes in the ring */
  uint64_t evicted;             /* older probes of the list, no longer kept */
  uint64_t total_probes_received;
  uint64_t probes_dropped;      /* probes lost to a pop past the ring */
} BweProbeClusters;

/* An empty list taking its ring from alloc (allocates nothing itself). */
void bwe_probe_clusters_init (BweProbeClusters * p, const BweAllocator * alloc);

/* Gives the ring back; init again to use p after. */
void bwe_probe_clusters_release (BweProbeClusters * p);

/* A ring at least four times longer than the list is shrunk to twice it;
 * with done (no probe will be added: probing is over) to just the list,
 * none when it is empty.  Changes no result. */
void bwe_probe_clusters_trim (BweProbeClusters * p, bool done);

/* Bytes of ring held. */
size_t bwe_probe_clusters_heap_bytes (const BweProbeClusters * p);

/* Appends a probe (send time in µs as bwe_abs_send_time_probe_us gives it,
 * arrival in ms, payload bytes). */
void bwe_probe_clusters_add (BweProbeClusters * p, int64_t send_time_us,
    int64_t arrival_ms, int64_t payload_size);

/* ProcessClusters: returns true when the best probe improves on the estimate
 * (valid_estimate / current_bps are the rate controller's), with the probe
 * bitrate in *probe_bps for SetEstimate; else applies libwebrtc's pruning (drop
 * the oldest probe at 15 probes without a cluster, clear at 3 clusters) and
 * returns false. */
bool bwe_probe_clusters_process (BweProbeClusters * p, bool valid_estimate,
    int64_t current_bps, int64_t * probe_bps);

/* Length of libwebrtc's probe list. */
uint64_t bwe_probe_clusters_size (const BweProbeClusters * p);

#endif
