#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bwe-replay's command line and input format (DESIGN.md "Replay trace format").
# Usage: test_replay_cli.sh BWE_REPLAY PARITY_DATA_DIR
set -u
replay=$1
trace=$2/seed101.trace.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check () {
  if [ "$1" = ok ]; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}

"$replay" --help > "$tmp/help" 2>&1
[ $? -eq 0 ] && grep -q "arrival_time_us send_time_abs24" "$tmp/help" && r=ok || r=no
check $r "--help exits 0 and documents the format"

"$replay" --bogus < /dev/null > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "an unknown option fails"

printf '1000 5 100 1\n2000 zz 100 1\n' | "$replay" > /dev/null 2> "$tmp/err"
[ $? -ne 0 ] && grep -q "line 2" "$tmp/err" && r=ok || r=no
check $r "an unparseable packet line fails and names its line"

printf '1000 5 100\n' | "$replay" > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "a packet line with three fields fails"

printf 'rtt abc\n' | "$replay" > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "a bad rtt line fails"

printf 'rtt 80.5\n' | "$replay" > /dev/null 2>&1
[ $? -eq 0 ] && r=ok || r=no
check $r "a fractional rtt is accepted (truncated to whole ms)"

if [ ! -f "$trace" ]; then
  echo "FAIL: parity data not found at $trace (tests/data/parity in the tree)" >&2
  exit 1
fi
gzip -dc "$trace" | grep -v '^#' > "$tmp/trace"
"$replay" < "$tmp/trace" > "$tmp/base"
[ -s "$tmp/base" ] && r=ok || r=no
check $r "the trace gives estimates"

# Comments, blank lines and words other than rtt/remove change nothing.
awk '{ print; if (NR % 100 == 0) { print "# note"; print ""; print "hello 1 2" } }' \
  "$tmp/trace" | "$replay" > "$tmp/noisy"
cmp -s "$tmp/base" "$tmp/noisy" && r=ok || r=no
check $r "comments and unknown words are ignored"

# The 24-bit send time in 0x-hex is the same number.
awk '{ printf "%s 0x%x %s %s\n", $1, $2, $3, $4 }' "$tmp/trace" | "$replay" > "$tmp/hex"
cmp -s "$tmp/base" "$tmp/hex" && r=ok || r=no
check $r "0x-hex send times equal decimal ones"

# A now_us column 5 s ahead of every arrival shifts the estimator clock only:
# every decision depends on clock differences, so the same bitrates come out
# 5000 ms later.
awk '{ print $1, $2, $3, $4, $1 + 5000000 }' "$tmp/trace" | "$replay" > "$tmp/now"
awk '{ print $1 + 5000, $2 }' "$tmp/base" > "$tmp/base_shifted"
cmp -s "$tmp/base_shifted" "$tmp/now" && r=ok || r=no
check $r "now_us is the estimator clock and the printed time"

# --sync answers every line at once: 4 fields per packet, 'ok' for the rest.
{ head -n 50 "$tmp/trace"; echo "rtt 80"; echo "# c"; echo "remove 4096"; } |
  "$replay" --sync > "$tmp/sync"
[ "$(wc -l < "$tmp/sync")" -eq 53 ] &&
  [ "$(awk 'NF == 4' "$tmp/sync" | wc -l)" -eq 50 ] &&
  [ "$(grep -c '^ok$' "$tmp/sync")" -eq 3 ] &&
  awk 'NF == 4 && ($1 != 0 && $1 != 1 || $4 < 0 || $4 > 2) { exit 1 }' "$tmp/sync" &&
  r=ok || r=no
check $r "--sync answers each line"

# rtt changes AIMD's reaction (near-max increase rate): a different timeline.
{ echo "rtt 20"; cat "$tmp/trace"; } | "$replay" > "$tmp/rtt"
cmp -s "$tmp/base" "$tmp/rtt" && r=no || r=ok
check $r "rtt lines reach the rate control"

# --mode: libwebrtc is the default; improved is another estimator.
"$replay" --mode=libwebrtc < "$tmp/trace" > "$tmp/libwebrtc"
cmp -s "$tmp/base" "$tmp/libwebrtc" && r=ok || r=no
check $r "--mode=libwebrtc is the default"

"$replay" --mode=bogus < /dev/null > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "an unknown mode fails"

"$replay" --mode=improved --filter=trendline < /dev/null > /dev/null 2> "$tmp/err"
[ $? -ne 0 ] && grep -q "filter" "$tmp/err" && r=ok || r=no
check $r "--filter with --mode=improved fails, saying why"

"$replay" --help | grep -q -- "--mode=libwebrtc|improved" &&
  "$replay" --help | grep -q "now_us \[seq\]" && r=ok || r=no
check $r "--help documents --mode and the seq field"

