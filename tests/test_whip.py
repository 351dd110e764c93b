#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The WHIP endpoint example (examples/python/whip-ingest.py) over loopback.

Publishers are webrtcbin WHIP clients written here: VP8 with abs-send-time
(stamped by rtphdrextabssendtime from the extmap in the payloader's caps),
goog-remb offered, and for one of them transport-cc too.

- remb_two_publishers: two publishers at once on an endpoint with
  --feedback auto; the answer carries the abs-send-time extmap and goog-remb
  that webrtcbin 1.22 leaves out; each publisher's rtpsession receives REMBs
  (on-feedback-rtcp) that name its own SSRC, and no TWCC; DELETE of one ends
  that session (gone from /status, a second DELETE is 404) while the other's
  packets and REMBs keep coming;
- twcc: with --feedback twcc and transport-wide numbers the publisher
  receives transport-wide feedback (RTPFB FMT 15) from rtpbwe alone (none
  from the endpoint's rtpsession), and no REMB; with --record the file
  written by the time DELETE answers decodes as the 320x240 VP8 sent;
- bad_offers: malformed offers get a 400 with a reason (a wrong Content-Type
  415, unknown paths 404), and the endpoint still answers a good offer
  afterwards, picking TWCC for it (--feedback auto, transport-cc offered).

Usage: test_whip.py SOURCE_ROOT [TEST...]   (GST_PLUGIN_PATH: the build)
"""

import http.client
import json
import os
import re
import struct
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import Gst, GstSdp, GstWebRTC  # noqa: E402

AST_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
TWCC_URI = ("http://www.ietf.org/id/"
            "draft-holmer-rmcat-transport-wide-cc-extensions-01")
# Limits of each wait; a run on an idle machine takes a fraction of them.
CONNECT_TIMEOUT_S = 15.0
FEEDBACK_TIMEOUT_S = 15.0


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise Failure("timed out (%.0f s) waiting for %s" % (timeout, what))


class Endpoint:
    """whip-ingest.py in a subprocess on a free port."""

    def __init__(self, source, *opts):
        script = os.path.join(source, "examples", "python", "whip-ingest.py")
        self.proc = subprocess.Popen(
            [sys.executable, script, "--port", "0"] + list(opts),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.port = None
        got_port = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                m = re.match(r"whip: listening on http://[^:]+:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    got_port.set()
            got_port.set()

        threading.Thread(target=read, daemon=True).start()
        if not got_port.wait(CONNECT_TIMEOUT_S) or self.port is None:
            self.stop()
            raise Failure("the endpoint did not start: %s" % self.lines)

    def request(self, method, path, body=None, ctype="application/sdp"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Content-Type": ctype} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        result = (r.status, dict(r.getheaders()), data)
        conn.close()
        return result

    def status(self):
        code, _h, body = self.request("GET", "/status")
        check(code == 200, "GET /status: %d %s" % (code, body))
        return {s["id"]: s for s in json.loads(body)["sessions"]}

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def parse_feedback(fci):
    ok, m = fci.map(Gst.MapFlags.READ)
    data = bytes(m.data)
    fci.unmap(m)
    return data


def remb_of(fci):
    """(bitrate, [ssrcs]) of a REMB FCI, else None."""
    if len(fci) < 8 or fci[:4] != b"REMB":
        return None
    n, b1, b2, b3 = fci[4], fci[5], fci[6], fci[7]
    bps = (((b1 & 3) << 16) | (b2 << 8) | b3) << (b1 >> 2)
    ssrcs = [struct.unpack_from(">I", fci, 8 + 4 * i)[0] for i in range(n)
             if 8 + 4 * i + 4 <= len(fci)]
    return bps, ssrcs


class Publisher:
    """A WHIP client: webrtcbin sending VP8 with abs-send-time."""

    def __init__(self, name, twcc=False):
        self.name = name
        caps = ("application/x-rtp,media=video,encoding-name=VP8,payload=96,"
                "clock-rate=90000,extmap-3=(string)%s,"
                "rtcp-fb-goog-remb=(boolean)true" % AST_URI)
        if twcc:
            caps += (",extmap-5=(string)%s,rtcp-fb-transport-cc=(boolean)true"
                     % TWCC_URI)
        self.pipeline = Gst.parse_launch(
            "webrtcbin name=w bundle-policy=max-bundle "
            "videotestsrc is-live=true pattern=ball ! "
            "video/x-raw,width=320,height=240,framerate=30/1 ! "
            "vp8enc deadline=1 target-bitrate=600000 ! rtpvp8pay "
            "ssrc=%d ! %s ! w." % (self.ssrc_for(name), caps))
        self.ssrc = self.ssrc_for(name)
        self.webrtc = self.pipeline.get_by_name("w")
        self.rembs = []
        self.twcc = 0
        self.twcc_senders = set()
        self.location = None
        self.offer_text = None
        self.answer_text = None
        self.gathered = threading.Event()
        self.offer_ready = threading.Event()
        self.connected = threading.Event()
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        self.webrtc.connect("notify::ice-connection-state", self.on_ice_state)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation)

    @staticmethod
    def ssrc_for(name):
        return 0x1000 + sum(map(ord, name))

    def on_feedback(self, _session, pt, fmt, sender, _media, fci):
        if fmt != 15 or fci is None:
            return
        data = parse_feedback(fci)
        if pt == 206:  # PSFB: REMB
            r = remb_of(data)
            if r is not None:
                self.rembs.append(r)
        elif pt == 205:  # RTPFB: transport-wide feedback
            self.twcc += 1
            self.twcc_senders.add(sender)

    def on_negotiation(self, _webrtc):
        promise = Gst.Promise.new_with_change_func(self.on_offer, None)
        self.webrtc.emit("create-offer", None, promise)

    def on_offer(self, promise, _data):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        self.webrtc.emit("set-local-description", offer, None)
        self.offer_ready.set()
        self.on_gathering()

    def on_gathering(self, *_a):
        if self.webrtc.get_property("ice-gathering-state") == \
                GstWebRTC.WebRTCICEGatheringState.COMPLETE \
                and self.offer_ready.is_set():
            self.gathered.set()

    def on_ice_state(self, *_a):
        st = self.webrtc.get_property("ice-connection-state")
        if st in (GstWebRTC.WebRTCICEConnectionState.CONNECTED,
                  GstWebRTC.WebRTCICEConnectionState.COMPLETED):
            self.connected.set()

    def publish(self, endpoint):
        """Offer (with all candidates), POST, answer."""
        self.pipeline.set_state(Gst.State.PLAYING)
        check(self.gathered.wait(CONNECT_TIMEOUT_S),
              "%s: no offer with candidates" % self.name)
        # webrtcbin 1.22 leaves goog-remb out of its offer as well (the caps'
        # rtcp-fb-goog-remb): add it, as a browser offers it
        self.offer_text = re.sub(
            r"(a=rtcp-fb:96 ccm fir\r\n)", r"\1a=rtcp-fb:96 goog-remb\r\n",
            self.webrtc.get_property("local-description").sdp.as_text())
        check("goog-remb" in self.offer_text, "offer without ccm fir")
        # rtpbin's session exists once the offer is set
        session = self.webrtc.get_by_name("rtpbin").emit(
            "get-internal-session", 0)
        check(session is not None, "no RTP session 0")
        session.connect("on-feedback-rtcp", self.on_feedback)
        code, headers, body = endpoint.request("POST", "/whip", self.offer_text)
        check(code == 201, "%s: POST /whip: %d %s" % (self.name, code, body))
        self.location = headers.get("Location")
        check(self.location and re.fullmatch(r"/whip/\d+", self.location),
              "%s: Location %r" % (self.name, self.location))
        check(headers.get("Content-Type") == "application/sdp",
              "answer Content-Type %r" % headers.get("Content-Type"))
        self.answer_text = body
        res, sdp = GstSdp.SDPMessage.new_from_text(body)
        check(res == GstSdp.SDPResult.OK, "the answer does not parse")
        answer = GstWebRTC.WebRTCSessionDescription.new(
            GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        self.webrtc.emit("set-remote-description", answer, None)
        return int(self.location.rsplit("/", 1)[1])

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


def test_remb_two_publishers(args):
    ep = Endpoint(args["source"])
    pubs = []
    try:
        pubs = [Publisher("one"), Publisher("two")]
        sids = [p.publish(ep) for p in pubs]
        check(sids[0] != sids[1], "two publishers, one session id")
        for p in pubs:
            # what webrtcbin 1.22 leaves out, added by the example
            check(re.search(r"a=extmap:3 " + re.escape(AST_URI), p.answer_text),
                  "no abs-send-time extmap in the answer:\n" + p.answer_text)
            check(re.search(r"a=rtcp-fb:96 goog-remb", p.answer_text),
                  "no goog-remb in the answer:\n" + p.answer_text)
            check("transport-cc" not in p.answer_text,
                  "transport-cc answered though not offered")
        for p in pubs:
            check(p.connected.wait(CONNECT_TIMEOUT_S), "%s: ICE did not "
                  "connect" % p.name)
        wait_for(lambda: all(len(p.rembs) >= 2 for p in pubs),
                 FEEDBACK_TIMEOUT_S, "two REMBs at each publisher")
        st = ep.status()
        for p, sid in zip(pubs, sids):
            # each REMB names the publisher's own SSRC, and only it
            check(all(ssrcs == [p.ssrc] for _bps, ssrcs in p.rembs),
                  "%s: REMB SSRCs %s, want [%#x]" % (p.name, p.rembs, p.ssrc))
            check(p.twcc == 0, "%s: TWCC without transport-cc" % p.name)
            s = st[sid]
            check(s["feedback"] == "remb", "session %d feedback %s"
                  % (sid, s["feedback"]))
            check(s["packets-abs-send-time"] > 0 and s["remb-packets"] >= 2,
                  "session %d: %s" % (sid, s))
            check(s["twcc-packets"] == 0, "session %d sent TWCC" % sid)
        print("  before DELETE: %s" % ", ".join(
            "%s %d REMBs (last %d bit/s)" % (p.name, len(p.rembs),
                                              p.rembs[-1][0]) for p in pubs))

        code, _h, body = ep.request("DELETE", pubs[0].location)
        check(code == 200, "DELETE: %d %s" % (code, body))
        code, _h, _b = ep.request("DELETE", pubs[0].location)
        check(code == 404, "second DELETE: %d, want 404" % code)
        st = ep.status()
        check(sids[0] not in st and sids[1] in st,
              "after DELETE /status has %s" % sorted(st))
        packets = st[sids[1]]["packets"]
        rembs = len(pubs[1].rembs)
        wait_for(lambda: len(pubs[1].rembs) >= rembs + 2
                 and ep.status()[sids[1]]["packets"] > packets + 100,
                 FEEDBACK_TIMEOUT_S, "the other publisher to keep flowing")
        check(ep.alive(), "the endpoint died")
        print("  after DELETE of %s: %s still flowing, %d more packets, "
              "%d more REMBs" % (pubs[0].name, pubs[1].name,
                                 ep.status()[sids[1]]["packets"] - packets,
                                 len(pubs[1].rembs) - rembs))
    finally:
        for p in pubs:
            p.stop()
        ep.stop()


def decoded_frames(path):
    """(frames, width, height) of the VP8 in a Matroska file."""
    pipeline = Gst.parse_launch(
        "filesrc location=\"%s\" ! matroskademux ! vp8dec ! "
        "fakesink name=sink signal-handoffs=true sync=false" % path)
    frames = []
    size = {}

    def handoff(sink, buf, pad):
        if not size:
            st = pad.get_current_caps().get_structure(0)
            size["w"], size["h"] = st.get_int("width")[1], st.get_int(
                "height")[1]
        frames.append(buf.pts)

    pipeline.get_by_name("sink").connect("handoff", handoff)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        20 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None or msg.type != Gst.MessageType.EOS:
        raise Failure("the recording does not play to its end: %s"
                      % (msg.parse_error()[0].message if msg else "timeout"))
    return len(frames), size.get("w"), size.get("h")


def test_twcc(args):
    """--feedback twcc, and --record: the file holds the VP8 sent."""
    work = tempfile.mkdtemp(prefix="whip-")
    record = os.path.join(work, "rec.mkv")
    ep = Endpoint(args["source"], "--feedback", "twcc", "--record", record)
    pub = None
    try:
        pub = Publisher("twcc", twcc=True)
        sid = pub.publish(ep)
        check(re.search(r"a=extmap:5 " + re.escape(TWCC_URI), pub.answer_text)
              and re.search(r"a=rtcp-fb:96 transport-cc", pub.answer_text),
              "no transport-cc in the answer:\n" + pub.answer_text)
        check("goog-remb" not in pub.answer_text, "goog-remb with twcc")
        check(pub.connected.wait(CONNECT_TIMEOUT_S), "ICE did not connect")
        wait_for(lambda: pub.twcc >= 5, FEEDBACK_TIMEOUT_S,
                 "five TWCC feedback packets")
        s = ep.status()[sid]
        # all of it from rtpbwe (sender SSRC 0), none from the endpoint's
        # rtpsession: one feedback stream, not two
        check(pub.twcc_senders == {0}, "TWCC from sender SSRCs %s"
              % sorted(pub.twcc_senders))
        check(pub.twcc <= s["twcc-packets"], "%d TWCC received, rtpbwe sent "
              "%d" % (pub.twcc, s["twcc-packets"]))
        check(s["feedback"] == "twcc" and s["packets-twcc"] > 0
              and s["twcc-packets"] >= 5, "session: %s" % s)
        check(s["remb-packets"] == 0 and not pub.rembs, "REMB with twcc")
        print("  %d TWCC feedback packets received; endpoint: %d packets "
              "recorded, %d feedback packets" % (pub.twcc, s["packets-twcc"],
                                                 s["twcc-packets"]))
        # the recording is finished (EOS through the muxer) at DELETE
        code, _h, body = ep.request("DELETE", pub.location)
        check(code == 200, "DELETE: %d %s" % (code, body))
        path = os.path.join(work, "rec-%d.mkv" % sid)
        check(s["record"] == path, "recording to %s" % s.get("record"))
        frames, w, h = decoded_frames(path)
        check(frames >= 10 and (w, h) == (320, 240),
              "%s: %d frames of %sx%s" % (path, frames, w, h))
        print("  recording: %d VP8 frames of 320x240 decoded" % frames)
    finally:
        if pub is not None:
            pub.stop()
        ep.stop()
        shutil.rmtree(work, ignore_errors=True)


def test_bad_offers(args):
    ep = Endpoint(args["source"])
    pub = None
    try:
        pub = Publisher("after")
        cases = [
            ("empty", "", 400, "empty offer"),
            ("garbage", "hello, world\r\n", 400, "not an SDP offer"),
            ("no media", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
             400, "no m= line"),
            ("no DTLS", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
             "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
             "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
             "a=rtpmap:96 VP8/90000\r\na=sendonly\r\na=mid:0\r\n", 400,
             "no a=fingerprint"),
            ("plain RTP", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
             "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n", 400,
             "not a WebRTC one"),
        ]
        for name, body, want, reason in cases:
            code, _h, text = ep.request("POST", "/whip", body)
            check(code == want and reason in text,
                  "%s: %d %r, want %d %r" % (name, code, text, want, reason))
        code, _h, text = ep.request("POST", "/whip", "v=0\r\n", "text/plain")
        check(code == 415, "wrong Content-Type: %d %s" % (code, text))
        code, _h, text = ep.request("POST", "/elsewhere", "v=0\r\n")
        check(code == 404, "POST elsewhere: %d" % code)
        code, _h, text = ep.request("DELETE", "/whip/999")
        check(code == 404, "DELETE unknown: %d" % code)
        # a valid offer but one id for abs-send-time in audio and another in
        # video: rtpbwe reads one id per extension in the bundle
        pub.pipeline.set_state(Gst.State.PLAYING)
        check(pub.gathered.wait(CONNECT_TIMEOUT_S), "no offer")
        good = pub.webrtc.get_property("local-description").sdp.as_text()
        bad = good.replace("a=extmap:3 ", "a=extmap:4 ") + \
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" \
            "a=rtpmap:111 OPUS/48000/2\r\na=extmap:3 %s\r\na=sendonly\r\n" \
            "a=mid:1\r\n" % AST_URI
        code, _h, text = ep.request("POST", "/whip", bad)
        check(code == 400 and "different m= lines" in text,
              "conflicting ids: %d %r" % (code, text))
        check(ep.alive() and ep.status() == {}, "the endpoint after bad "
              "offers: alive %s, sessions %s" % (ep.alive(), ep.status()))
        pub.pipeline.set_state(Gst.State.NULL)
        # a good offer after them, with transport-cc: --feedback auto picks
        # TWCC, as libwebrtc would
        pub = Publisher("after", twcc=True)
        sid = pub.publish(ep)
        check(pub.connected.wait(CONNECT_TIMEOUT_S), "ICE did not connect")
        check("a=rtcp-fb:96 transport-cc" in pub.answer_text
              and "goog-remb" not in pub.answer_text,
              "auto with transport-cc offered:\n" + pub.answer_text)
        check(ep.status()[sid]["feedback"] == "twcc", "auto did not pick twcc")
        print("  %d bad offers refused with a reason, wrong Content-Type "
              "415, unknown paths 404; a good one answered after them "
              "(auto: twcc)" % (len(cases) + 1))
    finally:
        if pub is not None:
            pub.stop()
        ep.stop()


TESTS = [test_remb_two_publishers, test_twcc, test_bad_offers]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    args = {"source": sys.argv[1]}
    wanted = sys.argv[2:]
    Gst.init(None)
    for f in ("rtpbwe", "webrtcbin", "nicesrc", "vp8enc"):
        check(Gst.ElementFactory.find(f) is not None, "%s not found" % f)
    passed = failed = 0
    for t in TESTS:
        if wanted and t.__name__ not in wanted:
            continue
        print("%s:" % t.__name__)
        sys.stdout.flush()
        start = time.monotonic()
        try:
            t(args)
            passed += 1
            print("  ok (%.1f s)" % (time.monotonic() - start))
        except Exception as e:  # a broken test fails, the others still run
            failed += 1
            print("  FAILED: %s%s" % ("" if isinstance(e, Failure) else
                                      type(e).__name__ + ": ", e))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
