#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An RTP receiver with rtpbwe, in Python (PyGObject, Debian's python3-gi).

Receives RTP over UDP (or replays a pcap capture), runs it through rtpbwe, sends
rtpbwe's feedback (REMB or TWCC) back to the sender when asked to, and prints
every `rtpbwe-estimate` bus message and every notify::estimated-bitrate.

  rtpbwe-receiver.py --port 5000 --rtcp-host 10.0.0.1 --rtcp-port 5005
  rtpbwe-receiver.py --pcap capture.pcap
  rtpbwe-receiver.py --mode improved ...   (rtpbwe's improved estimation mode)

Output, one line each (`mono` is CLOCK_MONOTONIC in seconds, to line the
lines up with other processes on the same host):
  estimate mono=<s> timestamp=<ns> bitrate=<bit/s> incoming=<bit/s> state=<s> ssrcs=<a,b> [regime=<r>]
  notify mono=<s> estimated-bitrate=<bit/s>
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


# Notifies come from the streaming thread, messages from the main loop: one
# lock keeps their lines whole.
_out_lock = threading.Lock()


def emit(line):
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def rtp_caps(args):
    caps = ("application/x-rtp,media=video,clock-rate=90000,"
            "encoding-name=H264,payload=%d" % args.pt)
    if args.abs_send_time_id:
        caps += ",extmap-%d=(string)%s" % (args.abs_send_time_id,
                                            ABS_SEND_TIME_URI)
    if args.twcc_id:
        caps += ",extmap-%d=(string)%s" % (args.twcc_id, TWCC_URI)
    return caps


def build_pipeline(args):
    if args.pcap:
        # pcapparse stamps each packet with its capture time in a segment
        # that starts at the first packet; rtpbwe takes that running time as
        # the arrival time: a replay gives the same estimates at any speed.
        src = ("filesrc location=\"%s\" ! pcapparse dst-port=%d ! "
               "capsfilter caps=\"%s\"" % (args.pcap, args.port, rtp_caps(args)))
    else:
        src = ("udpsrc port=%d buffer-size=4194304 caps=\"%s\""
               % (args.port, rtp_caps(args)))
    if args.rtcp_host:
        rtcp = ("udpsink host=%s port=%d sync=false async=false"
                % (args.rtcp_host, args.rtcp_port))
    else:
        rtcp = "fakesink sync=false async=false"
    # A real application decodes after rtpbwe (rtpjitterbuffer ! depayloader
    # ! decoder); rtpbwe forwards every packet unchanged.
    desc = ("%s ! rtpbwe name=bwe feedback=%s mode=%s ! fakesink sync=false "
            "async=false bwe.rtcp_src ! %s" % (src, args.feedback, args.mode,
                                               rtcp))
    return Gst.parse_launch(desc)


def on_message(bus, msg, loop):
    if msg.type == Gst.MessageType.ELEMENT:
        s = msg.get_structure()
        if s is not None and s.get_name() == "rtpbwe-estimate":
            ssrcs = s.get_value("ssrcs")
            # the improved mode says which regime its rate control is in
            regime = s.get_string("regime")
            emit("estimate mono=%.6f timestamp=%d bitrate=%d incoming=%d "
                 "state=%s ssrcs=%s%s" % (
                     time.monotonic(), s.get_value("timestamp"),
                     s.get_value("bitrate"), s.get_value("incoming-bitrate"),
                     s.get_value("state"),
                     ",".join(str(x) for x in ssrcs) if ssrcs else "",
                     " regime=" + regime if regime else ""))
    elif msg.type == Gst.MessageType.EOS:
        loop.quit()
    elif msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        print("error: %s (%s)" % (err.message, dbg), file=sys.stderr)
        loop.quit()
    return True


def on_notify(bwe, pspec):
    emit("notify mono=%.6f estimated-bitrate=%d"
         % (time.monotonic(), bwe.get_property("estimated-bitrate")))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=5000,
                   help="UDP port of the RTP (also the pcap filter)")
    p.add_argument("--pcap", help="replay this capture instead of listening")
    p.add_argument("--pt", type=int, default=96, help="RTP payload type")
    p.add_argument("--abs-send-time-id", type=int, default=3,
                   help="abs-send-time extension id (0: none)")
    p.add_argument("--twcc-id", type=int, default=0,
                   help="transport-wide sequence number extension id (0: none)")
    p.add_argument("--rtcp-host", help="send the feedback RTCP to this host")
    p.add_argument("--rtcp-port", type=int, default=5005)
    p.add_argument("--feedback", default="auto",
                   help="rtpbwe's feedback property: auto (TWCC for packets with "
                   "a transport-wide sequence number, else REMB), remb, twcc, "
                   "both, none")
    p.add_argument("--mode", default="libwebrtc",
                   choices=["libwebrtc", "improved"],
                   help="rtpbwe's mode property: libwebrtc (parity, the "
                   "default) or improved")
    p.add_argument("--duration", type=float, default=0,
                   help="stop after this many seconds (0: until EOS)")
    args = p.parse_args()

    Gst.init(None)
    if Gst.ElementFactory.find("rtpbwe") is None:
        print("error: element rtpbwe not found (set GST_PLUGIN_PATH to the "
              "build's gst/ folder)", file=sys.stderr)
        return 1
    pipeline = build_pipeline(args)
    loop = GLib.MainLoop()
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message, loop)
    pipeline.get_by_name("bwe").connect("notify::estimated-bitrate", on_notify)
    if args.duration > 0:
        GLib.timeout_add(int(args.duration * 1000), loop.quit)
    pipeline.set_state(Gst.State.PLAYING)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    pipeline.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
