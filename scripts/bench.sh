#!/usr/bin/env bash
# Producer benchmark, one command: our library over the C API, Apache's Go client
# (rocketmq-client-go v2.1.2) and our Go core, side by side against ONE dev broker on free
# loopback ports, for 100 B and 1 KiB bodies; then the Go core's allocations per send
# from go test. Prints a table per body size with the ratios ours / Apache's, and the
# targets of issue 4 (met or MISSED; they are reported, not asserted).
#
#   bash scripts/bench.sh
#
# Environment (defaults in brackets):
#   BENCH_SIZES      body sizes in bytes ["100 1024"]
#   BENCH_ROUNDS     rounds; the table shows each figure's median [3]
#   BENCH_WARMUP     sync sends before measuring [1000]
#   BENCH_N          sync sends measured for latency, one thread [10000]
#   BENCH_SECONDS    length of each throughput figure [2]
#   BENCH_THREADS    sending threads of the parallel sync figure [16]
#   BENCH_WINDOW     async sends in flight at most [1024]
#   BENCH_QUEUES     queues of each topic [8]
#   BENCH_GOTEST     1 runs go test -bench BenchmarkProducer -benchmem ./bench/ [1]
#   BENCH_GOTEST_BENCHTIME  its -benchtime [20000x]
#   BENCH_BUILD_DIR  the CMake build tree [build]
# Results go to $BENCH_BUILD_DIR/bench/ (figures per round, results.md, logs).
#
# Each round starts every contender afresh, in a rotated order, and the table takes
# medians: on a small shared machine one contender's run can be disturbed by anything
# else running, and several short interleaved rounds are steadier than one long one.
#
# Exits non-zero, saying what, when anything fails: a build, the broker, a single send.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sizes=${BENCH_SIZES:-100 1024}
rounds=${BENCH_ROUNDS:-3}
export BENCH_WARMUP=${BENCH_WARMUP:-1000}
export BENCH_N=${BENCH_N:-10000}
export BENCH_SECONDS=${BENCH_SECONDS:-2}
export BENCH_THREADS=${BENCH_THREADS:-16}
export BENCH_WINDOW=${BENCH_WINDOW:-1024}
queues=${BENCH_QUEUES:-8}
build=${BENCH_BUILD_DIR:-build}
[[ $build == /* ]] || build=$root/$build
out=$build/bench
started=$SECONDS

bash scripts/install-deps.sh >/dev/null

echo "== build: librocketmq.so, rocketmq-devbroker, producer_bench (C), interop/bench (Go)"
# Configuring again is cheap and keeps an existing tree's cache.
cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target producer_bench rocketmq_devbroker --parallel 2
rm -rf "$out"
mkdir -p "$out"
(cd interop && go build -o "$out/gobench" ./bench)
devbroker=$build/bin/rocketmq-devbroker
cbench=$build/producer_bench
gobench=$out/gobench

echo "== start one dev broker on free loopback ports"
ready=$out/namesrv
"$devbroker" -namesrv-addr 127.0.0.1:0 -broker-addr 127.0.0.1:0 -ready-file "$ready" \
  </dev/null >"$out/devbroker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true; wait $broker 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [[ -s $ready ]] && break
  kill -0 $broker 2>/dev/null || { echo "bench: the dev broker exited early:" >&2; cat "$out/devbroker.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s $ready ]] || { echo "bench: the dev broker did not come up within 10 s" >&2; exit 1; }
namesrv=$(head -n 1 "$ready")
echo "name server $namesrv"

# Distinct topics per run and per contender, created before anything is timed.
run=$(date +%s)
topic() { echo "Bench_${run}_$1_$2"; }
topics=()
for size in $sizes; do
  for c in c core apache; do topics+=("$(topic "$c" "$size")"); done
done
"$gobench" topics -namesrv "$namesrv" -queues "$queues" "${topics[@]}"

# The C library's log file goes here, not to $HOME/logs.
export ROCKETMQ_CLIENT_LOG_DIR=$out/client-logs
contenders=(c core apache)
for ((r = 1; r <= rounds; r++)); do
  for size in $sizes; do
    for ((i = 0; i < 3; i++)); do
      c=${contenders[(i + r - 1) % 3]}
      result=$out/$c-$size-r$r.txt
      instance=bench-$c-$run-$size-$r
      case $c in
      c)
        echo "== round $r/$rounds, $size B bodies: ours over the C API"
        "$cbench" "$namesrv" "$(topic c "$size")" "$size" "$instance" >"$result" \
          || { echo "bench: the C benchmark failed ($size B, round $r)" >&2; exit 1; }
        ;;
      *)
        if [[ $c == core ]]; then
          echo "== round $r/$rounds, $size B bodies: our Go core"
        else
          echo "== round $r/$rounds, $size B bodies: Apache's Go client"
        fi
        "$gobench" run -client "$c" -namesrv "$namesrv" -topic "$(topic "$c" "$size")" -size "$size" \
          -instance "$instance" -out "$result" \
          -warmup "$BENCH_WARMUP" -n "$BENCH_N" -duration "${BENCH_SECONDS}s" \
          -threads "$BENCH_THREADS" -window "$BENCH_WINDOW" \
          || { echo "bench: the $c benchmark failed ($size B, round $r)" >&2; exit 1; }
        ;;
      esac
    done
  done
done
kill $broker
wait $broker 2>/dev/null || true
trap - EXIT

gotest=()
if [[ ${BENCH_GOTEST:-1} == 1 ]]; then
  echo "== go test -run '^\$' -bench BenchmarkProducer -benchmem -benchtime ${BENCH_GOTEST_BENCHTIME:-20000x} ./bench/"
  if ! go test -run '^$' -bench BenchmarkProducer -benchmem -benchtime "${BENCH_GOTEST_BENCHTIME:-20000x}" ./bench/ \
    | tee "$out/gotest.txt"; then
    echo "bench: go test -bench failed" >&2
    exit 1
  fi
  gotest=(-gotest "$out/gotest.txt")
fi

"$gobench" report -dir "$out" -sizes "${sizes// /,}" -threads "$BENCH_THREADS" -window "$BENCH_WINDOW" \
  "${gotest[@]}" -markdown "$out/results.md"
echo
echo "bench: done in $((SECONDS - started)) s; figures in $out (results.md: the table as Markdown)"
