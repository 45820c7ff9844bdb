#!/usr/bin/env bash
# Runs every test of librocketmq-go, the same way locally and in CI:
#
#   bash scripts/test.sh
#
# Steps: install build dependencies, gofmt, the generated entry points
# (scripts/gen_exports.py --check), go vet, go test -race (which also
# runs the fuzz seed corpora), the allocation guards without -race, the
# interop module's tests (when it exists), a
# short fuzzing smoke run of every Fuzz target, the CMake build of
# librocketmq and ctest (with the install/find_package/pkg-config test), the
# Python binding's pytest suite, then the Windows build (scripts/windows.sh:
# DLL, import library and export-table check, C tests and examples under
# Wine, zip package).
#
# Environment:
#   RMQ_FUZZ_TIME    time per Fuzz target (go -fuzztime), default 3s; 0 skips fuzzing
#   RMQ_FUZZ_BUDGET  seconds after which no further Fuzz target is started, default 120
#   RMQ_BUILD_DIR    CMake build directory, default build
#   RMQ_GO_PACKAGES  Go packages to vet, test and fuzz, default ./... (all)
#   RMQ_JOBS         parallel build/test jobs, default: number of CPUs
#   RMQ_WINDOWS      "wine" (default): all of scripts/windows.sh; "exports": only
#                    its build, package and export-table check (--no-wine); "0": skip
#   RMQ_RELIABILITY_FULL  1 runs the name server outage of reliability/ for the real 60 s
set -euo pipefail
exec </dev/null # never wait for input

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

fuzz_time=${RMQ_FUZZ_TIME:-3s}
fuzz_budget=${RMQ_FUZZ_BUDGET:-120}
build_dir=${RMQ_BUILD_DIR:-build}
read -r -a go_packages <<<"${RMQ_GO_PACKAGES:-./...}"
jobs=${RMQ_JOBS:-$(nproc 2>/dev/null || echo 2)}

start=$SECONDS
section() {
  printf '\n==== %s  [%ds]\n' "$*" $((SECONDS - start))
}

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
export CGO_ENABLED=1 # the C API, -race and the capi tests need cgo

section "install dependencies"
bash scripts/install-deps.sh
go version

section "gofmt"
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path "./$build_dir/*" \
  -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)
if [[ -n $unformatted ]]; then
  echo "gofmt: these files need formatting (run gofmt -w):"
  echo "$unformatted"
  exit 1
fi
echo "all Go files formatted"

section "generated C API entry points"
python3 scripts/gen_exports.py --check
echo "capi/exports.c and capi/exports.go are up to date"

section "go vet ${go_packages[*]}"
go vet "${go_packages[@]}"

section "go test -race ${go_packages[*]}"
# The fault-injection scenarios (reliability/) append their figures to this file; they are
# printed below, since go test shows a passing package's output only with -v.
reliability_report=$(mktemp)
trap 'rm -f "$reliability_report"' EXIT
RMQ_RELIABILITY_REPORT=$reliability_report go test -race "${go_packages[@]}"

section "reliability figures (go test)"
if [[ -s $reliability_report ]]; then
  cat "$reliability_report"
else
  echo "no reliability scenario ran (package not among ${go_packages[*]}, or cached: go test -count=1 reruns it)"
fi

# The race detector allocates on its own, so the allocation guards (build tag !race) run
# here, without it.
section "allocation guards"
go test -count=1 -run '^TestAllocs' ./core/producer/

section "interop"
if [[ -f interop/go.mod ]]; then
  # No -race: Apache's client has data races of its own (see interop/README.md).
  (cd interop && go test -count=1 ./...)
else
  echo "interop/go.mod not found: skipped"
fi

section "fuzz smoke (${fuzz_time} per target)"
if [[ $fuzz_time == 0 || $fuzz_time == 0s ]]; then
  echo "RMQ_FUZZ_TIME=0: skipped"
else
  # fuzz.sh reruns a target once when go's own "context deadline exceeded" ends it with no
  # failing input (a loaded machine's timing, not a finding); anything else fails CI.
  RMQ_FUZZ_TIME=$fuzz_time RMQ_FUZZ_BUDGET=$fuzz_budget RMQ_GO_PACKAGES="${go_packages[*]}" \
    bash scripts/fuzz.sh
fi

section "cmake configure"
cmake -S . -B "$build_dir"

section "cmake build"
cmake --build "$build_dir" --parallel "$jobs"

section "ctest"
(cd "$build_dir" && ctest --output-on-failure --parallel "$jobs")

section "reliability figures (from the ctest run above)"
# What the lifecycle, async-destroy, two-client and host-process tests measured; ctest
# keeps every test's output in LastTest.log.
awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3; show = name ~ /^c_(lifecycle|async_destroy|two_clients|host_)/; out = 0; next }
     show && /^<end of output>/ { out = 0; next }
     show && out { print name ": " $0 }
     show && /^Output:/ { getline; out = 1 }' "$build_dir/Testing/Temporary/LastTest.log"

section "python binding (pytest)"
# The tests start the dev broker themselves, from this binary, and load the
# library built above. Exit code 5 (nothing collected) is a failure: the
# loading and message tests need neither broker nor producer and always run.
case $build_dir in /*) build_abs=$build_dir ;; *) build_abs=$root/$build_dir ;; esac
go build -o "$build_abs/bin/rocketmq-devbroker" ./cmd/rocketmq-devbroker
py_status=0
ROCKETMQ_LIBRARY="$build_abs/lib/librocketmq.so" \
  ROCKETMQ_DEVBROKER="$build_abs/bin/rocketmq-devbroker" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider bindings/python/tests || py_status=$?
if ((py_status == 5)); then
  echo "pytest collected no tests from bindings/python/tests"
fi
if ((py_status != 0)); then
  exit "$py_status"
fi

case ${RMQ_WINDOWS:-wine} in
wine)
  section "windows (scripts/windows.sh)"
  bash scripts/windows.sh
  ;;
exports)
  section "windows (scripts/windows.sh --no-wine)"
  bash scripts/windows.sh --no-wine
  ;;
0)
  section "windows: skipped (RMQ_WINDOWS=0)"
  ;;
*)
  echo "RMQ_WINDOWS must be wine, exports or 0, not ${RMQ_WINDOWS}"
  exit 2
  ;;
esac

section "all tests passed"
