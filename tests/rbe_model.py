#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Follows libwebrtc's
# modules/remote_bitrate_estimator/remote_bitrate_estimator_abs_send_time.cc
# and the modules it uses, source stamp 2023-02-14 (~M112); libwebrtc's
# BSD-3-Clause notice: LICENSES/BSD-3-Clause-WebRTC.txt.
# A plain model of libwebrtc's RemoteBitrateEstimatorAbsSendTime (~M112) that
# reads a bwe-replay trace on stdin and writes what bwe-replay prints in each of
# its modes (usage: rbe_model.py PREFIX < trace).
#
# Written separately from estimator/ and on purpose without its speed-ups
# (ring buffers, monotonic queues, caches, hash tables): lists scanned as
# libwebrtc scans its std::deque / std::list / std::map, and api/units'
# roundings spelled out (Timestamp::ms() rounds to nearest, DataRate * double
# rounds, DataRate from a double truncates, DataSize / TimeDelta truncates,
# RateStatistics computes in float).  test_differential.sh runs both on
# generated hostile traces; any difference is a bug in one of them.
import math, struct, sys

I64MAX = (1 << 63) - 1
I64MIN = -(1 << 63)

def f32(x):
    return struct.unpack('f', struct.pack('f', x))[0]

def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q

def trunc_mod(a, b):
    return a - b * trunc_div(a, b)

def div_round_nearest(v, d):
    if v < 0:
        half = d // 2
        q = trunc_div(v, d); r = trunc_mod(v, d)
        if -r > half: q -= 1
        return q
    half = (d - 1) // 2
    q = v // d; r = v % d
    if r > half: q += 1
    return q

def llround_exact(x):
    # std::llround: halves away from zero
    i = int(x)
    frac = x - i
    if frac >= 0.5: i += 1
    elif frac <= -0.5: i -= 1
    return i

def to_int(x):  # dchecked_cast<int64_t>(double): trunc
    return int(x)

def to_i32(v):
    v &= 0xffffffff
    return v - (1 << 32) if v >= (1 << 31) else v

def ms_of_us(us):
    return div_round_nearest(us, 1000)

class RateStats:
    def __init__(self, window, scale):
        self.window = window; self.scale = f32(scale); self.reset()
    def reset(self):
        self.buckets = []  # [ts, sum, n]
        self.acc = 0; self.first = -1; self.n = 0; self.overflow = False
    def erase_old(self, now):
        new_oldest = now - self.window + 1
        while self.buckets and self.buckets[0][0] < new_oldest:
            b = self.buckets.pop(0)
            self.acc -= b[1]; self.n -= b[2]
    def update(self, count, now):
        self.erase_old(now)
        if self.first == -1 or self.n == 0:
            self.first = now
        if not self.buckets or now != self.buckets[-1][0]:
            if self.buckets and now < self.buckets[-1][0]:
                now = self.buckets[-1][0]
            self.buckets.append([now, 0, 0])
        b = self.buckets[-1]
        b[1] += count; b[2] += 1
        if I64MAX - self.acc > count: self.acc += count
        else: self.overflow = True
        self.n += 1
    def rate(self, now):
        self.erase_old(now)
        active = 0
        if self.first != -1:
            if self.first <= now - self.window:
                active = self.window
            else:
                active = to_i32(now - self.first + 1)
        if self.n == 0 or active <= 1 or (self.n <= 1 and active < self.window) or self.overflow:
            return None
        scale = f32(self.scale / f32(active))
        result = f32(f32(f32(self.acc) * scale) + f32(0.5))
        return int(result)

class TsGroup:
    def __init__(self):
        self.size = 0; self.first_ts = 0; self.ts = 0; self.first_arrival = -1
        self.complete = -1; self.last_sys = -1

def is_newer(v, p):
    d = (v - p) & 0xffffffff
    if d == 0x80000000: return v > p
    return v != p and d < 0x80000000

