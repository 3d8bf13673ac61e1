#!/usr/bin/env bash
# stack-table.sh BEFORE AFTER REPORT [DEEP_REPORT...]: two builds of
# traces-tool against each other on the commands that keep a table of
# distinct stacks (top, diff --by stack, stacks, folded, summary,
# flamegraph): instructions (valgrind --tool=callgrind, which a busy machine
# does not change) and peak RSS (/usr/bin/time) of each, and whether their
# outputs are byte for byte the same. DEEP_REPORTs (gen-adversarial.sh's
# deep.txt, recursive.txt) get peak RSS and CPU time only (CALLGRIND_DEEP=1
# counts their instructions too: minutes each).
#
#   bash bench/gen-large.sh 10 bench/out/10mb
#   bash bench/stack-table.sh /tmp/before target/release/traces-tool \
#       bench/out/10mb/traces.txt bench/out/adv/deep.txt
#
# Prints a markdown table. Needs valgrind and GNU time.
set -euo pipefail

before=${1:?usage: stack-table.sh BEFORE AFTER REPORT [DEEP_REPORT...]}
after=${2:?usage: stack-table.sh BEFORE AFTER REPORT [DEEP_REPORT...]}
report=${3:?usage: stack-table.sh BEFORE AFTER REPORT [DEEP_REPORT...]}
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Instructions of one run (callgrind's "Collected" total).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null </dev/null \
    | sed -n 's/.*Collected : //p'
}

# "peak_KiB user_s" of one run, its output into $out.
measure() {
  local out=$1
  shift
  /usr/bin/time -f '%M %U' -o "$work/time" "$@" >"$out" 2>/dev/null </dev/null || true
  cat "$work/time"
}

row() {
  local input=$1 callgrind=$2
  shift 2
  local c=("$@")
  read -r mb ub < <(measure "$work/before.out" "$before" "${c[@]}")
  read -r ma ua < <(measure "$work/after.out" "$after" "${c[@]}")
  local same=no
  cmp -s "$work/before.out" "$work/after.out" && same=yes
  local ib="" ia="" ratio=""
  if [[ $callgrind == 1 ]]; then
    ib=$(instructions "$before" "${c[@]}")
    ia=$(instructions "$after" "${c[@]}")
    ratio=$(python3 -c 'import sys; print(f"{int(sys.argv[2]) / int(sys.argv[1]):.4f}")' "${ib//,/}" "${ia//,/}")
  fi
  python3 -c '
import sys
inp, cmd, ib, ia, ratio, mb, ma, ub, ua, same = sys.argv[1:]
mib = lambda k: f"{int(k) / 1024:.1f}"
print(f"| {inp} | `{cmd}` | {ib} | {ia} | {ratio} | {mib(mb)} | {mib(ma)} | {ub} | {ua} | {same} |")' \
    "$input" "${c[*]}" "$ib" "$ia" "$ratio" "$mb" "$ma" "$ub" "$ua" "$same"
}

printf '| input | command | before instr | after instr | after/before | before peak MiB | after peak MiB | before user s | after user s | same output |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
name=$(basename "$report")
row "$name" 1 top "$report"
row "$name" 1 diff --by stack "$report" "$report"
row "$name" 1 stacks "$report"
row "$name" 1 folded "$report"
row "$name" 1 summary "$report"
row "$name" 1 flamegraph "$report"
for deep in "$@"; do
  name=$(basename "$deep")
  for c in top stacks folded summary flamegraph; do
    row "$name" "${CALLGRIND_DEEP:-0}" "$c" "$deep"
  done
done
