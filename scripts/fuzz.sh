#!/usr/bin/env bash
# fuzz.sh - runs every Go fuzz target (go test -fuzz) for a bounded time each: the
# decoders of frames, headers, messages and batches, the route, heartbeat, lock,
# broker-registration and offset-table parsers, and the rest `go test -list '^Fuzz'`
# finds. scripts/test.sh (and so .ci/run) runs it with 3 s per target as a smoke run.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   RMQ_FUZZ_TIME=10m scripts/fuzz.sh FuzzHeartbeat FuzzDecodeFrame
#
# Environment:
#   RMQ_FUZZ_TIME      time per target (go -fuzztime), default 60s
#   RMQ_FUZZ_PARALLEL  fuzzing workers per target (go -parallel), default: the CPU count
#   RMQ_GO_PACKAGES    packages to search for targets, default ./...
#   RMQ_FUZZ_BUDGET    seconds after which no further target is started (those left
#                      are listed, not failed), default: no limit
#
# A failing input is written by go test to the package's testdata/fuzz/<Target>/ and
# stays there: commit it, and it runs as a regression case in every `go test` from
# then on (fix the bug first). The script runs all targets, lists what failed, and
# exits 1 if anything did, or if the targets cannot be listed. Packages without a target
# are not an error; naming targets that none of them has is.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

fuzz_time=${RMQ_FUZZ_TIME:-60s}
read -r -a packages <<<"${RMQ_GO_PACKAGES:-./...}"
budget=${RMQ_FUZZ_BUDGET:-}
[[ -z $budget || $budget =~ ^[0-9]+$ ]] || { echo "RMQ_FUZZ_BUDGET=$budget: want seconds" >&2; exit 2; }
parallel=()
[[ -n ${RMQ_FUZZ_PARALLEL:-} ]] && parallel=(-parallel "$RMQ_FUZZ_PARALLEL")

# "package target" per line, from go test -list's "Fuzz..." lines and the "ok pkg" after them.
listing=$(go test -list '^Fuzz' "${packages[@]}") || { echo "$listing"; echo "go test -list failed"; exit 1; }
mapfile -t targets < <(awk '
  /^Fuzz/ { names[n++] = $1; next }
  /^ok /  { for (i = 0; i < n; i++) print $2, names[i]; n = 0; next }
          { n = 0 }' <<<"$listing")
if (($# > 0)); then
  wanted=" $* "
  mapfile -t targets < <(printf '%s\n' "${targets[@]}" | while read -r pkg name; do
    [[ $wanted == *" $name "* ]] && echo "$pkg $name"
  done)
fi
if ((${#targets[@]} == 0)); then
  echo "no Fuzz targets found"
  exit $(($# > 0))
fi

failed=()
not_run=()
fuzzed=0
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  if [[ -n $budget ]] && ((SECONDS - start >= budget)); then
    not_run+=("$pkg $name")
    continue
  fi
  echo "=== $pkg $name ($fuzz_time)"
  fuzzed=$((fuzzed + 1))
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzz_time" "${parallel[@]}" "$pkg" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # A loaded machine can end a run with go's own "context deadline exceeded" and no
  # failing input: not a finding, so run the target once more.
  if ((status != 0)) && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
    echo "(fuzzer timing hiccup, not a finding: running $name once more)"
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzz_time" "${parallel[@]}" "$pkg" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
  fi
  if ((status != 0)); then
    failed+=("$pkg $name: $(grep -o 'Failing input written to .*' "$log" || echo 'see the output above')")
  fi
done

echo
echo "fuzzed $fuzzed of ${#targets[@]} targets, $fuzz_time each, in $((SECONDS - start)) s"
if ((${#not_run[@]} > 0)); then
  echo "fuzz budget of ${budget}s used up: not run:"
  printf '  %s\n' "${not_run[@]}"
fi
if ((${#failed[@]} > 0)); then
  echo "FAILED:"
  printf '  %s\n' "${failed[@]}"
  echo "Commit each failing input (testdata/fuzz/...) with the fix: it becomes a regression case."
  exit 1
fi
echo "no failing input found"
