#!/usr/bin/env bash
# Many inputs against one: runs each command on the pods of
# bench/gen-fleet.sh and on the one report they were cut from, printing
# wall time, CPU (user+sys), peak memory and, with CALLGRIND=1, the
# instruction count. Outputs go to /dev/null.
#
#   bash bench/fleet.sh BINARY REPORT FLEET_DIR
#   bash bench/fleet.sh target/release/traces-tool bench/out/100mb/traces.txt /tmp/fleet
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: bash bench/fleet.sh BINARY REPORT FLEET_DIR" >&2; exit 2; }
bin=$1 report=$2 fleet=$3
pods=("$fleet"/*)
half=$(( ${#pods[@]} / 2 ))
run() {
  local label=$1; shift
  local out
  out=$(mktemp)
  /usr/bin/time -o "$out" -f "%e %U %S %M" "$bin" "$@" > /dev/null 2> /dev/null || true
  read -r wall user sys rss < "$out"
  rm -f "$out"
  local ir=""
  if [[ ${CALLGRIND:-0} == 1 ]]; then
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null \
      | sed -n 's/.*Collected : //p')
  fi
  printf '%-34s wall %6.2f s  cpu %6.2f s  peak %7d KiB  %s\n' "$label" "$wall" \
    "$(echo "$user + $sys" | bc)" "$rss" "${ir:+instr $ir}"
}
for cmd in "top" "hist --all" "summary" "stacks" "csv"; do
  # shellcheck disable=SC2086
  run "$cmd (1 file)" $cmd "$report"
  # shellcheck disable=SC2086
  run "$cmd (${#pods[@]} files)" $cmd "${pods[@]}"
done
run "diff (1 vs 1 file)" diff "$report" "$report"
run "diff (2 pods)" diff "${pods[0]}" "${pods[$half]}"
