/* GStreamer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The RTCP outlets of every rtpbwe in the process and the pool that pushes
 * for them.
 *
 * An outlet with items is "scheduled": it sits in the pool's ready queue, or
 * one pool thread pushes its items (a few at a time, then it goes back to the
 * end of the queue, so that one busy outlet does not hold a thread from the
 * others).  Threads are started when outlets are waiting and none is idle, up
 * to POOL_THREADS, and leave after POOL_IDLE_US without work.
 *
 * Feedback comes a packet at a time from many elements: a pusher that has
 * pushed lingers LINGER_US before it looks for work again instead of being
 * woken for each packet (a wake-up, for the waker and the woken, costs more
 * than the push), which delays feedback by at most that much.
 *
 * A push can block for as long as the peer wants (a sink waiting for
 * PLAYING, a blocking pad probe).  A watchdog thread, running while the pool
 * has threads, declares a thread stuck when its push has lasted STUCK_US with
 * outlets waiting and no thread idle, and the pool may then start one thread
 * more per stuck one: blocked peers hold their threads, never the feedback of
 * the other elements. */
#include "rtcpoutlet.h"

GST_DEBUG_CATEGORY_STATIC (rtcp_outlet_debug);
#define GST_CAT_DEFAULT rtcp_outlet_debug

/* Threads pushing at once when no push is stuck: RTCP feedback is a few
 * packets a second per element, and a push to a non-blocking peer takes
 * microseconds. */
#define POOL_THREADS 4
/* A thread leaves after this long without work. */
#define POOL_IDLE_US (5 * G_TIME_SPAN_SECOND)
/* A push lasting this long while others wait is stuck. */
#define STUCK_US (100 * G_TIME_SPAN_MILLISECOND)
/* Items one thread pushes for an outlet before it serves the next one. */
#define PUSH_BATCH 16
/* How long a pusher that has pushed waits for more before it sleeps until
 * woken. */
#define LINGER_US (2 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GList link;                   /* in the pool's busy queue while pushing */
  gint64 pushing_since;         /* 0: between outlets */
  gboolean stuck;
} Pusher;

typedef struct
{
  GMutex lock;
  GCond work;                   /* pushers: an outlet is ready */
  GCond watch;                  /* watchdog: outlets wait without an idle pusher */
  GCond linger;                 /* never signalled: lingering pushers' timer */
  GQueue ready;                 /* RtcpOutlet *, scheduled, not being pushed */
  GQueue busy;                  /* Pusher * pushing for an outlet */
  guint threads;                /* pushers alive */
  guint starting;               /* of which not yet looking for work */
  guint idle;                   /* pushers waiting for work */
  guint lingering;              /* pushers that look again within LINGER_US */
  guint stuck;                  /* pushers declared stuck */
  gboolean watchdog;            /* the watchdog runs */
  gboolean watchdog_asleep;     /* until woken: nothing to watch */
} Pool;

static Pool pool;

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (rtcp_outlet_debug, "rtpbwertcp", 0,
        "rtpbwe's RTCP outlets and their thread pool");
    g_once_init_leave (&done, 1);
  }
}

/* With the pool locked: the watchdog, asleep with nothing to watch, looks
 * again (when it waits for a deadline it needs no call). */
static void
wake_watchdog_locked (void)
{
  if (pool.watchdog_asleep)
    g_cond_signal (&pool.watch);
}

/* With the pool locked: pushers that take an outlet without being
 * started: idle, lingering, starting. */
static guint
free_pushers_locked (void)
{
  return pool.idle + pool.lingering + pool.starting;
}

static void schedule (RtcpOutlet * o);
static gpointer pusher_main (gpointer data);
static gpointer watchdog_main (gpointer data);

/* With o locked: a push has ended.  GLib signals a condition with a system
 * call even when nobody waits, and feedback comes a packet at a time from
 * thousands of elements: only a halt waits for this. */
static void
drained_locked (RtcpOutlet * o)
{
  if (o->draining > 0)
    g_cond_broadcast (&o->drained);
}

/* With o locked: waits until a push has ended. */
static void
wait_drained_locked (RtcpOutlet * o)
{
  o->draining++;
  g_cond_wait (&o->drained, &o->lock);
  o->draining--;
}

/* With the pool locked: one more pusher (and the watchdog with the first). */
static void
start_pusher_locked (void)
{
  GThread *t;

  Pusher *p = g_new0 (Pusher, 1);

  p->link.data = p;
  t = g_thread_try_new ("rtpbwe-rtcp", pusher_main, p, NULL);
  if (t == NULL) {
    g_free (p);
    GST_WARNING ("cannot start an RTCP thread; %u running", pool.threads);
    return;
  }
  g_thread_unref (t);
  pool.threads++;
  pool.starting++;
  if (!pool.watchdog) {
    t = g_thread_try_new ("rtpbwe-rtcp-wd", watchdog_main, NULL, NULL);
    if (t != NULL) {
      g_thread_unref (t);
      pool.watchdog = TRUE;
    }
  }
}

