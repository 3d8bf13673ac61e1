#!/usr/bin/env bash
# Cuts one traces report into N valid reports (a fleet's pods), for the
# many-inputs benchmark: each gets the report's header and a contiguous run
# of its sample blocks, so that the pods read in order hold the same samples
# in the same order as the one report.
#
#   bash bench/gen-fleet.sh REPORT OUT_DIR [N]     (N defaults to 64)
#   bash bench/gen-fleet.sh bench/out/100mb/traces.txt /tmp/fleet
#
# Writes OUT_DIR/pod-00.txt ... (names sort in input order).
set -euo pipefail
[[ $# -ge 2 && $# -le 3 ]] || { echo "usage: bash bench/gen-fleet.sh REPORT OUT_DIR [N]" >&2; exit 2; }
report=$1 out=$2 n=${3:-64}
mkdir -p "$out"
blocks=$(grep -c -- '^-----------+' "$report")
# The last separator closes the last block.
awk -v n="$n" -v blocks=$((blocks - 1)) -v out="$out" '
  function open_pod(i) {
    if (file != "") { print sep > file; close(file) }
    file = sprintf("%s/pod-%02d.txt", out, i)
    printf "%s", header > file
  }
  /^-----------\+/ {
    sep = $0
    if (block < blocks) {
      pod = int(block * n / blocks)
      if (file == "" || pod != current) { current = pod; open_pod(pod) }
      print > file
    }
    block++
    started = 1
    next
  }
  !started { header = header $0 "\n"; next }
  { print > file }
  END { if (file != "") { print sep > file; close(file) } }
' "$report"
ls "$out" | wc -l
