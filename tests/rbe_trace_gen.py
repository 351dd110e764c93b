#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile bwe-replay traces for test_differential.sh: usage SEED [LINES].
# Random streams (1 to 40, 8 kbit/s to 20 Mbit/s, tiny to full packets, SSRC 0
# and 0xffffffff) through a drop-tail bottleneck with capacity steps, loss,
# jitter (arrival order kept or not), probe-like bursts, slowly growing send
# gaps, silences of 1.5 s to 70 s (stream timeouts, abs-send-time wraps),
# arrival clock jumps of up to +-4 s, an estimator clock (now_us) that lags,
# leads, drifts or ticks in batches, and rtt / remove lines.
#
# With a third argument "chaos": garbage instead, on four SSRCs: send times
# that jump anywhere, payloads of 0 to 65535 bytes (rates of Gbit/s), arrival
# times repeated, going back by up to 5 s or jumping 70 s, clocks starting at
# 0 or 10^15 us, an estimator clock up to 10 s off, rtt 0..2000 ms.
import random, sys

seed = int(sys.argv[1])
R = random.Random(seed)
n_target = int(sys.argv[2]) if len(sys.argv) > 2 else 6000


def chaos():
    t = R.choice([0, 1000, 10 ** 15])
    a = R.randrange(1 << 24)
    out = []
    while len(out) < n_target:
        r = R.random()
        if r < 0.02:
            out.append('rtt %d' % R.randrange(0, 2000))
            continue
        if r < 0.03:
            out.append('remove %d' % R.randrange(4))
            continue
        if r < 0.1:
            a = R.randrange(1 << 24)
        elif r < 0.5:
            a = (a + R.randrange(0, 3000)) & 0xffffff
        else:
            a = (a + R.randrange(0, 20)) & 0xffffff
        if R.random() < 0.3:
            t += R.randrange(0, 3)
        elif R.random() < 0.05:
            t -= R.randrange(0, 5000000)
        elif R.random() < 0.02:
            t += R.randrange(0, 70000000)
        else:
            t += R.randrange(0, 20000)
        t = max(t, 0)
        size = R.choice([0, 1, 200, 201, 1200, 65535])
        if R.random() < 0.3:
            now = max(0, t + R.randrange(-10 ** 7, 10 ** 7))
            out.append('%d %d %d %d %d' % (t, a, size, R.randrange(4), now))
        else:
            out.append('%d %d %d %d' % (t, a, size, R.randrange(4)))
    print('\n'.join(out))


if len(sys.argv) > 3 and sys.argv[3] == 'chaos':
    chaos()
    sys.exit(0)

nstreams = R.choice([1, 1, 2, 3, 5, 40])
streams = []
for i in range(nstreams):
    streams.append({
        'ssrc': R.choice([R.randrange(1 << 32), i + 1, 0, 0xffffffff]),
        'bps': R.choice([8000, 30000, 150000, 500000, 1500000, 4000000, 20000000]),
        'pkt': R.choice([60, 150, 201, 1000, 1200]),
        'alive': True,
    })
