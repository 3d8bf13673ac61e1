#!/usr/bin/env bash
# Peak memory of traces-tool on a report of about 1 GB streamed through a
# pipe: the blocks of bench/out/100mb/traces.txt repeated under its one
# header, generated on the fly (nothing of that size is written to disk),
# piped into `traces-tool hist --all`, which reads standard input.
#
#   bash bench/memory.sh                 # about 1 GB
#   GB=2 bash bench/memory.sh            # about 2 GB
#   bash bench/memory.sh FILE            # repeat the blocks of another report
#   CMD="csv" bash bench/memory.sh       # another command (default: hist --all)
#
# Makes bench/out/100mb/traces.txt first (bash bench/gen-large.sh 100
# bench/out/100mb, needs Go) if it is missing. Needs GNU time
# (/usr/bin/time, Debian package `time`). Prints the stream's size, the
# command's wall time and its peak resident memory (/usr/bin/time -v); the
# numbers of the last run are in bench/MEMORY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

file=${1:-bench/out/100mb/traces.txt}
gb=${GB:-1}
cmd=${CMD:-hist --all}
if [ ! -f "$file" ]; then
    [ "$file" = bench/out/100mb/traces.txt ] || { echo "memory.sh: $file: no such file" >&2; exit 2; }
    bash bench/gen-large.sh 100 bench/out/100mb
fi
cargo build --release --quiet
tt=$PWD/target/release/traces-tool

# The header is everything before the first separator line; the blocks run
# from that separator to the line before the closing separator (the last
# line). Repeated, they stay well-formed blocks.
first=$(grep -n -m1 -- '^-----------+' "$file" | cut -d: -f1)
size=$(stat -c %s "$file")
header=$(head -n $((first - 1)) "$file" | wc -c)
last=$(tail -n 1 "$file" | wc -c)
body=$((size - header - last))
times=$(( (gb * 1000000000 + body - 1) / body ))
total=$((header + times * body + last))
samples=$(( $(grep -c -- '^-----------+' "$file") - 1 ))

generate() {
    head -n $((first - 1)) "$file"
    for _ in $(seq "$times"); do
        tail -n +"$first" "$file" | head -n -1
    done
    tail -n 1 "$file"
}

log=$(mktemp)
out=$(mktemp)
trap 'rm -f "$log" "$out"' EXIT
# shellcheck disable=SC2086
generate | /usr/bin/time -v "$tt" $cmd > "$out" 2> "$log" || {
    cat "$log" >&2
    exit 1
}
peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
cpu_user=$(awk -F': ' '/User time/ {print $2}' "$log")
cpu_sys=$(awk -F': ' '/System time/ {print $2}' "$log")

echo "input:    $file repeated $times times under one header (through a pipe)"
echo "stream:   $total bytes ($(( total / 1048576 )) MiB), $((samples * times)) samples"
echo "command:  traces-tool $cmd  (reads standard input)"
echo "wall:     $wall  (user ${cpu_user}s, system ${cpu_sys}s)"
echo "peak RSS: $peak_kb kB ($(( peak_kb / 1024 )) MiB)"
echo "output:   $(wc -l < "$out") lines; last: $(tail -n 1 "$out")"
