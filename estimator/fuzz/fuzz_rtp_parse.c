/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzzes the RTP header and extension parser.  The first three input bytes are
 * the abs-send-time, transport-wide sequence and abs-capture-time ids (0: not
 * negotiated; any value, so ids the one-byte form cannot carry are tried too),
 * the rest is the packet.  A
 * packet the parser accepts must add up: header, payload and padding are the
 * whole packet and every field is within its range. */
#include <stdlib.h>

#include "fuzz.h"
#include "rtp_parse.h"

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  BweRtpExtMap map;
  BweRtpPacket pkt;
  BweRtpParseResult res;
  const char *name;
  uint32_t abs24 = 0;
  BweSendTimeSource source;

  if (size < 3)
    return 0;
  map.abs_send_time_id = data[0];
  map.transport_seq_id = data[1];
  map.abs_capture_time_id = data[2];
  data += 3;
  size -= 3;

  res = bwe_rtp_parse (data, size, &map, &pkt);
  name = bwe_rtp_parse_result_name (res);
  if (name == NULL || name[0] == '\0' || res >= BWE_RTP_NUM_RESULTS)
    abort ();
  /* The same packet without an extension map: only extension results may differ. */
  if (bwe_rtp_parse (data, size, NULL, &pkt) == BWE_RTP_OK) {
    if (pkt.has_abs_send_time || pkt.has_transport_seq
        || pkt.has_abs_capture_time)
      abort ();
  }
  res = bwe_rtp_parse (data, size, &map, &pkt);
  if (res != BWE_RTP_OK)
    return 0;

  if (size < BWE_RTP_FIXED_HEADER_SIZE || (data[0] >> 6) != 2)
    abort ();
  if (pkt.header_size + pkt.payload_size + pkt.padding_size != size)
    abort ();
  if (pkt.header_size < BWE_RTP_FIXED_HEADER_SIZE + 4u * pkt.csrc_count
      || pkt.csrc_count > 15 || (pkt.header_size & 3) != 0)
    abort ();
  if (pkt.payload_type > 127 || (pkt.payload_type >= 64 && pkt.payload_type <= 95))
    abort ();
  if (pkt.padding_size > 0 && (!(data[0] & 0x20) || data[size - 1] != pkt.padding_size))
    abort ();
  if (pkt.has_abs_send_time
      && (map.abs_send_time_id == 0 || pkt.abs_send_time > 0xFFFFFF))
    abort ();
  if (pkt.has_transport_seq && map.transport_seq_id == 0)
    abort ();
  if (pkt.has_abs_capture_time && map.abs_capture_time_id == 0)
    abort ();
  if (pkt.has_capture_clock_offset && !pkt.has_abs_capture_time)
    abort ();
  source = bwe_rtp_send_time (&pkt, &abs24);
  if (abs24 > 0xFFFFFF
      || (source == BWE_SEND_TIME_NONE) != (!pkt.has_abs_send_time
          && !pkt.has_abs_capture_time)
      || (source == BWE_SEND_TIME_ABS_SEND_TIME && abs24 != pkt.abs_send_time))
    abort ();
  if (pkt.ssrc != ((uint32_t) data[8] << 24 | (uint32_t) data[9] << 16
          | (uint32_t) data[10] << 8 | data[11]))
    abort ();
  return 0;
}
