#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A WHIP ingest endpoint (RFC 9725) with rtpbwe inside webrtcbin.

Publishers (a browser, OBS, a hardware encoder, another GStreamer) POST an SDP
offer to /whip; each offer gets its own webrtcbin, and the answer comes back in
a 201 Created with a Location header naming the session; DELETE on that
location ends it.  rtpbwe sits in rtpbin's `request-rtp-decoder` bin, where
the packets are decrypted and carry their arrival time, with the extension ids
taken from the offer, and its feedback joins rtpsession's RTCP in a funnel in
the `request-rtcp-encoder` bin, so webrtcbin encrypts it as SRTCP.

Feedback follows what the offer negotiates, as libwebrtc does: transport-wide
congestion control feedback (TWCC) when the publisher offers transport-cc, REMB
otherwise (`--feedback auto`); `--feedback remb` or `twcc` forces one.

  whip-ingest.py --port 8080                 # then open http://127.0.0.1:8080/
  whip-ingest.py --port 8080 --record out.mkv  # out-1.mkv, out-2.mkv, ...

GET / serves whip-publish.html (camera or test pattern, a minimal WHIP
client), GET /status the sessions and their estimates as JSON.  Every second
each session's estimate is printed:

  whip: session 1 estimate=<bit/s> incoming=<bit/s> state=<s> packets=<n> feedback=<remb|twcc> remb=<n> twcc=<n>

Needs Debian's python3-gi, gir1.2-gst-plugins-bad-1.0, gstreamer1.0-nice (and
gir1.2-nice-0.1 for --ice-address), and rtpbwe on GST_PLUGIN_PATH.
"""

import argparse
import ctypes
import http.server
import json
import os
import re
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
ABS_CAPTURE_TIME_URI = \
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
TWCC_URI = ("http://www.ietf.org/id/"
            "draft-holmer-rmcat-transport-wide-cc-extensions-01")

MAX_OFFER_BYTES = 64 * 1024
# Time for webrtcbin to answer and gather its candidates (loopback and host
# addresses only: no STUN, so it takes milliseconds).
ANSWER_TIMEOUT_S = 10.0
# A recording is finished (EOS through the muxer) within this time at DELETE.
FINISH_TIMEOUT_S = 5.0

# depayloader (and parser) for recording, by RTP encoding-name
RECORD_CHAINS = {
    "VP8": "rtpvp8depay",
    "VP9": "rtpvp9depay",
    "H264": "rtph264depay ! h264parse",
    "OPUS": "rtpopusdepay ! opusparse",
}

_out_lock = threading.Lock()


def emit(line):
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class OfferError(Exception):
    """An offer this endpoint cannot answer: a 400 with the reason."""


class Offer:
    """What the endpoint needs from an SDP offer."""

    def __init__(self, text):
        if not text.strip():
            raise OfferError("empty offer")
        if not text.lstrip().startswith("v=0"):
            raise OfferError("not an SDP offer: it must start with v=0")
        res, sdp = GstSdp.SDPMessage.new_from_text(text)
        if res != GstSdp.SDPResult.OK or sdp is None:
            raise OfferError("the SDP does not parse")
        if sdp.medias_len() == 0:
            raise OfferError("no m= line in the offer")
        self.sdp = sdp
        self.ext_ids = {}
        self.transport_cc = False
        self.media_kinds = []
        has_fingerprint = sdp.get_attribute_val("fingerprint") is not None
        has_ufrag = sdp.get_attribute_val("ice-ufrag") is not None
        for i in range(sdp.medias_len()):
            m = sdp.get_media(i)
            kind = m.get_media()
            if kind not in ("audio", "video", "application"):
                raise OfferError("m= line %d: unknown media %r" % (i, kind))
            if "SAVPF" not in (m.get_proto() or "") and kind != "application":
                raise OfferError("m= line %d: protocol %r is not a WebRTC "
                                 "one (UDP/TLS/RTP/SAVPF)" % (i, m.get_proto()))
            has_fingerprint |= m.get_attribute_val("fingerprint") is not None
            has_ufrag |= m.get_attribute_val("ice-ufrag") is not None
            if m.get_attribute_val("recvonly") is not None \
                    or m.get_attribute_val("inactive") is not None:
                continue
            if kind != "application":
                self.media_kinds.append(kind)
            self._read_media(i, m)
        if not has_fingerprint:
            raise OfferError("no a=fingerprint: WebRTC needs DTLS-SRTP")
        if not has_ufrag:
            raise OfferError("no a=ice-ufrag: WebRTC needs ICE")
        if not self.media_kinds:
            raise OfferError("the offer sends no audio or video")

    def _read_media(self, index, media):
        for j in range(media.attributes_len()):
            a = media.get_attribute(j)
            if a.key == "extmap" and a.value:
                m = re.match(r"(\d+)(?:/\S+)?\s+(\S+)", a.value)
                if m is None:
                    raise OfferError("m= line %d: bad a=extmap:%s"
                                     % (index, a.value))
                ext_id, uri = int(m.group(1)), m.group(2)
                if not 1 <= ext_id <= 255:
                    raise OfferError("m= line %d: extmap id %d out of range"
                                     % (index, ext_id))
                # one id per URI: the bundle carries every m= line in one
                # RTP session and rtpbwe reads one id per extension
                if self.ext_ids.setdefault(uri, ext_id) != ext_id:
                    raise OfferError("%s has ids %d and %d in different m= "
                                     "lines" % (uri, self.ext_ids[uri], ext_id))
            elif a.key == "rtcp-fb" and a.value \
                    and a.value.split()[1:2] == ["transport-cc"]:
                self.transport_cc = True

    def id_of(self, uri):
        return self.ext_ids.get(uri, 0)

    def offers_twcc(self):
        return self.transport_cc and self.id_of(TWCC_URI) != 0


def choose_feedback(wanted, offer):
    """remb or twcc, from --feedback and the offer (auto: as libwebrtc)."""
    if wanted == "auto":
        return "twcc" if offer.offers_twcc() else "remb"
    if wanted == "twcc" and not offer.offers_twcc():
        raise OfferError("--feedback twcc, but the offer has no transport-cc "
                         "(a=rtcp-fb transport-cc and its a=extmap)")
    return wanted


def offered_fb(offer_text, index):
    """{pt: set of rtcp-fb values} of the offer's m= line index."""
    fb = {}
    for line in media_sections(offer_text)[1][index]:
        m = re.match(r"a=rtcp-fb:(\S+)\s+(.+?)\s*$", line)
        if m:
            fb.setdefault(m.group(1), set()).add(m.group(2))
    return fb


