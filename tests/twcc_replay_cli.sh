#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# bwe-replay --twcc against libwebrtc's feedback on the parity traces: the
# same lines (time_ms, bytes) for every packet libwebrtc sent, then at least
# one flushed tail packet.  Usage: twcc_replay_cli.sh BWE_REPLAY PARITY_DIR
set -eu
replay=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for seed in 101 102 103 104; do
  gzip -dc < "$dir/seed$seed.twcc.gz" | "$replay" --twcc > "$tmp/ours"
  sed 's/^\([0-9]*\) .*hex=/\1 /' "$dir/seed$seed.twccref" > "$tmp/ref"
  n=$(wc -l < "$tmp/ref")
  m=$(wc -l < "$tmp/ours")
  head -n "$n" "$tmp/ours" | cmp - "$tmp/ref"
  [ "$m" -gt "$n" ] || { echo "seed$seed: no tail flushed"; exit 1; }
  echo "seed$seed: $n feedback packets identical to libwebrtc, $((m - n)) in the tail"
done
