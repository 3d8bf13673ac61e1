#!/usr/bin/env bash
# adversarial.sh [DIR]: times traces-tool on the shapes gen-adversarial.sh
# writes (made first if DIR lacks them) and prints a Markdown table of exit
# status, wall time, CPU time and peak resident memory (`/usr/bin/time -v`)
# per shape and command.
#
# TT=path of the binary (default target/release/traces-tool, built unless
# BUILD=0); LIMIT=seconds before a run is stopped (default 120); MEM_KIB=
# virtual memory cap per run (default 4194304, 4 GiB: a run over it fails
# to allocate and counts as such); ONLY=a regex on "shape|command" runs
# those rows only. Output of the commands goes to DIR/run/ (its size is in
# the table).
set -uo pipefail

cd "$(dirname "$0")/.."
dir=${1:-bench/out/adv}
TT=${TT:-target/release/traces-tool}
LIMIT=${LIMIT:-120}
MEM_KIB=${MEM_KIB:-4194304}
if [[ ${BUILD:-1} != 0 && $TT == target/release/traces-tool ]]; then
  cargo build --release --quiet || exit 2
fi
[[ -f $dir/bomb-text.gz ]] || bash bench/gen-adversarial.sh "$dir" >/dev/null
mkdir -p "$dir/run"

# shape | command (FILE is replaced by the shape's path)
commands=(
  "deep.txt|top FILE"
  "deep.txt|peek main.f5 FILE"
  "deep.txt|grep f5 --top 3 FILE"
  "deep.txt|hist --all FILE"
  "deep.txt|stacks FILE"
  "deep.txt|summary FILE"
  "deep.txt|folded FILE"
  "deep.txt|csv FILE"
  "deep.txt|blame FILE"
  "recursive.txt|top FILE"
  "recursive.txt|peek main.r5 FILE"
  "recursive.txt|grep r5 --top 3 FILE"
  "recursive.txt|stacks FILE"
  "labels.txt|top FILE"
  "labels.txt|grep leaf --top 3 FILE"
  "labels.txt|summary FILE"
  "labels.txt|stacks FILE"
  "labels.txt|csv FILE"
  "labels.txt|cat --tagfocus request_id=7 FILE"
  "longnames.txt|top FILE"
  "longnames.txt|grep main --top 3 FILE"
  "longnames.txt|stacks FILE"
  "longnames.txt|folded FILE"
  "toolong.txt|top FILE"
  "bomb.gz|top FILE"
  "bomb.gz|grep x FILE"
  "bomb-text.gz|top FILE"
  "bomb-text.gz|hist --all FILE"
  "deep.txt|flamegraph FILE"
  "deep.txt|flamegraph --diff FILE FILE"
  "deep.txt|export -o - FILE"
  "deep.txt|export --to parquet -o - FILE"
  "deep.txt|diff --by stack FILE FILE"
  "deep.txt|trend FILE FILE"
  "deep.txt|fleet FILE FILE"
  "labels.txt|flamegraph FILE"
  "labels.txt|export -o - FILE"
  "labels.txt|export --to parquet -o - FILE"
  "labels.txt|diff --by stack FILE FILE"
  "labels.txt|trend FILE FILE"
  "labels.txt|fleet FILE FILE"
  "longnames.txt|flamegraph FILE"
  "longnames.txt|export -o - FILE"
  "longnames.txt|export --to parquet -o - FILE"
  "longnames.txt|diff --by stack FILE FILE"
  "longnames.txt|trend FILE FILE"
)

echo "| shape | command | exit | wall (s) | CPU (s) | peak RSS (MiB) | output (bytes) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
i=0
for entry in "${commands[@]}"; do
  shape=${entry%%|*}
  cmd=${entry#*|}
  [[ $entry =~ ${ONLY:-.} ]] || { i=$((i + 1)); continue; }
  file=$dir/$shape
  i=$((i + 1))
  out=$dir/run/$i.out
  # shellcheck disable=SC2086
  (
    ulimit -v "$MEM_KIB"
    /usr/bin/time -v -o "$dir/run/$i.time" timeout "$LIMIT" "$TT" ${cmd//FILE/$file} >"$out" 2>"$dir/run/$i.err"
  )
  code=$(sed -n 's/.*Exit status: //p' "$dir/run/$i.time")
  grep -q "Command terminated by signal" "$dir/run/$i.time" && code="signal"
  [[ $code == 124 ]] && code="timeout ${LIMIT}s"
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/run/$i.time" |
    awk -F: '{ s = 0; for (k = 1; k <= NF; k++) s = s * 60 + $k; printf "%.2f", s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$dir/run/$i.time")
  rss=$(awk -F': ' '/Maximum resident/ { printf "%.1f", $2 / 1024 }' "$dir/run/$i.time")
  size=$(stat -c %s "$out")
  echo "| $shape | \`${cmd//FILE/}\` | $code | $wall | $cpu | $rss | $size |"
done
