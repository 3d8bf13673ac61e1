# shellcheck shell=bash
# Data race detector reports, for the race reader (src/read/race.rs) and
# tests/race.rs. Sourced by samples/regen.sh (inside samples/, with $GO and
# $tmp in scope); it also runs on its own (`bash samples/regen.d/race.sh`),
# regenerating samples/race/ only. Needs a C compiler (`-race` uses cgo).
#
# race/run.txt   stderr of programs/racy built with -race: four reports of
#                three races (a counter, a map, a flag), `Found 4 data race(s)`,
#                exit status 66
# race/test.txt  `go test -race -v` of the same package: a report between
#                the test's log lines, `testing.go:NNN: race detected during
#                execution of test`, `--- FAIL`

if [[ -z ${GO:-} ]]; then
  # Run on its own.
  # shellcheck source=../regen-alone.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../regen-alone.sh"
fi

mkdir -p race
(cd programs/racy && "$GO" build -race -trimpath -o "$tmp/bin/racy" .)
# The race detector exits with status 66 after reporting.
status=0
"$tmp/bin/racy" 2> race/run.txt || status=$?
if [[ $status -ne 66 ]]; then
  echo "regen.d/race.sh: racy exited with $status, not 66" >&2
  exit 1
fi
status=0
(cd programs/racy && "$GO" test -race -trimpath -v -count=1 . > "$tmp/test.txt" 2>&1) || status=$?
if [[ $status -eq 0 ]]; then
  echo "regen.d/race.sh: go test -race found no race" >&2
  exit 1
fi
# The package's test time changes from run to run.
sed -E 's/^(FAIL|ok)(\t.*\t)[0-9.]+s$/\1\2TIMEs/' "$tmp/test.txt" > race/test.txt
