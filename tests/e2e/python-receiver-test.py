#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs examples/python/rtpbwe-receiver.py on a short generated capture.

The capture is the first 20 s of parity-dev trace seed102 (one stream, no
jitter, no loss) written as RTP with abs-send-time (tests/e2e/trace2pcap.py).
The example prints every rtpbwe-estimate message and every
notify::estimated-bitrate; the estimate timeline it prints must be libwebrtc's
own (seed102.ref: each change of the signalled bitrate, time = arrival time
rounded to the ms), and the notifies must report exactly those changes.

Usage: python-receiver-test.py RECEIVER TRACE2PCAP PARITY_DIR WORKDIR
"""

import os
import subprocess
import sys

SEED = "seed102"
UNTIL_US = 120000000
SSRC = 4096
STATES = {"normal", "overusing", "underusing"}


def main():
    receiver, trace2pcap, parity, workdir = sys.argv[1:5]
    pcap = os.path.join(workdir, SEED + "-20s.pcap")
    subprocess.run(["/usr/bin/python3", trace2pcap,
                    os.path.join(parity, SEED + ".trace.gz"), pcap,
                    "--until-us", str(UNTIL_US)], check=True)
    out = subprocess.run(["/usr/bin/python3", receiver, "--pcap", pcap],
                         check=True, stdout=subprocess.PIPE, text=True,
                         timeout=120).stdout
    estimates, notifies = [], []
    for line in out.splitlines():
        kind, _, rest = line.partition(" ")
        fields = dict(kv.split("=", 1) for kv in rest.split())
        if kind == "estimate":
            estimates.append(fields)
        elif kind == "notify":
            notifies.append(int(fields["estimated-bitrate"]))
    failures = []

    # libwebrtc's timeline of the signalled bitrate over the same 20 s.
    ref = []
    with open(os.path.join(parity, SEED + ".ref")) as f:
        for line in f:
            t, bps = line.split()
            if int(t) * 1000 <= UNTIL_US:
                ref.append((int(t), int(bps)))
    got = []
    for e in estimates:
        t_ms = (int(e["timestamp"]) // 1000 + 500) // 1000
        bps = int(e["bitrate"])
        if not got or got[-1][1] != bps:
            got.append((t_ms, bps))
    print("example printed %d estimate messages and %d notifies; %d changes "
          "of the estimate, libwebrtc %d" % (len(estimates), len(notifies),
                                             len(got), len(ref)))
    for i, (g, r) in enumerate(zip(got, ref)):
        if g != r:
            failures.append("change %d: example %s, libwebrtc %s" % (i, g, r))
            break
    if len(got) != len(ref):
        failures.append("%d changes, libwebrtc has %d" % (len(got), len(ref)))
    if got:
        print("first %s, last %s (libwebrtc: first %s, last %s)" % (
            got[0], got[-1], ref[0] if ref else None, ref[-1] if ref else None))

    for e in estimates:
        if e["state"] not in STATES:
            failures.append("bad state %r" % e["state"])
            break
        if e["ssrcs"] != str(SSRC):
            failures.append("ssrcs %r, expected %d" % (e["ssrcs"], SSRC))
            break
    if not any(int(e["incoming"]) > 0 for e in estimates):
        failures.append("incoming-bitrate is never above 0")
    # notify::estimated-bitrate fires once per change, with the same values
    # as the messages (a notify to 0 when the pipeline stops may follow).
    while notifies and notifies[-1] == 0:
        notifies.pop()
    if notifies != [bps for _, bps in got]:
        failures.append("notifies %s... differ from the message changes %s..."
                        % (notifies[:5], [bps for _, bps in got][:5]))

    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
