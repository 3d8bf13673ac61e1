#!/usr/bin/env bash
# parquet.sh REPORT... : `export --to parquet` (and `--frames`) beside `csv`
# on each report: wall and CPU time, peak resident memory, output size, and
# the time as a multiple of csv's (the target: within 2x, under 256 MiB).
#
#   bash bench/gen-large.sh 100 bench/out/100mb
#   bash bench/gen-large.sh 300 bench/out/300mb
#   bash bench/parquet.sh bench/out/100mb/traces.txt bench/out/300mb/traces.txt
#
# For about 1 GB without making a 1 GB report, stream the blocks of a report
# ten times through a pipe with bench/memory.sh:
#   CMD="export --to parquet -o -" bash bench/memory.sh bench/out/100mb/traces.txt
#   CMD="csv" bash bench/memory.sh bench/out/100mb/traces.txt
#
# Each command runs once per report under GNU time (`/usr/bin/time`), its
# output to a file under DIR (default bench/out/parquet, removed after
# its size is taken). TT=path of the binary (default
# target/release/traces-tool, built unless BUILD=0).
set -uo pipefail

cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: bash bench/parquet.sh REPORT..." >&2; exit 2; }
TT=${TT:-target/release/traces-tool}
DIR=${DIR:-bench/out/parquet}
if [[ ${BUILD:-1} != 0 && $TT == target/release/traces-tool ]]; then
  cargo build --release --quiet || exit 2
fi
mkdir -p "$DIR"

# LABEL|ARGUMENTS: FILE is the report, OUT the output file.
commands=(
  "csv|csv FILE"
  "export --to parquet|export --to parquet -o OUT FILE"
  "export --to parquet --frames|export --to parquet --frames -o OUT FILE"
)

echo "| report | command | wall (s) | CPU (s) | peak RSS (MiB) | output (MiB) | wall ÷ csv | CPU ÷ csv |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for file in "$@"; do
  size=$(stat -c %s "$file")
  csv_wall='' csv_cpu=''
  for entry in "${commands[@]}"; do
    label=${entry%%|*}
    args=${entry#*|}
    out=$DIR/out
    args=${args//FILE/$file}
    args=${args//OUT/$out}
    log=$DIR/time.log
    rm -f "$out"
    # shellcheck disable=SC2086
    if [[ $label == csv ]]; then
      /usr/bin/time -v "$TT" $args > "$out" 2> "$log"
    else
      /usr/bin/time -v "$TT" $args > /dev/null 2> "$log"
    fi
    status=$?
    if [[ $status -ne 0 ]]; then
      echo "parquet.sh: $label on $file failed ($status):" >&2
      cat "$log" >&2
      continue
    fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
      awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$log")
    peak=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log")
    bytes=$(stat -c %s "$out")
    rm -f "$out"
    if [[ $label == csv ]]; then
      csv_wall=$wall csv_cpu=$cpu
    fi
    ratio_wall=$(awk -v a="$wall" -v b="$csv_wall" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    ratio_cpu=$(awk -v a="$cpu" -v b="$csv_cpu" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    printf '| %s (%.0f MiB) | `%s` | %.2f | %.2f | %s | %.1f | %s | %s |\n' \
      "$file" "$(awk -v s="$size" 'BEGIN { print s / 1048576 }')" "$label" "$wall" "$cpu" \
      "$peak" "$(awk -v s="$bytes" 'BEGIN { print s / 1048576 }')" "$ratio_wall" "$ratio_cpu"
  done
done
