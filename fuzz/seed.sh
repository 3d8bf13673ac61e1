#!/usr/bin/env bash
# Seeds for the fuzz targets, from the crate's own reports and fixtures, into
# fuzz/corpus-tmp/seeds/TARGET/ (git-ignored). Inputs over 16 KiB are cut
# to their first 16 KiB (libFuzzer's -max_len is 16384 in fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus-tmp/seeds
rm -rf "$out"
mkdir -p "$out"/{traces_strict,traces_lenient,parse_value,open_bytes,profile_decode,raw,commands}
i=0
add() { # add TARGET FILE: copy its first 16 KiB
    local target=$1 file=$2
    i=$((i + 1))
    head -c 16384 "$file" > "$out/$target/seed-$i"
}
traces=$(find samples tests/data ../shared/real-traces -type f \( -name '*.traces.txt' -o -name '*.traces' \
    -o -path '*/malformed/*' -o -name 'heketi-fragment.txt' \) 2>/dev/null | sort)
for f in $traces; do
    add traces_strict "$f"; add traces_lenient "$f"; add open_bytes "$f"
done
for f in $(find samples tests/data -name '*.traces.txt.gz' | sort | head -20); do
    zcat "$f" > /tmp/seed.$$; add traces_strict /tmp/seed.$$; add open_bytes "$f"
done
raws=$(find tests/data ../shared/real-traces -type f -name '*raw*' 2>/dev/null | sort)
for f in $raws; do add raw "$f"; add open_bytes "$f"; done
for f in $(find samples tests/data -name '*.pb.gz' -o -name '*.pb' | sort); do
    add open_bytes "$f"
    case $f in
        *.gz) zcat "$f" > /tmp/seed.$$ ;;
        *) cp "$f" /tmp/seed.$$ ;;
    esac
    add profile_decode /tmp/seed.$$
done
rm -f /tmp/seed.$$
for t in 0 1023B 1kB 1.50kB 21.01MB -6MB 3GB 1.25TB 5PB 150ms 1.50us 2µs 3μs 1.06s 2hrs \
    1.50mins 3days 2wks 1yrs 37 -0 1megabytes 1.50k*GCU 1.50k·GCU 150000000ns 99999999999999999999PB; do
    i=$((i + 1)); printf '%s' "$t" > "$out/parse_value/seed-$i"
done
# commands: first byte picks the command line (fuzz/harness.rs COMMANDS).
n=0
for f in tests/data/heketi-fragment.txt samples/goroutine/goroutine.traces.txt samples/mutex/delay.traces.txt \
    tests/data/grammar/accept/hand/names.traces.txt tests/data/inputs/goroutine.raw.txt samples/goroutine/goroutine.pb.gz; do
    for c in $(seq 0 28); do
        n=$((n + 1))
        { printf "\\x$(printf '%02x' $(( (c + n) % 29 )))"; head -c 8192 "$f"; } > "$out/commands/seed-$n"
    done
done
for t in "$out"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds, $(du -sh "$t" | cut -f1)"; done
