# SPDX-License-Identifier: LGPL-2.1-or-later
# The parity set (tests/data/parity): sourced by the tests that read it.
# require_parity_data DIR fails the test, naming the file, when DIR or one
# of the four traces with libwebrtc's outputs is missing.
require_parity_data() {
  if [ ! -d "$1" ]; then
    echo "FAIL: parity data not found at $1 (tests/data/parity in the tree)" >&2
    exit 1
  fi
  for seed in 101 102 103 104; do
    for f in seed$seed.trace.gz seed$seed.ref seed$seed.remb seed$seed.states; do
      if [ ! -f "$1/$f" ]; then
        echo "FAIL: parity data file $1/$f is missing" >&2
        exit 1
      fi
    done
  done
}
