#!/usr/bin/env bash
# Times two builds of traces-tool against each other, command by command,
# side by side in one hyperfine run per command on the same input, and
# measures each one's peak resident memory once. For a change that must not
# make anything slower (a refactoring): the ratio column is after/before.
#
#   bash bench/before-after.sh BEFORE_BIN AFTER_BIN [TRACES_FILE] [PROFILE]
#   git stash; cargo build --release; cp target/release/traces-tool /tmp/before
#   git stash pop; cargo build --release
#   bash bench/before-after.sh /tmp/before target/release/traces-tool \
#       bench/out/100mb/traces.txt bench/out/100mb/heap.pb.gz
#
# TRACES_FILE defaults to bench/out/100mb/traces.txt (make it with
# `bash bench/gen-large.sh 100 bench/out/100mb`); PROFILE, a binary profile,
# is timed with `top` when given.
#
# Environment:
#   LIT=PATTERN   the literal pattern of grep and hist (default main.f258)
#   RE=PATTERN    the regex pattern (default \(\*codec\)\.f2[0-9][0-9])
#   RUNS=N        hyperfine --min-runs (default 3)
#   OUT=FILE      also write the table there (markdown)
#
# Read the ratios, not the absolute times: the machine may be shared.
set -euo pipefail

before=${1:?usage: before-after.sh BEFORE_BIN AFTER_BIN [TRACES_FILE] [PROFILE]}
after=${2:?usage: before-after.sh BEFORE_BIN AFTER_BIN [TRACES_FILE] [PROFILE]}
traces=${3:-bench/out/100mb/traces.txt}
profile=${4:-}
lit=${LIT:-main.f258}
re=${RE:-'\(\*codec\)\.f2[0-9][0-9]'}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

commands=(
  "top"
  "top --cum --granularity lines"
  "peek main.f258"
  "stacks"
  "summary"
  "diff --format csv"
  "blame"
  "hist $lit"
  "hist '$re'"
  "grep $lit"
  "grep '$re'"
  "csv"
  "cat"
  "folded"
  "flamegraph"
  "export -o /dev/null"
)

out=${OUT:-/dev/null}
{
  printf '| command | before (s) | after (s) | after/before | before max RSS (MiB) | after max RSS (MiB) |\n'
  printf '|---|---:|---:|---:|---:|---:|\n'
} | tee "$out"
{
  for c in "${commands[@]}"; do
    inputs="$traces"
    [[ $c == diff* ]] && inputs="$traces $traces"
    echo "$c|$inputs"
  done
  [[ -n $profile ]] && echo "top|$profile"
} | while IFS='|' read -r c inputs; do
  hyperfine -N --style none --min-runs "$runs" --warmup 1 -i \
    --export-json "$work/h.json" \
    "$before $c $inputs" "$after $c $inputs" </dev/null >/dev/null 2>&1 || true
  read -r tb ta < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(r[0]["median"], r[1]["median"])' "$work/h.json")
  rss() { /usr/bin/time -f %M sh -c "$1 $c $inputs >/dev/null 2>&1" </dev/null 2>&1 | tail -1; }
  mb=$(rss "$before" || true); ma=$(rss "$after" || true)
  python3 -c '
import sys
c, tb, ta, mb, ma = sys.argv[1], *map(float, sys.argv[2:])
print(f"| `{c}` | {tb:.2f} | {ta:.2f} | {ta / tb:.2f} | {mb / 1024:.0f} | {ma / 1024:.0f} |")' \
    "$c $(basename "${inputs%% *}")" "$tb" "$ta" "$mb" "$ma"
done | tee -a "$out"
