#!/usr/bin/env bash
# scaling.sh REPORT... : every command's time and peak memory on reports of
# growing size, to show which commands take linear time and flat memory.
#
#   bash bench/gen-large.sh 10 bench/out/10mb
#   bash bench/gen-large.sh 100 bench/out/100mb
#   bash bench/gen-large.sh 1024 bench/out/1gb      # ~15 min, ~7 GB of RAM for pprof
#   bash bench/scaling.sh bench/out/10mb/traces.txt bench/out/100mb/traces.txt \
#       bench/out/1gb/traces.txt
#
# Each command runs once per report under GNU time (`/usr/bin/time`), output
# to /dev/null (the flame graph to a file under DIR), and the script prints
# a Markdown table: per command and report, wall and CPU (user + system)
# time, CPU seconds per GiB of input, and peak resident memory. CPU per GiB
# that stays level from row to row is linear time; peak memory that stays
# level is flat memory. One run each: on a shared machine read the CPU and
# memory columns, which load disturbs far less than wall time.
#
# TT=path of the binary (default target/release/traces-tool, built unless
# BUILD=0); DIR=scratch folder (default bench/out/scaling); ONLY=a regex
# on the labels runs those rows only (ONLY=profile); the heap
# profile beside each report (heap.pb.gz), when present, is read by the
# `(profile)` rows; DUMP=a goroutine dump for the `goroutines` row.
set -uo pipefail

cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: bash bench/scaling.sh REPORT..." >&2; exit 2; }
TT=${TT:-target/release/traces-tool}
DIR=${DIR:-bench/out/scaling}
if [[ ${BUILD:-1} != 0 && $TT == target/release/traces-tool ]]; then
  cargo build --release --quiet || exit 2
fi
mkdir -p "$DIR"

# LABEL|ARGUMENTS: FILE is the report, PROFILE the heap profile beside it,
# SVG a scratch file. The kinds: streaming commands keep a bounded state
# (hist, grep, csv, cat, export's text side excepted); aggregating ones keep
# one entry per distinct stack or function.
commands=(
  "hist --all|hist --all FILE"
  "hist (literal)|hist main.f258 FILE"
  "hist (regex)|hist \\(\\*codec\\)\\.f2[0-9][0-9] FILE"
  "grep --top 3 (regex)|grep \\(\\*codec\\)\\.f2[0-9][0-9] --top 3 FILE"
  "csv|csv FILE"
  "cat|cat FILE"
  "top|top FILE"
  "peek|peek main.f121 FILE"
  "blame|blame FILE"
  "summary|summary FILE"
  "stacks|stacks FILE"
  "folded|folded FILE"
  "flamegraph|flamegraph -o SVG FILE"
  "diff A A|diff FILE FILE"
  "diff --by stack A A|diff --by stack FILE FILE"
  "export|export -o SVG.pb.gz FILE"
  "export --to parquet|export --to parquet -o SVG.parquet FILE"
  "trend A A|trend FILE FILE"
  "fleet A A|fleet FILE FILE"
  "flamegraph --diff A A|flamegraph --diff -o SVG FILE FILE"
  "top (profile)|top PROFILE"
  "cat (profile)|cat PROFILE"
  "csv (profile)|csv PROFILE"
  "export (profile)|export -o SVG.pb.gz PROFILE"
  "goroutines (dump)|goroutines DUMP"
)

echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load average $(cut -d' ' -f1-3 /proc/loadavg) before"
echo "- binary: $TT ($($TT --version 2>/dev/null))"
for file in "$@"; do
  echo "- \`$file\`: $(stat -c %s "$file") bytes, $(( $(grep -c -- '^-----------+' "$file") - 1 )) samples"
done
echo
echo "| command | input (MiB) | exit | wall (s) | CPU (s) | CPU s / GiB | peak RSS (MiB) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for entry in "${commands[@]}"; do
  label=${entry%%|*}
  args=${entry#*|}
  [[ $label =~ ${ONLY:-.} ]] || continue
  for file in "$@"; do
    profile="$(dirname "$file")/heap.pb.gz"
    if [[ $args == *PROFILE* && ! -f $profile ]]; then
      continue
    fi
    # The goroutine dump (DUMP=, e.g. bench/goroutines.sh's) is read once,
    # on the first report's row.
    if [[ $args == *DUMP* ]]; then
      [[ -n ${DUMP:-} && $file == "$1" ]] || continue
    fi
    input=$file
    [[ $args == *PROFILE* ]] && input=$profile
    [[ $args == *DUMP* ]] && input=$DUMP
    bytes=$(stat -c %s "$input")
    line=${args//PROFILE/$profile}
    line=${line//FILE/$file}
    line=${line//DUMP/${DUMP:-}}
    line=${line//SVG/$DIR/out.svg}
    # shellcheck disable=SC2086 # the arguments are split on purpose
    set -f
    /usr/bin/time -f '%e %U %S %M' -o "$DIR/time" "$TT" $line >/dev/null 2>"$DIR/stderr"
    status=$?
    set +f
    read -r wall user sys kib <"$DIR/time" 2>/dev/null || { wall=0 user=0 sys=0 kib=0; }
    # GNU time writes "Command exited with non-zero status N" first.
    if [[ $status -ne 0 ]]; then
      read -r wall user sys kib < <(tail -n 1 "$DIR/time")
    fi
    awk -v l="$label" -v b="$bytes" -v s="$status" -v w="$wall" -v u="$user" -v y="$sys" -v k="$kib" \
      'BEGIN { c = u + y; printf "| %s | %.1f | %d | %.2f | %.2f | %.2f | %.1f |\n",
               l, b / 1048576, s, w, c, c / (b / 1073741824), k / 1024 }'
  done
done
