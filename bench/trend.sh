#!/usr/bin/env bash
# trend and fleet at scale, against top on the same bytes in one report:
#
#   bash bench/trend.sh BINARY REPORT_10MB WORK_DIR [N]     (N defaults to 100)
#   bash bench/gen-large.sh 10 /tmp/b10 && bash bench/trend.sh target/release/traces-tool /tmp/b10/traces.txt /tmp/trend-bench
#
# Makes, under WORK_DIR, N snapshots (copies of REPORT under other names:
# the cost per byte does not depend on the values) and one report of the
# same N x size (REPORT's header, then its sample blocks N times), then
# prints, for each command, wall time, CPU (user+sys), CPU per GiB read,
# the CPU/wall ratio (cores used) and peak memory. `fleet` also runs on
# 1,000 inputs (copies of REPORT's first 1% of blocks) for its memory.
set -euo pipefail
[[ $# -ge 3 && $# -le 4 ]] || {
  echo "usage: bash bench/trend.sh BINARY REPORT_10MB WORK_DIR [N]" >&2
  exit 2
}
bin=$1 report=$2 work=$3 n=${4:-100}
mkdir -p "$work/series" "$work/pods"
for ((i = 0; i < n; i++)); do
  f=$(printf '%s/series/snap-%03d.txt' "$work" "$i")
  [[ -e $f ]] || ln "$report" "$f" 2>/dev/null || cp "$report" "$f"
done
one="$work/one.txt"
if [[ ! -e $one ]]; then
  awk '/^-----------\+/ { started = 1 } !started { print }' "$report" > "$one"
  body=$(mktemp)
  # The blocks, without the header and the final separator.
  awk '/^-----------\+/ { started = 1 } started { print }' "$report" | sed '$d' > "$body"
  for ((i = 0; i < n; i++)); do cat "$body" >> "$one"; done
  tail -n 1 "$report" >> "$one"
  rm -f "$body"
fi
if [[ ! -e $work/pods/pod-0999.txt ]]; then
  small=$(mktemp)
  blocks=$(grep -c -- '^-----------+' "$report")
  awk -v keep=$((blocks / 100)) '/^-----------\+/ { b++ } b <= keep { print }' "$report" > "$small"
  tail -n 1 "$report" >> "$small"
  for ((i = 0; i < 1000; i++)); do cp "$small" "$(printf '%s/pods/pod-%04d.txt' "$work" "$i")"; done
  rm -f "$small"
fi
run() {
  local label=$1 bytes=$2
  shift 2
  local out
  out=$(mktemp)
  /usr/bin/time -o "$out" -f "%e %U %S %M" "$bin" "$@" > /dev/null 2> /dev/null || true
  read -r wall user sys rss < "$out"
  rm -f "$out"
  local cpu
  cpu=$(echo "$user + $sys" | bc)
  printf '%-28s wall %7.2f s  cpu %7.2f s  cpu/GiB %6.2f s  cores %4.2f  peak %8d KiB\n' \
    "$label" "$wall" "$cpu" "$(echo "$cpu * 1073741824 / $bytes" | bc -l)" \
    "$(echo "$cpu / $wall" | bc -l)" "$rss"
}
series_bytes=$(cat "$work"/series/*.txt | wc -c)
one_bytes=$(wc -c < "$one")
pods_bytes=$(cat "$work"/pods/*.txt | wc -c)
echo "$n snapshots: $series_bytes bytes; one report: $one_bytes bytes; 1000 pods: $pods_bytes bytes"
run "top (one report)" "$one_bytes" top "$one"
run "top ($n snapshots)" "$series_bytes" top "$work"/series/*.txt
run "trend ($n snapshots)" "$series_bytes" trend "$work"/series/*.txt
run "trend --by stack ($n)" "$series_bytes" trend --by stack "$work"/series/*.txt
run "fleet ($n snapshots)" "$series_bytes" fleet "$work"/series/*.txt
run "fleet (1000 pods)" "$pods_bytes" fleet "$work"/pods/*.txt
run "top (1000 pods)" "$pods_bytes" top "$work"/pods/*.txt
