# shellcheck shell=bash
# The legacy text profiles of net/http/pprof (`?debug=1`) and goroutine
# dumps, with pprof's reading of each: the references for the readers in
# src/read/legacy.rs and src/read/goroutine_dump.rs. Sourced by samples/regen.sh
# (inside samples/, with `pprof OUT ARGS...`, $GO and $tmp in scope); it
# also runs on its own (`bash samples/regen.d/legacy.sh`), regenerating
# samples/legacy/ only.
#
# legacy/KIND.debug1.txt   `pprof.Lookup(KIND).WriteTo(w, 1)`, what
#                          /debug/pprof/KIND?debug=1 serves
# legacy/KIND.pb.gz        its binary twin (debug=0), written just after it
# legacy/KIND.debug1.traces.txt, .raw.txt
#                          `go tool pprof -traces` / `-raw` of the text
#                          (none for threadcreate: pprof cannot parse it)
# legacy/KIND.pb.traces.txt  `go tool pprof -traces` of the binary twin
# legacy/goroutine.debug2.txt  the dump, right after goroutine.debug1.txt
# legacy/panic.txt         stderr of the program panicking, GOTRACEBACK=all

if [[ -z ${GO:-} ]]; then
  # Run on its own.
  # shellcheck source=../regen-alone.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../regen-alone.sh"
fi

(cd programs/legacytext && "$GO" build -trimpath -o "$tmp/bin/legacytext" .)
rm -rf legacy
mkdir -p legacy
"$tmp/bin/legacytext" legacy
# The panic exits with status 2; its stderr is the dump.
GOTRACEBACK=all "$tmp/bin/legacytext" "$tmp" panic 2> legacy/panic.txt && {
  echo "regen.d/legacy.sh: the panic run did not fail" >&2
  exit 1
}
for kind in heap allocs goroutine threadcreate mutex block; do
  if [[ $kind != threadcreate ]]; then
    pprof "legacy/$kind.debug1.traces.txt" -traces "$kind.debug1.txt"
    pprof "legacy/$kind.debug1.raw.txt" -raw "$kind.debug1.txt"
  fi
  pprof "legacy/$kind.pb.traces.txt" -traces "$kind.pb.gz"
done
if (cd legacy && "$GO" tool pprof -raw threadcreate.debug1.txt) > /dev/null 2>&1; then
  echo "regen.d/legacy.sh: this pprof reads threadcreate text now: add its reports" >&2
fi