def media_sections(text):
    """(session lines, [lines of each m= section])"""
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln]
    session, medias = [], []
    for ln in lines:
        if ln.startswith("m="):
            medias.append([ln])
        elif medias:
            medias[-1].append(ln)
        else:
            session.append(ln)
    return session, medias


def edit_answer(answer_text, offer_text, offer, feedback):
    """The answer webrtcbin made, with what webrtcbin 1.22 leaves out.

    webrtcbin 1.22 answers without any a=extmap and without a=rtcp-fb
    goog-remb, whatever the offer has: a sender then stamps no abs-send-time
    and ignores REMB, and rtpbwe has nothing to estimate from.  So each m=
    line of the answer gets the offer's abs-send-time (and abs-capture-time)
    extmap, and, by the feedback chosen, either the offer's goog-remb or its
    transport-cc (rtcp-fb and extmap) for each payload type; the other one is
    removed, so that the sender follows the feedback that rtpbwe sends (a
    libwebrtc sender with transport-cc negotiated estimates by itself)."""
    session, medias = media_sections(answer_text)
    keep_uris = [ABS_SEND_TIME_URI, ABS_CAPTURE_TIME_URI]
    fb_name = "goog-remb" if feedback == "remb" else "transport-cc"
    if feedback == "twcc":
        keep_uris.append(TWCC_URI)
    out = list(session)
    for i, lines in enumerate(medias):
        offered = offered_fb(offer_text, i)
        pts = lines[0].split()[3:]
        kept = [ln for ln in lines
                if not ln.startswith("a=extmap:")
                and not re.match(r"a=rtcp-fb:\S+\s+(goog-remb|transport-cc)",
                                 ln)]
        extra = ["a=extmap:%d %s" % (offer.id_of(u), u) for u in keep_uris
                 if offer.id_of(u)]
        for pt in pts:
            if fb_name in offered.get(pt, ()) or fb_name in offered.get("*", ()):
                extra.append("a=rtcp-fb:%s %s" % (pt, fb_name))
        # after the m=, c= and a=mid lines, before the rest
        pos = next((k + 1 for k, ln in enumerate(kept)
                    if ln.startswith("a=mid:")), len(kept))
        out.extend(kept[:pos] + extra + kept[pos:])
    return "\r\n".join(out) + "\r\n"


