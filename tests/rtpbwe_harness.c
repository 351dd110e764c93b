/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rtpbwe_harness.h"

#include <string.h>

#include <gio/gio.h>

#include "remb.h"

void
bwe_setup (Bwe * b, const gchar * caps)
{
  b->h = gst_harness_new_with_padnames ("rtpbwe", "sink", "src");
  b->rtcp = gst_harness_new_with_element (b->h->element, NULL, "rtcp_src");
  b->bus = gst_bus_new ();
  gst_element_set_bus (b->h->element, b->bus);
  gst_harness_set_src_caps_str (b->h, caps);
}

void
bwe_teardown (Bwe * b)
{
  gst_element_set_bus (b->h->element, NULL);
  gst_object_unref (b->bus);
  gst_harness_teardown (b->rtcp);
  gst_harness_teardown (b->h);
}

GstBuffer *
ast_packet (guint32 ssrc, guint16 seq, guint32 abs24, gsize payload,
    guint8 ext_id, GstClockTime dts)
{
  gsize head = ext_id ? 20 : 12;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, head + payload, NULL);
  GstMapInfo m;

  fail_unless (gst_buffer_map (buf, &m, GST_MAP_WRITE));
  memset (m.data, 0, m.size);
  m.data[0] = ext_id ? 0x90 : 0x80;
  m.data[1] = 96;
  GST_WRITE_UINT16_BE (m.data + 2, seq);
  GST_WRITE_UINT32_BE (m.data + 4, seq * 3000u);
  GST_WRITE_UINT32_BE (m.data + 8, ssrc);
  if (ext_id) {
    GST_WRITE_UINT16_BE (m.data + 12, 0xBEDE);
    GST_WRITE_UINT16_BE (m.data + 14, 1);
    m.data[16] = (guint8) ((ext_id << 4) | 2);
    GST_WRITE_UINT24_BE (m.data + 17, abs24);
  }
  gst_buffer_unmap (buf, &m);
  GST_BUFFER_DTS (buf) = dts;
  return buf;
}

static gchar *
read_gz (const gchar * path)
{
  GFile *f = g_file_new_for_path (path);
  GError *err = NULL;
  GInputStream *raw = G_INPUT_STREAM (g_file_read (f, NULL, &err));
  GConverter *z =
      G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  GInputStream *in;
  GOutputStream *mem = g_memory_output_stream_new_resizable ();
  gchar *text;

  fail_unless (raw != NULL, "cannot read %s", path);
  in = g_converter_input_stream_new (raw, z);
  fail_unless (g_output_stream_splice (mem, in,
          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &err) >= 0);
  g_output_stream_write (mem, "", 1, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
  g_object_unref (mem);
  g_object_unref (in);
  g_object_unref (z);
  g_object_unref (raw);
  g_object_unref (f);
  return text;
}

GArray *
read_trace (const gchar * seed)
{
  const gchar *dir = g_getenv ("RTPBWE_PARITY_DIR");
  GArray *trace = g_array_new (FALSE, TRUE, sizeof (TracePacket));
  GHashTable *seqs = g_hash_table_new (NULL, NULL);
  gchar *name, *path, *text, **lines;
  guint i;

  fail_unless (dir != NULL, "RTPBWE_PARITY_DIR is not set");
  name = g_strconcat (seed, ".trace.gz", NULL);
  path = g_build_filename (dir, name, NULL);
  text = read_gz (path);
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    TracePacket p;
    gchar *e;
    guint seq;

    if (!g_ascii_isdigit (*lines[i]))
      continue;
    p.arrival_us = g_ascii_strtoll (lines[i], &e, 10);
    p.abs24 = (guint32) g_ascii_strtoull (e, &e, 0);
    p.payload = (guint32) g_ascii_strtoull (e, &e, 10);
    p.ssrc = (guint32) g_ascii_strtoull (e, &e, 10);
    seq = GPOINTER_TO_UINT (g_hash_table_lookup (seqs,
            GUINT_TO_POINTER (p.ssrc)));
    p.seq = (guint16) seq;
    g_hash_table_insert (seqs, GUINT_TO_POINTER (p.ssrc),
        GUINT_TO_POINTER (seq + 1));
    g_array_append_val (trace, p);
  }
  fail_unless (trace->len > 1000, "%s: %u packets", path, trace->len);
  g_strfreev (lines);
  g_free (text);
  g_free (path);
  g_free (name);
  g_hash_table_unref (seqs);
  return trace;
}

