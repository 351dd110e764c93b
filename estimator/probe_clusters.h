/* Probe-cluster detection of libwebrtc's RemoteBitrateEstimatorAbsSendTime
 * (ComputeClusters, FindBestProbe, ProcessClusters): packets larger than 200 bytes
 * in the first 2 s (or while there is no valid estimate) are grouped into clusters
 * of similar send spacing; the best cluster whose receive spacing matches gives
 * the initial estimate.
 *
 * Capacity: BWE_PROBE_MAX_PROBES probes.  libwebrtc's list has no bound; past
 * this one the oldest quarter of the probes is dropped (a quarter at once keeps
 * the rescan that follows cheap), the only place where this module can
 * differ from libwebrtc (it needs more than 2048 packets > 200 bytes within
 * 2 s, about 8 Mbit/s of 1000-byte packets, without the list being cleared).
 *
 * libwebrtc recomputes every cluster from the whole list at each probe; the
 * clusters of a list only grow at its end when probes are appended, so the scan
 * state is kept and only new probes are scanned (a full rescan follows only
 * when probes are removed from the front). */
#ifndef BWE_PROBE_CLUSTERS_H
#define BWE_PROBE_CLUSTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BWE_PROBE_MAX_PROBES 2048
#define BWE_PROBE_DROP_AT_CAPACITY (BWE_PROBE_MAX_PROBES / 4)

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
  size_t scanned;               /* probes of the list included */
  BweProbeAggregate agg;        /* the open cluster */
  size_t num_clusters;
  bool stopped;                 /* FindBestProbe met a bad cluster */
  int64_t best_bps;             /* 0: none */
} BweProbeScan;

typedef struct
{
  BweProbe probes[BWE_PROBE_MAX_PROBES];        /* ring, oldest at head */
  BweProbeScan scan;
  size_t head;
  size_t len;
  uint64_t total_probes_received;
  uint64_t probes_dropped;      /* probes lost to the capacity bound */
} BweProbeClusters;

void bwe_probe_clusters_init (BweProbeClusters * p);

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

/* Number of stored probes. */
size_t bwe_probe_clusters_size (const BweProbeClusters * p);

#endif
