#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The estimator core allocates nothing by itself (estimator/allocator.h): its
# library must not reference any allocator of libc.  Usage: NM LIBRARY
set -euo pipefail
nm=$1
lib=$2
undefined=$("$nm" -u "$lib" | awk 'NF >= 2 { print $2 }' | sort -u)
[ -n "$undefined" ] || { echo "core_no_malloc: no symbols read from $lib"; exit 1; }
found=$(echo "$undefined" | grep -xE 'malloc|calloc|realloc|reallocarray|free|posix_memalign|aligned_alloc|memalign|valloc|strdup|strndup' || true)
if [ -n "$found" ]; then
  echo "core_no_malloc: $lib calls $(echo $found)"
  exit 1
fi
echo "core_no_malloc: $lib references no allocator (it uses: $(echo "$undefined" | grep -v '^bwe_' | tr '\n' ' '))"
