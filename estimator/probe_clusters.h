/* Probe-cluster detection of libwebrtc's RemoteBitrateEstimatorAbsSendTime
 * (ComputeClusters, FindBestProbe, ProcessClusters): packets larger than 200 bytes
 * in the first 2 s (or while there is no valid estimate) are grouped into clusters
 * of similar send spacing; the best cluster whose receive spacing matches gives
 * the initial estimate.
 *
 * Capacity: BWE_PROBE_MAX_PROBES probes.  libwebrtc's list has no bound; past
 * this one the oldest probe is dropped, the only place where this module can
 * differ from libwebrtc (it needs more than 2048 packets > 200 bytes within
 * 2 s, about 8 Mbit/s of 1000-byte packets, without the list being cleared). */
#ifndef BWE_PROBE_CLUSTERS_H
#define BWE_PROBE_CLUSTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BWE_PROBE_MAX_PROBES 2048

typedef struct
{
  int64_t send_time_us;
  int64_t recv_time_us;
  int64_t payload_size;
} BweProbe;

typedef struct
{
  BweProbe probes[BWE_PROBE_MAX_PROBES];        /* ring, oldest at head */
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
