#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# bwe-replay against rbe_model.py (libwebrtc's unbounded probe list, rescanned
# whole at every probe) on long even probing without an estimate
# (probe_trace_gen.py): thousands of probes in one list, with 1, 2 and 3
# clusters, a pause and jittered arrivals.  Every output mode must be the same.
# Usage: test_probe_long.sh BWE_REPLAY [VARIANT...]; the default leaves out the
# slowest variants (the model is quadratic), RTPBWE_PROBE_LONG=1 adds them.
set -u
replay=$1
here=$(dirname "$0")
if [ $# -gt 1 ]; then
  shift
  variants=$*
else
  variants="base two three pause"
  [ -n "${RTPBWE_PROBE_LONG:-}" ] && variants="$variants long jitter"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for v in $variants; do
  /usr/bin/python3 "$here/probe_trace_gen.py" "$v" > "$tmp/trace" || exit 1
  /usr/bin/python3 "$here/rbe_model.py" "$tmp/model" < "$tmp/trace" || exit 1
  for mode in sync ref remb states; do
    case $mode in
      ref) opt= ;;
      *) opt=--$mode ;;
    esac
    "$replay" $opt < "$tmp/trace" > "$tmp/ours.$mode" || { echo "$v: bwe-replay failed"; exit 1; }
    if cmp -s "$tmp/ours.$mode" "$tmp/model.$mode"; then
      echo "$v $mode: identical ($(wc -l < "$tmp/model.$mode") lines)"
    else
      echo "$v $mode: DIFFERS"
      diff "$tmp/ours.$mode" "$tmp/model.$mode" | head -4
      fail=1
    fi
  done
done
exit $fail
