# shellcheck shell=bash
# A heap that changes over time, and a fleet of pods with one outlier: the
# samples and references of `traces-tool trend` and `--input-label`.
# Sourced by samples/regen.sh (inside samples/, with `pprof OUT ARGS...`,
# `top`, $GO and $tmp in scope); it also runs on its own
# (`bash samples/regen.d/trend.sh`), regenerating samples/trend/ only.
#
# trend/series/tick-N.pb.gz          heap profile at tick N (1..6, a second apart)
# trend/series/tick-N.exact.traces.txt.gz  its `-traces -unit=b` (inuse_space)
# trend/series/inuse_space.top.txt.gz, alloc_space.top.txt.gz
#                                     pprof's exact `-top` of every node of
#                                     each tick, one after the other, each
#                                     after a line `==> tick-N.pb.gz <==`: the
#                                     reference of each per-snapshot value
# trend/fleet/heap-api-N.pb.gz       one pod each (api-4 leaks 4x as fast)
# trend/fleet/inuse_space.top.txt.gz the exact inuse_space `-top` of each pod,
#                                     likewise
# Few files, and the text gzipped: samples/ stays under its 5 MB.
# The files are nested one level deeper than other samples' profiles, so
# that regen.d/binary-filters.sh (`*/*.pb.gz`) leaves them alone.

if [[ -z ${GO:-} ]]; then
  # Run on its own.
  # shellcheck source=../regen-alone.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../regen-alone.sh"
  top=(-top -nodecount=1000000 -nodefraction=0 -edgefraction=0)
fi

(cd programs/growing && "$GO" build -trimpath -o "$tmp/bin/growing" .)
rm -rf trend
mkdir -p trend/series trend/fleet
"$tmp/bin/growing" series trend/series
for n in 1 2 3 4; do
  leak=1
  [[ $n == 4 ]] && leak=4
  "$tmp/bin/growing" pod trend/fleet "api-$n" "$leak"
done
# tops DIR OUT INDEX PROFILE...: the exact -top of each profile, one after
# the other, each after a line naming it.
tops() {
  local dir=$1 out=$2 idx=$3 p
  shift 3
  : > "$dir/$out"
  for p in "$@"; do
    echo "==> $p <==" >> "$dir/$out"
    pprof "$tmp/top.txt" "${top[@]}" -sample_index="$idx" -unit=b "$PWD/$dir/$p"
    cat "$tmp/top.txt" >> "$dir/$out"
  done
}
ticks=(tick-1.pb.gz tick-2.pb.gz tick-3.pb.gz tick-4.pb.gz tick-5.pb.gz tick-6.pb.gz)
for t in 1 2 3 4 5 6; do
  pprof "trend/series/tick-$t.exact.traces.txt" -traces -sample_index=inuse_space -unit=b \
    "tick-$t.pb.gz"
done
gzip -9n trend/series/*.traces.txt
tops trend/series inuse_space.top.txt inuse_space "${ticks[@]}"
tops trend/series alloc_space.top.txt alloc_space "${ticks[@]}"
tops trend/fleet inuse_space.top.txt inuse_space heap-api-1.pb.gz heap-api-2.pb.gz \
  heap-api-3.pb.gz heap-api-4.pb.gz
gzip -9n trend/*/*.top.txt
