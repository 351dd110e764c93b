#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson install` of this build into a scratch DESTDIR: exactly the plugin, in
# <prefix>/<libdir>/gstreamer-1.0 (GStreamer's plugin directory for that
# prefix: pkg-config's pluginsdir of gstreamer-1.0), plus bwe-replay only with
# -Dinstall-tools=true; and gst-inspect-1.0 loads the installed plugin from
# there with the package name and origin of the build's options.
# Usage: test_meson_install.sh BUILD_DIR
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

option() {
  meson introspect --buildoptions "$build" | /usr/bin/python3 -c '
import json, sys
print({o["name"]: o["value"] for o in json.load(sys.stdin)}[sys.argv[1]])' "$1"
}
prefix=$(option prefix)
libdir=$(option libdir)
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
plugindir=$libdir/gstreamer-1.0

pkgdir=$(pkg-config --define-variable=prefix="$prefix" --variable=pluginsdir \
  gstreamer-1.0)
[ "$pkgdir" = "$plugindir" ] ||
  fail "plugin dir $plugindir, GStreamer's for prefix $prefix is $pkgdir"

meson install -C "$build" --no-rebuild --destdir "$dest" >/dev/null
got=$(cd "$dest" && find . ! -type d | sed 's|^\.||' | sort)
want=$plugindir/libgstrtpbwe.so
if [ "$(option install-tools)" = True ]; then
  want=$(printf '%s\n%s\n' "$want" "$prefix/$(option bindir)/bwe-replay" | sort)
fi
[ "$got" = "$want" ] || fail "installed:
$got
expected:
$want"
echo "installed: $got"

out=$(env -u GST_PLUGIN_PATH -u GST_PLUGIN_PATH_1_0 \
  GST_PLUGIN_SYSTEM_PATH_1_0="$dest$plugindir" GST_REGISTRY="$dest/registry.bin" \
  GST_PLUGIN_LOADING_WHITELIST= gst-inspect-1.0 rtpbwe) || fail "gst-inspect-1.0 rtpbwe"
echo "$out" | grep -q "Filename *$dest$plugindir/libgstrtpbwe.so$" ||
  fail "not loaded from $dest$plugindir"
echo "$out" | grep -q "Binary package *$(option package-name)$" ||
  fail "binary package is not '$(option package-name)'"
echo "$out" | grep -q "Origin URL *$(option package-origin)$" ||
  fail "origin is not '$(option package-origin)'"
echo "PASS: gst-inspect-1.0 loads it from $dest$plugindir"
