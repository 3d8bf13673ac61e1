#!/usr/bin/env bash
# Sums the executions of every fuzz run logged under fuzz/corpus-tmp/logs
# (fuzz/run.sh output): per target and in total. A run that crashed has no
# `Done` line; its last `#N` status line counts.
cd "$(dirname "$0")/corpus-tmp/logs" || exit 1
for log in *.log; do
    target=${log%%.*}
    n=$(grep -oE '^Done [0-9]+' "$log" | awk '{print $2}')
    [ -n "$n" ] || n=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    echo "$target ${n:-0}"
done | awk '{runs[$1] += $2; total += $2} END {for (t in runs) printf "%-16s %12d\n", t, runs[t]; printf "%-16s %12d\n", "total", total}' | sort