/* Pushes up to PUSH_BATCH items of o; TRUE when o still has items (it stays
 * scheduled), FALSE when it left the pool (and its owner was released). */
static gboolean
push_some (RtcpOutlet * o)
{
  GstObject *owner = o->owner;
  guint n;

  g_mutex_lock (&o->lock);
  for (n = 0; n < PUSH_BATCH; n++) {
    gpointer item;

    if (o->flushing || g_queue_is_empty (&o->items))
      break;
    item = g_queue_pop_head (&o->items);
    o->pusher = g_thread_self ();
    g_mutex_unlock (&o->lock);

    /* as a task would: the pad's stream lock while pushing */
    GST_PAD_STREAM_LOCK (o->pad);
    if (GST_IS_BUFFER (item)) {
      GstFlowReturn ret = gst_pad_push (o->pad, GST_BUFFER (item));

      if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED)
        GST_DEBUG_OBJECT (o->pad, "pushed: %s", gst_flow_get_name (ret));
    } else {
      gst_pad_push_event (o->pad, GST_EVENT (item));
    }
    GST_PAD_STREAM_UNLOCK (o->pad);

    g_mutex_lock (&o->lock);
    o->pusher = NULL;
    drained_locked (o);
  }
  if (n == PUSH_BATCH && !o->flushing && !g_queue_is_empty (&o->items)) {
    g_mutex_unlock (&o->lock);
    return TRUE;
  }
  o->scheduled = FALSE;
  drained_locked (o);
  g_mutex_unlock (&o->lock);
  /* may be the last reference: o is not touched after */
  gst_object_unref (owner);
  return FALSE;
}

static gpointer
pusher_main (gpointer data)
{
  Pusher *me = data;
  gboolean pushed = FALSE;

  g_mutex_lock (&pool.lock);
  pool.starting--;
  wake_watchdog_locked ();
  for (;;) {
    RtcpOutlet *o;

    while (g_queue_is_empty (&pool.ready)) {
      gint64 until = g_get_monotonic_time () + POOL_IDLE_US;
      gboolean woken;

      /* no longer needed beside the stuck ones */
      if (pool.threads > POOL_THREADS + pool.stuck)
        goto leave;
      if (pushed) {
        pushed = FALSE;
        pool.lingering++;
        g_cond_wait_until (&pool.linger, &pool.lock,
            g_get_monotonic_time () + LINGER_US);
        pool.lingering--;
        continue;
      }
      pool.idle++;
      woken = g_cond_wait_until (&pool.work, &pool.lock, until);
      pool.idle--;
      if (!woken && g_queue_is_empty (&pool.ready))
        goto leave;
    }
    o = g_queue_pop_head_link (&pool.ready)->data;
    me->pushing_since = g_get_monotonic_time ();
    g_queue_push_tail_link (&pool.busy, &me->link);
    /* more waiting than pushers free: the watchdog keeps an eye on us */
    if (pool.ready.length > free_pushers_locked ())
      wake_watchdog_locked ();
    g_mutex_unlock (&pool.lock);

    if (push_some (o))
      schedule (o);
    pushed = TRUE;

    g_mutex_lock (&pool.lock);
    g_queue_unlink (&pool.busy, &me->link);
    me->pushing_since = 0;
    if (me->stuck) {
      me->stuck = FALSE;
      pool.stuck--;
    }
  }
leave:
  pool.threads--;
  wake_watchdog_locked ();
  g_mutex_unlock (&pool.lock);
  g_free (me);
  return NULL;
}

/* With the pool locked: the pusher pushing for longest and not yet stuck. */
static Pusher *
oldest_pusher_locked (void)
{
  Pusher *oldest = NULL;
  GList *l;

  for (l = pool.busy.head; l != NULL; l = l->next) {
    Pusher *p = l->data;

    if (!p->stuck && (oldest == NULL
            || p->pushing_since < oldest->pushing_since))
      oldest = p;
  }
  return oldest;
}

