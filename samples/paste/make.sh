#!/usr/bin/env bash
# Makes the pasted and captured variants of shipped clean reports: each
# file here is a clean report (or its first blocks) with one kind of damage
# people's copies show (see README.md), so the samples a careful reader
# recovers from it are known. `cases.tsv` lists them for tests/paste.rs:
#
#   name <TAB> clean report (from the repository root) <TAB> blocks used
#   <TAB> expected samples <TAB> repair kinds reported
#
# blocks used: `all`, or N for the report's header and first N blocks.
# expected samples, `;`-separated rules over those blocks (1-based):
#   all          every sample as in the clean report
#   drop:I       sample I is skipped (its value or stack is unknown)
#   cut:I:K      sample I keeps its first K frames, then one elided frame
#   elide:I:A:B  sample I has frames A..B (0-based, B excluded, `$` for the
#                end) replaced by one elided frame
# The terminal captures run `go tool pprof` (interactive and `-raw`) on the
# shipped profiles, so they show pprof's real banner, prompts and output.
#
#   bash samples/paste/make.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
export TZ=UTC GOWORK=off GOTOOLCHAIN=local GOPROXY=off
GO=${GO:-go}

SEP='-----------+-------------------------------------------------------'
HEAP=samples/heap/inuse_space.traces.txt
GOR=samples/goroutine/goroutine.traces.txt
CPU=samples/cpu/cpu.traces.txt
SYN=tests/data/inputs/synthetic.objects.traces.txt

rm -f ./*.txt cases.tsv
printf '# name\tclean\tblocks\texpected\trepairs\n' > cases.tsv

# case NAME CLEAN BLOCKS EXPECTED REPAIRS: records a variant (read from stdin).
case_() {
  cat > "$1.txt"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> cases.tsv
}

# first FILE N: the header and first N blocks, with their closing separator.
first() {
  if [[ $2 == all ]]; then cat "$root/$1"; return; fi
  awk -v n="$2" -v sep="$SEP" '{ print } $0 == sep && ++c == n + 1 { exit }' "$root/$1"
}

# blockwise FILE N AWK: runs AWK over the excerpt with b (block number,
# 0 in the header), f (frame index in the block: 0 for the value line, -1
# for labels and separators) set for each line.
blockwise() {
  first "$1" "$2" | awk -v sep="$SEP" '
    $0 == sep { b++; f = -2 }
    {
      if ($0 == sep) { f = -1 }
      else if (b > 0 && f == -1 && $0 ~ /^ *[^ ]+:  /) { f = -1 }
      else if (b > 0) { f++ }
    }
    '"$3"
}

# --- whitespace --------------------------------------------------------------
first $HEAP 6 | sed 's/^[[:space:]]*//' \
  | case_ stripped $HEAP 6 all indentation
# A chat renderer: leading whitespace gone, runs of spaces collapsed.
first $GOR all | sed 's/^[[:space:]]*//' | tr -s ' ' \
  | case_ chat-collapsed $GOR all all indentation
# A Markdown code block indented by 4 spaces.
first $CPU 4 | sed 's/^/    /' \
  | case_ indented-code $CPU 4 all indentation
# HTML copies indent with non-breaking spaces.
first $GOR all | sed 's/^\( *\)/\1\n/' | awk 'NR % 2 == 1 { gsub(/ /, "\302\240"); printf "%s", $0; next } { print }' \
  | case_ nbsp $GOR all all non-breaking-spaces

# --- cut ends ----------------------------------------------------------------
# The last block cut after its value line and two frames (line end kept).
blockwise $HEAP 6 'b == 6 && f > 2 { exit } b == 7 { exit } { print }' \
  | case_ cut-end $HEAP 6 'cut:6:3' cut-end
# Cut in the middle of the third frame's line (no line end).
blockwise $HEAP 6 'b == 6 && f == 3 { printf "%s", substr($0, 1, 20); exit } { print }' \
  | case_ cut-mid-line $HEAP 6 'cut:6:3' cut-end
