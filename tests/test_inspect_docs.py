#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gst-inspect complete: every property of the plugin's elements has a
blurb and a documentation block (`Type:name:`) with `Since:` in the source,
every value of every enum they use is documented in its type's block, every
field of the stats structure and of the element messages is named in the
element's documentation, and the plugin's metadata is the build's.

Usage: test_inspect_docs.py SOURCE_DIR VERSION PACKAGE_NAME PACKAGE_ORIGIN
(GST_PLUGIN_PATH: the build's plugin)."""

import glob
import os
import re
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what)


def doc_blocks(sources):
    """{symbol: text} of every /** ... */ block, keyed by its first line."""
    blocks = {}
    for text in sources:
        for m in re.finditer(r"/\*\*\n(.*?)\*/", text, re.S):
            body = re.sub(r"^\s*\* ?", "", m.group(1), flags=re.M)
            first = body.strip().split("\n", 1)[0].strip()
            blocks[first.rstrip(":")] = body
    return blocks


def main():
    source, version, package_name, origin = sys.argv[1:5]
    Gst.init(None)
    files = sorted(glob.glob(os.path.join(source, "gst", "*.[ch]")))
    texts = [open(f).read() for f in files]
    blocks = doc_blocks(texts)

    plugin = Gst.Registry.get().find_plugin("rtpbwe")
    check(plugin is not None, "plugin rtpbwe not found")
    check(plugin.get_version() == version,
          "plugin version %s, project %s" % (plugin.get_version(), version))
    check(plugin.get_license() == "LGPL", "licence " + plugin.get_license())
    check(plugin.get_package() == package_name,
          "binary package '%s'" % plugin.get_package())
    check(plugin.get_origin() == origin, "origin '%s'" % plugin.get_origin())

    enums = {}
    n_props = 0
    for feature in Gst.Registry.get().get_feature_list_by_plugin("rtpbwe"):
        if not isinstance(feature, Gst.ElementFactory):
            continue
        name = feature.get_name()
        author = feature.get_metadata("author")
        check(author and "developers" not in author,
              "%s: author '%s'" % (name, author))
        check(feature.get_metadata("description"), name + ": no description")
        element = feature.create(None)
        gtype = type(element).__gtype__
        tname = gtype.name
        check(tname in blocks or "element-" + name in
              " ".join(blocks), "%s: no SECTION block" % name)
        for pspec in GObject.list_properties(element):
            if pspec.owner_type != gtype:
                continue
            n_props += 1
            key = "%s:%s" % (tname, pspec.name)
            check(pspec.blurb and len(pspec.blurb) > 10,
                  key + ": no blurb")
            block = blocks.get(key)
            check(block is not None, key + ": no documentation block")
            if block is not None:
                check(re.search(r"^Since: \d+\.\d+", block, re.M),
                      key + ": no Since:")
            if GObject.type_is_a(pspec.value_type, GObject.TYPE_ENUM):
                # PyGObject's class of the enum, from the default value
                enums[pspec.value_type] = type(pspec.default_value)

    for etype, pyclass in enums.items():
        block = blocks.get(etype.name)
        check(block is not None, etype.name + ": no documentation block")
        if block is None:
            continue
        check(re.search(r"^Since: \d+\.\d+", block, re.M),
              etype.name + ": no Since:")
        # the C names of the values, from the typedef
        names = {}
        for text in texts:
            m = re.search(r"typedef enum\s*\{(.*?)\}\s*%s;" % etype.name,
                          text, re.S)
            if m:
                names = {int(v): n for n, v in
                         re.findall(r"(\w+)\s*=\s*(\d+)", m.group(1))}
        values = pyclass.__enum_values__
        check(len(values) > 1, etype.name + ": no values found")
        for number, value in values.items():
            cname = names.get(int(number))
            check(cname is not None and "@%s:" % cname in block,
                  "%s: value %s (%s) undocumented" % (etype.name, number,
                                                     value.value_nick))

    # the stats structure and the messages' fields, in the element's docs
    element = Gst.ElementFactory.make("rtpbwe")
    stats = element.get_property("stats")
    stats_doc = blocks.get("GstRtpBwe:stats", "")
    for i in range(stats.n_fields()):
        field = stats.nth_field_name(i)
        check("`%s`" % field in stats_doc,
              "stats field %s undocumented in GstRtpBwe:stats" % field)
    section = next((b for k, b in blocks.items()
                    if k.startswith("SECTION:element-rtpbwe")), "")
    for field in ("rtpbwe-estimate", "bitrate", "timestamp",
                  "incoming-bitrate", "state", "ssrcs", "regime",
                  "rtpbwe-stats",
                  "packets", "abs-send-time-id", "transport-cc-id",
                  "packet-extensions"):
        check("`%s`" % field in section,
              "%s undocumented in the element's section" % field)

    print("%d properties, %d enums, %d stats fields checked"
          % (n_props, len(enums), stats.n_fields()))
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
