/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpbweextwatch.h"

#define RTP_FIXED_HEADER 12
#define ONE_BYTE_PROFILE 0xBEDE
/* RFC 8285: 0x100 followed by 4 application bits. */
#define TWO_BYTE_PROFILE_MASK 0xFFF0
#define TWO_BYTE_PROFILE 0x1000
/* One-byte form: id 15 ends the list. */
#define ONE_BYTE_ID_STOP 15

void
gst_rtp_bwe_ext_watch_init (GstRtpBweExtWatch * w)
{
  w->run_packets = 0;
  w->run_start = 0;
  w->last_warning = 0;
  w->warned = FALSE;
}

void
gst_rtp_bwe_ext_watch_rebase (GstRtpBweExtWatch * w, gint64 last_arrival)
{
  w->run_packets = 0;
  if (w->warned)
    w->last_warning -= last_arrival;
}

void
gst_rtp_bwe_ext_watch_known (GstRtpBweExtWatch * w)
{
  w->run_packets = 0;
}

gboolean
gst_rtp_bwe_ext_watch_unknown (GstRtpBweExtWatch * w, gint64 arrival)
{
  if (w->run_packets++ == 0)
    w->run_start = arrival;
  if (w->run_packets < GST_RTP_BWE_EXT_WATCH_PACKETS
      && arrival - w->run_start < (gint64) GST_RTP_BWE_EXT_WATCH_SPAN)
    return FALSE;
  if (w->warned
      && arrival - w->last_warning < (gint64) GST_RTP_BWE_EXT_WATCH_REPEAT)
    return FALSE;
  w->warned = TRUE;
  w->last_warning = arrival;
  return TRUE;
}

/* Appends the ids of the extension elements in data[0..len) to ids. */
static void
list_ids (GString * ids, const guint8 * data, gsize len, gboolean two_byte)
{
  gsize pos = 0;
  guint n = 0;

  while (pos < len) {
    guint id, elem_len;

    if (data[pos] == 0) {       /* padding */
      pos++;
      continue;
    }
    if (two_byte) {
      if (pos + 1 >= len)
        break;
      id = data[pos];
      elem_len = data[pos + 1];
      pos += 2;
    } else {
      id = data[pos] >> 4;
      elem_len = (data[pos] & 0x0f) + 1u;
      if (id == ONE_BYTE_ID_STOP)
        break;
      pos++;
    }
    g_string_append_printf (ids, "%s%u", n++ ? ", " : "", id);
    pos += elem_len;
  }
  if (n == 0)
    g_string_append (ids, "none");
}

gchar *
gst_rtp_bwe_describe_extensions (const guint8 * data, gsize size)
{
  GString *s;
  gsize pos;
  guint profile, words;

  if (size < RTP_FIXED_HEADER || (data[0] >> 6) != 2)
    return g_strdup ("no RTP header");
  if (!(data[0] & 0x10))
    return g_strdup ("no header extension (the sender writes none: with "
        "GStreamer, an extmap-N in the payloader's caps makes it write one)");
  pos = RTP_FIXED_HEADER + 4u * (data[0] & 0x0f);
  if (pos + 4 > size)
    return g_strdup ("a truncated header extension");
  profile = GST_READ_UINT16_BE (data + pos);
  words = GST_READ_UINT16_BE (data + pos + 2);
  pos += 4;
  if (pos + 4u * words > size)
    return g_strdup ("a truncated header extension");

  s = g_string_new (NULL);
  if (profile == ONE_BYTE_PROFILE) {
    g_string_append (s, "header extension ids ");
    list_ids (s, data + pos, 4u * words, FALSE);
    g_string_append (s, " (one-byte form)");
  } else if ((profile & TWO_BYTE_PROFILE_MASK) == TWO_BYTE_PROFILE) {
    g_string_append (s, "header extension ids ");
    list_ids (s, data + pos, 4u * words, TRUE);
    g_string_append (s, " (two-byte form)");
  } else {
    g_string_append_printf (s, "a header extension of profile 0x%04x, "
        "neither RFC 8285 form", profile);
  }
  return g_string_free (s, FALSE);
}
