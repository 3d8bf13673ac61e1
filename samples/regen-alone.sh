# regen-alone.sh: sourced by a script of samples/regen.d/ that is run on its
# own rather than by samples/regen.sh: it sets up what regen.sh gives the
# scripts it sources (strict shell options, $GO, a fixed environment, a
# scratch folder $tmp, the `pprof OUT ARGS...` helper) and moves to
# samples/. Not in regen.d/, so regen.sh does not source it.
set -euo pipefail
GO=${GO:-go}
cd "$(dirname "${BASH_SOURCE[0]}")"
export TZ=UTC GOWORK=off GOTOOLCHAIN=local GOPROXY=off
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pprof() {
  local out=$1
  shift
  if ! (cd "$(dirname "$out")" && "$GO" tool pprof "$@") > "$out" 2> "$tmp/stderr"; then
    echo "$0: go tool pprof $* failed:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
}
