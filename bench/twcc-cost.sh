#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Cost per packet of the TWCC recorder + feedback encoder, measured on
# bwe-replay --twcc over a generated 50,000-packet trace (bench/twcc_trace.py):
#  - callgrind instructions inside bwe_twcc_recorder_* (recording, Process(),
#    building and writing feedback; no stdio), per packet;
#  - callgrind instructions of the whole tool minus an empty-input run;
#  - wall-clock ns per packet of the whole tool minus an empty-input run
#    (median of 7 runs; includes parsing text and printing hex).
# Usage: bench/twcc-cost.sh [PACKETS]        (BUILD=build by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PACKETS=${1:-50000}
ninja -C "$BUILD" >/dev/null
REPLAY=$BUILD/estimator/bwe-replay
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 bench/twcc_trace.py "$PACKETS" > "$tmp/trace"
: > "$tmp/empty"
feedback=$("$REPLAY" --twcc < "$tmp/trace" | wc -l)

ir () {   # ir INPUT [callgrind options]: total instructions collected
  local in=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" \
    "$REPLAY" --twcc < "$in" > /dev/null 2> "$tmp/vg.log"
  sed -n 's/^summary: //p' "$tmp/cg.out"
}

ns () {   # ns INPUT: median wall-clock ns of 7 runs
  for _ in 1 2 3 4 5 6 7; do
    local t0 t1
    t0=$(date +%s%N)
    "$REPLAY" --twcc < "$1" > /dev/null
    t1=$(date +%s%N)
    echo $((t1 - t0))
  done | sort -n | sed -n 4p
}

core=$(ir "$tmp/trace" --toggle-collect='bwe_twcc_recorder_*')
full=$(ir "$tmp/trace")
empty=$(ir "$tmp/empty")
t_full=$(ns "$tmp/trace")
t_empty=$(ns "$tmp/empty")

awk -v n="$PACKETS" -v fb="$feedback" -v core="$core" -v full="$full" \
    -v empty="$empty" -v tf="$t_full" -v te="$t_empty" 'BEGIN {
  printf "| TWCC recorder+encoder (bwe_twcc_recorder_*): instructions/packet | %.0f | callgrind, %d packets, %d feedback packets |\n", core / n, n, fb
  printf "| bwe-replay --twcc minus empty input: instructions/packet | %.0f | callgrind, includes text parsing and hex output |\n", (full - empty) / n
  printf "| bwe-replay --twcc minus empty input: ns/packet | %.0f | wall clock, median of 7 |\n", (tf - te) / n
}'
