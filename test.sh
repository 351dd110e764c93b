#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sets up (installs missing Debian packages, builds) and runs every test suite, then
# the same suite under ASan+UBSan, the element tests under valgrind memcheck, and
# each fuzz target briefly, and last the Debian package (tools/package-test.sh).
# Arguments go to the first two `meson test` runs.
# RTPBWE_QUICK=1 stops after the first (normal) run.
set -euo pipefail
cd "$(dirname "$0")"

stage() {
  echo "test.sh: $1 done in $((SECONDS - stage_start)) s"
  stage_start=$SECONDS
}
stage_start=$SECONDS

tools/setup.sh -Dwerror=true
# An installed gstreamer1.0-rtpbwe (left by an interrupted package stage)
# would stand beside the build tree's plugin in every test: remove it.
if dpkg-query -W -f='${Status}' gstreamer1.0-rtpbwe 2>/dev/null | grep -q "install ok installed"; then
  echo "test.sh: removing the installed gstreamer1.0-rtpbwe: the tests use build/gst"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq --purge gstreamer1.0-rtpbwe >/dev/null
fi
# RTPBWE_E2E_FULL=1: the end-to-end namespace test's full five-step run.
RTPBWE_E2E_FULL=${RTPBWE_E2E_FULL:-1} meson test -C build --print-errorlogs "$@"
stage "build and test"
[ "${RTPBWE_QUICK:-0}" = 1 ] && exit 0

# The whole suite with AddressSanitizer and UndefinedBehaviorSanitizer, in its own
# build; -fno-sanitize-recover makes any UBSan report fail the test.  The plugin
# links libasan, which GStreamer's (uninstrumented) plugin scanner cannot load:
# plugins are scanned in the test process instead.  The system plugins are scanned
# once beforehand, without leak checking, into each registry the tests use (their
# GST_REGISTRY), so that the tests load only the plugins they use.  LeakSanitizer's
# suppressions, and why, are in tests/valgrind/lsan.supp.
# The e2e suite is left out here: its real-time delay line, built with ASan, cannot
# keep the path's rate (it measures the network path, not our code's memory use).
BUILD=build-asan tools/setup.sh -Db_sanitize=address,undefined \
  -Dc_args="-fno-sanitize-recover=all -fsanitize=float-cast-overflow"
export GST_REGISTRY_FORK=no
meson introspect --tests build-asan | /usr/bin/python3 -c '
import json, sys
regs = {t["env"]["GST_REGISTRY"]: t["env"].get("GST_PLUGIN_PATH", "")
        for t in json.load(sys.stdin) if "GST_REGISTRY" in t["env"]}
for reg, path in regs.items():
    print(reg, path)' | while read -r reg path; do
  LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
    GST_REGISTRY=$reg GST_PLUGIN_PATH=$path gst-inspect-1.0 >/dev/null
done
# The soak runs 4 simulated hours here (24 in the normal run): the sanitizers
# make it several times slower.
RTPBWE_SOAK_HOURS=${RTPBWE_SOAK_HOURS:-4} CK_TIMEOUT_MULTIPLIER=10 \
  ASAN_OPTIONS=strict_string_checks=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/valgrind/lsan.supp \
  UBSAN_OPTIONS=print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --timeout-multiplier 5 --no-suite e2e "$@"
unset GST_REGISTRY_FORK
stage "ASan+UBSan"

# valgrind memcheck (setup in tests/valgrind/meson.build): the element tests and
# the fuzz corpora, failing on an invalid access or a definite leak.
meson test -C build --setup valgrind --print-errorlogs --suite element --suite hostile \
  --suite fuzz-corpus
stage "valgrind"

# Each libFuzzer target for a short while (tools/fuzz.sh runs them longer).
tools/fuzz.sh --time "${RTPBWE_FUZZ_SECONDS:-20}"
stage "fuzz"

# Last, so that the installed plugin never stands beside the build tree's
# during the stages above: the Debian package built, installed, inspected
# without environment, a README line run on it, removed.
tools/package-test.sh
stage "package"
