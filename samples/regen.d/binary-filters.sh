# shellcheck shell=bash
# Sourced by samples/regen.sh (inside samples/, with `pprof OUT ARGS...` and
# $GO in scope), or run on its own from anywhere (`bash
# samples/regen.d/binary-filters.sh`) to render these references again
# from the committed profiles without running the programs.
#
# pprof's filtered -traces of every binary profile in samples/, for every
# case of filters/binary/cases.tsv: the references for `traces-tool cat
# FILTERS PROFILE` (tests/consistency.rs). On a binary profile pprof's frame
# filters match function names, function file names and mapping files;
# these cases need all three (`runtime` matches `reflect.makemap`, whose
# file is runtime/map.go; `bin/` matches the mapping of the program).
# Each file is filters/binary/<folder>-<profile>.<case>.pprof.txt.gz, at
# the profile's default sample index (`.pprof.txt`, not `.traces.txt`: some
# hold no sample, which the walkers of samples/*.traces* would refuse).

if ! declare -F pprof > /dev/null; then
  set -euo pipefail
  GO=${GO:-go}
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  export TZ=UTC GOWORK=off GOTOOLCHAIN=local GOPROXY=off
  pprof() {
    local out=$1 err
    shift
    err=$(mktemp)
    if ! (cd "$(dirname "$out")" && "$GO" tool pprof "$@") > "$out" 2> "$err"; then
      echo "binary-filters.sh: go tool pprof $* failed:" >&2
      cat "$err" >&2
      rm -f "$err"
      exit 1
    fi
    rm -f "$err"
  }
fi

rm -f filters/binary/*.txt filters/binary/*.txt.gz
for profile in */*.pb.gz; do
  id=${profile%.pb.gz}
  id=${id//\//-}
  while IFS=$'\t' read -r name flags; do
    [[ -z $name || $name == \#* ]] && continue
    read -r -a filter_flags <<< "$flags"
    pprof "filters/binary/$id.$name.pprof.txt" -traces "${filter_flags[@]}" "../../$profile"
  done < filters/binary/cases.tsv
done
gzip -9n filters/binary/*.pprof.txt
