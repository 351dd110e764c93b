#!/usr/bin/python3
"""The demo's smoke test: a 10 s run of bench/demo/rtpbwe-demo.py with rtpbwe.

Checks its REMB parser on libwebrtc's REMB test vector (remb_unittest.cc, in
gcc-reference.md 1.8), then that a short live run closes the loop: one line a
second, an estimate from rtpbwe, an encoder bitrate that the REMB moved away
from its start and that follows the estimate, and a PNG plot.

Usage: demo-test.py DEMO WORKDIR
"""

import importlib.util
import os
import re
import subprocess
import sys

DURATION = 10
# libwebrtc's remb_unittest.cc packet: sender 0x12345678, three SSRCs,
# bitrate 0x3fb93 << 1.
REMB_VECTOR = bytes.fromhex(
    "8fce0007123456780000000052454d420307fb93"
    "234567892345678a2345678b")
REMB_BPS = 522022


def main():
    demo, workdir = sys.argv[1:3]
    failures = []
    spec = importlib.util.spec_from_file_location("demo", demo)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    got = mod.parse_remb(REMB_VECTOR)
    print("parse_remb(libwebrtc's vector) = %s, expected %d" % (got, REMB_BPS))
    if got != REMB_BPS:
        failures.append("REMB parser gives %s for libwebrtc's vector" % got)
    # A receiver report in front (compound RTCP) must not hide the REMB.
    rr = bytes.fromhex("81c90007") + bytes(28)
    if mod.parse_remb(rr + REMB_VECTOR) != REMB_BPS:
        failures.append("REMB after a receiver report not found")

    out_dir = os.path.join(workdir, "demo-test")
    png = os.path.join(out_dir, "demo.png")
    if os.path.exists(png):
        os.remove(png)
    out = subprocess.run(["/usr/bin/python3", demo, "--duration", str(DURATION),
                          "--output", out_dir], stdout=subprocess.PIPE,
                         text=True, timeout=60).stdout
    print(out)
    rows = re.findall(r"^t=\s*([\d.]+) s\s+capacity\s+(\d+) kbit/s\s+estimate\s+"
                      r"(\d+) kbit/s\s+encoder\s+(\d+) kbit/s", out, re.M)
    if "rtpbwe; REMB sets the encoder bitrate" not in out:
        failures.append("the demo did not run rtpbwe")
    if len(rows) < DURATION - 1:
        failures.append("%d per-second lines for %d s" % (len(rows), DURATION))
    if rows:
        est, enc = int(rows[-1][2]), int(rows[-1][3])
        if est == 0:
            failures.append("no estimate from rtpbwe after %d s" % DURATION)
        elif enc == mod.START_KBPS:
            failures.append("the encoder never left %d kbit/s: no REMB reached "
                            "it" % enc)
        elif abs(enc - est) > 0.05 * est:
            failures.append("encoder %d kbit/s does not follow the estimate %d"
                            % (enc, est))
    with open(png, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            failures.append("%s is not a PNG" % png)
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
