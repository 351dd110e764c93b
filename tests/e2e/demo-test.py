#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The demo's smoke test: 10 s runs of bench/demo/rtpbwe-demo.py with rtpbwe,
in each mode (--mode libwebrtc, --mode improved).

In each mode a short live run closes the loop: one line a second, an
estimate from rtpbwe in that mode (with its regime in improved mode only), an
encoder bitrate that rtpbweadapt moved away from its start on the REMBs it
received and that follows the estimate, a decision for every REMB, the
summary per capacity phase, and a PNG plot.

Usage: demo-test.py DEMO WORKDIR
"""

import importlib.util
import os
import re
import subprocess
import sys

DURATION = 10
# rtpbweadapt's policy lets the encoder sit up to 3 % (deadband) from the
# REMB, and lag an increase by up to a second (min-interval): the encoder is
# checked against every estimate of the last two seconds (the improved mode's
# moves by more than 10 % within a second, down at once, up deferred).
FOLLOW_TOLERANCE = 0.10
FOLLOW_WINDOW_S = 2.0


def recent_estimates(out_dir):
    """kbit/s of every rtpbwe-estimate of the run's last FOLLOW_WINDOW_S
    (demo-estimate.dat)."""
    rows = []
    with open(os.path.join(out_dir, "demo-estimate.dat")) as f:
        for line in f:
            if not line.startswith("#") and line.split():
                rows.append(tuple(float(x) for x in line.split()[:2]))
    if not rows:
        return []
    return [k for t, k in rows if t >= rows[-1][0] - FOLLOW_WINDOW_S]


def follows(kbps, recent):
    """kbps within FOLLOW_TOLERANCE of the range of the recent estimates."""
    return bool(recent) and min(recent) * (1 - FOLLOW_TOLERANCE) <= kbps <= \
        max(recent) * (1 + FOLLOW_TOLERANCE)
REGIMES = ("start", "ramp", "steady", "drain", "compete")


def check_adapt(out, recent):
    """rtpbweadapt's summary: a decision for every REMB, an encoder write for
    each change at most, and the bitrate in force near the estimate."""
    failures = []
    adapt = re.search(r"^demo: rtpbweadapt: (\d+) REMBs, (\d+) applied, "
                      r"(\d+) clamped, (\d+) deadband, (\d+) rate-limited; "
                      r"x264enc set (\d+) times, (\d+) kbit/s in force", out,
                      re.M)
    if adapt is None:
        return ["no rtpbweadapt summary line"]
    rembs, applied, clamped, deadband, limited, sets, in_force = (
        int(g) for g in adapt.groups())
    if rembs == 0 or rembs != applied + clamped + deadband + limited:
        failures.append("rtpbweadapt: %d REMBs, %d decisions" % (
            rembs, applied + clamped + deadband + limited))
    # each change is one write, or fewer when two come together
    if not 1 <= sets <= applied + clamped:
        failures.append("x264enc set %d times for %d changes" % (
            sets, applied + clamped))
    if not follows(in_force, recent):
        failures.append("rtpbweadapt has %d kbit/s in force for estimates "
                        "of %.0f..%.0f kbit/s" % (in_force, min(recent or [0]),
                                                  max(recent or [0])))
    return failures


def run_demo(demo, workdir, mod, mode):
    failures = []
    out_dir = os.path.join(workdir, "demo-test-" + mode)
    png = os.path.join(out_dir, "demo.png")
    if os.path.exists(png):
        os.remove(png)
    out = subprocess.run(["/usr/bin/python3", demo, "--mode", mode,
                          "--duration", str(DURATION), "--output", out_dir],
                         stdout=subprocess.PIPE, text=True, timeout=60).stdout
    print(out)
    rows = re.findall(r"^t=\s*([\d.]+) s\s+capacity\s+(\d+) kbit/s\s+estimate\s+"
                      r"(\d+) kbit/s\s+encoder\s+(\d+) kbit/s.*?(?:regime (\w+))?$",
                      out, re.M)
    if ("rtpbwe mode=%s; REMB sets the encoder bitrate through rtpbweadapt"
            % mode) not in out:
        failures.append("the demo did not run rtpbwe mode=%s and rtpbweadapt"
                        % mode)
    recent = recent_estimates(out_dir)
    failures += check_adapt(out, recent)
    if len(rows) < DURATION - 1:
        failures.append("%d per-second lines for %d s" % (len(rows), DURATION))
    if rows:
        est, enc = int(rows[-1][2]), int(rows[-1][3])
        if est == 0:
            failures.append("no estimate from rtpbwe after %d s" % DURATION)
        elif enc == mod.START_KBPS:
            failures.append("the encoder never left %d kbit/s: no REMB reached "
                            "it" % enc)
        elif not follows(enc, recent):
            failures.append("encoder %d kbit/s does not follow the estimates "
                            "(%.0f..%.0f kbit/s)" % (enc, min(recent or [0]),
                                                     max(recent or [0])))
    # the improved mode's messages carry its regime, libwebrtc's none
    regimes = set(r[4] for r in rows if r[2] != "0")
    if mode == "improved" and not (regimes and regimes <= set(REGIMES)):
        failures.append("regimes printed: %s" % sorted(regimes))
    if mode == "libwebrtc" and regimes != {""}:
        failures.append("libwebrtc mode printed regimes %s" % sorted(regimes))
    phases = re.findall(r"^demo: .* capacity +\d+ kbit/s: estimate over the "
                        r"second half", out, re.M)
    if len(phases) != 3:
        failures.append("%d phase summary lines, not 3" % len(phases))
    with open(png, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            failures.append("%s is not a PNG" % png)
    return failures


def main():
    demo, workdir = sys.argv[1:3]
    failures = []
    spec = importlib.util.spec_from_file_location("demo", demo)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for mode in ("libwebrtc", "improved"):
        failures += [mode + ": " + f for f in run_demo(demo, workdir, mod, mode)]
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
