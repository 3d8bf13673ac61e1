#!/usr/bin/env bash
# Runs one fuzz target: fuzz/run.sh TARGET SECONDS [more libFuzzer flags]
# New inputs go to fuzz/corpus-tmp/work/TARGET (git-ignored), crashes to
# fuzz/corpus-tmp/artifacts/TARGET/; the committed corpus and the seeds
# (fuzz/seed.sh) are read too. Build first: see fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1 seconds=$2
shift 2
work=fuzz/corpus-tmp/work/$target
mkdir -p "$work" "fuzz/corpus-tmp/artifacts/$target" "fuzz/corpus/$target"
seeds=fuzz/corpus-tmp/seeds/$target
[ -d "$seeds" ] || seeds=
exec nice -n 10 "fuzz/target/x86_64-unknown-linux-gnu/release/$target" \
    "$work" "fuzz/corpus/$target" $seeds \
    -max_len=16384 -timeout=10 -rss_limit_mb=2048 -max_total_time="$seconds" \
    -print_final_stats=1 -artifact_prefix="fuzz/corpus-tmp/artifacts/$target/" "$@"
