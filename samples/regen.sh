#!/usr/bin/env bash
# Regenerates every file in samples/ except programs/, README.md and this
# script: builds the sample Go programs, runs them to get fresh profiles, and
# renders the text reports with the installed `go tool pprof`.
#
#   bash samples/regen.sh
#
# Environment: GO (default `go`) picks the Go toolchain; its pprof is used.
# Profiles are sampled, so every run gives different numbers (and slightly
# different sets of stacks): regenerating changes the committed files.
set -euo pipefail

GO=${GO:-go}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# pprof prints "Time:" in its local zone; pin it so the header does not depend
# on the machine's zone.
export TZ=UTC
# Keep the Go tool offline and independent of any surrounding workspace or
# newer-toolchain switching (the programs use only the standard library).
export GOWORK=off GOTOOLCHAIN=local GOPROXY=off

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- versions ---------------------------------------------------------------
goroot=$("$GO" env GOROOT)
{
  "$GO" version
  # The pprof that `go tool pprof` runs is the copy vendored into the Go tree.
  grep -m1 '^# github.com/google/pprof ' "$goroot/src/cmd/vendor/modules.txt" \
    | sed 's/^# /vendored pprof: /' || echo "vendored pprof: unknown"
} > VERSION.txt

# --- build and run the programs ---------------------------------------------
for prog in httpheap cpulabels leaky; do
  (cd "programs/$prog" && "$GO" build -trimpath -o "$tmp/bin/$prog" .)
done
mkdir -p "$tmp/out"
"$tmp/bin/httpheap" "$tmp/out"
"$tmp/bin/cpulabels" "$tmp/out"
mkdir -p "$tmp/leak"
"$tmp/bin/leaky" "$tmp/leak"

rm -rf heap cpu goroutine mutex block leak
mkdir -p heap cpu goroutine mutex block leak
cp "$tmp/leak/heap-before.pb.gz" "$tmp/leak/heap-after.pb.gz" leak/
cp "$tmp/out/heap-before.pb.gz" "$tmp/out/heap-after.pb.gz" heap/
for p in cpu goroutine mutex block; do
  cp "$tmp/out/$p.pb.gz" "$p/"
done

# --- reports ----------------------------------------------------------------
# pprof OUT ARGS...: run `go tool pprof ARGS...` inside the profile's folder,
# keeping stdout only (warnings go to stderr and are dropped, but shown if
# pprof fails).
pprof() {
  local out=$1
  shift
  if ! (cd "$(dirname "$out")" && "$GO" tool pprof "$@") \
      > "$out" 2> "$tmp/stderr"; then
    echo "regen.sh: go tool pprof $* failed:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
}

# The -top flags that show every node: no node count limit, no node or edge
# fraction cut.
top=(-top -nodecount=1000000 -nodefraction=0 -edgefraction=0)

# exact_unit INDEX: the base unit that makes values exact, or "" for counts
# (their default output is already exact, so they get no exact twins).
exact_unit() {
  case $1 in
    inuse_space | alloc_space) echo b ;;
    cpu | delay) echo ns ;;
    *) echo "" ;;
  esac
}

# reports DIR PROFILE INDEX...: traces + top (+ exact twins) for each index.
reports() {
  local dir=$1 prof=$2 idx unit
  shift 2
  for idx in "$@"; do
    pprof "$dir/$idx.traces.txt" -traces -sample_index="$idx" "$prof"
    pprof "$dir/$idx.top.txt" "${top[@]}" -sample_index="$idx" "$prof"
    unit=$(exact_unit "$idx")
    if [[ -n $unit ]]; then
      pprof "$dir/$idx.exact.traces.txt" -traces -sample_index="$idx" \
        -unit="$unit" "$prof"
      pprof "$dir/$idx.exact.top.txt" "${top[@]}" -sample_index="$idx" \
        -unit="$unit" "$prof"
    fi
  done
}

reports heap heap-after.pb.gz inuse_space inuse_objects alloc_space alloc_objects
reports cpu cpu.pb.gz cpu samples
reports goroutine goroutine.pb.gz goroutine
reports mutex mutex.pb.gz contentions delay
reports block block.pb.gz contentions delay

# Heap extras: the before snapshot, the -diff_base pair, -lines granularity.
pprof heap/before.inuse_space.traces.txt -traces -sample_index=inuse_space \
  heap-before.pb.gz
pprof heap/before.inuse_space.exact.traces.txt -traces \
  -sample_index=inuse_space -unit=b heap-before.pb.gz
pprof heap/diff.inuse_space.traces.txt -traces -sample_index=inuse_space \
  -diff_base heap-before.pb.gz heap-after.pb.gz
