#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Long even probing for test_probe_long.sh: packets above 200 bytes paced for
# seconds without an estimate, so that libwebrtc's probe list grows past any
# fixed bound.  Usage: probe_trace_gen.py VARIANT; each variant is a list of
# phases (packet count, send spacing in us), arrival = send + 40 ms (+ jitter
# of 0..1 ms in the "jitter" variant), 1250-byte packets on one SSRC.
#   base:    3000 every 600 us, then every 1200 us (the 2048-probe bound's case)
#   long:    12000 every 600 us, then every 1200 us
#   two:     3000 every 600 us, then 900 every 4000 us (2 clusters)
#   three:   3000 every 600 us, 200 every 4000 us, 100 every 9000 us, then
#            3000 every 600 us (3 clusters: the list is cleared)
#   pause:   3000 every 600 us, a 300 ms pause, 3000 every 600 us, then 1200 us
#   jitter:  base with arrival jitter and 10000 more packets
import random, sys

variant = sys.argv[1]
phases = {
    'base': [(3000, 600), (6000, 1200)],
    'long': [(12000, 600), (3000, 1200)],
    'two': [(3000, 600), (900, 4000)],
    'three': [(3000, 600), (200, 4000), (100, 9000), (3000, 600)],
    'pause': [(3000, 600), (1, 300000), (3000, 600), (3000, 1200)],
    'jitter': [(3000, 600), (10000, 1200)],
}[variant]
rnd = random.Random(7)
t = 1000000
for count, gap in phases:
    for _ in range(count):
        t += gap
        send24 = (t * (1 << 18) // 1000000) & 0xffffff
        arrival = t + 40000
        if variant == 'jitter':
            arrival += rnd.randrange(1000)
        print('%d 0x%06x 1250 0x1234' % (arrival, send24))
