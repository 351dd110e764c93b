#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# bwe-replay's command line and input format (DESIGN.md "Replay trace format").
# Usage: test_replay_cli.sh BWE_REPLAY PARITY_DATA_DIR
set -u
replay=$1
trace=$2/seed101.trace.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check () {
  if [ "$1" = ok ]; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}

"$replay" --help > "$tmp/help" 2>&1
[ $? -eq 0 ] && grep -q "arrival_time_us send_time_abs24" "$tmp/help" && r=ok || r=no
check $r "--help exits 0 and documents the format"

"$replay" --bogus < /dev/null > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "an unknown option fails"

printf '1000 5 100 1\n2000 zz 100 1\n' | "$replay" > /dev/null 2> "$tmp/err"
[ $? -ne 0 ] && grep -q "line 2" "$tmp/err" && r=ok || r=no
check $r "an unparseable packet line fails and names its line"

printf '1000 5 100\n' | "$replay" > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "a packet line with three fields fails"

printf 'rtt abc\n' | "$replay" > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "a bad rtt line fails"

printf 'rtt 80.5\n' | "$replay" > /dev/null 2>&1
[ $? -eq 0 ] && r=ok || r=no
check $r "a fractional rtt is accepted (truncated to whole ms)"

if [ ! -f "$trace" ]; then
  echo "FAIL: parity data not found at $trace (tests/data/parity in the tree)" >&2
  exit 1
fi
gzip -dc "$trace" | grep -v '^#' > "$tmp/trace"
"$replay" < "$tmp/trace" > "$tmp/base"
[ -s "$tmp/base" ] && r=ok || r=no
check $r "the trace gives estimates"

# Comments, blank lines and words other than rtt/remove change nothing.
awk '{ print; if (NR % 100 == 0) { print "# note"; print ""; print "hello 1 2" } }' \
  "$tmp/trace" | "$replay" > "$tmp/noisy"
cmp -s "$tmp/base" "$tmp/noisy" && r=ok || r=no
check $r "comments and unknown words are ignored"

# The 24-bit send time in 0x-hex is the same number.
awk '{ printf "%s 0x%x %s %s\n", $1, $2, $3, $4 }' "$tmp/trace" | "$replay" > "$tmp/hex"
cmp -s "$tmp/base" "$tmp/hex" && r=ok || r=no
check $r "0x-hex send times equal decimal ones"

# A now_us column 5 s ahead of every arrival shifts the estimator clock only:
# every decision depends on clock differences, so the same bitrates come out
# 5000 ms later.
awk '{ print $1, $2, $3, $4, $1 + 5000000 }' "$tmp/trace" | "$replay" > "$tmp/now"
awk '{ print $1 + 5000, $2 }' "$tmp/base" > "$tmp/base_shifted"
cmp -s "$tmp/base_shifted" "$tmp/now" && r=ok || r=no
check $r "now_us is the estimator clock and the printed time"

# --sync answers every line at once: 4 fields per packet, 'ok' for the rest.
{ head -n 50 "$tmp/trace"; echo "rtt 80"; echo "# c"; echo "remove 4096"; } |
  "$replay" --sync > "$tmp/sync"
[ "$(wc -l < "$tmp/sync")" -eq 53 ] &&
  [ "$(awk 'NF == 4' "$tmp/sync" | wc -l)" -eq 50 ] &&
  [ "$(grep -c '^ok$' "$tmp/sync")" -eq 3 ] &&
  awk 'NF == 4 && ($1 != 0 && $1 != 1 || $4 < 0 || $4 > 2) { exit 1 }' "$tmp/sync" &&
  r=ok || r=no
check $r "--sync answers each line"

# rtt changes AIMD's reaction (near-max increase rate): a different timeline.
{ echo "rtt 20"; cat "$tmp/trace"; } | "$replay" > "$tmp/rtt"
cmp -s "$tmp/base" "$tmp/rtt" && r=no || r=ok
check $r "rtt lines reach the rate control"

exit $fail
