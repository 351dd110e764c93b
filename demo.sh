#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The live demo: installs what is missing (tools/setup.sh), builds, then runs a
# sender, an emulated drop-tail bottleneck and an rtpbwe receiver in one process
# for about 60 s; REMB sets the sender's encoder bitrate.  Writes a PNG plot.
# Usage: ./demo.sh [--mode libwebrtc|improved] [--duration SECONDS] [--output FOLDER] [--help]
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh >&2
export GST_PLUGIN_PATH="$PWD/build/gst"
# A registry of its own, so that a stale system cache never hides the plugin.
export GST_REGISTRY="$PWD/build/demo-registry.bin"
exec /usr/bin/python3 bench/demo/rtpbwe-demo.py "$@"
