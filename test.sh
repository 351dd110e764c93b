#!/usr/bin/env bash
# Sets up (installs missing Debian packages, builds) and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh -Dwerror=true
meson test -C build --print-errorlogs "$@"