cap = R.choice([100000, 300000, 1000000, 3000000, 30000000, 80000000])
send_us = R.randrange(0, 64000000)  # abs-send-time origin, wraps at 64 s
t0 = R.randrange(1000, 200000000)
now_off = 0 if R.random() < 0.5 else R.randrange(-500000, 500000)
prop = R.randrange(0, 100000)
jitter = R.choice([0, 0, 1000, 5000, 30000])
loss = R.choice([0, 0.01, 0.1])
qlim = R.choice([50000, 300000, 10**12])
sort_arr = R.random() < 0.5
q_free = t0  # bottleneck queue free time (arrival clock)
clock_jump = 0
lines = []
t = 0  # send clock us relative
events = 0
while len(lines) < n_target:
    r = R.random()
    if r < 0.002:
        # silence
        t += R.choice([1500000, 2000500, 2500000, 35000000, 70000000])
    elif r < 0.004:
        cap = R.choice([50000, 300000, 1000000, 3000000, 30000000])
    elif r < 0.006:
        lines.append('rtt %d' % R.choice([0, 5, 10, 50, 150, 200, 300, 1000]))
    elif r < 0.007 + (0.02 if nstreams > 10 else 0) and streams:
        s = R.choice(streams)
        lines.append('remove %d' % s['ssrc'])
    elif r < 0.008:
        clock_jump += R.choice([-4000000, -1000000, -3000, 3000000, 50000])
    elif r < 0.009:
        now_off = R.choice([0, R.randrange(-3000000, 3000000)])
    elif r < 0.010:
        for s in streams:
            s['bps'] = R.choice([8000, 30000, 150000, 500000, 1500000, 4000000, 20000000])
    elif r < 0.012:
        # probe burst: 5-15 packets paced at high rate
        s = R.choice(streams)
        rate = R.choice([500000, 2000000, 8000000])
        size = R.choice([1000, 1200])
        for k in range(R.randrange(5, 16)):
            t += max(1, size * 8 * 1000000 // rate)
            sent = t
            abs24 = ((send_us + sent) * 262144 // 1000000) & 0xffffff
            tx = size * 8 * 1000000 // cap
            q_free = max(t0 + sent + prop, q_free) + tx
            arr = q_free + clock_jump
            lines.append((arr, abs24, size, s['ssrc']))
    elif r < 0.0125:
        # a sender slowing down smoothly: 61 or more send gaps in a row,
        # each one abs-send-time tick longer than the one before
        s = R.choice(streams)
        gap = R.choice([2621, 5243, 8738])
        for k in range(R.randrange(61, 120)):
            t += (gap + k) * 1000000 // 262144
            sent = t
            abs24 = ((send_us + sent) * 262144 // 1000000) & 0xffffff
            tx = 1000 * 8 * 1000000 // cap
            q_free = max(t0 + sent + prop, q_free) + tx
            lines.append((q_free + clock_jump, abs24, 1000, s['ssrc']))
    s = R.choice(streams)
    # next frame of stream s
    frame_bits = max(1, s['bps'] // 30)
    npk = max(1, frame_bits // (8 * s['pkt']))
    t += R.choice([33333 // max(1, nstreams), 1000, 20000, 5000, 0])
    for k in range(min(npk, 40)):
        sent = t
        size = s['pkt'] if R.random() > 0.1 else R.randrange(1, 1400)
        abs24 = ((send_us + sent) * 262144 // 1000000) & 0xffffff
        tx = size * 8 * 1000000 // cap
        if q_free - (t0 + sent + prop) > qlim:
            continue
        q_free = max(t0 + sent + prop, q_free) + tx
        if R.random() < loss:
            continue
        arr = q_free + clock_jump + (R.randrange(jitter) if jitter else 0)
        lines.append((arr, abs24, size, s['ssrc']))
        t += R.choice([0, 0, 100, 1000])

# sort by arrival mostly (a receiver sees packets in arrival order), but keep
# some out-of-order arrival values when clock jumps happened
if sort_arr:
    keyed = []
    last = 0
    for i, l in enumerate(lines):
        if not isinstance(l, str):
            last = l[0]
        keyed.append((last, i, l))
    keyed.sort(key=lambda k: (k[0], k[1]))
    lines = [k[2] for k in keyed]
now_mode = R.choice([0, 0, 1, 2])
batch = R.choice([10000, 20000, 50000])
drift = R.choice([0, 1e-4, -1e-4, 1e-3])
out = []
for l in lines:
    if isinstance(l, str):
        out.append(l)
        continue
    arr, abs24, size, ssrc = l
    if arr < 0:
        arr = R.randrange(0, 1000)
    if now_mode == 1:
        # batch processing: the clock is the end of a 10..50 ms batch
        now = (arr // batch + 1) * batch
        out.append('%d %d %d %d %d' % (arr, abs24, size, ssrc, now))
    elif now_mode == 2:
        # clock from another source: drifts and jumps
        now = int(arr * (1 + drift)) + now_off + R.randrange(0, 3000)
        if now < 0:
            now = 0
        out.append('%d %d %d %d %d' % (arr, abs24, size, ssrc, now))
    elif now_off or R.random() < 0.01:
        now = arr + now_off + R.randrange(0, 2000)
        if now < 0:
            now = 0
        out.append('%d %d %d %d %d' % (arr, abs24, size, ssrc, now))
    else:
        out.append('%d %d %d %d' % (arr, abs24, size, ssrc))
print('\n'.join(out))
