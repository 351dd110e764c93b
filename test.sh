#!/usr/bin/env bash
# Sets up (installs missing Debian packages, builds) and runs every test suite, then
# the same suite under ASan+UBSan, the element tests under valgrind memcheck, and
# each fuzz target briefly.  Arguments go to the first two `meson test` runs.
# RTPBWE_QUICK=1 stops after the first (normal) run.
set -euo pipefail
cd "$(dirname "$0")"

stage() {
  echo "test.sh: $1 done in $((SECONDS - stage_start)) s"
  stage_start=$SECONDS
}
stage_start=$SECONDS

tools/setup.sh -Dwerror=true
meson test -C build --print-errorlogs "$@"
stage "build and test"
[ "${RTPBWE_QUICK:-0}" = 1 ] && exit 0

# The whole suite with AddressSanitizer and UndefinedBehaviorSanitizer, in its own
# build; -fno-sanitize-recover makes any UBSan report fail the test.  The plugin
# links libasan, which GStreamer's (uninstrumented) plugin scanner cannot load:
# plugins are scanned in the test process instead.
BUILD=build-asan tools/setup.sh -Db_sanitize=address,undefined \
  -Dc_args=-fno-sanitize-recover=all
GST_REGISTRY_FORK=no CK_TIMEOUT_MULTIPLIER=5 \
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --timeout-multiplier 5 "$@"
stage "ASan+UBSan"

# valgrind memcheck (setup in tests/valgrind/meson.build): element tests and the
# fuzz corpora, failing on an invalid access or a definite leak.
meson test -C build --setup valgrind --print-errorlogs --suite fuzz-corpus
stage "valgrind"

# Each libFuzzer target for a short while (tools/fuzz.sh runs them longer).
tools/fuzz.sh --time "${RTPBWE_FUZZ_SECONDS:-20}"
stage "fuzz"