static gpointer
watchdog_main (gpointer data)
{
  g_mutex_lock (&pool.lock);
  while (pool.threads > 0 || !g_queue_is_empty (&pool.ready)) {
    Pusher *oldest;
    gint64 now, deadline;

    /* nothing waits, or pushers are free (or coming) to take it all */
    if (pool.ready.length <= free_pushers_locked ()
        || (oldest = oldest_pusher_locked ()) == NULL) {
      pool.watchdog_asleep = TRUE;
      g_cond_wait (&pool.watch, &pool.lock);
      pool.watchdog_asleep = FALSE;
      continue;
    }
    now = g_get_monotonic_time ();
    deadline = oldest->pushing_since + STUCK_US;
    if (now < deadline) {
      g_cond_wait_until (&pool.watch, &pool.lock, deadline);
      continue;
    }
    oldest->stuck = TRUE;
    pool.stuck++;
    GST_INFO ("an RTCP push has blocked for %" G_GINT64_FORMAT " ms; "
        "%u stuck, %u threads", (now - oldest->pushing_since) / 1000,
        pool.stuck, pool.threads);
    if (pool.threads < POOL_THREADS + pool.stuck)
      start_pusher_locked ();
  }
  pool.watchdog = FALSE;
  g_mutex_unlock (&pool.lock);
  return NULL;
}

/* Puts o (scheduled, its owner held) at the end of the ready queue and gets
 * a pusher for it. */
static void
schedule (RtcpOutlet * o)
{
  g_mutex_lock (&pool.lock);
  g_queue_push_tail_link (&pool.ready, &o->link);
  if (pool.ready.length <= pool.lingering) {
    /* a lingering pusher takes it within LINGER_US */
  } else if (pool.idle > 0)
    g_cond_signal (&pool.work);
  else if (pool.threads < POOL_THREADS + pool.stuck)
    start_pusher_locked ();
  else if (!g_queue_is_empty (&pool.busy))
    /* only a push in progress can be stuck: the lingering and starting
     * pushers come for the outlets anyway (and wake the watchdog when they
     * start pushing with outlets left waiting) */
    wake_watchdog_locked ();
  g_mutex_unlock (&pool.lock);
}

void
rtcp_outlet_init (RtcpOutlet * o, GstPad * pad, GstObject * owner)
{
  debug_init ();
  o->pad = pad;
  o->owner = owner;
  g_mutex_init (&o->lock);
  g_cond_init (&o->drained);
  o->draining = 0;
  g_queue_init (&o->items);
  o->flushing = TRUE;
  o->scheduled = FALSE;
  o->pusher = NULL;
  o->link.data = o;
  o->link.prev = o->link.next = NULL;
}

void
rtcp_outlet_clear (RtcpOutlet * o)
{
  g_queue_clear_full (&o->items, (GDestroyNotify) gst_mini_object_unref);
  g_mutex_clear (&o->lock);
  g_cond_clear (&o->drained);
}

void
rtcp_outlet_push (RtcpOutlet * o, gpointer item)
{
  gboolean new_in_pool = FALSE;

  g_mutex_lock (&o->lock);
  if (o->flushing) {
    g_mutex_unlock (&o->lock);
    gst_mini_object_unref (GST_MINI_OBJECT_CAST (item));
    return;
  }
  g_queue_push_tail (&o->items, item);
  if (!o->scheduled) {
    o->scheduled = TRUE;
    gst_object_ref (o->owner);
    new_in_pool = TRUE;
  }
  g_mutex_unlock (&o->lock);
  if (new_in_pool)
    schedule (o);
}

void
rtcp_outlet_start (RtcpOutlet * o)
{
  g_mutex_lock (&o->lock);
  o->flushing = FALSE;
  g_mutex_unlock (&o->lock);
}

/* With o locked: whether o waits in the ready queue (then taken out of it,
 * and out of the pool). */
static gboolean
take_from_ready_locked (RtcpOutlet * o)
{
  gboolean found;

  g_mutex_lock (&pool.lock);
  found = g_list_position (pool.ready.head, &o->link) >= 0;
  if (found)
    g_queue_unlink (&pool.ready, &o->link);
  g_mutex_unlock (&pool.lock);
  return found;
}

void
rtcp_outlet_halt (RtcpOutlet * o)
{
  gboolean release = FALSE;

  g_mutex_lock (&o->lock);
  o->flushing = TRUE;
  g_queue_clear_full (&o->items, (GDestroyNotify) gst_mini_object_unref);
  while (o->pusher != NULL && o->pusher != g_thread_self ())
    wait_drained_locked (o);
  /* Out of the pool on return, so that nothing of the owner's is left to
   * the pool's threads: taken from the ready queue, or else (a pusher has
   * just taken it, and sees the flushing) let go by that pusher. */
  if (o->scheduled && o->pusher == NULL) {
    if (take_from_ready_locked (o)) {
      o->scheduled = FALSE;
      release = TRUE;
    } else {
      while (o->scheduled && o->pusher != g_thread_self ())
        wait_drained_locked (o);
    }
  }
  g_mutex_unlock (&o->lock);
  if (release)
    gst_object_unref (o->owner);
}
