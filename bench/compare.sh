#!/usr/bin/env bash
# Times traces-tool against the shell pipelines and pprof commands it
# replaces, side by side in one hyperfine run on the same file, measures each
# command's peak resident memory once, and writes the table to
# bench/RESULTS.md (overwritten) and to standard output.
#
#   bash bench/compare.sh [TRACES_FILE] [PROFILE]
#   bash bench/compare.sh bench/out/100mb/traces.txt bench/out/100mb/heap.pb.gz
#
# TRACES_FILE defaults to bench/out/100mb/traces.txt (make it with
# `bash bench/gen-large.sh 100 bench/out/100mb`), PROFILE to heap.pb.gz
# beside it. The commands come from bench/commands.txt (see there to add
# more).
#
# Environment:
#   LIT=PATTERN     the literal pattern   (default main.f258)
#   RE=PATTERN      the regex pattern     (default \(\*codec\)\.f2[0-9][0-9])
#   ROUNDS=N        hyperfine runs over all the commands (default 3)
#   RUNS=N          hyperfine --min-runs per round (default 2; commands faster
#                   than about 1 s get more runs, in hyperfine's 3 s budget)
#   WARMUP=N        hyperfine warmup runs (default 1)
#   COMMANDS=FILE   the command list (default bench/commands.txt)
#   RESULTS=FILE    where to write the results (default bench/RESULTS.md)
#   BUILD=0         use target/release/traces-tool as it is, no cargo build
#   GO              the Go toolchain for `go tool pprof` (default go)
#
# Work files (hyperfine's exports, each command's output and stderr) go to
# bench/out/compare/. The machine is shared and noisy: read the ratios, which
# come from commands timed side by side in the same hyperfine run, not the
# absolute times.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

file=${1:-$here/out/100mb/traces.txt}
if [[ ! -f $file ]]; then
  echo "compare.sh: no traces file $file; make one with: bash bench/gen-large.sh 100 bench/out/100mb" >&2
  exit 2
fi
file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
profile=${2:-$(dirname "$file")/heap.pb.gz}
if [[ -f $profile ]]; then
  profile=$(cd "$(dirname "$profile")" && pwd)/$(basename "$profile")
else
  echo "compare.sh: no profile $profile; skipping the commands that need one" >&2
  profile=""
fi

LIT=${LIT:-main.f258}
RE=${RE:-'\(\*codec\)\.f2[0-9][0-9]'}
RUNS=${RUNS:-2}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
COMMANDS=${COMMANDS:-$here/commands.txt}
RESULTS=${RESULTS:-$here/RESULTS.md}
BUILD=${BUILD:-1}
GO=${GO:-go}
for v in RUNS ROUNDS WARMUP; do
  if [[ ! ${!v} =~ ^[0-9]+$ ]] || { [[ $v != WARMUP ]] && ((${!v} < 1)); }; then
    echo "compare.sh: $v=${!v}: want a whole number (RUNS, ROUNDS at least 1)" >&2
    exit 2
  fi
done
((RUNS >= 2)) || RUNS=2 # hyperfine's least --min-runs
export GOWORK=off GOTOOLCHAIN=local GOPROXY=off GOFLAGS=
# `go tool pprof` in the command list must be the chosen toolchain's.
if [[ $GO != go ]]; then
  PATH=$(dirname "$(command -v "$GO")"):$PATH
  export PATH
fi

tt=$root/target/release/traces-tool
work=$here/out/compare
rm -rf "$work"
mkdir -p "$work"

for tool in hyperfine /usr/bin/time; do
  if ! command -v "$tool" > /dev/null; then
    echo "compare.sh: $tool is missing (Debian packages hyperfine, time)" >&2
    exit 2
  fi
done

if [[ $BUILD != 0 ]]; then
  echo "compare.sh: cargo build --release" >&2
  (cd "$root" && cargo build --release --quiet)
fi
if [[ ! -x $tt ]]; then
  echo "compare.sh: no $tt (cargo build --release)" >&2
  exit 2
fi

# q WORD: WORD quoted for sh, left bare when that is safe.
q() {
  if [[ $1 =~ ^[A-Za-z0-9_./=+:@%-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

# expand TEMPLATE: the command with its {placeholders} replaced.
expand() {
  local s=$1 res="" key
  while [[ $s == *'{'* ]]; do
    res+=${s%%\{*}
    s=${s#*\{}
    key=${s%%\}*}
    s=${s#*\}}
    case $key in
      file) res+=$(q "$file") ;;
      profile) res+=$(q "$profile") ;;
      tt) res+=$(q "$tt") ;;
      lit) res+=$(q "$LIT") ;;
      re) res+=$(q "$RE") ;;
      *)
        echo "compare.sh: unknown placeholder {$key} in $COMMANDS" >&2
        exit 2
        ;;
    esac
  done
  printf '%s' "$res$s"
}

