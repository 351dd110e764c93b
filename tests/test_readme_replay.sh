#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's bwe-replay lines, run as written from the source root (with the
# bwe-replay of this build), must give libwebrtc's outputs: the estimates
# (.ref), the REMBs (.remb) or, for --twcc, every feedback packet libwebrtc
# sent (.twccref), in that order.
# Usage: test_readme_replay.sh SOURCE_ROOT BWE_REPLAY
set -u
root=$1
replay=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pattern='^zcat tests/data/parity/seed[0-9]*\.\(trace\|twcc\)\.gz | build/estimator/bwe-replay'
grep -e "$pattern" README.md > "$tmp/lines"
count=$(wc -l < "$tmp/lines")
if [ "$count" -lt 3 ]; then
  echo "FAIL: expected at least 3 bwe-replay lines in README.md, found $count" >&2
  exit 1
fi
fail=0
while read -r line; do
  set -- $line
  trace=$2
  opt=${5:-}
  base=${trace%.*.gz}
  sh -c "$(echo "$line" | sed "s|build/estimator/bwe-replay|$replay|")" > "$tmp/out" ||
    { echo "FAIL: $line: exit status $?"; fail=1; continue; }
  case $opt in
    "") want=$base.ref ;;
    --remb) want=$base.remb ;;
    --twcc) want=$base.twccref ;;
    *) echo "FAIL: $line: no reference for option $opt"; fail=1; continue ;;
  esac
  if [ ! -f "$want" ]; then
    echo "FAIL: $line: reference $want is missing"
    fail=1
    continue
  fi
  if [ "$opt" = --twcc ]; then
    sed 's/^\([0-9]*\) .*hex=/\1 /' "$want" > "$tmp/want"
    head -n "$(wc -l < "$tmp/want")" "$tmp/out" > "$tmp/cut"
    mv "$tmp/cut" "$tmp/out"
  else
    cp "$want" "$tmp/want"
  fi
  if cmp -s "$tmp/out" "$tmp/want"; then
    echo "ok: $line ($(wc -l < "$tmp/want") lines as libwebrtc's $(basename "$want"))"
  else
    echo "FAIL: $line differs from $want"
    diff "$tmp/out" "$tmp/want" | head -5
    fail=1
  fi
done < "$tmp/lines"
exit $fail
