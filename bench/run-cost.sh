#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prints the cost table: the core's ns and callgrind instructions per packet in
# steady state (Kalman and trendline) on a generated 50,000-packet trace, TWCC
# recorder+encoder per packet, allocations per packet, bytes per instance and
# per SSRC, scale, and the rtpbwe element against identity.
# Usage: bench/run-cost.sh [bench-cost options]     (BUILD=build by default)
#        bench/run-cost.sh --check-target N   only the core's instruction count,
#                                             failing above N per packet, or
#                                             the improved core above 1.5x it
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
COST=$BUILD/bench/bench-cost
TARGET=""
if [ "${1:-}" = --check-target ]; then
  # As a test (bench-cost-target): built already, and one pass of everything
  # else, only the callgrind counts matter here.
  TARGET=$2
  shift 2
  set -- --reps 1 --scale-seconds 1 "$@"
else
  ninja -C "$BUILD" >/dev/null
fi

ir_args=()
if command -v valgrind >/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "run-cost: callgrind pass (about a minute)" >&2
  if ! valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
    "$COST" --callgrind "$@" 2>"$tmp/valgrind.log" >/dev/null; then
    tail -5 "$tmp/valgrind.log" >&2
    echo "run-cost: callgrind failed, no instruction counts" >&2
  fi
  for f in "$tmp"/cg.out.*; do
    [ -e "$f" ] || continue
    name=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
    ir=$(sed -n 's/^summary: //p' "$f")
    [ -n "$name" ] && [ -n "$ir" ] && ir_args+=(--ir "$name=$ir")
  done
else
  echo "run-cost: valgrind missing, no instruction counts" >&2
fi

if [ -n "$TARGET" ]; then
  "$COST" "${ir_args[@]}" --max-core-ir "$TARGET" --max-improved-ratio 1.5 \
    "$@" >/dev/null
  exit
fi

echo "run-cost: timed passes" >&2
"$COST" "${ir_args[@]}" "$@"

if [ -x "$BUILD/bench/bench-element" ]; then
  export GST_PLUGIN_PATH="$BUILD/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
  el_args=()
  if command -v valgrind >/dev/null; then
    echo "run-cost: element callgrind pass" >&2
    rm -f "$tmp"/el.out*
    if ! valgrind --tool=callgrind --callgrind-out-file="$tmp/el.out" \
      "$BUILD/bench/bench-element" --callgrind 2>"$tmp/valgrind.log" >/dev/null
    then
      tail -5 "$tmp/valgrind.log" >&2
      echo "run-cost: callgrind failed, no element instruction counts" >&2
    fi
    for f in "$tmp"/el.out.*; do
      [ -e "$f" ] || continue
      name=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
      ir=$(sed -n 's/^summary: //p' "$f")
      [ -n "$name" ] && [ -n "$ir" ] && el_args+=(--ir "$name=$ir")
    done
  fi
  echo "run-cost: element passes" >&2
  "$BUILD/bench/bench-element" --no-header "${el_args[@]}"
else
  echo "| element rtpbwe vs identity | not measured | GStreamer not found at build time |"
fi
