# shellcheck shell=bash
# Sourced by samples/regen.sh (inside samples/, with `pprof OUT ARGS...`,
# `top`, `exact_unit` and $GO in scope): pprof's -peek reports, the
# references for `traces-tool peek`.
#
# Each case renders `go tool pprof -peek ...` into peek/<name>.peek.txt and
# adds a line to peek/cases.tsv, which tests/peek_stacks_summary.rs reads:
#   name <TAB> traces report (under samples/) <TAB> traces-tool peek args
#   <TAB> exact|rounded <TAB> the pprof command
# Arguments are split on spaces, so none may contain one.

rm -rf peek
mkdir -p peek
printf '# name\ttraces\tpeek args\tprecision\tpprof args\n' > peek/cases.tsv

# peek_case NAME TRACES PRECISION "TOOL ARGS" PPROF ARGS...
# PPROF ARGS run inside peek/, so profiles are ../<dir>/<profile>.
peek_case() {
  local name=$1 traces=$2 precision=$3 tool_args=$4
  shift 4
  pprof "peek/$name.peek.txt" "$@"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$traces" "$tool_args" "$precision" "$*" \
    >> peek/cases.tsv
}

# Exact reports (base units or counts): byte-for-byte references.
peek_case inuse_space.exact heap/inuse_space.exact.traces.txt exact 'main\.' \
  -peek 'main\.' -sample_index=inuse_space -unit=b ../heap/heap-after.pb.gz
peek_case alloc_space.exact heap/alloc_space.exact.traces.txt exact 'main\.' \
  -peek 'main\.' -sample_index=alloc_space -unit=b ../heap/heap-after.pb.gz
peek_case cpu.exact cpu/cpu.exact.traces.txt exact 'main.spin|main.walk' \
  -peek 'main.spin|main.walk' -sample_index=cpu -unit=ns ../cpu/cpu.pb.gz
peek_case alloc_objects heap/alloc_objects.traces.txt exact 'main\.' \
  -peek 'main\.' -sample_index=alloc_objects ../heap/heap-after.pb.gz
peek_case mutex.contentions mutex/contentions.traces.txt exact 'sync\.|main\.' \
  -peek 'sync\.|main\.' -sample_index=contentions ../mutex/mutex.pb.gz
peek_case diff.inuse_space.exact heap/diff.inuse_space.exact.traces.txt exact 'main\.' \
  -peek 'main\.' -sample_index=inuse_space -unit=b \
  -diff_base ../heap/heap-before.pb.gz ../heap/heap-after.pb.gz
peek_case cpu.exact.cum-tagfocus cpu/cpu.exact.traces.txt exact \
  '--cum --tagfocus worker=a main\.' \
  -peek 'main\.' -cum -tagfocus=worker=a -sample_index=cpu -unit=ns ../cpu/cpu.pb.gz

# Rounded report (pprof's default unit): same structure, values within the
# rounding bound.
peek_case inuse_space heap/inuse_space.traces.txt rounded 'main\.' \
  -peek 'main\.' -sample_index=inuse_space ../heap/heap-after.pb.gz

for f in peek/*.peek.txt; do
  if [[ ! -s $f ]] || grep -q '(pprof)' "$f"; then
    echo "regen.d/peek.sh: $f is empty or contains a (pprof) prompt" >&2
    exit 1
  fi
done
