/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* delayline: a user-space delay line bridging two network interfaces.
 *
 * Every Ethernet frame that arrives on one interface leaves on the other one
 * DELAY_MS later, in arrival order.  The kernels this runs on have no netem,
 * so the end-to-end test gets its propagation delay from here; a tbf qdisc on
 * the outgoing interface then adds the bottleneck queue behind the delay, which
 * also absorbs the wake-up jitter of this process (about 0.1 ms).
 *
 * Usage: delayline IFACE_A IFACE_B DELAY_MS
 * Runs until SIGINT or SIGTERM, then prints what it forwarded and dropped.
 * Needs CAP_NET_RAW (run it as root inside the middle namespace). */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Frames held per direction: 300 ms of a 100 Mbit/s link in full frames is
 * about 2500; twice that leaves room without ever allocating after start. */
#define RING_FRAMES 8192
/* Largest frame bridged: the veths keep the default 1500-byte MTU. */
#define MAX_FRAME 2048
/* Frames sent later than this after their due time are counted: on a busy
 * machine the delay line's own lateness becomes part of the path. */
#define LATE_NS 1000000
/* Real-time priority keeps other processes (the encoder) from delaying the
 * wake-ups; without the privilege it runs at normal priority. */
#define RT_PRIORITY 50

typedef struct
{
  int64_t due_ns;
  uint16_t len;
  uint8_t data[MAX_FRAME];
} Frame;

typedef struct
{
  int in_fd;
  int out_fd;
  int out_ifindex;
  Frame *ring;
  size_t head;
  size_t count;
  uint64_t forwarded;
  uint64_t dropped_full;
  uint64_t send_errors;
  int64_t max_late_ns;
  uint64_t late_1ms;
} Direction;

static volatile sig_atomic_t stop_requested;

static void
on_signal (int sig)
{
  (void) sig;
  stop_requested = 1;
}

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
open_iface (const char *name, int *ifindex)
{
  struct sockaddr_ll addr;
  struct packet_mreq mreq;
  int one = 1;
  int fd;

  *ifindex = (int) if_nametoindex (name);
  if (*ifindex == 0) {
    fprintf (stderr, "delayline: no interface %s\n", name);
    return -1;
  }
  fd = socket (AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons (ETH_P_ALL));
  if (fd < 0) {
    perror ("delayline: socket(AF_PACKET)");
    return -1;
  }
  memset (&addr, 0, sizeof (addr));
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons (ETH_P_ALL);
  addr.sll_ifindex = *ifindex;
  if (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0) {
    perror ("delayline: bind");
    close (fd);
    return -1;
  }
  /* Frames addressed to the far end's MAC must be seen too. */
  memset (&mreq, 0, sizeof (mreq));
  mreq.mr_ifindex = *ifindex;
  mreq.mr_type = PACKET_MR_PROMISC;
  setsockopt (fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof (mreq));
  /* What we send ourselves must not come back as input. */
  setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof (one));
  return fd;
}

/* Reads every frame waiting on d->in_fd and schedules it DELAY later. */
static void
receive_all (Direction * d, int64_t delay_ns)
{
  for (;;) {
    struct sockaddr_ll from;
    socklen_t fromlen = sizeof (from);
    uint8_t scratch[MAX_FRAME];
    Frame *f;
    ssize_t n;
    int full = d->count == RING_FRAMES;

    f = &d->ring[(d->head + d->count) % RING_FRAMES];
    n = recvfrom (d->in_fd, full ? scratch : f->data, MAX_FRAME, 0,
        (struct sockaddr *) &from, &fromlen);
    if (n < 0)
      return;
    if (from.sll_pkttype == PACKET_OUTGOING)
      continue;
    if (full) {
      d->dropped_full++;
      continue;
    }
    f->len = (uint16_t) n;
    f->due_ns = now_ns () + delay_ns;
    d->count++;
  }
}

