#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live closed-loop demo of rtpbwe in one process, no root needed.

sender:     videotestsrc ! x264enc ! rtpbweadapt ! rtph264pay (abs-send-time)
            ! appsink
bottleneck: a drop-tail queue (300 ms of the current capacity) drained in real
            time at a capacity that steps down and up; each packet leaves at the
            exact instant its last bit would, and carries that instant as DTS
receiver:   appsrc ! rtpbwe mode=MODE ! fakesink, rtpbwe.rtcp_src ! appsink
feedback:   rtpbwe's RTCP goes straight into rtpbweadapt's rtcp_sink (an
            appsrc), which sets x264enc's bitrate from the REMB

--mode libwebrtc (default) or improved: rtpbwe's estimation mode.

Prints one line a second and writes a data file and a PNG plot (gnuplot).
"""

import argparse
import collections
import os
import struct
import subprocess
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
ABS_SEND_TIME_ID = 3
# Queue limit in time of the current capacity, like `tbf limit` sized for 300 ms.
QUEUE_LIMIT_S = 0.300
# The encoder starts here and then follows REMB.
START_KBPS = 800
# Bounds of the encoder's bitrate (rtpbweadapt's min-bitrate, max-bitrate).
# A key frame is a burst several frames long that the delay detector reads as
# congestion; real-time senders send one only when asked (here: every 100 s).
KEY_INT_MAX = 3000
MIN_KBPS = 50
MAX_KBPS = 10000
RTP_HEADER_BYTES = 12


def capacity_profile(duration):
    """(start_s, kbit/s) steps scaled to the run: a step down, then up."""
    steps = [(0.0, 1500), (0.35, 600), (0.55, 1200)]
    return [(f * duration, kbps) for f, kbps in steps]


def parse_rtp(data, ext_id):
    """(abs-send-time, payload+padding bytes, ssrc, seq) of an RTP packet, or
    None.

    Reads one-byte header extensions only (what rtph264pay writes here)."""
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    cc = data[0] & 0x0F
    off = 12 + 4 * cc
    seq, _ts, ssrc = struct.unpack_from("!HII", data, 2)
    send24 = None
    if data[0] & 0x10:
        profile, words = struct.unpack_from("!HH", data, off)
        ext_end = off + 4 + 4 * words
        if profile == 0xBEDE:
            i = off + 4
            while i < ext_end:
                if data[i] == 0:
                    i += 1
                    continue
                eid, elen = data[i] >> 4, (data[i] & 0x0F) + 1
                if eid == ext_id and elen == 3:
                    send24 = int.from_bytes(data[i + 1:i + 4], "big")
                i += 1 + elen
        off = ext_end
    if send24 is None:
        return None
    return send24, len(data) - off, ssrc, seq


class RembThrottler:
    """libwebrtc's RembThrottler: the first value, then at most every 200 ms,
    at once when bitrate * 103 / 100 <= the last value sent."""

    INTERVAL_US = 200000

    def __init__(self):
        self.last_us = None
        self.last_bps = None

    def on_estimate(self, now_us, bps):
        if self.last_us is not None and bps * 103 // 100 > self.last_bps and \
                now_us < self.last_us + self.INTERVAL_US:
            return False
        self.last_us, self.last_bps = now_us, bps
        return True


class CoreEstimator:
    """The estimator core through `bwe-replay --sync`, packet by packet: what
    the demo runs when the rtpbwe element is not in the plugin."""

    def __init__(self, replay, mode):
        self.proc = subprocess.Popen([replay, "--sync", "--mode=" + mode],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.throttler = RembThrottler()

    def on_packet(self, data, arrival_us):
        """Returns (estimate bit/s or None, REMB bit/s to send or None)."""
        parsed = parse_rtp(data, ABS_SEND_TIME_ID)
        if parsed is None:
            return None, None
        send24, size, ssrc, seq = parsed
        self.proc.stdin.write("%d %d %d %d %d %d\n" % (
            arrival_us, send24, size, ssrc, arrival_us, seq))
        updated, signalled, _latest, _state = self.proc.stdout.readline().split()
        if updated != "1":
            return None, None
        bps = int(signalled)
        return bps, (bps if self.throttler.on_estimate(arrival_us, bps) else None)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


class Bottleneck:
    """A drop-tail byte queue served at a time-varying capacity, in real time.

    The service start of a packet is max(its arrival, the previous departure);
    it departs when its last bit has been sent at the capacity in force at the
    service start.  Departure instants are computed, not measured, so the
    receiver's arrival times are exact whatever this thread's wake-up jitter."""

    def __init__(self, capacity_at, deliver):
        self.capacity_at = capacity_at
        self.deliver = deliver
        self.cond = threading.Condition()
        self.queue = collections.deque()
        self.queued_bytes = 0
        self.last_departure = 0
        self.dropped = 0
        self.running = True
        self.delays_ns = []
        self.sent_bytes = 0
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def push(self, data, arrival_ns):
        with self.cond:
            limit = self.capacity_at(arrival_ns) * 1000 * QUEUE_LIMIT_S / 8
            if self.queued_bytes + len(data) > limit:
                self.dropped += 1
                return
            self.queue.append((arrival_ns, data))
            self.queued_bytes += len(data)
            self.cond.notify()

    def stop(self):
        with self.cond:
            self.running = False
            self.cond.notify()
        self.thread.join()

    def take_stats(self):
        with self.cond:
            delays, self.delays_ns = self.delays_ns, []
            sent, self.sent_bytes = self.sent_bytes, 0
            return delays, sent

    def _drain(self):
        while True:
            with self.cond:
                while self.running and not self.queue:
                    self.cond.wait()
                if not self.running:
                    return
                arrival, data = self.queue[0]
            start = max(arrival, self.last_departure)
            kbps = self.capacity_at(start)
            departure = start + int(len(data) * 8 * 1e6 / kbps)
            wait = departure - time.monotonic_ns()
            if wait > 0:
                time.sleep(wait / 1e9)
            with self.cond:
                self.queue.popleft()
                self.queued_bytes -= len(data)
                self.delays_ns.append(departure - arrival)
                self.sent_bytes += len(data)
            self.last_departure = departure
            self.deliver(data, departure)


class Demo:
    def __init__(self, args):
        self.args = args
        self.steps = capacity_profile(args.duration)
        self.t0 = None
        self.estimate_bps = 0
        self.regime = None
        self.remb_bps = 0
        self.encoder_kbps = START_KBPS
        self.rows = []
        self.estimates = []
        self.adapt_stats = None
        self.lock = threading.Lock()
        self.use_rtpbwe = Gst.ElementFactory.find("rtpbwe") is not None and \
            not args.stand_in
        self.core = None
        if not self.use_rtpbwe and args.replay and os.access(args.replay, os.X_OK):
            self.core = CoreEstimator(args.replay, args.mode)

        extmap = "extmap-%d=(string)%s" % (ABS_SEND_TIME_ID, ABS_SEND_TIME_URI)
        have_ext = Gst.ElementFactory.find("rtphdrextabssendtime") is not None
        # rtpbweadapt (the sender's half, same plugin) takes the feedback on
        # its rtcp_sink and sets x264enc's bitrate: min-bitrate, max-bitrate
        # as the demo's bounds, the rest libwebrtc's defaults.
        adapt = ("rtpbweadapt name=adapt min-bitrate=%d max-bitrate=%d ! "
                 % (MIN_KBPS * 1000, MAX_KBPS * 1000)) if self.use_rtpbwe else ""
        feedback = ("appsrc name=feedback is-live=true format=time "
                    "do-timestamp=true caps=application/x-rtcp ! adapt.rtcp_sink "
                    "adapt.rtcp_src ! fakesink sync=false async=false"
                    if self.use_rtpbwe else "")
        self.sender = Gst.parse_launch(
            "videotestsrc is-live=true pattern=snow ! "
            "video/x-raw,width=640,height=360,framerate=30/1 ! "
            "x264enc name=enc tune=zerolatency speed-preset=ultrafast threads=1 "
            "aud=false key-int-max=%d bitrate=%d ! %s"
            "rtph264pay mtu=1200 config-interval=-1 pt=96 ssrc=0x1234 ! "
            "application/x-rtp%s ! "
            "appsink name=net emit-signals=true sync=false max-buffers=1000 %s"
            % (KEY_INT_MAX, START_KBPS, adapt,
               ("," + extmap) if have_ext else "", feedback))
        self.encoder = self.sender.get_by_name("enc")
        self.adapt = self.sender.get_by_name("adapt")
        self.feedback = self.sender.get_by_name("feedback")
        self.sender.get_by_name("net").connect("new-sample", self.on_sent)

        caps = ("application/x-rtp,media=video,clock-rate=90000,"
                "encoding-name=H264,payload=96," + extmap)
        if self.use_rtpbwe:
            recv = ("appsrc name=src is-live=true format=time do-timestamp=false "
                    "caps=\"%s\" ! rtpbwe name=bwe mode=%s ! fakesink sync=false "
                    "async=false bwe.rtcp_src ! appsink name=rtcp "
                    "emit-signals=true sync=false async=false"
                    % (caps, args.mode))
        else:
            recv = ("appsrc name=src is-live=true format=time do-timestamp=false "
                    "caps=\"%s\" ! identity name=bwe ! fakesink sync=false "
                    "async=false" % caps)
        self.receiver = Gst.parse_launch(recv)
        self.appsrc = self.receiver.get_by_name("src")
        if self.use_rtpbwe:
            self.receiver.get_by_name("rtcp").connect("new-sample", self.on_rtcp)
            bus = self.receiver.get_bus()
            bus.add_signal_watch()
            bus.connect("message::element", self.on_element_message)
        if self.use_rtpbwe:
            print("demo: x264 sender -> drop-tail bottleneck -> rtpbwe "
                  "mode=%s; REMB sets the encoder bitrate through rtpbweadapt; "
                  "%.0f s" % (args.mode, args.duration))
        elif self.core:
            print("demo: rtpbwe not found, running the estimator core through "
                  "%s --sync --mode=%s in its place (REMB throttled as "
                  "libwebrtc does)" % (args.replay, args.mode))
        else:
            print("demo: rtpbwe not found, running the stand-in (identity and a "
                  "fixed estimate of %d kbit/s)" % args.stand_in_kbps)
        self.bottleneck = Bottleneck(self.capacity_at, self.deliver)

    def capacity_at(self, t_ns):
        t = (t_ns - self.t0) / 1e9
        kbps = self.steps[0][1]
        for start, value in self.steps:
            if t >= start:
                kbps = value
        return kbps

    def on_sent(self, sink):
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        data = buf.extract_dup(0, buf.get_size())
        self.bottleneck.push(data, self.send_time_ns(data))
        return Gst.FlowReturn.OK

    @staticmethod
    def send_time_ns(data):
        """When the payloader sent the packet: rtphdrextabssendtime stamps
        CLOCK_MONOTONIC (6.18 s, 64 s wrap) as it writes it.  Taking that
        instead of the time this callback runs keeps Python's scheduling
        delays out of the bottleneck's arrival times."""
        now = time.monotonic_ns()
        parsed = parse_rtp(data, ABS_SEND_TIME_ID)
        if parsed is None:
            return now
        now24 = ((now << 18) + 500000000) // 1000000000 & 0xFFFFFF
        behind = ((now24 - parsed[0]) & 0xFFFFFF) * 1000000000 >> 18
        # Anything older than a second is not this clock: use the callback time.
        return now - behind if behind < 1000000000 else now

    def deliver(self, data, departure_ns):
        buf = Gst.Buffer.new_wrapped(data)
        # The system clock is CLOCK_MONOTONIC: running time = now - base time.
        running = departure_ns - self.receiver.get_base_time()
        buf.dts = buf.pts = max(running, 0)
        self.appsrc.emit("push-buffer", buf)
        if self.core:
            est, remb = self.core.on_packet(data, departure_ns // 1000)
            if est is not None:
                self.estimate_bps = est
                self.estimates.append(((departure_ns - self.t0) / 1e9,
                                       est / 1000))
            if remb is not None:
                self.set_encoder(remb)

    def on_rtcp(self, sink):
        """rtpbwe's feedback to the sender's rtpbweadapt, at once (the
        feedback path has no delay or loss here)."""
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer().copy()
        # The sender's appsrc stamps its own running time.
        buf.pts = buf.dts = Gst.CLOCK_TIME_NONE
        self.feedback.emit("push-buffer", buf)
        return Gst.FlowReturn.OK

    def on_element_message(self, bus, msg):
        s = msg.get_structure()
        if s is not None and s.get_name() == "rtpbwe-estimate":
            ok, bitrate = s.get_uint("bitrate")
            ok_ts, ts = s.get_uint64("timestamp")
            if ok:
                self.estimate_bps = bitrate
                self.regime = s.get_string("regime")
                if ok_ts:
                    # timestamp is the arrival in the receiver's running time.
                    t = (ts + self.receiver.get_base_time() - self.t0) / 1e9
                    self.estimates.append((t, bitrate / 1000))

    def set_encoder(self, bps):
        """Without rtpbweadapt (the core or stand-in estimator): the REMB sets
        the encoder here."""
        with self.lock:
            self.remb_bps = bps
            kbps = int(min(max(bps / 1000, MIN_KBPS), MAX_KBPS))
            if kbps != self.encoder_kbps:
                self.encoder_kbps = kbps
                self.encoder.set_property("bitrate", kbps)

    def tick(self):
        t = (time.monotonic_ns() - self.t0) / 1e9
        delays, sent = self.bottleneck.take_stats()
        delays.sort()
        mean_ms = sum(delays) / len(delays) / 1e6 if delays else 0.0
        max_ms = delays[-1] / 1e6 if delays else 0.0
        cap = self.capacity_at(time.monotonic_ns())
        if not self.use_rtpbwe and not self.core:
            self.estimate_bps = self.args.stand_in_kbps * 1000
            self.set_encoder(self.estimate_bps)
        est = self.estimate_bps / 1000
        if self.adapt is not None:
            self.encoder_kbps = self.encoder.get_property("bitrate")
        row = (t, cap, est, self.encoder_kbps, sent * 8 / 1000, mean_ms, max_ms,
               self.bottleneck.dropped)
        self.rows.append(row)
        print("t=%5.1f s  capacity %5d kbit/s  estimate %6.0f kbit/s  "
              "encoder %5d kbit/s  delivered %6.0f kbit/s  queue delay %5.1f ms "
              "(max %5.1f)  dropped %d" % row +
              ("  regime %s" % self.regime if self.regime else ""), flush=True)
        if t >= self.args.duration:
            self.loop.quit()
            return False
        return True

    def run(self):
        self.loop = GLib.MainLoop()
        self.receiver.set_state(Gst.State.PLAYING)
        self.t0 = time.monotonic_ns()
        self.sender.set_state(Gst.State.PLAYING)
        GLib.timeout_add(1000, self.tick)
        self.loop.run()
        # (a stopped rtpbweadapt starts afresh: its counters first)
        self.adapt_stats = self.adapt.get_property("stats") if self.adapt \
            else None
        self.sender.set_state(Gst.State.NULL)
        self.bottleneck.stop()
        self.receiver.set_state(Gst.State.NULL)
        if self.core:
            self.core.close()
        self.summary()
        self.write_outputs()

    def summary(self):
        """One line per capacity phase: the mean estimate over its second half
        (after the reaction to the step) against the capacity, and the p95 of
        the per-second mean queueing delay over the run."""
        bounds = [s for s, _ in self.steps] + [self.args.duration]
        for i, (start, kbps) in enumerate(self.steps):
            mid, end = (start + bounds[i + 1]) / 2, bounds[i + 1]
            est = [r[2] for r in self.rows if mid <= r[0] < end]
            if est:
                mean = sum(est) / len(est)
                print("demo: %3.0f-%3.0f s capacity %5d kbit/s: estimate over the "
                      "second half %5.0f kbit/s (%+.0f %%)" % (
                          start, end, kbps, mean, (mean / kbps - 1) * 100))
        delays = sorted(r[5] for r in self.rows)
        if delays:
            print("demo: queueing delay (per-second means): median %.1f ms, p95 "
                  "%.1f ms; %d packets dropped" % (
                      delays[len(delays) // 2],
                      delays[min(len(delays) - 1, int(0.95 * len(delays)))],
                      self.bottleneck.dropped))
        st = self.adapt_stats
        if st is not None:
            print("demo: rtpbweadapt: %d REMBs, %d applied, %d clamped, %d "
                  "deadband, %d rate-limited; x264enc set %d times, %d kbit/s "
                  "in force" % (tuple(st.get_value(f) for f in (
                      "remb-packets", "applied", "clamped", "deadband",
                      "rate-limited", "encoder-sets"))
                      + (st.get_value("bitrate") // 1000,)))

    def write_outputs(self):
        out = self.args.output
        os.makedirs(out, exist_ok=True)
        data = os.path.join(out, "demo.dat")
        est_data = os.path.join(out, "demo-estimate.dat")
        png = os.path.join(out, "demo.png")
        with open(data, "w") as f:
            f.write("# time_s capacity_kbps estimate_kbps encoder_kbps "
                    "delivered_kbps queue_mean_ms queue_max_ms dropped\n")
            for r in self.rows:
                f.write("%.2f %d %.0f %d %.0f %.2f %.2f %d\n" % r)
        with open(est_data, "w") as f:
            f.write("# time_s estimate_kbps (every rtpbwe-estimate message)\n")
            for t, kbps in self.estimates or [(r[0], r[2]) for r in self.rows]:
                f.write("%.4f %.1f\n" % (t, kbps))
        est_title = "rtpbwe estimate" if self.use_rtpbwe else \
            "core estimate (bwe-replay)" if self.core else \
            "fixed estimate (stand-in)"
        script = """
set terminal pngcairo size 1000,600
set output '{png}'
set multiplot layout 2,1
set title 'rtpbwe demo (mode={mode}): x264 over a drop-tail bottleneck, REMB closes the loop'
set ylabel 'kbit/s'
set key top right
set grid
plot '{data}' using 1:2 with steps lw 2 title 'capacity', \\
     '{est_data}' using 1:2 with steps lw 2 title '{est}', \\
     '{data}' using 1:4 with lines title 'encoder bitrate', \\
     '' using 1:5 with lines title 'delivered'
unset title
set xlabel 'time (s)'
set ylabel 'ms'
plot '{data}' using 1:6 with lines title 'queue delay (mean per s)', \\
     '' using 1:7 with lines title 'queue delay (max per s)'
unset multiplot
""".format(png=png, data=data, est_data=est_data, est=est_title,
           mode=self.args.mode)
        try:
            subprocess.run(["gnuplot"], input=script.encode(), check=True)
            print("demo: data in %s, plot in %s" % (data, png))
        except (OSError, subprocess.CalledProcessError) as e:
            print("demo: data in %s; gnuplot failed (%s), no plot" % (data, e))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-d", "--duration", type=float, default=60,
                   help="seconds to run (default 60)")
    p.add_argument("-o", "--output", default="build/demo",
                   help="folder for demo.dat and demo.png (default build/demo)")
    p.add_argument("--mode", choices=["libwebrtc", "improved"],
                   default="libwebrtc",
                   help="rtpbwe's estimation mode (default libwebrtc)")
    p.add_argument("--stand-in", action="store_true",
                   help="use identity and a fixed estimate instead of rtpbwe")
    p.add_argument("--stand-in-kbps", type=int, default=700)
    p.add_argument("--replay", default="build/estimator/bwe-replay",
                   help="bwe-replay to run when rtpbwe is missing")
    args = p.parse_args()
    Gst.init(None)
    Demo(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