# trim TEXT: TEXT without leading and trailing blanks.
trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# --- read the command list --------------------------------------------------
groups=() labels=() cmds=() skipped=()
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  if [[ $line != *' | '*' | '* ]]; then
    echo "compare.sh: $COMMANDS: not GROUP | LABEL | COMMAND: $line" >&2
    exit 2
  fi
  group=${line%% | *}
  rest=${line#* | }
  label=${rest%% | *}
  template=${rest#* | }
  if [[ $template == *'{profile}'* && -z $profile ]]; then
    skipped+=("$label (no profile)")
    continue
  fi
  groups+=("$(trim "$group")")
  labels+=("$(trim "$label")")
  cmds+=("$(expand "$template")")
done < "$COMMANDS"
count=${#cmds[@]}
if [[ $count -eq 0 ]]; then
  echo "compare.sh: no commands in $COMMANDS" >&2
  exit 2
fi

# --- the input --------------------------------------------------------------
bytes=$(wc -c < "$file")
lines=$(wc -l < "$file")
samples=$(grep -c -e '^-----------+' "$file" || true)
samples=$((samples > 0 ? samples - 1 : 0))
# matching REGEX: how many samples have a frame line matching REGEX (ERE),
# the way grep -E sees them.
matching() {
  PAT=$1 awk '
    /^-----------\+/ { if (hit) n++; hit = 0; next }
    !hit && $0 ~ ENVIRON["PAT"] && $0 !~ /^ *[A-Za-z_]+: / { hit = 1 }
    END { print n + 0 }' "$file"
}
lit_samples=$(matching "$LIT")
re_samples=$(matching "$RE")
lit_lines=$(grep -c -E -e "$LIT" "$file" || true)
re_lines=$(grep -c -E -e "$RE" "$file" || true)
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", b ? 100 * a / b : 0 }'; }

# --- peak memory, once each (also checks that every command works) -----------
echo "compare.sh: peak RSS pass ($count commands)" >&2
rss=() status=() outlines=() ok=()
for i in "${!cmds[@]}"; do
  set +e
  /usr/bin/time -v -o "$work/time.$i" sh -c "${cmds[$i]}" > "$work/out.$i" 2> "$work/err.$i"
  st=$?
  set -e
  status[i]=$st
  kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.$i")
  rss[i]=$(awk -v k="${kb:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
  outlines[i]=$(wc -l < "$work/out.$i")
  if [[ $st -eq 0 ]]; then
    ok+=("$i")
  else
    echo "compare.sh: FAILED (exit $st): ${cmds[$i]}" >&2
    head -n 5 "$work/err.$i" >&2
  fi
done

# --- timing: hyperfine, all commands side by side, in rounds ----------------
# Each round is one hyperfine run over all the commands. hyperfine runs one
# command's runs back to back, so load that comes and goes on a shared machine
# can favour one command within a round; the rounds repeat the comparison at
# different times, and the table gives the median over rounds.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
args=()
for i in "${ok[@]}"; do
  args+=(-n "${labels[$i]}" "${cmds[$i]}")
done
for ((r = 1; r <= ROUNDS; r++)); do
  warm=(--warmup 0)
  ((r == 1)) && warm=(--warmup "$WARMUP")
  echo "compare.sh: round $r/$ROUNDS: hyperfine ${warm[*]} --min-runs $RUNS (${#ok[@]} commands)" >&2
  hyperfine --style basic "${warm[@]}" --min-runs "$RUNS" \
    --export-csv "$work/round$r.csv" --export-markdown "$work/round$r.md" \
    --export-json "$work/round$r.json" "${args[@]}" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Per round and label: the median wall time and the mean CPU time (user +
# system); the CSV's columns are command,mean,stddev,median,user,system,...
declare -A med cpu
for ((r = 1; r <= ROUNDS; r++)); do
  while IFS=, read -r name _ _ m user sys _; do
    [[ $name == command ]] && continue
    med[$r,$name]=$m
    cpu[$r,$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  done < "$work/round$r.csv"
done

# median NUMBER...: their median, or nothing if none.
median() {
  (($# > 0)) || return 0
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
    END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# num NUMBER [DIGITS]: NUMBER rounded, or – if empty.
num() { awk -v x="$1" -v d="${2:-3}" 'BEGIN { if (x == "") print "–"; else printf "%.*f", d, x }'; }
# summary I KIND: over the rounds, for command I: the median of its median wall
# time (KIND time), of its CPU time (cpu), or of its ratio to its group's
# baseline (base) or to the floor (floor), each ratio taken within a round.
summary() {
  local i=$1 kind=$2 r l=${labels[$1]} ref vals=()
  case $kind in
    base) ref=${labels[${base_of[$i]}]} ;;
    floor) ref=${labels[0]} ;;
  esac
  for ((r = 1; r <= ROUNDS; r++)); do
    case $kind in
      time) [[ -n ${med[$r,$l]:-} ]] && vals+=("${med[$r,$l]}") ;;
      cpu) [[ -n ${cpu[$r,$l]:-} ]] && vals+=("${cpu[$r,$l]}") ;;
      *)
        if [[ -n ${med[$r,$l]:-} && -n ${med[$r,$ref]:-} ]]; then
          vals+=("$(awk -v a="${med[$r,$l]}" -v b="${med[$r,$ref]}" 'BEGIN { if (b > 0) print a / b }')")
        fi
        ;;
    esac
  done
  median "${vals[@]}"
}
# rounds I: command I's median wall time in each round, "a / b / c".
rounds() {
  local r out=""
  for ((r = 1; r <= ROUNDS; r++)); do
    out+="${out:+ / }$(num "${med[$r,${labels[$1]}]:-}")"
  done
  printf '%s' "$out"
}
# base_of[I]: the index of command I's group baseline (its group's first).
declare -A base_of
prev_group=""
for i in "${!cmds[@]}"; do
  if [[ ${groups[$i]} != "$prev_group" ]]; then
    base=$i
    prev_group=${groups[$i]}
  fi
  base_of[$i]=$base
done

# --- the results --------------------------------------------------------------
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null) ]]; then
  rev+=" + uncommitted changes in src/"
fi
{
  echo "# traces-tool benchmark"
  echo
  echo "Made by \`bash bench/compare.sh\` (see bench/README.md); overwritten on each run."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores (\`nproc\`), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, shared and noisy; load average $load_before before, $load_after after"
  echo "- file: \`${file#"$root"/}\`, $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }')), $lines lines, $samples samples"
  if [[ -f $(dirname "$file")/gen.txt ]]; then
    echo "  ($(head -n 1 "$(dirname "$file")/gen.txt"))"
  fi
  if [[ -n $profile ]]; then
    echo "- profile: \`${profile#"$root"/}\`, $(wc -c < "$profile") bytes"
  fi
  echo "- literal pattern \`$LIT\`: in $lit_samples samples ($(pct "$lit_samples" "$samples")), $lit_lines lines"
  echo "- regex pattern \`$RE\`: in $re_samples samples ($(pct "$re_samples" "$samples")), $re_lines lines"
  echo "- traces-tool: $rev; $("$tt" --version 2>/dev/null || echo '?'); $(hyperfine --version); $("$GO" version); locale ${LC_ALL:-${LANG:-unset}}"
  echo "- hyperfine: $ROUNDS rounds of \`hyperfine --min-runs $RUNS\` over all the commands (\`--warmup $WARMUP\` in the first), output to /dev/null"
  echo
  echo "Wall time: the median over the rounds of each round's median (the"
  echo "rounds' medians follow). ×base: the ratio to the first command of the"
  echo "group (the grep pipeline, or \`go tool pprof -top\` for full reads),"
  echo "×floor: to \`wc -l\`; each ratio is taken within a round, between"
  echo "commands timed minutes apart at most, and the table gives the median"
  echo "over the rounds. CPU: the median over the rounds of the mean user +"
  echo "system time (all processes of a pipeline), less sensitive than wall time"
  echo "to other load. Peak RSS: from one separate run under \`/usr/bin/time -v\`;"
  echo "for a pipeline, the largest single process (GNU time reports the maximum"
  echo "over the process tree, not the sum). Out lines: lines of output."
  echo
  echo "| group | command | wall (s) | ×base | ×floor | CPU (s) | peak RSS (MiB) | out lines | rounds' wall (s) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for i in "${!cmds[@]}"; do
    if [[ ${status[$i]} -ne 0 ]]; then
      echo "| ${groups[$i]} | ${labels[$i]} | FAILED (exit ${status[$i]}) | | | | ${rss[$i]} | ${outlines[$i]} | |"
      continue
    fi
    echo "| ${groups[$i]} | ${labels[$i]} | $(num "$(summary "$i" time)") | $(num "$(summary "$i" base)" 2) | $(num "$(summary "$i" floor)" 2) | $(num "$(summary "$i" cpu)") | ${rss[$i]} | ${outlines[$i]} | $(rounds "$i") |"
  done
  for s in "${skipped[@]}"; do
    echo "| | $s | skipped | | | | | | |"
  done
  echo
  echo "## Commands"
  echo
  echo '```sh'
  for i in "${!cmds[@]}"; do
    echo "# ${groups[$i]}: ${labels[$i]}"
    echo "${cmds[$i]}"
  done
  echo '```'
  failed=0
  for i in "${!cmds[@]}"; do
    if [[ ${status[$i]} -ne 0 ]]; then
      if [[ $failed -eq 0 ]]; then
        echo
        echo "## Failures"
      fi
      failed=1
      echo
      echo "\`${labels[$i]}\` exited with status ${status[$i]}; its stderr began:"
      echo
      echo '```text'
      head -n 10 "$work/err.$i"
      echo '```'
    fi
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    echo
    echo "## hyperfine, round $r"
    echo
    cat "$work/round$r.md"
  done
} > "$RESULTS"
cat "$RESULTS"
