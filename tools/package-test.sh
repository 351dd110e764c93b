#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian package gstreamer1.0-rtpbwe (debian/, dpkg-buildpackage)
# from a copy of this tree, installs it with apt, checks that
# gst-inspect-1.0 finds rtpbwe, rtphdrextabssendtime and rtpbweadapt in the
# system plugin directory with no environment variable, runs the README's
# capture replay line against the installed plugin (its estimates must be
# libwebrtc's), and removes the package again, also when a check fails.
# ./test.sh runs it last, so that the installed plugin never stands beside
# the build tree's during the other tests.  Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
work=$(mktemp -d)
remove_package() {
  if dpkg-query -W -f='${Status}' gstreamer1.0-rtpbwe 2>/dev/null |
      grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq --purge \
      gstreamer1.0-rtpbwe >/dev/null
  fi
}
trap 'remove_package; rm -rf "$work"' EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
# what gst-inspect-1.0 and gst-launch-1.0 see on a machine with no settings
clean_env() { env -i PATH=/usr/bin:/bin HOME="$work/home" "$@"; }
mkdir -p "$work/home"

# The tree as it is (tracked and new files, not the build directories):
# dpkg-buildpackage writes its results next to the tree it builds.
mkdir "$work/gst-rtpbwe"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/gst-rtpbwe"
else
  tar -c --exclude='./build*' . | tar -x -C "$work/gst-rtpbwe"
fi
(cd "$work/gst-rtpbwe" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
  { tail -30 "$work/build.log"; fail "dpkg-buildpackage"; }
deb=$(ls "$work"/gstreamer1.0-rtpbwe_*.deb)
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
echo "package-test: built $(basename "$deb"):"
echo "$contents" | sed 's/^/  /'
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
plugin=/usr/lib/$multiarch/gstreamer-1.0/libgstrtpbwe.so
echo "$contents" | grep -qx "\.$plugin" || fail "no $plugin in the package"

DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$deb" >/dev/null
for element in rtpbwe rtphdrextabssendtime rtpbweadapt; do
  out=$(clean_env gst-inspect-1.0 "$element") || fail "gst-inspect-1.0 $element"
  # /lib is /usr/lib on Debian 12 (merged /usr): GStreamer may name either
  echo "$out" | grep -Eq "Filename *(/usr)?/lib/$multiarch/gstreamer-1.0/libgstrtpbwe.so$" ||
    fail "$element: not from $plugin"
done
echo "$out" | grep -E "Version|Binary package|Origin URL" | sed 's/^/  /'
echo "$out" | grep -q "Binary package *gst-rtpbwe .*, Debian package gstreamer1.0-rtpbwe$" ||
  fail "binary package name"

# The README's first example line, as written, on a capture of parity
# trace seed101 (its packet at time 0 keeps the trace's time base).
/usr/bin/python3 tests/e2e/trace2pcap.py tests/data/parity/seed101.trace.gz \
  "$work/capture.pcap" 2>/dev/null
line=$(/usr/bin/python3 - README.md <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^gst-launch-1\.0 -m filesrc location=capture\.pcap.*?[^\\]$",
              text, re.M | re.S)
print(m.group(0).replace("\\\n", " "))
PY
)
echo "package-test: running the README line: $line"
(cd "$work" && clean_env sh -c "$line") >"$work/launch.log" 2>&1 ||
  { tail -20 "$work/launch.log"; fail "the README line"; }
/usr/bin/python3 - "$work/launch.log" tests/data/parity/seed101.ref <<'PY' ||
import re, sys
got, last = [], None
for m in re.finditer(r"rtpbwe-estimate, bitrate=\(uint\)(\d+), "
                     r"timestamp=\(guint64\)(\d+)", open(sys.argv[1]).read()):
    bps, ns = int(m.group(1)), int(m.group(2))
    if bps != last:
        got.append("%d %d" % ((ns // 1000 + 500) // 1000, bps))
    last = bps
want = open(sys.argv[2]).read().split()
want = [" ".join(want[i:i + 2]) for i in range(0, len(want), 2)]
print("package-test: %d estimate changes, libwebrtc %d" % (len(got), len(want)))
sys.exit(0 if got == want else 1)
PY
  fail "the installed plugin's estimates differ from libwebrtc's"

remove_package
clean_env gst-inspect-1.0 rtpbwe >/dev/null 2>&1 && fail "rtpbwe still there after removal"
echo "package-test: PASS (built, installed, inspected, README line, removed)"
