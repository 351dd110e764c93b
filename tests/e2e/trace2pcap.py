#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes a bwe-replay trace as a pcap of RTP/UDP/IPv4/Ethernet packets.

Each trace line `arrival_us send_time_abs24 payload_bytes ssrc [now_us [seq]]`
becomes one RTP packet captured at arrival_us, carrying abs-send-time
(one-byte header extension) and payload_bytes of payload, so that
`filesrc ! pcapparse ! rtpbwe` sees what the trace describes.  The RTP
sequence number is seq when the line has one, else the count of the SSRC's
earlier packets (now_us is not written: rtpbwe's clock is the arrival time).

pcapparse starts its segment at the first packet, and rtpbwe takes running
time as the arrival time: a first packet captured at time 0 (RTP without a
header extension, SSRC 0xFFFFFFFF, which rtpbwe counts as skipped) keeps
the running time equal to the trace's arrival times (--no-origin leaves it
out: then the running time starts at the first trace packet).

Usage: trace2pcap.py TRACE(.gz) OUT.pcap [--until-us N] [--port P] [--ext-id I]
                    [--no-origin]
"""

import argparse
import gzip
import struct
import sys

PCAP_LINKTYPE_ETHERNET = 1
RTP_PT = 96


def open_trace(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt")
    return open(path)


ORIGIN_SSRC = 0xFFFFFFFF


def udp_frame(port, payload):
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
    return bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + ip


def origin_frame(port):
    """The packet at capture time 0 that fixes pcapparse's segment start."""
    return udp_frame(port, struct.pack("!BBHII", 0x80, RTP_PT, 0, 0,
                                       ORIGIN_SSRC))


def packet(args, seq, send24, size, ssrc):
    # RTP timestamp from the send time: 90 kHz, 24-bit abs-send-time is 6.18 s.
    rtp_ts = (send24 * 90000 >> 18) & 0xFFFFFFFF
    rtp = struct.pack("!BBHII", 0x90, RTP_PT, seq & 0xFFFF, rtp_ts, ssrc)
    ext = struct.pack("!HHB", 0xBEDE, 1, (args.ext_id << 4) | 2) + \
        send24.to_bytes(3, "big")
    return udp_frame(args.port, rtp + ext + bytes(size))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("trace")
    p.add_argument("out")
    p.add_argument("--until-us", type=int, default=0,
                   help="stop at this arrival time (0: whole trace)")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--ext-id", type=int, default=3)
    p.add_argument("--no-origin", action="store_true",
                   help="no packet at capture time 0")
    args = p.parse_args()

    seqs = {}
    count = 0
    with open_trace(args.trace) as f, open(args.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535,
                              PCAP_LINKTYPE_ETHERNET))
        if not args.no_origin:
            frame = origin_frame(args.port)
            out.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)))
            out.write(frame)
        for line in f:
            fields = line.split()
            if not fields or not fields[0][0].isdigit():
                continue
            arrival = int(fields[0])
            if args.until_us and arrival > args.until_us:
                break
            send24 = int(fields[1], 0)
            size = int(fields[2])
            ssrc = int(fields[3], 0)
            seq = seqs.get(ssrc, 0)
            seqs[ssrc] = seq + 1
            if len(fields) >= 6:
                seq = int(fields[5])
            frame = packet(args, seq, send24, size, ssrc)
            out.write(struct.pack("<IIII", arrival // 1000000, arrival % 1000000,
                                  len(frame), len(frame)))
            out.write(frame)
            count += 1
    print("trace2pcap: %d packets" % count, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
