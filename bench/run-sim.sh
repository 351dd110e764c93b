#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every RFC 8867 scenario of the closed-loop simulator in the libwebrtc
# mode (both delay filters) and the improved mode, and writes the metrics table
# (sim.md) and, per case, one plot of both modes (libwebrtc with its default
# Kalman filter, and improved) into results/.
# Usage: bench/run-sim.sh [outdir]    (BUILD=build, SEED=1 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${1:-results}
SEED=${SEED:-1}
SIM=$BUILD/bench/bwe-sim
[ -x "$SIM" ] || ninja -C "$BUILD" >/dev/null
mkdir -p "$OUT"

table="$OUT/sim.md"
{
  echo "Closed-loop results, seed $SEED ($(git describe --always --dirty 2>/dev/null || echo unknown))."
  echo "Made by \`bench/run-sim.sh\`; settle = time until the summed sender targets stay"
  echo "within 70-110 % of capacity for 2 s; queue = waiting time in the bottleneck;"
  echo "mode: kalman and trendline are the libwebrtc mode with that filter."
  echo
  "$SIM" --header --scenario none
} > "$table"

# run NAME LABEL TITLE NFLOWS TCP [bwe-sim options...]: the three runs of a
# case, their rows and the plot of both modes.
run() {
  local name=$1 label=$2 title=$3 flows=$4 tcp=$5
  shift 5
  local base="$OUT/sim-$label"
  echo "run-sim: $label" >&2
  "$SIM" --scenario "$name" --label "$label" --mode libwebrtc --filter kalman \
    --seed "$SEED" "$@" --series "$base-libwebrtc.tsv" >> "$table"
  "$SIM" --scenario "$name" --label "$label" --mode libwebrtc --filter trendline \
    --seed "$SEED" "$@" >> "$table"
  "$SIM" --scenario "$name" --label "$label" --mode improved \
    --seed "$SEED" "$@" --series "$base-improved.tsv" >> "$table"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "libfile='$base-libwebrtc.tsv'; impfile='$base-improved.tsv'; outfile='$base.png'; plottitle='RFC 8867 $title (seed $SEED)'; nflows=$flows; tcp=$tcp" \
      bench/sim/plot-compare.gp
  fi
}

while IFS=$'\t' read -r name flows tcp title; do
  run "$name" "$name" "$title" "$flows" "$tcp"
done < <("$SIM" --list)

# 5.1 again on a rougher path: 5 ms (sd) of jitter and 1 % random loss.
run 5.1 "5.1-jitter-loss" "5.1 with 5 ms jitter and 1 % loss" 1 0 \
  --jitter 5 --loss 0.01

# 5.1 and 5.2 behind a late sender: it follows a REMB 300 ms after it
# arrives and raises its rate at most once a second, as an encoder behind
# rtpbweadapt does.
run 5.1 "5.1-late-sender" "5.1, sender 300 ms late, raising once a second" 1 0 \
  --sender-lag 300 --increase-interval 1000
run 5.2 "5.2-late-sender" "5.2, senders 300 ms late, raising once a second" 2 0 \
  --sender-lag 300 --increase-interval 1000

echo "run-sim: wrote $table and $OUT/sim-*.png" >&2
cat "$table"
