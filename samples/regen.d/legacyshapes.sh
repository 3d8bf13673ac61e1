# shellcheck shell=bash
# An allocs profile as `?debug=1` text with the stack shapes a reader of
# the text must get right (recursion, an inlined call inside a recursion, a
# stack at the runtime's 32-frame limit, records that differ only in the
# runtime frames the text hides), with pprof's reading of it: the
# references for src/read/legacy.rs in tests/legacy.rs. Sourced by
# samples/regen.sh (inside samples/, with `pprof OUT ARGS...`, $GO and $tmp
# in scope); it also runs on its own (`bash samples/regen.d/legacyshapes.sh`),
# regenerating samples/legacy-shapes/ only.
#
# legacy-shapes/allocs.debug1.txt      what /debug/pprof/allocs?debug=1 serves
# legacy-shapes/allocs.pb.gz           its binary twin (debug=0), written
#                                      just after it
# legacy-shapes/allocs.debug1.raw.txt, .traces.txt
#                                      `go tool pprof -raw` / `-traces` of
#                                      the text
# legacy-shapes/allocs.pb.traces.txt   `go tool pprof -traces` of the twin

if [[ -z ${GO:-} ]]; then
  # Run on its own.
  # shellcheck source=../regen-alone.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../regen-alone.sh"
fi

(cd programs/legacyshapes && "$GO" build -trimpath -o "$tmp/bin/legacyshapes" .)
rm -rf legacy-shapes
mkdir -p legacy-shapes
"$tmp/bin/legacyshapes" legacy-shapes
pprof legacy-shapes/allocs.debug1.traces.txt -traces allocs.debug1.txt
pprof legacy-shapes/allocs.debug1.raw.txt -raw allocs.debug1.txt
pprof legacy-shapes/allocs.pb.traces.txt -traces allocs.pb.gz