class InterArrival:
    def __init__(self, glen, coeff, burst):
        self.glen = glen; self.coeff = coeff; self.burst = burst; self.reset()
    def reset(self):
        self.reord = 0; self.cur = TsGroup(); self.prev = TsGroup()
    def belongs_to_burst(self, arr, ts):
        if not self.burst: return False
        ad = arr - self.cur.complete
        tsd = (ts - self.cur.ts) & 0xffffffff
        tsdm = int(self.coeff * tsd + 0.5)
        if tsdm == 0: return True
        prop = to_i32(ad - tsdm)
        return prop < 0 and ad <= 5 and arr - self.cur.first_arrival < 100
    def compute(self, ts, arr, sysms, size):
        c = self.cur
        res = None
        if c.complete == -1:
            c.ts = ts; c.first_ts = ts; c.first_arrival = arr
        elif ((ts - c.first_ts) & 0xffffffff) >= 0x80000000:
            return None
        elif (not self.belongs_to_burst(arr, ts)) and ((ts - c.first_ts) & 0xffffffff) > self.glen:
            if self.prev.complete >= 0:
                tsd = (c.ts - self.prev.ts) & 0xffffffff
                td = c.complete - self.prev.complete
                sd = c.last_sys - self.prev.last_sys
                if td - sd >= 3000:
                    self.reset(); return None
                if td < 0:
                    self.reord += 1
                    if self.reord >= 3: self.reset()
                    return None
                self.reord = 0
                res = (tsd, td, to_i32(c.size) - to_i32(self.prev.size))
            p = TsGroup()
            p.__dict__.update(c.__dict__)
            self.prev = p
            c.first_ts = ts; c.ts = ts; c.first_arrival = arr; c.size = 0
        else:
            if not is_newer(c.ts, ts): c.ts = ts
        c.size += size; c.complete = arr; c.last_sys = sysms
        return res

NORMAL, UNDER, OVER = 0, 1, 2

class Kalman:
    def __init__(self):
        self.n = 0; self.slope = 8.0 / 512.0; self.offset = 0.0; self.prev_offset = 0.0
        self.E = [[100.0, 0.0], [0.0, 1e-1]]; self.pn = [1e-13, 1e-3]
        self.avg = 0.0; self.var = 50.0; self.hist = []
    def update(self, t_delta, ts_delta, size_delta, hyp):
        mfp = ts_delta
        if len(self.hist) >= 60: self.hist.pop(0)
        for o in self.hist: mfp = min(o, mfp)
        self.hist.append(ts_delta)
        t_ts = t_delta - ts_delta
        fs = float(size_delta)
        self.n = min(self.n + 1, 1000)
        E = self.E
        E[0][0] += self.pn[0]; E[1][1] += self.pn[1]
        if (hyp == OVER and self.offset < self.prev_offset) or (hyp == UNDER and self.offset > self.prev_offset):
            E[1][1] += 10 * self.pn[1]
        h = [fs, 1.0]
        Eh = [E[0][0] * h[0] + E[0][1] * h[1], E[1][0] * h[0] + E[1][1] * h[1]]
        residual = t_ts - self.slope * h[0] - self.offset
        stable = hyp == NORMAL
        maxr = 3.0 * math.sqrt(self.var)
        if abs(residual) < maxr: self.noise(residual, mfp, stable)
        else: self.noise(-maxr if residual < 0 else maxr, mfp, stable)
        denom = self.var + h[0] * Eh[0] + h[1] * Eh[1]
        K = [Eh[0] / denom, Eh[1] / denom]
        IKh = [[1.0 - K[0] * h[0], -K[0] * h[1]], [-K[1] * h[0], 1.0 - K[1] * h[1]]]
        e00 = E[0][0]; e01 = E[0][1]
        E[0][0] = e00 * IKh[0][0] + E[1][0] * IKh[0][1]
        E[0][1] = e01 * IKh[0][0] + E[1][1] * IKh[0][1]
        E[1][0] = e00 * IKh[1][0] + E[1][0] * IKh[1][1]
        E[1][1] = e01 * IKh[1][0] + E[1][1] * IKh[1][1]
        self.slope = self.slope + K[0] * residual
        self.prev_offset = self.offset
        self.offset = self.offset + K[1] * residual
    def noise(self, residual, ts_delta, stable):
        if not stable: return
        alpha = 0.01
        if self.n > 300: alpha = 0.002
        beta = math.pow(1 - alpha, ts_delta * 30.0 / 1000.0)
        self.avg = beta * self.avg + (1 - beta) * residual
        self.var = beta * self.var + (1 - beta) * (self.avg - residual) * (self.avg - residual)
        if self.var < 1: self.var = 1

