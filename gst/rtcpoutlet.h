/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __RTCP_OUTLET_H__
#define __RTCP_OUTLET_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* An RTCP source pad fed without a thread of its own.  The streaming thread
 * queues buffers and events and never waits; a small pool of threads shared
 * by every outlet in the process pushes them, each outlet's in order and by
 * one thread at a time.  A push that blocks (a sink prerolling, a blocking
 * probe) holds one pool thread; when every thread is held for more than a
 * moment and other outlets wait, the pool adds a thread, so one blocked peer
 * never stalls the others' feedback.
 *
 * The owner (the element whose pad it is) is kept alive while items wait. */
typedef struct
{
  GstPad *pad;                  /* where the items go */
  GstObject *owner;

  GMutex lock;
  GCond drained;                /* a push has ended */
  guint draining;               /* threads waiting for drained */
  GQueue items;                 /* GstBuffer and GstEvent, in order */
  gboolean flushing;            /* items are refused */
  gboolean scheduled;           /* in the pool: queued or being pushed */
  GThread *pusher;              /* the pool thread pushing now, or NULL */
  GList link;                   /* in the pool's ready queue (pool's lock) */
} RtcpOutlet;

/* An outlet for pad, owned by owner; refuses items until started. */
void rtcp_outlet_init (RtcpOutlet * o, GstPad * pad, GstObject * owner);

/* Frees what waits; the outlet must be halted and out of the pool (its
 * owner is being finalized, so nothing holds it). */
void rtcp_outlet_clear (RtcpOutlet * o);

/* Queues a buffer or an event (taking it), or drops it while halted. */
void rtcp_outlet_push (RtcpOutlet * o, gpointer item);

/* Accepts items again. */
void rtcp_outlet_start (RtcpOutlet * o);

/* Drops what waits, refuses what comes, waits until a push in progress has
 * returned (unless called from that push) and takes the outlet out of the
 * pool: its threads hold nothing of the owner's afterwards. */
void rtcp_outlet_halt (RtcpOutlet * o);

G_END_DECLS

#endif
