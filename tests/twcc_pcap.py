#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Interop check: bwe-replay --twcc feedback, wrapped in IPv4/UDP in a pcap,
must be decoded by tshark as RTCP transport-wide feedback without any
malformed packet or expert warning.

Usage: twcc_pcap.py BWE_REPLAY TRACE [TRACE ...]   (gzipped when *.gz)
Exits 77 (skipped) when tshark is not installed."""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile

PORT = 5005


def ip_udp(payload, src_port=PORT, dst_port=PORT):
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 17, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    s = sum(struct.unpack("!10H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack("!H", ~s & 0xFFFF) + hdr[12:]
    return hdr + udp


def write_pcap(path, packets):
    with open(path, "wb") as f:
        # LINKTYPE_RAW (101): IPv4 without a link-layer header
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for time_ms, data in packets:
            frame = ip_udp(data)
            f.write(struct.pack("<IIII", time_ms // 1000,
                                (time_ms % 1000) * 1000, len(frame), len(frame)))
            f.write(frame)


def main():
    if shutil.which("tshark") is None:
        print("FAIL: tshark not installed (tools/setup.sh installs it)")
        return 1
    replay, traces = sys.argv[1], sys.argv[2:]
    failed = False
    for trace in traces:
        opener = gzip.open if trace.endswith(".gz") else open
        with opener(trace, "rb") as f:
            out = subprocess.run([replay, "--twcc"], input=f.read(),
                                 capture_output=True, check=True).stdout
        packets = []
        for line in out.decode().splitlines():
            t, hexbytes = line.split()
            packets.append((int(t), bytes.fromhex(hexbytes)))
        with tempfile.TemporaryDirectory() as tmp:
            pcap = os.path.join(tmp, "twcc.pcap")
            write_pcap(pcap, packets)
            base = ["tshark", "-n", "-r", pcap, "-d", "udp.port==%d,rtcp" % PORT]
            fmts = subprocess.run(
                base + ["-T", "fields", "-e", "rtcp.rtpfb.fmt",
                        "-e", "rtcp.psfb.fmt", "-e", "_ws.malformed"],
                capture_output=True, check=True, text=True).stdout.split("\n")
            fmts = [x for x in fmts if x]
            decoded = sum(1 for x in fmts if x.split("\t")[0] == "15")
            expert = subprocess.run(base + ["-q", "-z", "expert,warn"],
                                    capture_output=True, check=True,
                                    text=True).stdout
            bad = [l for l in expert.splitlines()
                   if "Malformed" in l or l.startswith(("Errors", "Warns"))]
        print("%s: %d feedback packets, %d decoded as transport-cc"
              % (os.path.basename(trace), len(packets), decoded))
        if decoded != len(packets) or bad or len(fmts) != len(packets):
            failed = True
            print("\n".join(bad) or expert)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