class Detector:
    def __init__(self):
        self.k_up = 0.0087; self.k_down = 0.039; self.thr = 12.5; self.last = -1
        self.prev_offset = 0.0; self.tou = -1.0; self.cnt = 0; self.hyp = NORMAL
    def detect(self, offset, ts_delta, nd, now):
        if nd < 2: return NORMAL
        T = min(nd, 60) * offset
        if T > self.thr:
            if self.tou == -1: self.tou = ts_delta / 2
            else: self.tou += ts_delta
            self.cnt += 1
            if self.tou > 10 and self.cnt > 1 and offset >= self.prev_offset:
                self.tou = 0; self.cnt = 0; self.hyp = OVER
        elif T < -self.thr:
            self.tou = -1; self.cnt = 0; self.hyp = UNDER
        else:
            self.tou = -1; self.cnt = 0; self.hyp = NORMAL
        self.prev_offset = offset
        if self.last == -1: self.last = now
        if abs(T) > self.thr + 15.0:
            self.last = now; return self.hyp
        k = self.k_down if abs(T) < self.thr else self.k_up
        dt = min(now - self.last, 100)
        self.thr += k * (abs(T) - self.thr) * dt
        lo = float(f32(6.0)); hi = float(f32(600.0))
        if self.thr <= lo: self.thr = lo
        elif self.thr >= hi: self.thr = hi
        self.last = now
        return self.hyp

class Link:
    def __init__(self):
        self.est = None; self.dev = 0.4
    def upper(self):
        if self.est is None: return I64MAX
        return to_int((self.est + 3 * math.sqrt(self.dev * self.est)) * 1000)
    def lower(self):
        if self.est is None: return 0
        return to_int(max(0.0, self.est - 3 * math.sqrt(self.dev * self.est)) * 1000)
    def estimate(self):
        return to_int(self.est * 1000)
    def update(self, sample_bps, alpha):
        s = float(div_round_nearest(sample_bps, 1000))
        if self.est is None: self.est = s
        else: self.est = (1 - alpha) * self.est + alpha * s
        norm = max(self.est, 1.0)
        err = self.est - s
        self.dev = (1 - alpha) * self.dev + alpha * err * err / norm
        lo = f32(0.4); hi = f32(2.5)
        if self.dev <= lo: self.dev = lo
        elif self.dev >= hi: self.dev = hi

MINUS_INF = I64MIN

class Aimd:
    def __init__(self):
        self.minb = 5000; self.cur = 30000000; self.latest_tp = self.cur
        self.link = Link(); self.state = 'hold'
        self.t_change = MINUS_INF; self.t_decr = MINUS_INF; self.t_first = MINUS_INF
        self.init = False; self.beta = 0.85; self.rtt = 200000; self.last_decrease = None
    def feedback_interval_us(self):
        rtcp = llround_exact(self.cur * 0.05)
        iv = trunc_div(80 * 8000000, rtcp)
        return max(200000, min(iv, 1000000))
    def ttrf(self, now, tp):
        iv = max(10000, min(self.rtt, 200000))
        since = I64MAX if self.t_change == MINUS_INF else now - self.t_change
        if since >= iv: return True
        if self.init:
            return tp < llround_exact(0.5 * self.cur)
        return False
    def set_estimate(self, b, now):
        self.init = True; prev = self.cur
        self.cur = max(b, self.minb); self.t_change = now
        if self.cur < prev: self.t_decr = now
    def near_max_rate(self):
        frame = trunc_div(self.cur * 33333 + 4000000, 8000000)
        ppf = math.ceil(frame / 1200.0)
        avg = llround_exact(frame / ppf)
        resp = (self.rtt + 100000) * 2
        r = float(trunc_div(avg * 8000000, resp))
        return max(4000.0, r)
    def update(self, hyp, tp, now):
        if not self.init:
            if self.t_first == MINUS_INF:
                if tp is not None: self.t_first = now
            elif now - self.t_first > 5000000 and tp is not None:
                self.cur = tp; self.init = True
        self.change(hyp, tp, now)
        return self.cur
    def change(self, hyp, tp_in, now):
        new = None
        tp = tp_in if tp_in is not None else self.latest_tp
        if tp_in is not None: self.latest_tp = tp_in
        if not self.init and hyp != OVER: return
        if hyp == NORMAL:
            if self.state == 'hold':
                self.t_change = now; self.state = 'inc'
        elif hyp == OVER:
            self.state = 'dec'
        else:
            self.state = 'hold'
        if self.state == 'inc':
            if tp > self.link.upper(): self.link.est = None
            limit = llround_exact(1.5 * tp) + 10000
            if self.cur < limit:
                if self.link.est is not None:
                    if self.t_change == MINUS_INF: inc = I64MAX // 2
                    else:
                        secs = (now - self.t_change) * (1 / 1000000.0)
                        inc = to_int(self.near_max_rate() * secs)
                else:
                    alpha = 1.08
                    if self.t_change != MINUS_INF:
                        secs = (now - self.t_change) * (1 / 1000000.0)
                        alpha = math.pow(alpha, min(secs, 1.0))
                    inc = max(llround_exact(self.cur * (alpha - 1.0)), 1000)
                new = min(self.cur + inc, limit)
            self.t_change = now
        elif self.state == 'dec':
            d = llround_exact(tp * self.beta)
            if d > self.cur and self.link.est is not None:
                d = llround_exact(self.link.estimate() * self.beta)
            if d < self.cur: new = d
            if self.init and tp < self.cur:
                self.last_decrease = 0 if new is None else self.cur - new
            if tp < self.link.lower(): self.link.est = None
            self.init = True
            self.link.update(tp, 0.05)
            self.state = 'hold'; self.t_change = now; self.t_decr = now
        self.cur = max(new if new is not None else self.cur, self.minb)