void
push_trace (Bwe * b, GArray * trace, guint from, guint to, gint64 offset_ns,
    gboolean no_dts)
{
  guint i;

  for (i = from; i < to; i++) {
    TracePacket *p = &g_array_index (trace, TracePacket, i);
    gint64 t = p->arrival_us * (gint64) GST_USECOND + offset_ns;

    fail_unless (no_dts || t >= 0);
    fail_unless_equals_int (gst_harness_push (b->h, ast_packet (p->ssrc,
                p->seq, p->abs24, p->payload, 3,
                no_dts ? GST_CLOCK_TIME_NONE : (GstClockTime) t)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (b->h));
  }
}

void
push_segment (Bwe * b, GstClockTime start, GstClockTime base)
{
  GstSegment seg;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = start;
  seg.time = start;
  seg.position = start;
  seg.base = base;
  fail_unless (gst_harness_push_event (b->h, gst_event_new_segment (&seg)));
}

void
push_flush (Bwe * b)
{
  fail_unless (gst_harness_push_event (b->h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (b->h, gst_event_new_flush_stop (TRUE)));
}

GPtrArray *
pop_element_messages (Bwe * b, const gchar * name)
{
  GPtrArray *arr = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (b->bus, GST_MESSAGE_ELEMENT)) != NULL) {
    const GstStructure *s = gst_message_get_structure (m);

    if (gst_structure_has_name (s, name))
      g_ptr_array_add (arr, gst_structure_copy (s));
    gst_message_unref (m);
  }
  return arr;
}

GArray *
pop_estimates (Bwe * b)
{
  GPtrArray *msgs = pop_element_messages (b, "rtpbwe-estimate");
  GArray *arr = g_array_new (FALSE, TRUE, sizeof (TimedRate));
  guint i;

  for (i = 0; i < msgs->len; i++) {
    const GstStructure *s = g_ptr_array_index (msgs, i);
    TimedRate r;
    guint bitrate;

    fail_unless (gst_structure_get_uint (s, "bitrate", &bitrate));
    fail_unless (gst_structure_get_uint64 (s, "timestamp", &r.timestamp));
    r.bitrate = bitrate;
    g_array_append_val (arr, r);
  }
  g_ptr_array_unref (msgs);
  return arr;
}

/* A REMB buffer's bitrate and PTS; FALSE for other RTCP. */
static gboolean
read_remb (GstBuffer * buf, TimedRate * r)
{
  GstMapInfo map;
  BweRemb remb;
  gboolean is_remb;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  is_remb = map.size > 1 && map.data[1] == 206;
  if (is_remb) {
    fail_unless_equals_int (bwe_remb_parse (map.data, map.size, &remb), 0);
    r->bitrate = remb.bitrate_bps;
    r->timestamp = GST_BUFFER_PTS (buf);
  }
  gst_buffer_unmap (buf, &map);
  return is_remb;
}

GArray *
pull_rembs (Bwe * b, guint n)
{
  GArray *arr = g_array_new (FALSE, TRUE, sizeof (TimedRate));

  while (arr->len < n) {
    GstBuffer *buf = gst_harness_pull (b->rtcp);
    TimedRate r;

    fail_unless (buf != NULL);
    if (read_remb (buf, &r))
      g_array_append_val (arr, r);
    gst_buffer_unref (buf);
  }
  return arr;
}

GArray *
drain_rembs (Bwe * b)
{
  GArray *arr = g_array_new (FALSE, TRUE, sizeof (TimedRate));
  GstBuffer *buf;
  gboolean eos = FALSE;

  fail_unless (gst_harness_push_event (b->h, gst_event_new_eos ()));
  while (!eos) {
    GstEvent *ev = gst_harness_pull_event (b->rtcp);

    fail_unless (ev != NULL);
    eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  while ((buf = gst_harness_try_pull (b->rtcp)) != NULL) {
    TimedRate r;

    if (read_remb (buf, &r))
      g_array_append_val (arr, r);
    gst_buffer_unref (buf);
  }
  return arr;
}

guint64
stat_u64 (GstElement * e, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no field %s", field);
  gst_structure_free (s);
  return v;
}

void
assert_same_rates (GArray * got, GArray * want, const gchar * what)
{
  guint i;

  fail_unless (want->len > 0, "%s: nothing to compare", what);
  fail_unless_equals_int (got->len, want->len);
  for (i = 0; i < got->len; i++) {
    TimedRate *x = &g_array_index (got, TimedRate, i);
    TimedRate *y = &g_array_index (want, TimedRate, i);

    fail_unless (x->bitrate == y->bitrate && x->timestamp == y->timestamp,
        "%s %u: %" G_GUINT64_FORMAT " bit/s at %" G_GUINT64_FORMAT " ns, "
        "want %" G_GUINT64_FORMAT " at %" G_GUINT64_FORMAT, what, i,
        x->bitrate, x->timestamp, y->bitrate, y->timestamp);
  }
}
