#!/usr/bin/env bash
# `traces-tool goroutines` on a large goroutine dump, against panicparse on
# the same dump: wall time, CPU time (user + system) and peak memory (max
# RSS) of each, best of RUNS. On a busy machine the CPU time is the figure
# to compare; the wall time includes waiting for a core.
#
#   bash bench/goroutines.sh [N] [OUT_DIR]     # N goroutines, default 100000
#
# The dump is real: samples/programs/goroutinegroups run for one round with
# N goroutines in its `leak` group (plus its ~140 others), its
# `goroutine?debug=2` dump kept as OUT_DIR/dump-N.debug2.txt (default
# OUT_DIR: bench/out). TT=... picks the traces-tool binary (default
# target/release/traces-tool), RUNS=... the runs per command (default 3).
# Needs Go, GNU time (/usr/bin/time) and, for the ratio, panicparse.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-100000}
out=${2:-bench/out}
tt=${TT:-target/release/traces-tool}
runs=${RUNS:-3}
go=${GO:-go}
mkdir -p "$out"
dump="$out/dump-$n.debug2.txt"
if [[ ! -s $dump ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd samples/programs/goroutinegroups && GOWORK=off GOTOOLCHAIN=local GOPROXY=off \
    "$go" build -trimpath -o "$tmp/goroutinegroups" .)
  # It ends with SIGQUIT (exit status 2); the dump is written before.
  GOMAXPROCS=1 "$tmp/goroutinegroups" "$tmp" 1 "$n" 2> /dev/null || true
  mv "$tmp/dump-r1.debug2.txt" "$dump"
fi
echo "dump: $dump, $(grep -c '^goroutine ' "$dump") goroutines, $(wc -c < "$dump") bytes"

# best RUNS of a command: "wall_seconds cpu_seconds max_rss_kib"
measure() {
  local best_t="" best_c="" best_m=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o /tmp/goroutines-bench.time "$@" > /dev/null 2>&1 || true
    read -r t u s m < /tmp/goroutines-bench.time
    c=$(awk "BEGIN {printf \"%.2f\", $u + $s}")
    if [[ -z $best_t ]] || awk "BEGIN {exit !($t < $best_t)}"; then best_t=$t; fi
    if [[ -z $best_c ]] || awk "BEGIN {exit !($c < $best_c)}"; then best_c=$c; fi
    if [[ -z $best_m ]] || ((m < best_m)); then best_m=$m; fi
  done
  echo "$best_t $best_c $best_m"
}

printf '| command | wall seconds | CPU seconds | max RSS (MiB) |\n|---|---|---|---|\n'
row() {
  local label=$1
  shift
  read -r t c m <<< "$(measure "$@")"
  printf '| %s | %s | %s | %s |\n' "$label" "$t" "$c" "$((m / 1024))"
  echo "$c $m" > "/tmp/goroutines-bench.$label.last"
}
row "traces-tool goroutines" "$tt" goroutines "$dump"
row "traces-tool goroutines --similarity values" "$tt" goroutines --similarity values "$dump"
row "traces-tool goroutines --format json" "$tt" goroutines --format json "$dump"
if command -v panicparse > /dev/null; then
  row "panicparse" sh -c "panicparse -no-color < '$dump'"
  row "panicparse -aggressive" sh -c "panicparse -no-color -aggressive < '$dump'"
  read -r t1 m1 < "/tmp/goroutines-bench.traces-tool goroutines.last"
  read -r t2 m2 < "/tmp/goroutines-bench.panicparse.last"
  awk -v t1="$t1" -v t2="$t2" -v m1="$m1" -v m2="$m2" 'BEGIN {
    printf "\ntraces-tool / panicparse (default similarity): CPU time %.2f, memory %.2f\n", t1 / t2, m1 / m2 }'
else
  echo "panicparse not found: no ratio" >&2
fi
rm -f /tmp/goroutines-bench.*
