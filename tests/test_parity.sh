#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Parity with libwebrtc: bwe-replay must reproduce, line for line, what
# libwebrtc (~M112) produced on the parity traces: the signalled bitrates
# (.ref), the REMBs its RembThrottler sends (.remb) and the detector's state
# changes (.states).
# Usage: test_parity.sh BWE_REPLAY DATA_DIR
set -u
replay=$1
data=$2
. "$(dirname "$0")/parity_data.sh"
require_parity_data "$data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
count=0
for trace in "$data"/seed*.trace.gz; do
  base=${trace%.trace.gz}
  name=$(basename "$base")
  for kind in ref remb states; do
    case $kind in
      ref) opt= ;;
      remb) opt=--remb ;;
      states) opt=--states ;;
    esac
    gzip -dc "$trace" | "$replay" $opt > "$tmp/out" || { echo "$name: bwe-replay failed"; fail=1; continue; }
    if cmp -s "$tmp/out" "$base.$kind"; then
      echo "$name.$kind: identical ($(wc -l < "$base.$kind") lines)"
    else
      echo "$name.$kind: DIFFERS from libwebrtc"
      diff "$tmp/out" "$base.$kind" | head -20
      fail=1
    fi
    count=$((count + 1))
  done
done
if [ "$count" -eq 0 ]; then
  echo "no traces in $data" >&2
  exit 1
fi
exit $fail
