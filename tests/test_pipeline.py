#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""rtpbwe with real GStreamer parts.

- pcap replay: `filesrc ! pcapparse ! rtpbwe` of a parity-dev trace ends by
  itself, gives identical messages on two runs, the same estimate changes as
  bwe-replay (and libwebrtc's .ref) and the same REMBs as `bwe-replay --remb`;
  with mode=improved (and RTP sequence numbers with gaps and a wrap) the
  estimates and REMBs of `bwe-replay --mode=improved`;
- a GStreamer sender (rtpbin, payloader creating rtphdrextabssendtime from its
  caps) over loopback UDP: rtpbwe's estimates appear and the sender's session
  emits on-feedback-rtcp with the REMB bitrates rtpbwe sent;
- the same with transport-cc: the sender's rtpsession consumes rtpbwe's TWCC
  feedback (its twcc-stats count the packets);
- the example launch lines of the element documentation parse and run.

Usage: test_pipeline.py BWE_REPLAY TRACE2PCAP PARITY_DIR SOURCE_ROOT WORK_DIR [TEST...]
"""

import gzip
import os
import re
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

AST_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
TWCC_URI = ("http://www.ietf.org/id/"
            "draft-holmer-rmcat-transport-wide-cc-extensions-01")
REMB_MANTISSA_MAX = 0x3FFFF


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def remb_encoded(bps):
    """What a REMB carries for bps: 18-bit mantissa, truncated (remb.cc)."""
    exp = 0
    while bps > REMB_MANTISSA_MAX:
        bps >>= 1
        exp += 1
    return bps << exp


def parse_remb(data):
    """Bitrate of one REMB RTCP packet (PSFB FMT 15), or None."""
    if len(data) < 20 or data[1] != 206 or (data[0] & 0x1F) != 15:
        return None
    return parse_remb_fci(data[12:])


def parse_remb_fci(fci):
    if len(fci) < 8 or fci[0:4] != b"REMB":
        return None
    exp = fci[5] >> 2
    mantissa = ((fci[5] & 3) << 16) | (fci[6] << 8) | fci[7]
    return mantissa << exp


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_to_eos(pipeline, timeout_s=60):
    """Plays pipeline until EOS; returns the rtpbwe-estimate structures."""
    estimates = []
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            check(time.monotonic() < deadline, "no EOS within %d s" % timeout_s)
            msg = bus.timed_pop_filtered(
                Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR |
                Gst.MessageType.ELEMENT)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                raise Failure("pipeline error: %s (%s)" % (err, dbg))
            if msg.type == Gst.MessageType.EOS:
                return estimates
            s = msg.get_structure()
            if s is not None and s.get_name() == "rtpbwe-estimate":
                estimates.append(estimate_tuple(s))
    finally:
        pipeline.set_state(Gst.State.NULL)


def estimate_tuple(s):
    """(bitrate, timestamp, incoming-bitrate, state, ssrcs, regime); regime
    None when the message has none (libwebrtc mode)."""
    ssrcs = s.get_value("ssrcs")
    return (s.get_value("bitrate"), s.get_value("timestamp"),
            s.get_value("incoming-bitrate"), s.get_value("state"),
            tuple(ssrcs) if ssrcs is not None else (),
            s.get_value("regime") if s.has_field("regime") else None)


def changes(estimates):
    """`time_ms bps` lines each time the signalled bitrate changes."""
    out, last = [], None
    for bitrate, ts, *_rest in estimates:
        if bitrate != last:
            out.append("%d %d" % ((ts // 1000 + 500) // 1000, bitrate))
        last = bitrate
    return out


def replay_pcap(pcap, bwe_props=""):
    desc = ("filesrc location=%s ! pcapparse caps=\"application/x-rtp,"
            "extmap-3=(string)%s\" ! rtpbwe name=bwe %s ! fakesink sync=false "
            "bwe.rtcp_src ! fakesink name=rtcp sync=false signal-handoffs=true"
            % (pcap, AST_URI, bwe_props))
    pipeline = Gst.parse_launch(desc)
    rembs = []

    def handoff(_sink, buf, _pad):
        ok, info = buf.map(Gst.MapFlags.READ)
        bps = parse_remb(bytes(info.data))
        buf.unmap(info)
        if bps is not None:
            rembs.append("%d %d" % ((buf.pts // 1000 + 500) // 1000, bps))

    pipeline.get_by_name("rtcp").connect("handoff", handoff)
    estimates = run_to_eos(pipeline)
    return estimates, rembs


def bwe_replay(args, trace, *opts):
    opener = gzip.open if trace.endswith(".gz") else open
    with opener(trace, "rb") as f:
        data = f.read()
    out = subprocess.run([args["bwe_replay"], *opts], input=data,
                         stdout=subprocess.PIPE, check=True).stdout
    return out.decode().split("\n")[:-1]


def test_pcap_replay(args):
    seed = "seed102"
    trace = os.path.join(args["parity"], seed + ".trace.gz")
    pcap = os.path.join(args["work"], seed + ".pcap")
    subprocess.run([sys.executable, args["trace2pcap"], trace, pcap],
                   check=True, stderr=subprocess.DEVNULL)
    first, rembs1 = replay_pcap(pcap)
    second, rembs2 = replay_pcap(pcap)
    check(len(first) > 100, "only %d estimates" % len(first))
    check(first == second, "two runs differ")
    check(rembs1 == rembs2, "two runs' REMBs differ")

    got = changes(first)
    want = bwe_replay(args, trace)
    check(got == want, "estimates differ from bwe-replay (%d vs %d lines)"
          % (len(got), len(want)))
    with open(os.path.join(args["parity"], seed + ".ref")) as f:
        ref = f.read().split("\n")[:-1]
    check(got == ref, "estimates differ from libwebrtc's .ref")
    check(all(e[5] is None for e in first),
          "a libwebrtc-mode message has a regime field")

    want_remb = []
    for line in bwe_replay(args, trace, "--remb"):
        ms, bps = line.split()
        want_remb.append("%s %d" % (ms, remb_encoded(int(bps))))
    check(rembs1 == want_remb, "REMBs differ from bwe-replay --remb "
          "(%d vs %d)" % (len(rembs1), len(want_remb)))
    print("  %d estimates, %d changes, %d REMBs; same as bwe-replay and "
          "libwebrtc" % (len(first), len(got), len(rembs1)))


REGIMES = ("start", "ramp", "steady", "drain", "compete")


def test_pcap_replay_improved(args):
    """mode=improved: the element's estimates and REMBs are those of
    bwe-replay --mode=improved on the same packets, RTP sequence numbers
    included (every 25th of a stream missing, starting near the wrap)."""
    seed = "seed102"
    src = os.path.join(args["parity"], seed + ".trace.gz")
    trace = os.path.join(args["work"], seed + "-seq.trace")
    counts = {}
    with gzip.open(src, "rt") as f, open(trace, "w") as o:
        for line in f:
            fields = line.split()
            if not fields or not fields[0][0].isdigit():
                continue
            n = counts.get(fields[3], 0) + 1
            if n % 25 == 0:
                n += 1
            counts[fields[3]] = n
            o.write("%s %s\n" % (" ".join(fields[:4] + [fields[0]]),
                                 (65000 + n) % 65536))
    pcap = os.path.join(args["work"], seed + "-seq.pcap")
    subprocess.run([sys.executable, args["trace2pcap"], trace, pcap],
                   check=True, stderr=subprocess.DEVNULL)
    # pcap2trace.py (for captures of a real path) reads it back line for line
    back = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(args["trace2pcap"]),
                                      "pcap2trace.py"), pcap],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True).stdout
    with open(trace) as f:
        check(back == f.read(), "pcap2trace.py does not give the trace back")
    estimates, rembs = replay_pcap(pcap, "mode=improved")
    got = changes(estimates)
    want = bwe_replay(args, trace, "--mode=improved")
    check(len(got) > 50, "only %d estimate changes" % len(got))
    check(got == want, "estimates differ from bwe-replay --mode=improved "
          "(%d vs %d lines; first difference %s)" % (
              len(got), len(want),
              next(((a, b) for a, b in zip(got, want) if a != b), None)))
    check(got != bwe_replay(args, os.path.join(args["parity"],
                                               seed + ".trace.gz")),
          "improved mode gives libwebrtc's estimates")
    want_remb = []
    for line in bwe_replay(args, trace, "--mode=improved", "--remb"):
        ms, bps = line.split()
        want_remb.append("%s %d" % (ms, remb_encoded(int(bps))))
    check(rembs == want_remb, "REMBs differ from bwe-replay --mode=improved "
          "--remb (%d vs %d)" % (len(rembs), len(want_remb)))
    regimes = sorted(set(e[5] for e in estimates))
    check(all(r in REGIMES for r in regimes), "regimes %s" % regimes)
    print("  %d estimates, %d changes, %d REMBs; same as bwe-replay "
          "--mode=improved; regimes seen: %s" % (
              len(estimates), len(got), len(rembs), ", ".join(regimes)))


def write_twcc_pcap(trace, out):
    """A TWCC trace (`arrival_us transport_seq payload_bytes ssrc`) as a pcap
    of RTP/UDP/IPv4/Ethernet packets with the transport-wide sequence number
    in a one-byte extension, id 5, captured at arrival_us, after a packet
    without extension at capture time 0 that keeps rtpbwe's running time
    equal to the trace's time (as trace2pcap.py does)."""
    seqs = {}
    with gzip.open(trace, "rt") as f, open(out, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        o.write(pcap_record(0, struct.pack("!BBHII", 0x80, 96, 0, 0,
                                           0xFFFFFFFF)))
        for line in f:
            fields = line.split()
            if not fields or not fields[0][0].isdigit():
                continue
            arrival, tseq, size, ssrc = (int(x, 0) for x in fields[:4])
            seq = seqs.get(ssrc, 0)
            seqs[ssrc] = seq + 1
            rtp = struct.pack("!BBHII", 0x90, 96, seq & 0xFFFF, 0, ssrc)
            ext = struct.pack("!HHBHB", 0xBEDE, 1, (5 << 4) | 1, tseq, 0)
            o.write(pcap_record(arrival, rtp + ext + bytes(size)))


def pcap_record(arrival_us, payload):
    """A pcap record of payload in UDP to port 5000 over IPv4/Ethernet."""
    udp = struct.pack("!HHHH", 40000, 5000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
    frame = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + ip
    return struct.pack("<IIII", arrival_us // 1000000, arrival_us % 1000000,
                       len(frame), len(frame)) + frame


def replay_rtcp(pcap, caps):
    """(time_ms, bytes) of every RTCP packet rtpbwe sends for a pcap."""
    pipeline = Gst.parse_launch(
        "filesrc location=%s ! pcapparse caps=\"%s\" ! rtpbwe name=bwe ! "
        "fakesink sync=false bwe.rtcp_src ! fakesink name=rtcp sync=false "
        "signal-handoffs=true" % (pcap, caps))
    out = []

    def handoff(_sink, buf, _pad):
        ok, info = buf.map(Gst.MapFlags.READ)
        # bwe-replay --twcc prints its times truncated to ms
        out.append((buf.pts // 1000000, bytes(info.data)))
        buf.unmap(info)

    pipeline.get_by_name("rtcp").connect("handoff", handoff)
    run_to_eos(pipeline)
    return out


def tshark_check(packets, what):
    """tshark decodes every packet as RTCP feedback with FMT 15, no
    malformed packet, no expert warning or error."""
    if shutil.which("tshark") is None:
        check(False, "tshark not installed (tools/setup.sh installs it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "rtcp.pcap")
        with open(pcap, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
            for ms, data in packets:
                udp = struct.pack("!HHHH", 5005, 5005, 8 + len(data), 0) + data
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0,
                                 64, 17, 0, bytes([10, 0, 0, 2]),
                                 bytes([10, 0, 0, 1]))
                csum = sum(struct.unpack("!10H", ip))
                while csum >> 16:
                    csum = (csum & 0xFFFF) + (csum >> 16)
                ip = ip[:10] + struct.pack("!H", ~csum & 0xFFFF) + ip[12:] + udp
                f.write(struct.pack("<IIII", ms // 1000, (ms % 1000) * 1000,
                                    len(ip), len(ip)))
                f.write(ip)
        base = ["tshark", "-n", "-r", pcap, "-d", "udp.port==5005,rtcp"]
        fields = subprocess.run(
            base + ["-T", "fields", "-e", "rtcp.rtpfb.fmt", "-e",
                    "rtcp.psfb.fmt", "-e", "_ws.malformed"],
            capture_output=True, check=True, text=True).stdout.splitlines()
        decoded = sum(1 for x in fields if "15" in x.split("\t")[:2])
        expert = subprocess.run(base + ["-q", "-z", "expert,warn"],
                                capture_output=True, check=True,
                                text=True).stdout
        bad = [l for l in expert.splitlines()
               if "Malformed" in l or l.startswith(("Errors", "Warns"))]
    check(decoded == len(packets) and not bad,
          "tshark: %d of %d %s packets decoded; %s" % (decoded, len(packets),
                                                       what, bad))
    print("  tshark decodes all %d %s packets, no warning" % (decoded, what))


def test_twcc_pcap_replay(args):
    """A TWCC capture: rtpbwe's feedback is bwe-replay --twcc's, byte for byte
    and at the same times (which is libwebrtc's up to its unflushed tail);
    tshark decodes it and the REMBs of a replay without a warning."""
    seed = "seed103"
    trace = os.path.join(args["parity"], seed + ".twcc.gz")
    pcap = os.path.join(args["work"], seed + "-twcc.pcap")
    write_twcc_pcap(trace, pcap)
    got = replay_rtcp(pcap, "application/x-rtp,extmap-5=(string)" + TWCC_URI)
    want = []
    for line in bwe_replay(args, trace, "--twcc"):
        ms, hexbytes = line.split()
        want.append((int(ms), bytes.fromhex(hexbytes)))
    check(len(got) == len(want) and got == want,
          "TWCC feedback differs from bwe-replay --twcc (%d vs %d packets)"
          % (len(got), len(want)))
    print("  %d TWCC feedback packets, identical to bwe-replay --twcc"
          % len(got))
    tshark_check(got, "TWCC")

    ast = os.path.join(args["work"], "seed102.pcap")
    if not os.path.exists(ast):
        subprocess.run([sys.executable, args["trace2pcap"],
                        os.path.join(args["parity"], "seed102.trace.gz"), ast],
                       check=True, stderr=subprocess.DEVNULL)
    rembs = replay_rtcp(ast, "application/x-rtp,extmap-3=(string)" + AST_URI)
    check(len(rembs) > 0, "no REMB")
    tshark_check(rembs, "REMB")


def sender_receiver(uri, ext_id, seconds, extra_bwe=""):
    """A live sender (rtpbin) and rtpbwe receiver over loopback UDP.  Returns
    (estimates, bitrates of the REMBs rtpbwe sent, REMB bitrates the sender's
    session got, the sender's rtpsession element)."""
    rtp_port = free_udp_port()
    rtcp_port = free_udp_port()
    caps = "application/x-rtp,extmap-%d=(string)%s" % (ext_id, uri)
    desc = (
        "rtpbin name=s "
        "audiotestsrc is-live=true samplesperbuffer=441 ! "
        "audio/x-raw,rate=44100,channels=1 ! rtpL16pay ! %s ! "
        "s.send_rtp_sink_0 "
        "s.send_rtp_src_0 ! udpsink host=127.0.0.1 port=%d sync=false "
        "async=false "
        "s.send_rtcp_src_0 ! fakesink sync=false async=false "
        "udpsrc address=127.0.0.1 port=%d caps=application/x-rtcp ! "
        "s.recv_rtcp_sink_0 "
        "udpsrc address=127.0.0.1 port=%d caps=\"%s,media=audio,"
        "clock-rate=44100,encoding-name=L16,channels=1,payload=96\" ! "
        "rtpbwe name=bwe %s ! fakesink sync=false async=false "
        "bwe.rtcp_src ! udpsink host=127.0.0.1 port=%d sync=false async=false"
        % (caps, rtp_port, rtcp_port, rtp_port, caps, extra_bwe, rtcp_port))
    pipeline = Gst.parse_launch(desc)
    rtpbin = pipeline.get_by_name("s")
    sent, received, estimates = [], [], []

    def probe(_pad, info):
        buf = info.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        bps = parse_remb(bytes(m.data))
        buf.unmap(m)
        if bps is not None:
            sent.append(bps)
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("bwe").get_static_pad("rtcp_src").add_probe(
        Gst.PadProbeType.BUFFER, probe)

    def on_feedback(_sess, fbtype_pt, fmt, _sender, _media, fci):
        if fbtype_pt == 206 and fmt == 15 and fci is not None:
            ok, m = fci.map(Gst.MapFlags.READ)
            bps = parse_remb_fci(bytes(m.data))
            fci.unmap(m)
            if bps is not None:
                received.append(bps)

    pipeline.set_state(Gst.State.PLAYING)
    session = rtpbin.emit("get-internal-session", 0)
    session.connect("on-feedback-rtcp", on_feedback)
    rtpsession = rtpbin.emit("get-session", 0)
    bus = pipeline.get_bus()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        msg = bus.timed_pop_filtered(
            100 * Gst.MSECOND, Gst.MessageType.ERROR | Gst.MessageType.ELEMENT)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            pipeline.set_state(Gst.State.NULL)
            raise Failure("pipeline error: %s (%s)" % (err, dbg))
        s = msg.get_structure()
        if s is not None and s.get_name() == "rtpbwe-estimate":
            estimates.append(estimate_tuple(s))
    twcc_stats = rtpsession.get_property("twcc-stats")
    stats = pipeline.get_by_name("bwe").get_property("stats")
    pipeline.set_state(Gst.State.NULL)
    return estimates, sent, received, twcc_stats, stats


def test_sender_remb(args):
    estimates, sent, received, _twcc, stats = sender_receiver(AST_URI, 3, 3.0)
    check(len(estimates) > 0, "no estimate from the abs-send-time sender")
    check(stats.get_value("packets-estimated") > 100,
          "estimated %d packets" % stats.get_value("packets-estimated"))
    check(len(sent) > 0, "rtpbwe sent no REMB")
    check(len(received) > 0, "the sender's session got no REMB")
    # everything the sender got is what rtpbwe sent, in order (loopback UDP
    # loses nothing; the last ones may still be in flight at the stop)
    check(received == sent[:len(received)],
          "REMBs received %s != sent %s" % (received[:5], sent[:5]))
    check(received[0] == remb_encoded(estimates[0][0]),
          "first REMB %d != first estimate %d" % (received[0],
                                                  estimates[0][0]))
    print("  %d estimates, REMB sent %d, received %d, last %d bit/s"
          % (len(estimates), len(sent), len(received), received[-1]))


def test_sender_twcc(args):
    estimates, sent, received, twcc, stats = sender_receiver(TWCC_URI, 5, 3.0)
    check(stats.get_value("packets-twcc") > 100,
          "%d TWCC packets recorded" % stats.get_value("packets-twcc"))
    check(stats.get_value("twcc-packets") > 5,
          "%d TWCC feedback packets" % stats.get_value("twcc-packets"))
    check(twcc is not None, "no twcc-stats")
    recv = twcc.get_value("packets-recv")
    check(recv is not None and recv > 0,
          "the sender's twcc-stats count no received packet: %s"
          % twcc.to_string())
    check(len(estimates) == 0 and len(sent) == 0,
          "auto feedback with transport-cc must not estimate or send REMB")
    print("  %d feedback packets; sender twcc-stats: %s"
          % (stats.get_value("twcc-packets"), twcc.to_string()))


def test_rtp_session_handoff(args):
    """rtpbwe before a receiving rtpbin, its rtp-session set to the session:
    REMB reaches the sender inside the receiver session's own RTCP."""
    rtp_port, rtcp_back, rtcp_fwd = (free_udp_port() for _ in range(3))
    caps = "application/x-rtp,extmap-3=(string)%s" % AST_URI
    sender = Gst.parse_launch(
        "rtpbin name=s audiotestsrc is-live=true samplesperbuffer=441 ! "
        "audio/x-raw,rate=44100,channels=1 ! rtpL16pay ! %s ! "
        "s.send_rtp_sink_0 s.send_rtp_src_0 ! udpsink host=127.0.0.1 port=%d "
        "sync=false async=false s.send_rtcp_src_0 ! udpsink host=127.0.0.1 "
        "port=%d sync=false async=false udpsrc address=127.0.0.1 port=%d "
        "caps=application/x-rtcp ! s.recv_rtcp_sink_0"
        % (caps, rtp_port, rtcp_fwd, rtcp_back))
    receiver = Gst.parse_launch(
        "rtpbin name=r udpsrc address=127.0.0.1 port=%d "
        "caps=\"%s,media=audio,clock-rate=44100,encoding-name=L16,channels=1,"
        "payload=96\" ! rtpbwe name=bwe ! r.recv_rtp_sink_0 "
        "r. ! rtpL16depay ! fakesink sync=false async=false "
        "udpsrc address=127.0.0.1 port=%d caps=application/x-rtcp ! "
        "r.recv_rtcp_sink_0 r.send_rtcp_src_0 ! udpsink host=127.0.0.1 "
        "port=%d sync=false async=false" % (rtp_port, caps, rtcp_fwd,
                                            rtcp_back))
    bwe = receiver.get_by_name("bwe")
    bwe.set_property("rtp-session",
                     receiver.get_by_name("r").emit("get-internal-session", 0))
    sent, received = [], []

    def probe(_pad, info):
        buf = info.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        bps = parse_remb(bytes(m.data))
        buf.unmap(m)
        if bps is not None:
            sent.append(bps)
        return Gst.PadProbeReturn.OK

    bwe.get_static_pad("rtcp_src").add_probe(Gst.PadProbeType.BUFFER, probe)

    def on_feedback(_sess, pt, fmt, _sender, _media, fci):
        if pt == 206 and fmt == 15 and fci is not None:
            ok, m = fci.map(Gst.MapFlags.READ)
            bps = parse_remb_fci(bytes(m.data))
            fci.unmap(m)
            if bps is not None:
                received.append(bps)

    sender.get_by_name("s").emit("get-internal-session", 0).connect(
        "on-feedback-rtcp", on_feedback)
    receiver.set_state(Gst.State.PLAYING)
    sender.set_state(Gst.State.PLAYING)
    # The session sends its RTCP when its own interval allows (RTP/AVP: a
    # randomized first report 1.25-3.75 s in), and a loaded machine delays the
    # first estimate: wait up to 10 s, stopping at the first REMB received.
    end = time.monotonic() + 10.0
    while time.monotonic() < end and not received:
        for p in (sender, receiver):
            msg = p.get_bus().pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                err, dbg = msg.parse_error()
                sender.set_state(Gst.State.NULL)
                receiver.set_state(Gst.State.NULL)
                raise Failure("error: %s (%s)" % (err, dbg))
        time.sleep(0.05)
    sender.set_state(Gst.State.NULL)
    receiver.set_state(Gst.State.NULL)
    bwe.set_property("rtp-session", None)
    check(len(sent) > 0, "rtpbwe produced no REMB")
    check(len(received) > 0, "no REMB in the session's RTCP")
    check(all(r in sent for r in received),
          "REMB %s not among those rtpbwe made %s" % (received, sent))
    print("  REMB made %d, received through the session's RTCP %d (%s bit/s)"
          % (len(sent), len(received), received))


def test_rtpbin_decoder_tap(args):
    """The tap point of webrtcbin: rtpbwe in the bin rtpbin asks for with
    request-rtp-decoder (bare caps: the id comes from the property), its
    rtcp_src into a funnel in the request-rtcp-encoder bin next to the
    session's RTCP.  The sender's session gets the REMBs."""
    rtp_port, rtcp_back, rtcp_fwd = (free_udp_port() for _ in range(3))
    caps = "application/x-rtp,extmap-3=(string)%s" % AST_URI
    sender = Gst.parse_launch(
        "rtpbin name=s audiotestsrc is-live=true samplesperbuffer=441 ! "
        "audio/x-raw,rate=44100,channels=1 ! rtpL16pay ! %s ! "
        "s.send_rtp_sink_0 s.send_rtp_src_0 ! udpsink host=127.0.0.1 port=%d "
        "sync=false async=false s.send_rtcp_src_0 ! udpsink host=127.0.0.1 "
        "port=%d sync=false async=false udpsrc address=127.0.0.1 port=%d "
        "caps=application/x-rtcp ! s.recv_rtcp_sink_0"
        % (caps, rtp_port, rtcp_fwd, rtcp_back))

    receiver = Gst.Pipeline.new("receiver")
    rtpbin = Gst.ElementFactory.make("rtpbin", "r")
    bins = {}

    def request_rtp_decoder(_rtpbin, session):
        b = Gst.Bin.new("bwe-decoder")
        bwe = Gst.ElementFactory.make("rtpbwe", "bwe")
        bwe.set_property("abs-send-time-id", 3)
        b.add(bwe)
        for name, pad in (("rtp_sink", "sink"), ("rtp_src", "src"),
                          ("rtcp_src", "rtcp_src")):
            b.add_pad(Gst.GhostPad.new(name, bwe.get_static_pad(pad)))
        bins["decoder"] = b
        return b

    def request_rtcp_encoder(_rtpbin, session):
        b = Gst.Bin.new("bwe-encoder")
        funnel = Gst.ElementFactory.make("funnel", None)
        b.add(funnel)
        b.add_pad(Gst.GhostPad.new("rtcp_sink_%d" % session,
                                   funnel.request_pad_simple("sink_%u")))
        b.add_pad(Gst.GhostPad.new("rtcp_src_%d" % session,
                                   funnel.get_static_pad("src")))
        b.add_pad(Gst.GhostPad.new("feedback_sink",
                                   funnel.request_pad_simple("sink_%u")))
        bins["encoder"] = b
        return b

    rtpbin.connect("request-rtp-decoder", request_rtp_decoder)
    rtpbin.connect("request-rtcp-encoder", request_rtcp_encoder)
    rtp_src = Gst.ElementFactory.make("udpsrc")
    rtp_src.set_property("address", "127.0.0.1")
    rtp_src.set_property("port", rtp_port)
    rtp_src.set_property("caps", Gst.Caps.from_string(
        "application/x-rtp,media=audio,clock-rate=44100,encoding-name=L16,"
        "channels=1,payload=96"))
    rtcp_src = Gst.ElementFactory.make("udpsrc")
    rtcp_src.set_property("address", "127.0.0.1")
    rtcp_src.set_property("port", rtcp_fwd)
    rtcp_src.set_property("caps", Gst.Caps.from_string("application/x-rtcp"))
    rtcp_sink = Gst.ElementFactory.make("udpsink")
    for k, v in (("host", "127.0.0.1"), ("port", rtcp_back), ("sync", False),
                 ("async", False)):
        rtcp_sink.set_property(k, v)
    depay = Gst.ElementFactory.make("rtpL16depay")
    sink = Gst.ElementFactory.make("fakesink")
    sink.set_property("async", False)
    for e in (rtpbin, rtp_src, rtcp_src, rtcp_sink, depay, sink):
        receiver.add(e)
    depay.link(sink)
    check(rtp_src.get_static_pad("src").link(
        rtpbin.request_pad_simple("recv_rtp_sink_0")) == Gst.PadLinkReturn.OK,
        "recv_rtp_sink_0")
    check(rtcp_src.get_static_pad("src").link(
        rtpbin.request_pad_simple("recv_rtcp_sink_0")) == Gst.PadLinkReturn.OK,
        "recv_rtcp_sink_0")
    check(rtpbin.request_pad_simple("send_rtcp_src_0").link(
        rtcp_sink.get_static_pad("sink")) == Gst.PadLinkReturn.OK,
        "send_rtcp_src_0")
    rtpbin.connect("pad-added", lambda _b, pad: pad.get_name().startswith(
        "recv_rtp_src") and pad.link(depay.get_static_pad("sink")))
    check("decoder" in bins and "encoder" in bins,
          "rtpbin asked for no decoder/encoder bin")
    # both bins are in rtpbin now: link rtpbwe's feedback into the funnel
    check(bins["decoder"].get_static_pad("rtcp_src").link(
        bins["encoder"].get_static_pad("feedback_sink")) ==
        Gst.PadLinkReturn.OK, "rtcp_src to the funnel")

    received = []

    def on_feedback(_sess, pt, fmt, _sender, _media, fci):
        if pt == 206 and fmt == 15 and fci is not None:
            ok, m = fci.map(Gst.MapFlags.READ)
            bps = parse_remb_fci(bytes(m.data))
            fci.unmap(m)
            if bps is not None:
                received.append(bps)

    sender.get_by_name("s").emit("get-internal-session", 0).connect(
        "on-feedback-rtcp", on_feedback)
    estimates = []
    receiver.set_state(Gst.State.PLAYING)
    sender.set_state(Gst.State.PLAYING)
    end = time.monotonic() + 10.0  # ends at the third REMB
    try:
        while time.monotonic() < end and len(received) < 3:
            for p in (sender, receiver):
                msg = p.get_bus().pop_filtered(Gst.MessageType.ERROR |
                                               Gst.MessageType.ELEMENT)
                if msg is None:
                    continue
                if msg.type == Gst.MessageType.ERROR:
                    err, dbg = msg.parse_error()
                    raise Failure("error: %s (%s)" % (err, dbg))
                st = msg.get_structure()
                if st is not None and st.get_name() == "rtpbwe-estimate":
                    estimates.append(st.get_value("bitrate"))
            time.sleep(0.02)
    finally:
        sender.set_state(Gst.State.NULL)
        while True:
            msg = receiver.get_bus().pop_filtered(Gst.MessageType.ELEMENT)
            if msg is None:
                break
            st = msg.get_structure()
            if st is not None and st.get_name() == "rtpbwe-estimate":
                estimates.append(st.get_value("bitrate"))
        receiver.set_state(Gst.State.NULL)
    check(len(estimates) > 0, "no estimate in the decoder bin")
    check(len(received) > 0, "the sender got no REMB through the encoder bin")
    check(all(r in [remb_encoded(e) for e in estimates] for r in received),
          "REMB %s not among the estimates %s" % (received, estimates))
    print("  %d estimates, %d REMBs reached the sender through rtpbin's "
          "RTCP encoder bin" % (len(estimates), len(received)))


def doc_launch_lines(path):
    """The `|[ gst-launch-1.0 ... ]|` examples of a source file's doc."""
    with open(path) as f:
        text = f.read()
    lines = []
    for block in re.findall(r"\|\[\n(.*?)\]\|", text, re.S):
        body = " ".join(re.sub(r"^\s*\*\s?", "", l).rstrip("\\").strip()
                        for l in block.split("\n"))
        body = re.sub(r"^gst-launch-1.0\s+(-m\s+)?", "", body.strip())
        lines.append(body)
    return lines


def test_doc_launch_lines(args):
    src = args["source"]
    lines = doc_launch_lines(os.path.join(src, "gst", "gstrtpbwe.c"))
    # the payloader example sends elsewhere: a second SSRC would reach the
    # receiver example's rtpbin, whose gst-launch line links one stream only
    lines += [l.replace("port=5000", "port=5010") for l in doc_launch_lines(
        os.path.join(src, "gst", "gstrtphdrextabssendtime.c"))]
    check(len(lines) == 4, "expected 4 example lines, found %d" % len(lines))
    pcap = os.path.join(args["work"], "doc.pcap")
    subprocess.run([sys.executable, args["trace2pcap"],
                    os.path.join(args["parity"], "seed104.trace.gz"), pcap,
                    "--until-us", "110000000"], check=True,
                   stderr=subprocess.DEVNULL)
    ports = {p: free_udp_port() for p in (5000, 5001, 5005, 5010)}
    live = []
    for line in lines:
        for old, new in ports.items():
            line = line.replace("port=%d" % old, "port=%d" % new)
        line = line.replace("capture.pcap", pcap)
        pipeline = Gst.parse_launchv(shlex.split(line))
        if "pcapparse" in line:
            estimates = run_to_eos(pipeline)
            check(len(estimates) > 0, "pcap example: no estimate")
        else:
            live.append(pipeline)
    # the receiver, sender and payloader examples run together for a while
    for p in live:
        p.set_state(Gst.State.PLAYING)
    bwe = None
    for p in live:
        bwe = bwe or p.get_by_name("bwe")
    # at least 1.5 s, until the receiver has estimated packets (5 s at most)
    start = time.monotonic()
    while time.monotonic() < start + 5.0:
        if time.monotonic() > start + 1.5 and \
                bwe.get_property("stats").get_value("packets-estimated") > 0:
            break
        for p in live:
            msg = p.get_bus().pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                err, dbg = msg.parse_error()
                for q in live:
                    q.set_state(Gst.State.NULL)
                raise Failure("example error: %s (%s)" % (err, dbg))
        time.sleep(0.05)
    stats = bwe.get_property("stats")
    for p in live:
        p.set_state(Gst.State.NULL)
    check(stats.get_value("packets-estimated") > 0,
          "the receiver example estimated no packet")
    print("  %d example lines ran; receiver example: %d packets estimated"
          % (len(lines), stats.get_value("packets-estimated")))


TESTS = [test_pcap_replay, test_pcap_replay_improved, test_twcc_pcap_replay, test_sender_remb, test_sender_twcc,
         test_rtp_session_handoff, test_rtpbin_decoder_tap,
         test_doc_launch_lines]


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    args = dict(zip(("bwe_replay", "trace2pcap", "parity", "source", "work"),
                    sys.argv[1:6]))
    os.makedirs(args["work"], exist_ok=True)
    wanted = sys.argv[6:]
    Gst.init(None)
    check(Gst.ElementFactory.find("rtpbwe") is not None,
          "rtpbwe not found: GST_PLUGIN_PATH")
    passed = failed = 0
    for t in TESTS:
        if wanted and t.__name__ not in wanted:
            continue
        print("%s:" % t.__name__)
        try:
            t(args)
            passed += 1
            print("  ok")
        except Failure as e:
            failed += 1
            print("  FAILED: %s" % e)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
