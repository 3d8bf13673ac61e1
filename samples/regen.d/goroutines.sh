# shellcheck shell=bash
# Goroutine dumps for `traces-tool goroutines`, and panicparse's reading of
# them: the references of tests/goroutines.rs. Sourced by samples/regen.sh
# (inside samples/, with $GO and $tmp in scope); it also runs on its own
# (`bash samples/regen.d/goroutines.sh`), regenerating samples/goroutines/
# only.
#
# goroutines/dump-rR.debug2.txt    programs/goroutinegroups, round R of 3
#                                  (the `leak` group at 50*R goroutines):
#                                  `goroutine?debug=2`, one process
# goroutines/profile-rR.debug1.txt the `?debug=1` profile right after it
# goroutines/sigquit-rR.txt.gz     stderr of a run that stops at round R
#                                  and sends itself SIGQUIT (gzip -n)
# goroutines/panicparse/WAY.txt    GOTRACEBACK=all output of panicparse's
#                                  own test program (`cmd/panic WAY`), every
#                                  way but `race`
# goroutines/**.pp.txt, .pp-aggressive.txt
#                                  `panicparse -no-color [-aggressive]` of
#                                  each dump above
# The panicparse parts need Debian's golang-github-maruel-panicparse-dev
# (its source) and panicparse (the binary); without them they are kept as
# they are.

if [[ -z ${GO:-} ]]; then
  # Run on its own.
  # shellcheck source=../regen-alone.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../regen-alone.sh"
fi

(cd programs/goroutinegroups && "$GO" build -trimpath -o "$tmp/bin/goroutinegroups" .)
mkdir -p goroutines/panicparse
rm -f goroutines/dump-*.debug2.txt goroutines/profile-*.debug1.txt goroutines/sigquit-*.txt.gz
for round in 1 2 3; do
  mkdir -p "$tmp/round$round"
  # SIGQUIT exits with status 2; its stderr is the dump.
  if GOMAXPROCS=1 "$tmp/bin/goroutinegroups" "$tmp/round$round" "$round" \
    2> "$tmp/sigquit-r$round.txt"; then
    echo "regen.d/goroutines.sh: the SIGQUIT run did not fail" >&2
    exit 1
  fi
  gzip -9n < "$tmp/sigquit-r$round.txt" > "goroutines/sigquit-r$round.txt.gz"
done
# The three rounds of one process: those of the last run.
cp "$tmp"/round3/dump-r*.debug2.txt "$tmp"/round3/profile-r*.debug1.txt goroutines/

pp_refs() { # pp_refs DUMP OUT_PREFIX
  panicparse -no-color < "$1" > "$2.pp.txt" 2> /dev/null || true
  panicparse -no-color -aggressive < "$1" > "$2.pp-aggressive.txt" 2> /dev/null || true
}
if command -v panicparse > /dev/null; then
  for round in 1 2 3; do
    pp_refs "goroutines/dump-r$round.debug2.txt" "goroutines/dump-r$round"
    pp_refs "$tmp/sigquit-r$round.txt" "goroutines/sigquit-r$round"
  done
  src=/usr/share/gocode/src/github.com/maruel/panicparse/v2/cmd/panic
  if [[ -d $src ]]; then
    rm -f goroutines/panicparse/*
    GO111MODULE=off GOPATH=/usr/share/gocode "$GO" build -o "$tmp/bin/panic" \
      github.com/maruel/panicparse/v2/cmd/panic
    ways=$("$tmp/bin/panic" 2>&1 | awk '/^- / {print $2}' || true)
    for way in $ways; do
      # The race detector's reports are another kind of text.
      [[ $way == race* ]] && continue
      GOTRACEBACK=all "$tmp/bin/panic" "$way" > "goroutines/panicparse/$way.txt" 2>&1 || true
      pp_refs "goroutines/panicparse/$way.txt" "goroutines/panicparse/$way"
    done
  fi
else
  echo "regen.d/goroutines.sh: panicparse not found: its references are kept" >&2
fi