"$replay" --mode=improved < "$tmp/trace" > "$tmp/improved"
[ "$(wc -l < "$tmp/improved")" -gt 20 ] && ! cmp -s "$tmp/base" "$tmp/improved" &&
  awk 'NF != 2 || $2 < 5000 { exit 1 }' "$tmp/improved" && r=ok || r=no
check $r "--mode=improved gives its own estimates, within min-bitrate"

# The seq field (after now_us): RTP sequence numbers per SSRC, contiguous
# (no loss: as without the field) or with every 20th one missing (loss the
# improved mode reacts to); libwebrtc's mode ignores it.
awk '{ n[$4]++; print $1, $2, $3, $4, $1, (n[$4] - 1) % 65536 }' "$tmp/trace" \
  > "$tmp/seq"
awk '{ n[$4]++; if (n[$4] % 20 == 0) n[$4]++;
       print $1, $2, $3, $4, $1, (n[$4] - 1) % 65536 }' "$tmp/trace" > "$tmp/lossy"
"$replay" < "$tmp/lossy" > "$tmp/lossy_libwebrtc"
cmp -s "$tmp/base" "$tmp/lossy_libwebrtc" && r=ok || r=no
check $r "libwebrtc mode ignores the seq field"
"$replay" --mode=improved < "$tmp/seq" > "$tmp/seq_improved"
cmp -s "$tmp/improved" "$tmp/seq_improved" && r=ok || r=no
check $r "improved mode: contiguous sequence numbers are no loss"
"$replay" --mode=improved < "$tmp/lossy" > "$tmp/lossy_improved"
cmp -s "$tmp/improved" "$tmp/lossy_improved" && r=no || r=ok
check $r "improved mode reads the lost sequence numbers"

printf '1000 5 100 1 1000 65536\n' | "$replay" --mode=improved > /dev/null 2> "$tmp/err"
[ $? -ne 0 ] && grep -q "line 1: bad RTP sequence number" "$tmp/err" && r=ok || r=no
check $r "a sequence number above 65535 fails"
printf '1000 5 100 1 1000 7 8\n' | "$replay" > /dev/null 2>&1
[ $? -ne 0 ] && r=ok || r=no
check $r "a packet line with seven fields fails"

# --remb in improved mode: libwebrtc's RembThrottler over every update
# (--sync's), modelled here: the first, then a drop to 100/103 or below at
# once, anything else 200 ms after the last one sent.
"$replay" --mode=improved --remb < "$tmp/lossy" > "$tmp/remb_improved"
"$replay" --mode=improved --sync < "$tmp/lossy" | paste -d ' ' - "$tmp/lossy" |
  awk '$1 == 1 { now = $9; bps = $2;
         if (sent && int(bps * 103 / 100) > last && now < at + 200000) next;
         sent = 1; last = bps; at = now; print int((now + 500) / 1000), bps }' \
  > "$tmp/remb_model"
n_remb=$(wc -l < "$tmp/remb_improved")
[ "$n_remb" -gt 10 ] && cmp -s "$tmp/remb_model" "$tmp/remb_improved" &&
  r=ok || r=no
check $r "--remb --mode=improved: $n_remb REMBs, throttled as libwebrtc's"

# --states in improved mode: alternating overusing/normal lines.
"$replay" --mode=improved --states < "$tmp/lossy" > "$tmp/states_improved"
[ -s "$tmp/states_improved" ] &&
  awk '$2 != "state" || $3 != (NR % 2 ? "overusing" : "normal") { exit 1 }' \
    "$tmp/states_improved" && r=ok || r=no
check $r "--states --mode=improved: $(wc -l < "$tmp/states_improved") state changes"

# --sync in improved mode: every line answered, the packet lines with 4
# fields, and the signalled bitrates are those of the plain run.
{ head -n 3000 "$tmp/lossy"; echo "rtt 80"; echo "remove 4096"; } |
  "$replay" --mode=improved --sync > "$tmp/sync_improved"
head -n 3000 "$tmp/lossy" | "$replay" --mode=improved > "$tmp/head_improved"
[ "$(wc -l < "$tmp/sync_improved")" -eq 3002 ] &&
  [ "$(awk 'NF == 4' "$tmp/sync_improved" | wc -l)" -eq 3000 ] &&
  [ "$(grep -c '^ok$' "$tmp/sync_improved")" -eq 2 ] &&
  paste -d ' ' "$tmp/sync_improved" <(head -n 3000 "$tmp/lossy") |
    awk 'NF == 10 && $1 == 1 && $2 != last { print int(($9 + 500) / 1000), $2;
         last = $2 }' | cmp -s - "$tmp/head_improved" && r=ok || r=no
check $r "--sync --mode=improved answers each line with the same estimates"

# rtt reaches the improved rate control too.
{ echo "rtt 20"; cat "$tmp/lossy"; } | "$replay" --mode=improved > "$tmp/rtt_improved"
cmp -s "$tmp/lossy_improved" "$tmp/rtt_improved" && r=no || r=ok
check $r "rtt lines reach the improved rate control"

exit $fail
