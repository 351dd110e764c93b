#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The README's adaptive stream: its two gst-launch-1.0 lines, run as written
(free UDP ports in place of 5000, 5001 and 5005): a receiver with rtpbwe and
a sender with rtpbweadapt, each through rtpbin.  The sender line is also the
example of rtpbweadapt's documentation (gst/gstrtpbweadapt.c).

The sender's encoder must follow the receiver's estimate:
- every REMB rtpbweadapt decided on is an estimate the receiver's rtpbwe
  posted (as the REMB carries it: an 18-bit mantissa, truncated);
- every bitrate rtpbweadapt applied reached vp8enc's target-bitrate (libvpx
  keeps whole kbit/s), in order, and nothing else did;
- the encoder moved from its start, at least twice, and its last value is
  the bitrate the last REMB asked for, within the policy's 3 % deadband and
  one second of increase.

Usage: test_adapt_pipeline.py SOURCE_ROOT WORK_DIR
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

REMB_MANTISSA_MAX = 0x3FFFF
MIN_CHANGES = 2
# 3 % deadband, and up to a second of an estimate climbing at most 8 %/s
FOLLOW_LOW, FOLLOW_HIGH = 0.85, 1.03
RUN_S = 20


def remb_encoded(bps):
    exp = 0
    while bps > REMB_MANTISSA_MAX:
        bps >>= 1
        exp += 1
    return bps << exp


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def readme_lines(readme):
    """The gst-launch-1.0 commands of the README's rtpbweadapt section, with
    their continuation lines joined."""
    with open(readme) as f:
        text = f.read()
    section = text.split("\n## The sender's half: rtpbweadapt", 1)[1]
    section = section.split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [l.strip() for l in joined.split("\n")
            if l.strip().startswith("gst-launch-1.0")]


def doc_launch_line(path):
    """The `|[ gst-launch-1.0 ... ]|` example of a source file's doc."""
    with open(path) as f:
        block = re.search(r"\|\[\n(.*?)\]\|", f.read(), re.S).group(1)
    return " ".join(re.sub(r"^\s*\*\s?", "", l).rstrip("\\").strip()
                    for l in block.split("\n")).strip()


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def main():
    source, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    lines = readme_lines(os.path.join(source, "README.md"))
    if len(lines) != 2 or "rtpbwe " not in lines[0] or \
            "rtpbweadapt" not in lines[1]:
        print("FAIL: expected the receiver and the sender line, found %s"
              % lines)
        return 1
    doc = doc_launch_line(os.path.join(source, "gst", "gstrtpbweadapt.c"))
    if shlex.split(doc) != shlex.split(lines[1]):
        print("FAIL: the documentation's example differs from the README's "
              "sender:\n%s\n%s" % (doc, lines[1]))
        return 1
    ports = {p: free_udp_port() for p in (5000, 5001, 5005)}
    procs, logs = [], []
    for name, line in zip(("receiver", "sender"), lines):
        for old, new in ports.items():
            line = line.replace("port=%d" % old, "port=%d" % new)
        print("%s: %s" % (name, line))
        log = os.path.join(work, "adapt-%s.log" % name)
        logs.append(log)
        with open(log, "w") as out:
            procs.append(subprocess.Popen(shlex.split(line), stdout=out,
                                          stderr=subprocess.STDOUT))
        time.sleep(0.5)

    # Until the encoder has moved MIN_CHANGES + 1 times (RUN_S at most).
    end = time.monotonic() + RUN_S
    while time.monotonic() < end and all(p.poll() is None for p in procs):
        if len(re.findall(r"vp8enc0: target-bitrate = ", read(logs[1]))) > \
                MIN_CHANGES:
            break
        time.sleep(0.2)
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    recv, send = read(logs[0]), read(logs[1])
    failures = []
    estimates = [int(b) for b in re.findall(
        r"rtpbwe-estimate, bitrate=\(uint\)(\d+)", recv)]
    decisions = re.findall(
        r"rtpbweadapt-bitrate, remb=\(guint64\)(\d+), target=\(uint\)(\d+), "
        r"bitrate=\(uint\)(\d+), encoder=\(string\)([^,]*), "
        r"reason=\(string\)([a-z-]+)", send)
    encoder = [int(v) for v in re.findall(
        r"vp8enc0: target-bitrate = (\d+)", send)]
    print("receiver: %d estimates; sender: %d decisions, vp8enc set to %s"
          % (len(estimates), len(decisions), encoder))
    for label, text in (("receiver", recv), ("sender", send)):
        if "ERROR" in text:
            failures.append("%s error:\n%s" % (label, "\n".join(
                l for l in text.splitlines() if "ERROR" in l)))
    sent = {remb_encoded(e) for e in estimates}
    stray = [int(r) for r, _t, _b, _e, _r in decisions if int(r) not in sent]
    if not decisions:
        failures.append("rtpbweadapt decided nothing")
    if stray:
        failures.append("REMBs %s are no estimate of the receiver" % stray)
    if any(e != "vp8enc0" for _r, _t, _b, e, _x in decisions):
        failures.append("a decision for an encoder other than vp8enc0")
    # what the encoder was given: each change of the bitrate in force
    applied, last = [], None
    for _r, _t, bitrate, _e, reason in decisions:
        if reason in ("applied", "clamped") and int(bitrate) != last:
            applied.append(int(bitrate) // 1000 * 1000)
            last = int(bitrate)
    # -v prints target-bitrate at start (vp8enc's own value) and on each set
    changes = encoder[1:] if encoder and encoder[0] == 1000000 else encoder
    if changes != applied[:len(changes)] or len(applied) - len(changes) > 1:
        failures.append("vp8enc got %s, rtpbweadapt applied %s"
                        % (changes, applied))
    if len(changes) < MIN_CHANGES:
        failures.append("vp8enc's bitrate changed %d times" % len(changes))
    elif decisions:
        last_remb = int(decisions[-1][0])
        if not FOLLOW_LOW * last_remb <= changes[-1] <= \
                FOLLOW_HIGH * last_remb:
            failures.append("vp8enc at %d bit/s for a last REMB of %d"
                            % (changes[-1], last_remb))
        print("last REMB %d bit/s, vp8enc at %d bit/s" % (last_remb,
                                                          changes[-1]))
    for f in failures:
        print("FAIL: " + f)
    if failures:
        print("--- receiver\n%s\n--- sender\n%s" % (recv[-3000:], send[-3000:]))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