GLEN = (5 << 26) // 1000
TS_TO_MS = 1000.0 / (1 << 26)

class RBE:
    def __init__(self):
        self.ia = None; self.kal = None
        self.det = Detector(); self.rate = RateStats(1000, 8000.0); self.rate_init = False
        self.aimd = Aimd(); self.probes = []; self.ssrcs = {}
        self.first_packet = None; self.last_update_ms = None
    def timeout(self, now):
        for s in list(self.ssrcs):
            if now - self.ssrcs[s] > 2000000: del self.ssrcs[s]
        if not self.ssrcs:
            self.ia = InterArrival(GLEN, TS_TO_MS, True); self.kal = Kalman()
    def clusters(self):
        out = []
        agg = [0, 0, 0, 0, 0]  # send, recv, size, count, above
        prev = None
        def maybe_add(a):
            if a[3] < 4 or a[0] <= 0 or a[1] <= 0: return
            out.append([trunc_div(a[0], a[3]), trunc_div(a[1], a[3]), trunc_div(a[2], a[3]), a[3], a[4]])
        for p in self.probes:
            if prev is not None:
                sd = p[0] - prev[0]; rd = p[1] - prev[1]
                if sd >= 1000 and rd >= 1000: agg[4] += 1
                if agg[3] != 0 and not (abs(sd - trunc_div(agg[0], agg[3])) < 2500):
                    maybe_add(agg); agg = [0, 0, 0, 0, 0]
                agg[0] += sd; agg[1] += rd; agg[2] += p[2]; agg[3] += 1
            prev = p
        maybe_add(agg)
        return out
    def process_clusters(self, now):
        cl = self.clusters()
        if not cl:
            if len(self.probes) >= 15: self.probes.pop(0)
            return False
        best = 0; found = False
        for c in cl:
            if c[0] == 0 or c[1] == 0: continue
            if c[4] > trunc_div(c[3], 2) and c[1] - c[0] <= 2000 and c[0] - c[1] <= 5000:
                sb = trunc_div(c[2] * 8000000, c[0]); rb = trunc_div(c[2] * 8000000, c[1])
                pb = min(sb, rb)
                if pb > best: best = pb; found = True
            else:
                break
        if found:
            improving = (not self.aimd.init and best > 0) or (self.aimd.init and best > self.aimd.cur)
            if improving:
                self.aimd.set_estimate(best, now); return True
        if len(cl) >= 3: self.probes = []
        return False
    def packet(self, arrival_us, now_us, send24, size, ssrc):
        arr = ms_of_us(arrival_us); now_ms = ms_of_us(now_us)
        ts = (send24 << 8) & 0xffffffff
        send_time_us = to_int(float(ts) * TS_TO_MS * 1000)
        r = self.rate.rate(arr)
        if r is not None: self.rate_init = True
        elif self.rate_init:
            self.rate.reset(); self.rate_init = False
        self.rate.update(size, arr)
        if self.first_packet is None: self.first_packet = now_us
        upd = False
        self.timeout(now_us)
        self.ssrcs[ssrc] = now_us
        if size > 200 and (not self.aimd.init or now_us - self.first_packet < 2000000):
            self.probes.append((send_time_us, arr * 1000, size))
            if self.process_clusters(now_us): upd = True
        d = self.ia.compute(ts, arr, now_ms, size)
        if d is not None:
            tsd, td, sd = d
            tsdm = (1000.0 * tsd) / (1 << 26)
            self.kal.update(td, tsdm, sd, self.det.hyp)
            self.det.detect(self.kal.offset, tsdm, self.kal.n, arr)
        if not upd:
            if self.last_update_ms is None or now_ms - self.last_update_ms > ms_of_us(self.aimd.feedback_interval_us()):
                upd = True
            elif self.det.hyp == OVER:
                r = self.rate.rate(arr)
                if r is not None and self.aimd.ttrf(now_us, r & 0xffffffff):
                    upd = True
        target = 0
        if upd:
            r = self.rate.rate(arr)
            tp = None if r is None else to_i32(r)
            target = self.aimd.update(self.det.hyp, tp, now_us)
            upd = self.aimd.init
        if upd:
            self.last_update_ms = now_ms
        return upd, target
    def latest(self):
        if not self.aimd.init or not self.ssrcs: return 0
        return self.aimd.cur

