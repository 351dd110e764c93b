#!/usr/bin/env bash
# Smoke test of the plotting step of run-sim.sh: a short series through
# plot.gp must give a PNG.  Skipped (77) when gnuplot is not installed.
set -euo pipefail
sim=$1
plot=$2
command -v gnuplot >/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$sim" --scenario 5.6 --duration 5 --series "$tmp/s.tsv" >/dev/null
gnuplot -e "infile='$tmp/s.tsv'; outfile='$tmp/s.png'; plottitle='smoke'; nflows=1; tcp=1" "$plot"
# A PNG starts with \x89PNG.
[ "$(head -c 4 "$tmp/s.png" | tail -c 3)" = "PNG" ]