def extract_candidates_into(answer_text, candidates):
    """Adds candidates gathered by webrtcbin (on-ice-candidate) to the answer
    where its text lacks them (WHIP without trickle: all in the answer)."""
    session, medias = media_sections(answer_text)
    out = list(session)
    for i, lines in enumerate(medias):
        have = {ln for ln in lines if ln.startswith("a=candidate:")}
        extra = ["a=" + c for (mline, c) in candidates
                 if mline == i and ("a=" + c) not in have]
        out.extend(lines + extra)
        if extra and "a=end-of-candidates" not in lines:
            out.append("a=end-of-candidates")
    return "\r\n".join(out) + "\r\n"


class Session:
    """One publisher: a pipeline with webrtcbin, rtpbwe in its rtpbin."""

    def __init__(self, sid, offer, offer_text, args, on_failed):
        self.sid = sid
        self.on_failed = on_failed
        self.offer = offer
        self.offer_text = offer_text
        self.args = args
        self.feedback = choose_feedback(args.feedback, offer)
        self.answer_text = None
        self.error = None
        self.done = threading.Event()
        self.finished = threading.Event()
        self.candidates = []
        self.bwe = None
        self.decoder = self.encoder = None
        self.created = time.monotonic()
        self.record_path = None
        self.free_mux_pads = {}
        self.record_sinks = []
        self.stopped = False

        self.pipeline = Gst.Pipeline.new("whip-%d" % sid)
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy",
                                 GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.pipeline.add(self.webrtc)
        if args.ice_address:
            add_ice_addresses(self.webrtc, args.ice_address)
        rtpbin = self.webrtc.get_by_name("rtpbin")
        rtpbin.connect("request-rtp-decoder", self.on_request_rtp_decoder)
        rtpbin.connect("request-rtcp-encoder", self.on_request_rtcp_encoder)
        self.webrtc.connect("pad-added", self.on_pad_added)
        self.webrtc.connect("on-ice-candidate", self.on_ice_candidate)
        self.webrtc.connect("notify::ice-gathering-state",
                            self.on_gathering_state)
        self.webrtc.connect("notify::ice-connection-state",
                            self.on_connection_state)
        if args.record:
            self.setup_record()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)

    # rtpbwe in rtpbin ------------------------------------------------------

    def on_request_rtp_decoder(self, _rtpbin, session):
        """rtpbin asks for a decoder of session N (one with max-bundle): the
        packets there are decrypted and carry their arrival time (DTS), and
        come before rtpsession and the jitterbuffer.  The caps carry no
        extmap, so rtpbwe gets the ids from the offer as properties."""
        if self.decoder is not None:
            return None
        b = Gst.Bin.new("rtpbwe-decoder-%d" % session)
        bwe = Gst.ElementFactory.make("rtpbwe", "bwe")
        bwe.set_property("feedback", self.feedback)
        bwe.set_property("abs-send-time-id", self.offer.id_of(ABS_SEND_TIME_URI))
        bwe.set_property("abs-capture-time-id",
                         self.offer.id_of(ABS_CAPTURE_TIME_URI))
        if self.feedback == "twcc":
            bwe.set_property("transport-cc-id", self.offer.id_of(TWCC_URI))
        b.add(bwe)
        for name, pad in (("rtp_sink", "sink"), ("rtp_src", "src"),
                          ("rtcp_src", "rtcp_src")):
            b.add_pad(Gst.GhostPad.new(name, bwe.get_static_pad(pad)))
        self.bwe, self.decoder = bwe, b
        self.link_feedback()
        return b

    def on_request_rtcp_encoder(self, _rtpbin, session):
        """A second bin (one bin for both signals would make a loop): a funnel
        merging rtpsession's RTCP (ghost pads rtcp_sink_N/rtcp_src_N, N the
        session) with rtpbwe's feedback."""
        if self.encoder is not None:
            return None
        b = Gst.Bin.new("rtpbwe-encoder-%d" % session)
        funnel = Gst.ElementFactory.make("funnel", None)
        b.add(funnel)
        b.add_pad(Gst.GhostPad.new("rtcp_sink_%d" % session,
                                   funnel.request_pad_simple("sink_%u")))
        b.add_pad(Gst.GhostPad.new("rtcp_src_%d" % session,
                                   funnel.get_static_pad("src")))
        b.add_pad(Gst.GhostPad.new("feedback_sink",
                                   funnel.request_pad_simple("sink_%u")))
        self.encoder = b
        self.link_feedback()
        return b

    def link_feedback(self):
        """rtpbwe's rtcp_src into the funnel, once rtpbin holds both bins
        (each signal's bin is added to rtpbin after its handler returns)."""
        def link():
            if self.decoder is None or self.encoder is None:
                return False
            if self.decoder.get_parent() is None \
                    or self.encoder.get_parent() is None:
                return True  # not added yet: try again
            src = self.decoder.get_static_pad("rtcp_src")
            if not src.is_linked():
                src.link(self.encoder.get_static_pad("feedback_sink"))
            return False
        GLib.timeout_add(10, link)

    # media -----------------------------------------------------------------

    def setup_record(self):
        base, ext = os.path.splitext(self.args.record)
        self.record_path = "%s-%d%s" % (base, self.sid, ext or ".mkv")
        self.mux = Gst.ElementFactory.make("matroskamux", None)
        # live: a file readable after a crash, no index to rewrite
        self.mux.set_property("streamable", True)
        sink = Gst.ElementFactory.make("filesink", None)
        sink.set_property("location", self.record_path)
        sink.set_property("async", False)
        for e in (self.mux, sink):
            self.pipeline.add(e)
        self.mux.link(sink)
        sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM, self.on_record_event)
        # matroskamux writes its header once every pad has data, and takes
        # no pad after that: one pad per sent m= line, requested now
        for kind in self.offer.media_kinds:
            pad = self.mux.request_pad_simple("%s_%%u" % kind)
            if pad is not None:
                self.free_mux_pads.setdefault(kind, []).append(pad)

    def on_record_event(self, _pad, info):
        if info.get_event().type == Gst.EventType.EOS:
            self.finished.set()
        return Gst.PadProbeReturn.OK

    def on_pad_added(self, _webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        s = caps.get_structure(0)
        kind = s.get_string("media") or "video"
        enc = (s.get_string("encoding-name") or "").upper()
        chain = RECORD_CHAINS.get(enc)
        mux_pads = self.free_mux_pads.get(kind) or []
        if self.args.record and chain and mux_pads:
            desc = "%s ! queue" % chain
            target = mux_pads.pop(0)
        else:
            desc = ("queue ! decodebin ! fakesink sync=false async=false"
                    if not self.args.record else
                    "fakesink sync=false async=false")
            target = None
        b = Gst.parse_bin_from_description(desc, True)
        self.pipeline.add(b)
        b.sync_state_with_parent()
        if target is not None:
            b.link_pads("src", self.mux, target.get_name())
            self.record_sinks.append(b.get_static_pad("sink"))
        pad.link(b.get_static_pad("sink"))
        emit("whip: session %d %s %s stream%s" % (
            self.sid, kind, enc or "?",
            " recorded to " + self.record_path if target is not None else ""))

    # negotiation (webrtcbin's threads) --------------------------------------

    def start(self):
        """In the main loop: PLAYING, the offer, the answer; done is set when
        answer_text or error is."""
        if self.stopped:  # given up on before the main loop got to it
            return False
        self.pipeline.set_state(Gst.State.PLAYING)
        res, sdp = GstSdp.SDPMessage.new_from_text(self.offer_text)
        offer = GstWebRTC.WebRTCSessionDescription.new(
            GstWebRTC.WebRTCSDPType.OFFER, sdp)
        promise = Gst.Promise.new_with_change_func(self.on_remote_set, None)
        self.webrtc.emit("set-remote-description", offer, promise)
        return False

    def fail(self, why):
        self.error = why
        self.done.set()

    def on_remote_set(self, promise, _data):
        if promise.wait() != Gst.PromiseResult.REPLIED:
            self.fail("webrtcbin did not take the offer")
            return
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            self.fail("webrtcbin refused the offer: %s"
                      % reply.get_value("error").message)
            return
        promise = Gst.Promise.new_with_change_func(self.on_answer, None)
        self.webrtc.emit("create-answer", None, promise)

    def on_answer(self, promise, _data):
        if promise.wait() != Gst.PromiseResult.REPLIED:
            self.fail("webrtcbin made no answer")
            return
        # keep the reply in a variable while reading it: reading through a
        # temporary crashes PyGObject 3.42 (gst_sdp_message_copy)
        reply = promise.get_reply()
        answer = reply.get_value("answer") if reply is not None else None
        if answer is None:
            why = reply.get_value("error").message \
                if reply is not None and reply.has_field("error") else "?"
            self.fail("webrtcbin made no answer: %s" % why)
            return
        text = edit_answer(answer.sdp.as_text(), self.offer_text, self.offer,
                           self.feedback)
        # GStreamer's rtpsession sends transport-wide feedback of its own for
        # every stream whose caps name the transport-cc extension, and
        # webrtcbin builds those caps from its SDP: webrtcbin's copy of the
        # answer leaves that extmap out, so that rtpbwe alone sends it (the
        # publisher's copy has it: the publisher numbers its packets)
        local = "".join(ln for ln in text.splitlines(True)
                        if not ln.startswith("a=extmap:%d " % (
                            self.offer.id_of(TWCC_URI) or -1)))
        res, sdp = GstSdp.SDPMessage.new_from_text(local)
        edited = GstWebRTC.WebRTCSessionDescription.new(
            GstWebRTC.WebRTCSDPType.ANSWER, sdp)
        self.webrtc.emit("set-local-description", edited, None)
        self.answer_base = text
        self.on_gathering_state()

    def on_ice_candidate(self, _webrtc, mline, candidate):
        self.candidates.append((mline, candidate))

    def on_gathering_state(self, *_args):
        if getattr(self, "answer_base", None) is None or self.done.is_set():
            return
        state = self.webrtc.get_property("ice-gathering-state")
        if state != GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            return
        self.answer_text = extract_candidates_into(self.answer_base,
                                                   list(self.candidates))
        self.done.set()

    def on_connection_state(self, *_args):
        # a publisher that leaves without DELETE: ICE fails once its checks
        # go unanswered; the session ends then
        state = self.webrtc.get_property("ice-connection-state")
        if state == GstWebRTC.WebRTCICEConnectionState.FAILED:
            GLib.idle_add(self.on_failed, self.sid)

    def on_error(self, _bus, msg):
        err, dbg = msg.parse_error()
        emit("whip: session %d error: %s (%s)" % (self.sid, err.message, dbg))

    # status and teardown ---------------------------------------------------

    def status(self):
        st = {"id": self.sid, "feedback": self.feedback,
              "seconds": round(time.monotonic() - self.created, 1),
              "ids": {"abs-send-time": self.offer.id_of(ABS_SEND_TIME_URI),
                      "abs-capture-time":
                          self.offer.id_of(ABS_CAPTURE_TIME_URI),
                      "transport-cc": self.offer.id_of(TWCC_URI)}}
        if self.record_path:
            st["record"] = self.record_path
        if self.bwe is None:
            st.update({"estimated-bitrate": 0, "packets": 0})
            return st
        stats = self.bwe.get_property("stats")
        st["estimated-bitrate"] = self.bwe.get_property("estimated-bitrate")
        for f in ("packets", "packets-estimated", "packets-twcc",
                  "remb-packets", "twcc-packets", "incoming-bitrate",
                  "skipped", "packets-abs-send-time",
                  "packets-abs-capture-time"):
            ok, v = (stats.get_uint64(f) if f != "incoming-bitrate"
                     else stats.get_uint(f))
            st[f] = v if ok else 0
        st["state"] = stats.get_string("state")
        return st

    def stop(self):
        """Ends the session; a recording gets its EOS first."""
        self.stopped = True
        if self.record_sinks:
            for sinkpad in self.record_sinks:
                sinkpad.send_event(Gst.Event.new_eos())
            if not self.finished.wait(FINISH_TIMEOUT_S):
                emit("whip: session %d: recording not finished in %.0f s"
                     % (self.sid, FINISH_TIMEOUT_S))
        self.pipeline.get_bus().remove_signal_watch()
        self.pipeline.set_state(Gst.State.NULL)


def add_ice_addresses(webrtc, addresses):
    """libnice gathers on every interface but loopback; a browser on the same
    host (chromium --allow-loopback-in-peer-connection) offers 127.0.0.1.  Once
    addresses are given, libnice uses those only."""
    gi.require_version("Nice", "0.1")
    from gi.repository import Nice
    agent = ice_agent_of(webrtc).get_property("agent")
    for a in addresses:
        addr = Nice.Address()
        if not addr.set_from_string(a):
            raise SystemExit("--ice-address %s: not an IP address" % a)
        agent.add_local_address(addr)


def ice_agent_of(webrtc):
    """webrtcbin's ice-agent.  The getter of GStreamer 1.22.0 hands out
    webrtcbin's own reference without taking one, so the ICE agent would be
    freed with the Python object: take the missing reference (only when it
    is missing: a fixed webrtcbin leaves two, its own and ours)."""
    ice = webrtc.get_property("ice-agent")
    if ice.__grefcount__ == 1:
        get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
        get_pointer.restype = ctypes.c_void_p
        get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
        gobject = ctypes.CDLL("libgobject-2.0.so.0")
        gobject.g_object_ref.argtypes = [ctypes.c_void_p]
        gobject.g_object_ref.restype = ctypes.c_void_p
        gobject.g_object_ref(get_pointer(ice.__gpointer__, None))
    return ice


class Endpoint:
    """The sessions; the HTTP threads call in, GStreamer work runs in the
    GLib main loop."""

    def __init__(self, args):
        self.args = args
        self.sessions = {}
        self.lock = threading.Lock()
        self.next_id = 1

    def publish(self, offer_text):
        """Returns (session, answer) or raises OfferError (400) or
        RuntimeError (500)."""
        offer = Offer(offer_text)
        with self.lock:
            sid = self.next_id
            self.next_id += 1
        s = Session(sid, offer, offer_text, self.args, self.on_failed)
        GLib.idle_add(s.start)
        if not s.done.wait(ANSWER_TIMEOUT_S) or s.error:
            s.stop()
            raise RuntimeError(s.error or "no answer within %.0f s"
                               % ANSWER_TIMEOUT_S)
        with self.lock:
            self.sessions[sid] = s
        emit("whip: session %d published (%s feedback, abs-send-time id %d, "
             "transport-cc id %d)" % (sid, s.feedback,
                                      offer.id_of(ABS_SEND_TIME_URI),
                                      offer.id_of(TWCC_URI)))
        return s, s.answer_text

    def on_failed(self, sid):
        if self.delete(sid):
            emit("whip: session %d ended: ICE failed" % sid)
        return False

    def delete(self, sid):
        with self.lock:
            s = self.sessions.pop(sid, None)
        if s is None:
            return False
        s.stop()
        emit("whip: session %d deleted" % sid)
        return True

    def status(self):
        with self.lock:
            sessions = list(self.sessions.values())
        return {"sessions": [s.status() for s in sessions]}

    def print_estimates(self):
        for st in self.status()["sessions"]:
            emit("whip: session %d estimate=%d incoming=%d state=%s "
                 "packets=%d feedback=%s remb=%d twcc=%d" % (
                     st["id"], st["estimated-bitrate"],
                     st.get("incoming-bitrate", 0), st.get("state", "-"),
                     st["packets"], st["feedback"],
                     st.get("remb-packets", 0), st.get("twcc-packets", 0)))
        return True

    def close(self):
        with self.lock:
            sids = list(self.sessions)
        for sid in sids:
            self.delete(sid)


PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "whip-publish.html")


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "rtpbwe-whip/1"
    endpoint = None  # set by main
    timeout = 30  # a client that sends less than its Content-Length

    def log_message(self, fmt, *a):
        pass  # the endpoint prints its own lines

    def reply(self, code, body=b"", ctype=None, headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, reason):
        self.reply(code, reason + "\n", "text/plain; charset=utf-8")

    def session_id(self):
        m = re.fullmatch(r"/whip/(\d+)", self.path.split("?")[0])
        return int(m.group(1)) if m else None

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ("/", "/whip-publish.html"):
            try:
                with open(PAGE, "rb") as f:
                    self.reply(200, f.read(), "text/html; charset=utf-8")
            except OSError as e:
                self.error(500, "cannot read the page: %s" % e)
        elif path == "/favicon.ico":
            self.reply(204)
        elif path == "/status":
            self.reply(200, json.dumps(self.endpoint.status()),
                       "application/json", [("Cache-Control", "no-store")])
        else:
            self.error(404, "not found")

    def do_OPTIONS(self):
        self.reply(204, headers=[("Allow", "POST, OPTIONS" if self.path ==
                                  "/whip" else "DELETE, OPTIONS"),
                                 ("Accept-Post", "application/sdp")])

    def do_POST(self):
        if self.path.split("?")[0] != "/whip":
            self.error(404, "offers go to /whip")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype.lower() != "application/sdp":
            self.error(415, "Content-Type must be application/sdp, not %r"
                       % ctype)
            return
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self.error(411, "Content-Length required")
            return
        if not 0 <= length <= MAX_OFFER_BYTES:
            self.error(413, "an offer is at most %d bytes" % MAX_OFFER_BYTES)
            return
        try:
            text = self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            self.error(400, "the offer is not UTF-8 text")
            return
        try:
            session, answer = self.endpoint.publish(text)
        except OfferError as e:
            self.error(400, "bad offer: %s" % e)
            return
        except Exception as e:  # a 500, never a dead handler thread
            self.error(500, "cannot answer: %s" % e)
            return
        self.reply(201, answer, "application/sdp",
                   [("Location", "/whip/%d" % session.sid)])

    def do_DELETE(self):
        sid = self.session_id()
        if sid is None or not self.endpoint.delete(sid):
            self.error(404, "no such session")
            return
        self.reply(200)

    def do_PATCH(self):
        # RFC 9725: an endpoint without trickle ICE answers 405; the answer
        # and the offer carry every candidate
        self.error(405, "no trickle ICE: put every candidate in the offer")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8080,
                   help="HTTP port (0: any free one, printed)")
    p.add_argument("--bind", default="127.0.0.1",
                   help="HTTP address to listen on (default 127.0.0.1)")
    p.add_argument("--feedback", choices=("auto", "remb", "twcc"),
                   default="auto",
                   help="auto: TWCC when the offer has transport-cc, else "
                   "REMB (as libwebrtc)")
    p.add_argument("--record", metavar="FILE.mkv",
                   help="record each session to FILE-<session>.mkv instead "
                   "of decoding it")
    p.add_argument("--ice-address", action="append", default=[],
                   metavar="IP", help="local ICE address (repeat; e.g. "
                   "127.0.0.1 for a browser on this host); default: every "
                   "interface but loopback")
    args = p.parse_args()

    Gst.init(None)
    if Gst.ElementFactory.find("rtpbwe") is None:
        print("whip: rtpbwe not found: set GST_PLUGIN_PATH", file=sys.stderr)
        return 1
    if Gst.ElementFactory.find("webrtcbin") is None \
            or Gst.ElementFactory.find("nicesrc") is None:
        print("whip: webrtcbin or nicesrc missing (gstreamer1.0-plugins-bad, "
              "gstreamer1.0-nice)", file=sys.stderr)
        return 1

    endpoint = Endpoint(args)
    Handler.endpoint = endpoint
    httpd = http.server.ThreadingHTTPServer((args.bind, args.port), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host, port = httpd.server_address[:2]
    emit("whip: listening on http://%s:%d/ (offers to /whip, feedback %s)"
         % (host, port, args.feedback))

    loop = GLib.MainLoop()
    GLib.timeout_add_seconds(1, endpoint.print_estimates)
    for sig in (2, 15):  # SIGINT, SIGTERM
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    loop.run()
    httpd.shutdown()
    endpoint.close()
    emit("whip: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
