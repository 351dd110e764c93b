#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Licence headers: every source file of the tree (C, Python, shell, meson,
gnuplot, valgrind suppressions, the CI and Debian scripts) has an
`SPDX-License-Identifier: LGPL-2.1-or-later` line in its first five lines,
and every file that debian/copyright lists as following libwebrtc names the
libwebrtc file, the revision and the notice in LICENSES/ in its first ten.

Usage: test_licence.py SOURCE_DIR"""

import fnmatch
import os
import re
import subprocess
import sys

SPDX = "SPDX-License-Identifier: LGPL-2.1-or-later"
NOTICE = "LICENSES/BSD-3-Clause-WebRTC.txt"


def tree_files(root):
    """The tracked files (git), else every file outside the build trees."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], check=True,
                             capture_output=True, text=True).stdout.split()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = [x for x in dirs if not x.startswith((".git", "build", "obj-"))]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return files


def is_source(path):
    base = os.path.basename(path)
    if path.startswith("tests/data/"):
        return False
    return (base.endswith((".c", ".h", ".py", ".sh", ".gp", ".supp"))
            or base in ("meson.build", "meson_options.txt")
            or path in (".ci/run", "debian/rules"))


def libwebrtc_files(root):
    """The Files: patterns of debian/copyright's libwebrtc paragraph."""
    text = open(os.path.join(root, "debian", "copyright")).read()
    for para in text.split("\n\n"):
        if "The WebRTC project authors" in para and para.startswith("Files:"):
            files = para.split("Copyright:")[0][len("Files:"):]
            return files.split()
    return []


def main():
    root = sys.argv[1]
    files = tree_files(root)
    bad = []
    sources = [f for f in files if is_source(f)]
    for path in sources:
        head = open(os.path.join(root, path), errors="replace").read().split(
            "\n")[:5]
        if not any(SPDX in line for line in head):
            bad.append("%s: no SPDX line" % path)
    patterns = libwebrtc_files(root)
    followers = [f for f in files
                 if any(fnmatch.fnmatch(f, p) for p in patterns)]
    if len(followers) < 20:
        bad.append("debian/copyright lists %d libwebrtc files" % len(followers))
    for path in followers:
        lines = open(os.path.join(root, path)).read().split("\n")[:10]
        # the comment markers off, the wrapped lines joined
        head = " ".join(re.sub(r"^\s*(#|/\*|\*)?\s*|\s*\*/\s*$", "", line)
                        for line in lines)
        if not ("Follows libwebrtc's" in head and "2023-02-14" in head
                and NOTICE in head):
            bad.append("%s: does not name what of libwebrtc it follows" % path)
    for b in bad:
        print("FAIL: " + b)
    print("%d source files, %d following libwebrtc" % (len(sources),
                                                      len(followers)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
