#!/usr/bin/env bash
# Generates a large, realistic heap profile and its `go tool pprof -traces`
# report, about SIZE_MB megabytes (MiB) of text, for benchmarks.
#
#   bash bench/gen-large.sh SIZE_MB OUT_DIR
#   bash bench/gen-large.sh 100 bench/out/100mb
#
# Writes into OUT_DIR (created if missing; keep it under bench/out/, which
# git ignores, or under /tmp):
#
#   biggen            the generator, built from samples/programs/biggen
#   heap.pb.gz        the heap profile (runtime.MemProfileRate = 1)
#   traces.txt        go tool pprof -traces -sample_index=alloc_space heap.pb.gz
#   traces.inuse.txt  the same for inuse_space (unless INUSE=0; most of its
#                     samples are 0, since most allocations are garbage)
#   gen.txt           how it was made: iterations, sizes, line counts, times
#
# The iteration count is calibrated: biggen runs twice with small counts,
# the report size is measured for each, and the count for SIZE_MB is
# extrapolated from the two (the report grows a little slower than linearly).
# If that run's report is more than 3% off, one more run corrects it, so the
# result is within a few percent of SIZE_MB.
#
# Environment: GO (default `go`) picks the Go toolchain (its pprof is used);
# SEED (default 1) the workload's seed; INUSE=0 skips traces.inuse.txt.
# On 2 cores: about 30 s for 100 MB, about 2 minutes for 350 MB (a minute
# more if a correction run is needed); `go tool pprof -traces` peaks at about
# 2.4 GB of memory for 350 MB.
set -euo pipefail

usage() {
  echo "usage: bash bench/gen-large.sh SIZE_MB OUT_DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
size_mb=$1
[[ $size_mb =~ ^[0-9]+$ && $size_mb -gt 0 ]] || usage

GO=${GO:-go}
SEED=${SEED:-1}
INUSE=${INUSE:-1}
# Keep the Go tool offline and independent of any surrounding workspace
# (biggen uses only the standard library).
export GOWORK=off GOTOOLCHAIN=local GOPROXY=off GOFLAGS=

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/../samples/programs/biggen"
mkdir -p "$2"
out=$(cd "$2" && pwd)
# Scratch space beside the outputs, so that moving them in is a rename.
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# now: seconds since the epoch, with fractions.
now() { date +%s.%N; }
# since T0: seconds elapsed since T0, rounded.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# traces PROFILE INDEX OUT: the -traces report, stderr shown only on failure.
traces() {
  if ! "$GO" tool pprof -traces -sample_index="$2" "$1" > "$3" 2> "$tmp/pprof.err"; then
    echo "gen-large.sh: go tool pprof -traces -sample_index=$2 $1 failed:" >&2
    cat "$tmp/pprof.err" >&2
    exit 1
  fi
}

t0=$(now)
(cd "$src" && "$GO" build -trimpath -o "$out/biggen" .)

# --- calibrate --------------------------------------------------------------
# run N: biggen -n N into heap.pb.gz and its alloc_space report into
# traces.txt, both in $tmp; prints the report's size in bytes.
run() {
  "$out/biggen" -n "$1" -seed "$SEED" -o "$tmp/heap.pb.gz" 2> "$tmp/biggen.err" \
    || { cat "$tmp/biggen.err" >&2; exit 1; }
  traces "$tmp/heap.pb.gz" alloc_space "$tmp/traces.txt"
  wc -c < "$tmp/traces.txt"
}
# scale NA BA NB BB TARGET: the N that gives TARGET bytes on the line through
# (NA, BA) and (NB, BB).
scale() {
  awk -v na="$1" -v ba="$2" -v nb="$3" -v bb="$4" -v t="$5" \
    'BEGIN { s = (bb - ba) / (nb - na); n = nb + (t - bb) / s; if (n < 1000) n = 1000; printf "%d", n }'
}
target=$((size_mb * 1024 * 1024))
n1=20000
n2=80000
b1=$(run "$n1")
b2=$(run "$n2")
# The report grows a little slower than linearly (short paths and hot paths
# repeat), so extrapolate along the power law through the two points.
iters=$(awk -v n1="$n1" -v b1="$b1" -v n2="$n2" -v b2="$b2" -v t="$target" \
  'BEGIN { n = n2 * exp(log(t / b2) * log(n2 / n1) / log(b2 / b1)); if (n < 1000) n = 1000; printf "%d", n }')
per_iter=$(awk -v b1="$b1" -v b2="$b2" -v n1="$n1" -v n2="$n2" \
  'BEGIN { printf "%.0f", (b2 - b1) / (n2 - n1) }')
echo "gen-large.sh: calibration: $b1 bytes at -n $n1, $b2 at -n $n2 ($per_iter bytes/iteration); -n $iters for $size_mb MiB ($(since "$t0") s)"

# --- generate ---------------------------------------------------------------
# If the first try is more than 3% off, correct once along the line from the
# larger calibration run.
t1=$(now)
bytes=$(run "$iters")
if awk -v b="$bytes" -v t="$target" 'BEGIN { exit !(b < 0.97 * t || b > 1.03 * t) }'; then
  iters2=$(scale "$n2" "$b2" "$iters" "$bytes" "$target")
  echo "gen-large.sh: -n $iters gave $bytes bytes; retrying with -n $iters2 ($(since "$t0") s)"
  iters=$iters2
  t1=$(now)
  bytes=$(run "$iters")
fi
t_gen=$(since "$t1")
biggen_log=$(cat "$tmp/biggen.err")
biggen_log=${biggen_log//"$tmp"/"$out"}
echo "$biggen_log"
mv "$tmp/heap.pb.gz" "$out/heap.pb.gz"
mv "$tmp/traces.txt" "$out/traces.txt"
if [[ $INUSE != 0 ]]; then
  traces "$out/heap.pb.gz" inuse_space "$out/traces.inuse.txt"
else
  rm -f "$out/traces.inuse.txt"
fi

# --- report -----------------------------------------------------------------
bytes=$(wc -c < "$out/traces.txt")
lines=$(wc -l < "$out/traces.txt")
samples=$(grep -c -e '^-----------+' "$out/traces.txt" || true)
samples=$((samples > 0 ? samples - 1 : 0)) # a separator closes the last sample
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
{
  echo "made by: bash bench/gen-large.sh $size_mb $2 (SEED=$SEED)"
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "go: $("$GO" version)"
  echo "iterations: $iters (calibrated: $per_iter bytes/iteration)"
  echo "$biggen_log"
  echo "traces.txt: $bytes bytes ($mib MiB), $lines lines, $samples samples"
  if [[ -f $out/traces.inuse.txt ]]; then
    echo "traces.inuse.txt: $(wc -c < "$out/traces.inuse.txt") bytes, $(wc -l < "$out/traces.inuse.txt") lines"
  fi
  echo "heap.pb.gz: $(wc -c < "$out/heap.pb.gz") bytes"
  echo "times: biggen + pprof -traces ${t_gen} s (last run), total $(since "$t0") s"
} > "$out/gen.txt"
cat "$out/gen.txt"
