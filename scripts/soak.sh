#!/usr/bin/env bash
# soak.sh - a long, steady run of producing and consuming through the C API against a
# dev broker: bench/c/soak.c sends SOAK_RATE msgs/s with SendAsync and a push consumer
# receives them; every SOAK_REPORT seconds it prints sent, acknowledged and consumed
# counts, the send and consume rates, and the process's RSS, threads and descriptors;
# at the end the messages lost (acknowledged, never consumed: must be 0) and the
# duplicates. Not part of .ci/run: it takes ten minutes by default.
#
#   bash scripts/soak.sh                 # 10 minutes
#   RMQ_SOAK_TIME=120 bash scripts/soak.sh
#
# Environment (defaults in brackets):
#   RMQ_SOAK_TIME    seconds of sending, or with a unit: 90s, 10m, 1h [10m]
#   SOAK_RATE        messages per second [1000]
#   SOAK_REPORT      seconds between report lines [15]
#   SOAK_BODY        body size in bytes [256]
#   SOAK_DRAIN       seconds the consumer may take to catch up at the end [120]
#   SOAK_BUILD_DIR   the CMake build tree [build]
# The run's output is also kept in $SOAK_BUILD_DIR/soak-run/soak.log, the broker's log next
# to it. Exits non-zero if a message was lost or anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

t=${RMQ_SOAK_TIME:-10m}
case $t in
*h) seconds=$((${t%h} * 3600)) ;;
*m) seconds=$((${t%m} * 60)) ;;
*s) seconds=${t%s} ;;
*) seconds=$t ;;
esac
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "RMQ_SOAK_TIME=$t: want seconds, or 90s, 10m, 1h" >&2; exit 2; }

build=${SOAK_BUILD_DIR:-build}
out=$build/soak-run
echo "== build: librocketmq.so, rocketmq-devbroker, soak"
cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target soak rocketmq_devbroker --parallel 2
rm -rf "$out"
mkdir -p "$out"

# The ctest fixture starts and stops the broker; ROCKETMQ_NAMESRV (which would make it
# start none) is dropped because the RSS line below is about our own broker.
fixture=(bash bindings/c-examples/tests/devbroker_fixture.sh)
devbroker=$build/bin/rocketmq-devbroker
trap '"${fixture[@]}" stop "$devbroker" "$out" >/dev/null || true' EXIT
if ! env -u ROCKETMQ_NAMESRV "${fixture[@]}" start "$devbroker" "$out" >"$out/fixture.log"; then
  echo "soak: the dev broker did not come up:" >&2
  cat "$out/fixture.log" >&2
  exit 1
fi
broker=$(<"$out/devbroker.pid")
namesrv=$(head -n 1 "$out/namesrv")
echo "== dev broker: name server $namesrv; soaking for $seconds s"

export ROCKETMQ_CLIENT_LOG_DIR=$out/client-logs
"$build/soak" "$namesrv" "Soak_$(date +%s)" "$seconds" 2>&1 | tee "$out/soak.log"
status=${PIPESTATUS[0]}
echo "== broker RSS at the end: $(awk '/VmRSS/ {print $2, $3}' "/proc/$broker/status" 2>/dev/null || echo unknown)"
exit "$status"
