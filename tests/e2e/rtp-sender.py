#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A live RTP video sender that obeys REMB, for the end-to-end tests.

videotestsrc ! x264enc ! rtpbweadapt ! rtph264pay (abs-send-time, optionally
transport-wide sequence numbers) ! rtpbin ! udpsink, with the receiver's RTCP
coming back on a udpsrc through rtpbweadapt's rtcp_sink/rtcp_src into rtpbin
(whose rtpsession parses TWCC feedback and keeps twcc-stats).  rtpbweadapt
sets the encoder's bitrate from every REMB (PSFB FMT 15) in that RTCP.

Output lines (`mono` is CLOCK_MONOTONIC in seconds):
  remb mono=<s> bitrate=<bit/s> applied=<bit/s> reason=<rtpbweadapt's reason>
  encoder mono=<s> kbps=<kbit/s>                        (every second)
  twcc-stats mono=<s> <the structure>                   (every second, with --twcc-id)
"""

import argparse
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


# REMB lines come from the RTCP thread, the others from the main loop:
# one lock keeps each line whole.
_out_lock = threading.Lock()


def emit(line):
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Sender:
    def __init__(self, args):
        self.args = args
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
            "rtpbweadapt name=adapt min-bitrate=%d max-bitrate=%d ! "
            "rtph264pay mtu=1200 config-interval=-1 pt=96 ssrc=%d ! %s ! "
            "rb.send_rtp_sink_0 "
            "rb.send_rtp_src_0 ! udpsink host=%s port=%d sync=false async=false "
            "udpsrc name=rtcpin port=%d caps=application/x-rtcp ! "
            "adapt.rtcp_sink adapt.rtcp_src ! rb.recv_rtcp_sink_0 "
            % (args.start_kbps, MIN_KBPS * 1000, MAX_KBPS * 1000, args.ssrc,
               caps, args.host, args.port, args.rtcp_port))
        self.pipeline = Gst.parse_launch(desc)
        self.encoder = self.pipeline.get_by_name("enc")
        self.rtpbin = self.pipeline.get_by_name("rb")
        # rtpbweadapt's decisions, printed from the thread that posts them
        # (the RTCP's), so that `mono` is when the REMB arrived.
        bus = self.pipeline.get_bus()
        bus.enable_sync_message_emission()
        bus.connect("sync-message::element", self.on_decision)

    def on_decision(self, bus, msg):
        s = msg.get_structure()
        if s is None or s.get_name() != "rtpbweadapt-bitrate":
            return
        emit("remb mono=%.6f bitrate=%d applied=%d reason=%s" % (
            time.monotonic(), s.get_value("remb"), s.get_value("bitrate"),
            s.get_value("reason")))

    def tick(self):
        now = time.monotonic()
        emit("encoder mono=%.6f kbps=%d" % (
            now, self.encoder.get_property("bitrate")))
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
