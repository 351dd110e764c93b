#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes a deterministic bwe-replay --twcc trace on stdout:
`arrival_time_us transport_seq payload_bytes ssrc`, one packet a line.

Usage: twcc_trace.py [PACKETS] [SEED]     (default 50000 packets, seed 1)

A 2.5 Mbit/s sender (video frames of 1200-byte packets at 30 fps plus 50
audio packets/s, one transport sequence) through 20-40 ms of delay with
jitter that reorders about 1 % of packets, 1 % random loss and a 300 ms
outage every 20 s; the sequence number wraps every 65536 packets."""
import random
import sys


def main():
    packets = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    out = []
    seq = 0
    t = 1000000                   # send time, us
    next_audio = t
    next_video = t
    while len(out) < packets:
        if next_audio <= next_video:
            sends = [(next_audio, 160, 1111)]
            next_audio += 20000
        else:
            sends = [(next_video + i * 400, 1200, 2222) for i in range(9)]
            next_video += 33333
        for send_us, size, ssrc in sends:
            s = seq & 0xFFFF
            seq += 1
            if rng.random() < 0.01 or (send_us // 1000) % 20000 < 300:
                continue
            delay = 20000 + rng.randrange(0, 20000) // 10 * 10
            if rng.random() < 0.01:
                delay += rng.randrange(1000, 8000)
            out.append((send_us + delay, s, size, ssrc))
    out.sort(key=lambda p: p[0])
    sys.stdout.write("".join("%d %d %d %d\n" % p for p in out[:packets]))


if __name__ == "__main__":
    main()
