#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the RTP packets of a pcap as a bwe-replay trace: the reverse of
trace2pcap.py, for captures of a real path (netns-test.py --capture-rtp).

Each UDP/IPv4/Ethernet packet to the port that is RTP with abs-send-time (a
one-byte header extension with the id given) becomes the line
`arrival_us send_time_abs24 payload_bytes ssrc now_us seq`, arrival_us (and
now_us) the capture time in microseconds, payload_bytes the RTP payload and
padding from the packet's original length (a capture cut short by a snap
length still counts them), seq its RTP sequence number.  Other packets are
skipped and counted on stderr.

Usage: pcap2trace.py CAPTURE.pcap [--port P] [--ext-id I] > trace
"""

import argparse
import struct
import sys

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
ETH_IPV4 = 0x0800
UDP = 17


def packets(f):
    """(time_us, original length, captured bytes) of each packet."""
    head = f.read(24)
    if len(head) < 24:
        raise ValueError("not a pcap file")
    magic = struct.unpack("<I", head[:4])[0]
    order = "<"
    if magic not in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        order = ">"
        magic = struct.unpack(">I", head[:4])[0]
    if magic not in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        raise ValueError("not a libpcap file (pcapng? editcap -F pcap)")
    nanos = magic == PCAP_MAGIC_NS
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            return
        sec, frac, caplen, origlen = struct.unpack(order + "IIII", rec)
        data = f.read(caplen)
        us = sec * 1000000 + (frac // 1000 if nanos else frac)
        yield us, origlen, data


def rtp_fields(data, origlen, port, ext_id):
    """(abs24, payload bytes, ssrc, seq) of an Ethernet frame, or None."""
    if len(data) < 14 + 20 + 8 + 12 or \
            struct.unpack("!H", data[12:14])[0] != ETH_IPV4:
        return None
    ihl = (data[14] & 0x0F) * 4
    if data[14 + 9] != UDP:
        return None
    udp = 14 + ihl
    if struct.unpack("!H", data[udp + 2:udp + 4])[0] != port:
        return None
    rtp = udp + 8
    first, _pt, seq, _ts, ssrc = struct.unpack("!BBHII", data[rtp:rtp + 12])
    if first >> 6 != 2:
        return None
    off = rtp + 12 + 4 * (first & 0x0F)
    abs24 = None
    if first & 0x10:
        if len(data) < off + 4:
            return None
        profile, words = struct.unpack("!HH", data[off:off + 4])
        end = off + 4 + 4 * words
        i = off + 4
        while profile == 0xBEDE and i < min(end, len(data)):
            if data[i] == 0:
                i += 1
                continue
            eid, elen = data[i] >> 4, (data[i] & 0x0F) + 1
            if eid == ext_id and elen == 3 and i + 4 <= len(data):
                abs24 = int.from_bytes(data[i + 1:i + 4], "big")
            i += 1 + elen
        off = end
    if abs24 is None:
        return None
    return abs24, origlen - off, ssrc, seq


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pcap")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--ext-id", type=int, default=3)
    args = p.parse_args()
    written = skipped = 0
    with open(args.pcap, "rb") as f:
        for us, origlen, data in packets(f):
            fields = rtp_fields(data, origlen, args.port, args.ext_id)
            if fields is None:
                skipped += 1
                continue
            abs24, size, ssrc, seq = fields
            print("%d %d %d %d %d %d" % (us, abs24, size, ssrc, us, seq))
            written += 1
    print("pcap2trace: %d packets written, %d skipped" % (written, skipped),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
