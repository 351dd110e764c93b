#!/usr/bin/python3
"""A live RTP video sender that obeys REMB, for the end-to-end tests.

videotestsrc ! x264enc ! rtph264pay (abs-send-time, optionally transport-wide
sequence numbers) ! rtpbin ! udpsink, with the receiver's RTCP coming back on a
udpsrc into rtpbin (whose rtpsession parses TWCC feedback and keeps twcc-stats).
Every REMB (PSFB FMT 15) in that RTCP sets the encoder's bitrate.

Output lines (`mono` is CLOCK_MONOTONIC in seconds):
  remb mono=<s> bitrate=<bit/s>
  encoder mono=<s> kbps=<kbit/s>                        (every second)
  twcc-stats mono=<s> <the structure>                   (every second, with --twcc-id)
"""

import argparse
import struct
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
TWCC_URI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
MIN_KBPS = 50
MAX_KBPS = 20000


# REMB lines come from the streaming thread, the others from the main loop:
# one lock keeps each line whole.
_out_lock = threading.Lock()


def emit(line):
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def parse_rembs(data):
    """Bitrates of every REMB in a (compound or reduced-size) RTCP packet."""
    found = []
    off = 0
    while off + 4 <= len(data):
        first, pt, length = struct.unpack_from("!BBH", data, off)
        size = (length + 1) * 4
        if (first >> 6) != 2 or off + size > len(data):
            break
        if pt == 206 and (first & 0x1F) == 15 and size >= 20 and \
                data[off + 12:off + 16] == b"REMB":
            exp = data[off + 17] >> 2
            mantissa = ((data[off + 17] & 3) << 16) | \
                (data[off + 18] << 8) | data[off + 19]
            found.append(mantissa << exp)
        off += size
    return found


class Sender:
    def __init__(self, args):
        self.args = args
        self.kbps = args.start_kbps
        caps = "application/x-rtp,extmap-%d=(string)%s" % (
            args.abs_send_time_id, ABS_SEND_TIME_URI)
        if args.twcc_id:
            caps += ",extmap-%d=(string)%s" % (args.twcc_id, TWCC_URI)
        # Snow does not compress: x264 makes its bitrate whatever it is told,
        # and at 320x240 it costs a tenth of a core.
        desc = (
            "rtpbin name=rb "
            "videotestsrc is-live=true pattern=snow ! "
            "video/x-raw,width=320,height=240,framerate=30/1 ! "
            "x264enc name=enc tune=zerolatency speed-preset=ultrafast threads=1 "
            "aud=false key-int-max=300 bitrate=%d ! "
            "rtph264pay mtu=1200 config-interval=-1 pt=96 ssrc=%d ! %s ! "
            "rb.send_rtp_sink_0 "
            "rb.send_rtp_src_0 ! udpsink host=%s port=%d sync=false async=false "
            "udpsrc name=rtcpin port=%d caps=application/x-rtcp ! "
            "rb.recv_rtcp_sink_0 "
            % (args.start_kbps, args.ssrc, caps, args.host, args.port,
               args.rtcp_port))
        self.pipeline = Gst.parse_launch(desc)
        self.encoder = self.pipeline.get_by_name("enc")
        self.rtpbin = self.pipeline.get_by_name("rb")
        pad = self.pipeline.get_by_name("rtcpin").get_static_pad("src")
        pad.add_probe(Gst.PadProbeType.BUFFER, self.on_rtcp)

    def on_rtcp(self, pad, info):
        buf = info.get_buffer()
        for bps in parse_rembs(buf.extract_dup(0, buf.get_size())):
            emit("remb mono=%.6f bitrate=%d" % (time.monotonic(), bps))
            kbps = int(min(max(bps / 1000, MIN_KBPS), MAX_KBPS))
            if kbps != self.kbps:
                self.kbps = kbps
                self.encoder.set_property("bitrate", kbps)
        return Gst.PadProbeReturn.OK

    def tick(self):
        now = time.monotonic()
        emit("encoder mono=%.6f kbps=%d" % (now, self.kbps))
        if self.args.twcc_id:
            session = self.rtpbin.emit("get-session", 0)
            stats = session.get_property("twcc-stats") if session else None
            emit("twcc-stats mono=%.6f %s" % (
                now, stats.to_string() if stats else "none"))
        return True

    def run(self):
        loop = GLib.MainLoop()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()

        def on_error(bus, msg):
            err, dbg = msg.parse_error()
            print("error: %s (%s)" % (err.message, dbg), file=sys.stderr)
            loop.quit()
        bus.connect("message::error", on_error)
        GLib.timeout_add(1000, self.tick)
        if self.args.duration > 0:
            GLib.timeout_add(int(self.args.duration * 1000), loop.quit)
        self.pipeline.set_state(Gst.State.PLAYING)
        try:
            loop.run()
        except KeyboardInterrupt:
            pass
        self.pipeline.set_state(Gst.State.NULL)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", required=True, help="receiver address")
    p.add_argument("--port", type=int, default=5000, help="receiver RTP port")
    p.add_argument("--rtcp-port", type=int, default=5005,
                   help="local port the feedback RTCP arrives on")
    p.add_argument("--start-kbps", type=int, default=1000)
    p.add_argument("--ssrc", type=int, default=0x1234)
    p.add_argument("--abs-send-time-id", type=int, default=3)
    p.add_argument("--twcc-id", type=int, default=0,
                   help="also send transport-wide sequence numbers (0: no)")
    p.add_argument("--duration", type=float, default=0)
    args = p.parse_args()
    Gst.init(None)
    Sender(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