/* Sends every frame whose time has come. */
static void
send_due (Direction * d, int64_t now)
{
  while (d->count > 0 && d->ring[d->head].due_ns <= now) {
    Frame *f = &d->ring[d->head];
    struct sockaddr_ll to;

    memset (&to, 0, sizeof (to));
    to.sll_family = AF_PACKET;
    to.sll_ifindex = d->out_ifindex;
    to.sll_halen = ETH_ALEN;
    memcpy (to.sll_addr, f->data, ETH_ALEN);
    /* A full tbf queue drops the frame: that is the bottleneck's job, not an
     * error of the delay line, so ENOBUFS is only counted. */
    if (sendto (d->out_fd, f->data, f->len, 0, (struct sockaddr *) &to,
            sizeof (to)) < 0)
      d->send_errors++;
    else
      d->forwarded++;
    if (now - f->due_ns > d->max_late_ns)
      d->max_late_ns = now - f->due_ns;
    if (now - f->due_ns > LATE_NS)
      d->late_1ms++;
    d->head = (d->head + 1) % RING_FRAMES;
    d->count--;
  }
}

int
main (int argc, char **argv)
{
  Direction dir[2];
  int fd_a, fd_b, idx_a, idx_b;
  int64_t delay_ns;
  struct sigaction sa;
  int i;

  if (argc != 4) {
    fprintf (stderr, "usage: %s IFACE_A IFACE_B DELAY_MS\n", argv[0]);
    return 2;
  }
  delay_ns = (int64_t) (atof (argv[3]) * 1e6);
  fd_a = open_iface (argv[1], &idx_a);
  fd_b = open_iface (argv[2], &idx_b);
  if (fd_a < 0 || fd_b < 0)
    return 1;

  memset (dir, 0, sizeof (dir));
  dir[0].in_fd = fd_a;
  dir[0].out_fd = fd_b;
  dir[0].out_ifindex = idx_b;
  dir[1].in_fd = fd_b;
  dir[1].out_fd = fd_a;
  dir[1].out_ifindex = idx_a;
  for (i = 0; i < 2; i++) {
    dir[i].ring = calloc (RING_FRAMES, sizeof (Frame));
    if (!dir[i].ring) {
      fprintf (stderr, "delayline: out of memory\n");
      return 1;
    }
  }

  {
    struct sched_param sp;

    memset (&sp, 0, sizeof (sp));
    sp.sched_priority = RT_PRIORITY;
    if (sched_setscheduler (0, SCHED_FIFO, &sp) < 0)
      fprintf (stderr, "delayline: no real-time priority, running without\n");
  }

  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  fprintf (stderr, "delayline: %s <-> %s, %.3f ms\n", argv[1], argv[2],
      delay_ns / 1e6);

  while (!stop_requested) {
    struct pollfd pfd[2];
    struct timespec timeout, *tp = NULL;
    int64_t next = INT64_MAX, now;

    for (i = 0; i < 2; i++) {
      pfd[i].fd = dir[i].in_fd;
      pfd[i].events = POLLIN;
      if (dir[i].count > 0 && dir[i].ring[dir[i].head].due_ns < next)
        next = dir[i].ring[dir[i].head].due_ns;
    }
    if (next != INT64_MAX) {
      int64_t wait = next - now_ns ();

      if (wait < 0)
        wait = 0;
      timeout.tv_sec = wait / 1000000000;
      timeout.tv_nsec = wait % 1000000000;
      tp = &timeout;
    }
    if (ppoll (pfd, 2, tp, NULL) < 0 && errno != EINTR) {
      perror ("delayline: ppoll");
      break;
    }
    for (i = 0; i < 2; i++)
      if (pfd[i].revents & POLLIN)
        receive_all (&dir[i], delay_ns);
    now = now_ns ();
    for (i = 0; i < 2; i++)
      send_due (&dir[i], now);
  }

  for (i = 0; i < 2; i++)
    fprintf (stderr, "delayline: %s -> %s forwarded %llu dropped-full %llu "
        "send-errors %llu late>1ms %llu max-late %.3f ms\n", argv[1 + i],
        argv[2 - i],
        (unsigned long long) dir[i].forwarded,
        (unsigned long long) dir[i].dropped_full,
        (unsigned long long) dir[i].send_errors,
        (unsigned long long) dir[i].late_1ms, dir[i].max_late_ns / 1e6);
  for (i = 0; i < 2; i++)
    free (dir[i].ring);
  close (fd_a);
  close (fd_b);
  return 0;
}
