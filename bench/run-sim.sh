#!/usr/bin/env bash
# Runs every RFC 8867 scenario of the closed-loop simulator for every estimator
# mode and writes the metrics table (sim.md) and one plot per run into results/.
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
  echo "within 70-110 % of capacity for 2 s; queue = waiting time in the bottleneck."
  echo
  "$SIM" --header --scenario none
} > "$table"

while IFS=$'\t' read -r name flows tcp title; do
  for mode in kalman trendline; do
    echo "run-sim: $name $mode" >&2
    base="$OUT/sim-$name-$mode"
    "$SIM" --scenario "$name" --mode "$mode" --seed "$SEED" --progress \
      --series "$base.tsv" >> "$table"
    if command -v gnuplot >/dev/null; then
      gnuplot -e "infile='$base.tsv'; outfile='$base.png'; plottitle='RFC 8867 $title ($mode, seed $SEED)'; nflows=$flows; tcp=$tcp" \
        bench/sim/plot.gp
    fi
  done
done < <("$SIM" --list)

# 5.1 again on a rougher path: 5 ms (sd) of jitter and 1 % random loss.
for mode in kalman trendline; do
  echo "run-sim: 5.1 with jitter and loss, $mode" >&2
  base="$OUT/sim-5.1-jitter-loss-$mode"
  "$SIM" --scenario 5.1 --mode "$mode" --seed "$SEED" --jitter 5 --loss 0.01 \
    --label "5.1 +jitter 5 ms +loss 1 %" --series "$base.tsv" >> "$table"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "infile='$base.tsv'; outfile='$base.png'; plottitle='RFC 8867 5.1 with 5 ms jitter and 1 % loss ($mode, seed $SEED)'; nflows=1; tcp=0" \
      bench/sim/plot.gp
  fi
done

echo "run-sim: wrote $table and $OUT/sim-*.png" >&2
cat "$table"