pprof heap/diff.inuse_space.exact.traces.txt -traces \
  -sample_index=inuse_space -unit=b -diff_base heap-before.pb.gz heap-after.pb.gz
pprof heap/diff.inuse_space.exact.top.txt "${top[@]}" \
  -sample_index=inuse_space -unit=b -diff_base heap-before.pb.gz heap-after.pb.gz
pprof heap/inuse_space.lines.traces.txt -traces -lines \
  -sample_index=inuse_space heap-after.pb.gz
pprof heap/inuse_space.lines.top.txt "${top[@]}" -lines \
  -sample_index=inuse_space heap-after.pb.gz

# The leaking service: both snapshots, exact twins, the -diff_base report,
# and pprof's -top of the difference (the reference for `traces-tool diff`).
for snap in before after; do
  pprof "leak/$snap.traces.txt" -traces -sample_index=inuse_space "heap-$snap.pb.gz"
  pprof "leak/$snap.exact.traces.txt" -traces -sample_index=inuse_space -unit=b "heap-$snap.pb.gz"
  pprof "leak/$snap.exact.top.txt" "${top[@]}" -sample_index=inuse_space -unit=b "heap-$snap.pb.gz"
done
pprof leak/diff.traces.txt -traces -sample_index=inuse_space -diff_base heap-before.pb.gz heap-after.pb.gz
pprof leak/diff.exact.traces.txt -traces -sample_index=inuse_space -unit=b \
  -diff_base heap-before.pb.gz heap-after.pb.gz
pprof leak/diff.exact.top.txt "${top[@]}" -sample_index=inuse_space -unit=b \
  -diff_base heap-before.pb.gz heap-after.pb.gz

# top with pprof's default trimming (node fraction 0.005, edge fraction
# 0.001), with -nodecount and with -cum: references for `traces-tool top`.
pprof heap/inuse_space.exact.defaults.top.txt -top -sample_index=inuse_space -unit=b heap-after.pb.gz
pprof heap/alloc_space.exact.cum.top.txt -top -cum -nodecount=8 -sample_index=alloc_space -unit=b heap-after.pb.gz
pprof cpu/cpu.exact.nodecount.top.txt -top -nodecount=5 -sample_index=cpu -unit=ns cpu.pb.gz
pprof heap/alloc_space.defaults.top.txt -top -sample_index=alloc_space heap-after.pb.gz

# CPU extra: -addresses granularity.
pprof cpu/cpu.addresses.traces.txt -traces -addresses -sample_index=cpu cpu.pb.gz

# Filters: for each case of filters/cases.tsv, pprof's filtered traces (the
# reference for `traces-tool cat` with the same filters) and pprof's filtered
# exact -top (the reference for `traces-tool top`).
rm -f filters/*.txt filters/*.txt.gz
while IFS=$'\t' read -r name dir prof idx flags; do
  [[ -z $name || $name == \#* ]] && continue
  read -r -a filter_flags <<< "$flags"
  pprof "filters/$name.traces.txt" -traces -sample_index="$idx" "${filter_flags[@]}" "../$dir/$prof"
  unit=$(exact_unit "$idx")
  pprof "filters/$name.top.txt" "${top[@]}" -sample_index="$idx" ${unit:+-unit="$unit"} \
    "${filter_flags[@]}" "../$dir/$prof"
done < filters/cases.tsv
# Compressed (gzip -n: no timestamp) to keep samples/ small.
gzip -9n filters/*.txt

# More samples and references, one script per command or input that needs
# them (each is sourced here with `pprof`, `top`, `exact_unit` and $GO in
# scope). binary-filters.sh goes last: it renders references for every
# binary profile, those the other scripts write included.
for extra in $(ls regen.d/*.sh | grep -v binary-filters) regen.d/binary-filters.sh; do
  [[ -e $extra ]] || continue
  # shellcheck source=/dev/null
  source "$extra"
done

# --- sanity checks ----------------------------------------------------------
sep='-----------+-------------------------------------------------------'
status=0
for f in heap/*.txt cpu/*.txt goroutine/*.txt mutex/*.txt block/*.txt leak/*.txt; do
  if grep -q '(pprof)' "$f"; then
    echo "regen.sh: $f contains a (pprof) prompt" >&2
    status=1
  fi
  if [[ $f == *.traces.txt && $(tail -n 1 "$f") != "$sep" ]]; then
    echo "regen.sh: $f does not end with a separator line" >&2
    status=1
  fi
done
total_kb=$(du -sk . | cut -f1)
echo "samples/: ${total_kb} kB in total"
if ((total_kb >= 5120)); then
  echo "regen.sh: samples/ is over 5 MB; lower the load or raise MemProfileRate" >&2
  status=1
fi
exit "$status"
