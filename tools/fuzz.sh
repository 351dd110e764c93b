#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds every libFuzzer target with clang (ASan + UBSan) into build-fuzz/ and runs
# each one, printing its executions and coverage.
#
# Usage: tools/fuzz.sh [--time SECONDS | --runs N] [TARGET...] [-- LIBFUZZER_FLAGS...]
#   --time S   run each target S seconds (default 20, what CI does)
#   --runs N   run each target N executions instead
#   TARGET     fuzz target names (fuzz_rtp_parse, ...); default: all of them
#   -- ...     more libFuzzer flags, e.g. -max_len=512 for more executions/s
# The working corpus of a target lives in build-fuzz/corpus/TARGET, seeded from the
# seed corpus in the repo beside the target's source (fuzz/corpus/TARGET); a crash
# leaves its input in build-fuzz/crashes/ and makes the script fail.  Add such an
# input to the seed corpus as a regression: the normal test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER=20
RUNS=""
TARGETS=()
# Inputs past a few kB only slow the element target down (its seeds are ~50 kB).
EXTRA=(-max_len=4096)
while [ $# -gt 0 ]; do
  case "$1" in
    --time) SECONDS_PER=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    --) shift; EXTRA+=("$@"); break ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done

# FUZZ_SANITIZE=undefined builds without ASan, about twice as fast for long runs
# of the estimator targets (UBSan's bounds checks still catch overflows of the
# fixed arrays inside its structs, which ASan does not see anyway).
SANITIZE=${FUZZ_SANITIZE:-address,undefined}
BUILD=${FUZZ_BUILD:-build-fuzz}
[ "$SANITIZE" = address,undefined ] || BUILD=${FUZZ_BUILD:-build-fuzz-${SANITIZE//,/-}}
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang meson setup "$BUILD" -Dfuzz=true -Dtests=disabled -Db_lundef=false \
    -Db_sanitize="$SANITIZE" -Dc_args=-fno-sanitize-recover=all >/dev/null
fi
ninja -C "$BUILD" >/dev/null

# Every fuzz target is an executable named fuzz_* in a fuzz/ folder of the build.
mapfile -t ALL < <(find "$BUILD" -path '*/fuzz/fuzz_*' -type f -executable | sort)
if [ ${#ALL[@]} -eq 0 ]; then
  echo "fuzz: no targets built"
  exit 0
fi

mkdir -p "$BUILD/crashes"
status=0
for exe in "${ALL[@]}"; do
  name=$(basename "$exe")
  if [ ${#TARGETS[@]} -gt 0 ] && [[ ! " ${TARGETS[*]} " =~ \ $name\  ]]; then
    continue
  fi
  srcdir=$(dirname "${exe#"$BUILD"/}")
  seeds="$srcdir/corpus/$name"
  work="$BUILD/corpus/$name"
  mkdir -p "$work"
  limit=(-max_total_time="$SECONDS_PER")
  [ -n "$RUNS" ] && limit=(-runs="$RUNS")
  log="$BUILD/$name.log"
  # -timeout: an input that takes over 10 s is a hang, reported as a finding.
  if "$exe" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      "${EXTRA[@]}" -artifact_prefix="$BUILD/crashes/$name-" "$work" "$seeds" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p')
  echo "fuzz: $name $result executions=${execs:-?} coverage=${cov:-?} corpus=$(find "$work" -type f | wc -l)"
  if [ "$result" != ok ]; then
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -n 20 || true
  fi
done
exit $status