class RembThrottler:
    # modules/congestion_controller/remb_throttler.cc: the first value, then at
    # most every 200 ms, at once when bitrate * 103 / 100 <= the last one sent.
    def __init__(self):
        self.last_time = None; self.last_sent = None
    def on_bitrate(self, now_us, bps):
        if (self.last_sent is not None and bps * 103 // 100 > self.last_sent
                and self.last_time is not None and now_us < self.last_time + 200000):
            return False
        self.last_time = now_us; self.last_sent = bps
        return True

STATE_NAMES = {NORMAL: 'normal', UNDER: 'underusing', OVER: 'overusing'}

def main():
    # Writes PREFIX.sync, PREFIX.ref, PREFIX.remb and PREFIX.states: what
    # bwe-replay prints with --sync, no option, --remb and --states.
    prefix = sys.argv[1]
    rbe = RBE()
    remb = RembThrottler()
    sync = open(prefix + '.sync', 'w'); ref = open(prefix + '.ref', 'w')
    rembf = open(prefix + '.remb', 'w'); states = open(prefix + '.states', 'w')
    last_printed = None; last_state = NORMAL
    for line in sys.stdin:
        s = line.strip()
        f = s.split()
        if f and f[0][0].isdigit():
            arr = int(f[0]); send = int(f[1], 0); size = int(f[2]); ssrc = int(f[3], 0)
            now = int(f[4]) if len(f) > 4 else arr
            u, t = rbe.packet(arr, now, send, size, ssrc)
            t &= 0xffffffff
            now_ms = ms_of_us(now)
            sync.write('%d %d %d %d\n' % (1 if u else 0, t if u else 0, rbe.latest() & 0xffffffff, rbe.det.hyp))
            if u and t != last_printed:
                ref.write('%d %d\n' % (now_ms, t)); last_printed = t
            if u and remb.on_bitrate(now, t):
                rembf.write('%d %d\n' % (now_ms, t))
            if rbe.det.hyp != last_state:
                states.write('%d state %s\n' % (now_ms, STATE_NAMES[rbe.det.hyp]))
            last_state = rbe.det.hyp
        else:
            if f and f[0] == 'rtt': rbe.aimd.rtt = int(f[1]) * 1000
            elif f and f[0] == 'remove': rbe.ssrcs.pop(int(f[1], 0), None)
            sync.write('ok\n')
    for fh in (sync, ref, rembf, states):
        fh.close()

main()
