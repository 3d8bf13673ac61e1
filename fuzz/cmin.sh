#!/usr/bin/env bash
# Minimizes the committed corpus of each target (or of those named):
#   bash fuzz/cmin.sh [TARGET...]
# libFuzzer's -merge=1 (what `cargo fuzz cmin` runs) into an empty
# directory from the work directory, the seeds and the old corpus, keeping
# only inputs that add edge coverage (shortest first), each cut to its
# first 1024 bytes: -use_counters=0 (edges, not hit counts) and
# -max_len=1024 keep the committed corpus under 1 MB for about 95% of the
# edges the full work corpus reaches. The result replaces fuzz/corpus/TARGET;
# the full corpus stays in fuzz/corpus-tmp/work/ for the next campaign.
# Build first (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(traces_strict traces_lenient parse_value open_bytes profile_decode raw commands)
for t in "${targets[@]}"; do
    new=fuzz/corpus-tmp/min/$t
    rm -rf "$new"
    mkdir -p "$new" "fuzz/corpus/$t"
    dirs=()
    for d in "fuzz/corpus-tmp/work/$t" "fuzz/corpus/$t" "fuzz/corpus-tmp/seeds/$t"; do
        [ -d "$d" ] && dirs+=("$d")
    done
    nice -n 10 "fuzz/target/x86_64-unknown-linux-gnu/release/$t" -merge=1 -use_counters=0 -max_len=1024 \
        -timeout=10 -rss_limit_mb=2048 "$new" "${dirs[@]}" > "fuzz/corpus-tmp/logs/cmin-$t.txt" 2>&1
    rm -rf "fuzz/corpus/$t"
    mv "$new" "fuzz/corpus/$t"
    echo "$t: $(ls "fuzz/corpus/$t" | wc -l) inputs, $(du -sb "fuzz/corpus/$t" | cut -f1) bytes"
done