# Cut in the middle of the last block's value line: its sample is unknown.
blockwise $HEAP 6 'b == 6 && f == 0 { match($0, /[^ ]/); printf "%s", substr($0, 1, RSTART + 1); exit } { print }' \
  | case_ cut-in-value $HEAP 6 'drop:6' cut-end
# An excerpt that starts inside the first block (no header).
blockwise $HEAP 6 'b >= 1 && (b > 1 || f >= 2) { print }' \
  | case_ cut-start $HEAP 6 'drop:1' cut-start
# Both, from a chat: starts inside a block, no indentation, ends mid-line.
blockwise $GOR all 'b == 0 || (b == 1 && f < 3) { next } { sub(/^ +/, "") } b == 4 && f == 2 { printf "%s", substr($0, 1, 9); exit } { print }' \
  | case_ chat-excerpt $GOR 4 'drop:1;cut:4:2' cut-start,indentation,cut-end

# --- elisions and annotations -------------------------------------------------
blockwise $HEAP 6 '
  b == 2 && f == 1 { print "             ..."; next }
  b == 2 && f == 2 { next }
  b == 3 && f == 2 { print "   // dozens of lines omitted"; next }
  b == 3 && f > 2 { next }
  b == 7 && $0 == sep { print "..." }
  { print }' \
  | case_ elided $HEAP 6 'elide:2:1:3;elide:3:2:$;elide:6:$:$' elision
blockwise $CPU 4 '
  b == 1 && f == 1 { print $0 "   // channel send"; next }
  b == 2 && f == 0 { print $0 " \360\237\224\245"; next }
  b == 3 && f == 2 { print $0 "   "; next }
  b == 4 && f == 1 { print $0 "  <- here"; next }
  { print }' \
  | case_ annotated $CPU 4 all annotation,trailing-space

# --- Markdown and HTML --------------------------------------------------------
{
  echo 'We see memory grow; here is the traces report:'
  echo
  echo '```text'
  first $HEAP 4
  echo '```'
  echo
  echo 'Any idea what holds these?'
} | case_ markdown-fence $HEAP 4 all markdown-fence
first $GOR all | sed 's/^/> /' \
  | case_ quoted $GOR all all quote-markers
first $SYN all | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' \
  | case_ html-escaped $SYN all all html-escapes

# --- terminal captures (pprof's real output) -----------------------------------
# What a terminal shows: pprof's output with the typed commands echoed after
# its prompts. CAPTURE PROFILE PROMPT COMMANDS...
capture() {
  local profile=$1 prompt=$2
  shift 2
  printf '%sgo tool pprof %s\n' "$prompt" "$(basename "$profile")"
  printf "%s\n" "$@" | (cd "$root" && "$GO" tool pprof "$profile" 2>&1) | sed "s#$root#/home/dev/svc#g" | awk -v cmds="$(printf '%s\n' "$@")" '
    BEGIN { n = split(cmds, c, "\n") }
    {
      line = $0
      typed = 0
      while ((i = index(line, "(pprof) ")) > 0 && k < n) {
        printf "%s(pprof) %s\n", substr(line, 1, i - 1), c[++k]
        line = substr(line, i + 8)
        typed = 1
      }
      if (!typed || line != "") print line
    }'
  printf '%s' "$prompt"
}
capture samples/goroutine/goroutine.pb.gz 'dev@box:~/svc$ ' 'top 5' 'list main.main' 'traces' 'help traces' 'quit' \
  | case_ terminal-capture $GOR all all shell-command,pprof-session,text-after-report
capture samples/goroutine/goroutine.pb.gz 'PS C:\Users\dev\svc> ' 'traces' 'quit' | sed 's/$/\r/' \
  | case_ powershell-crlf $GOR all all shell-command,pprof-session,text-after-report
{
  echo '$ go tool pprof -raw goroutine.pb.gz'
  (cd "$root" && "$GO" tool pprof -raw samples/goroutine/goroutine.pb.gz 2>/dev/null)
  printf '$ '
} | case_ raw-command $GOR all all shell-command
