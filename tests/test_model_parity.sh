#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The oracle of test_differential.sh checked against libwebrtc itself:
# rbe_model.py must reproduce libwebrtc's estimates, REMBs and detector states
# on the four parity traces, line for line.
# Usage: test_model_parity.sh DATA_DIR
set -u
data=$1
here=$(dirname "$0")
. "$(dirname "$0")/parity_data.sh"
require_parity_data "$data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for trace in "$data"/seed*.trace.gz; do
  base=${trace%.trace.gz}
  name=$(basename "$base")
  gzip -dc "$trace" | /usr/bin/python3 "$here/rbe_model.py" "$tmp/$name" || exit 1
  for kind in ref remb states; do
    if cmp -s "$tmp/$name.$kind" "$base.$kind"; then
      echo "$name.$kind: model identical to libwebrtc"
    else
      echo "$name.$kind: model DIFFERS from libwebrtc"
      diff "$tmp/$name.$kind" "$base.$kind" | head -5
      fail=1
    fi
  done
done
exit $fail
