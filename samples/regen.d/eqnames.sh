# shellcheck shell=bash
# A CPU profile whose hottest frame is the equality function Go generates
# for an unnamed struct type, `type..eq.struct { A int; B string; C
# [...]float64 }`: a real frame name with `;` and spaces, the reference for
# the escaping of `;` in folded stacks (docs/folded.md, tests/folded_names.rs).
# Sourced by samples/regen.sh (inside samples/, with `pprof OUT ARGS...`, $GO
# and $tmp in scope); it also runs on its own (`bash
# samples/regen.d/eqnames.sh`), regenerating samples/eqnames/ only.
#
# eqnames/cpu.pb.gz        the profile
# eqnames/cpu.traces.txt   `go tool pprof -traces` of it

if [[ -z ${GO:-} ]]; then
  # Run on its own.
  # shellcheck source=../regen-alone.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../regen-alone.sh"
fi

(cd programs/eqnames && "$GO" build -trimpath -o "$tmp/bin/eqnames" .)
rm -rf eqnames
mkdir -p eqnames
"$tmp/bin/eqnames" eqnames
pprof eqnames/cpu.traces.txt -traces cpu.pb.gz
