#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Smoke test of the plotting step of run-sim.sh: short series of both modes
# through plot-compare.gp must give a PNG.
set -euo pipefail
sim=$1
plot=$2
command -v gnuplot >/dev/null || { echo "FAIL: gnuplot not installed (tools/setup.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$sim" --scenario 5.6 --duration 5 --mode libwebrtc --series "$tmp/a.tsv" >/dev/null
"$sim" --scenario 5.6 --duration 5 --mode improved --series "$tmp/b.tsv" >/dev/null
gnuplot -e "libfile='$tmp/a.tsv'; impfile='$tmp/b.tsv'; outfile='$tmp/s.png'; plottitle='smoke'; nflows=1; tcp=1" "$plot"
# A PNG starts with \x89PNG.
[ "$(head -c 4 "$tmp/s.png" | tail -c 3)" = "PNG" ]
