#!/usr/bin/env bash
# Producer and consumer benchmark, one command: our library over the C API, Apache's Go
# client (rocketmq-client-go v2.1.2) and our Go core, side by side against one dev broker
# on free loopback ports, for 100 B and 1 KiB bodies; then the Go core's allocations per
# send from go test. Prints a table per body size with the ratios ours / Apache's, and the
# targets of issues 4 (producer) and 5 (consumer), met or MISSED: they are reported, not
# asserted.
#
# The consumer side (a fresh dev broker, so the producer runs' messages take none of its
# store) measures, per body size: how fast a push consumer of a new group receives
# BENCH_CONSUME_N messages stored beforehand (bench/c/consumer_bench.c over the C API,
# interop/bench/consumer for the Go core and Apache's client); the end-to-end latency,
# receive time minus born timestamp, while one producer (our Go core, its own process)
# sends at BENCH_LAT_RATE msgs/s; and, on a broker of its own, the consumer process's
# VmHWM while it works through a backlog of BENCH_RSS_BACKLOG messages with its default
# flow control.
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
#   BENCH_CONSUMER   0 skips the consumer side [1]
#   BENCH_CONSUME_N  stored messages each consumer receives for the throughput figure [200000]
#   BENCH_CONSUME_ROUNDS  rounds of the throughput figure (medians) [3]
#   BENCH_LAT_RATE   send rate of the latency figure, msgs/s [10000]
#   BENCH_LAT_SECONDS  measured seconds of sending, after BENCH_LAT_WARMUP_SECONDS [5]
#   BENCH_LAT_WARMUP_SECONDS  seconds of sending whose messages are not measured [1]
#   BENCH_LAT_ROUNDS rounds of the latency figure (medians) [1]
#   BENCH_RSS_BACKLOG  messages of the memory figure's backlog, 0 skips it [1000000]
#   BENCH_RSS_SIZE   their body size [100]
#   BENCH_CONSUME_TIMEOUT  seconds a consumer may take to receive its messages [120]
#   BENCH_PYTHON     0 skips the Python side [1]
#   BENCH_PYTHON_N   messages per mode of bench/python/throughput.py [20000]
#   BENCH_PYTHON_SIZE  its body size, one of BENCH_SIZES for the ratios [100]
# Results go to $BENCH_BUILD_DIR/bench/ (figures per round, results.md, logs).
#
# The Python side (a fresh dev broker) runs bench/python/throughput.py over the library
# just built, BENCH_ROUNDS times, and sets its medians beside Apache's Go client's figures
# of the same run (sync, async, push consume).
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

consumer=${BENCH_CONSUMER:-1}
consume_n=${BENCH_CONSUME_N:-200000}
consume_rounds=${BENCH_CONSUME_ROUNDS:-3}
lat_rate=${BENCH_LAT_RATE:-10000}
lat_seconds=${BENCH_LAT_SECONDS:-5}
lat_warmup=${BENCH_LAT_WARMUP_SECONDS:-1}
lat_rounds=${BENCH_LAT_ROUNDS:-1}
rss_backlog=${BENCH_RSS_BACKLOG:-1000000}
rss_size=${BENCH_RSS_SIZE:-100}
export BENCH_CONSUME_TIMEOUT=${BENCH_CONSUME_TIMEOUT:-120}

echo "== build: librocketmq.so, rocketmq-devbroker, producer_bench and consumer_bench (C), interop/bench (Go)"
# Configuring again is cheap and keeps an existing tree's cache.
cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target producer_bench consumer_bench rocketmq_devbroker --parallel 2
rm -rf "$out"
mkdir -p "$out"
(cd interop && go build -o "$out/gobench" ./bench && go build -o "$out/gobench-consumer" ./bench/consumer)
devbroker=$build/bin/rocketmq-devbroker
cbench=$build/producer_bench
ccbench=$build/consumer_bench
gobench=$out/gobench
gocbench=$out/gobench-consumer

# start_broker NAME: a dev broker on free loopback ports, its log in $out/NAME.log; sets
# $broker (its pid) and $namesrv. stop_broker ends it. A consumer running in the
# background ($bg) is ended with it when the script fails.
broker=
bg=
stop_broker() {
  [[ -n $bg ]] && { kill "$bg" 2>/dev/null || true; wait "$bg" 2>/dev/null || true; bg=; }
  [[ -n $broker ]] && { kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; broker=; }
  return 0
}
trap stop_broker EXIT
start_broker() {
  local ready=$out/$1.namesrv
  "$devbroker" -namesrv-addr 127.0.0.1:0 -broker-addr 127.0.0.1:0 -ready-file "$ready" \
    </dev/null >"$out/$1.log" 2>&1 &
  broker=$!
  for _ in $(seq 1 100); do
    [[ -s $ready ]] && break
    kill -0 "$broker" 2>/dev/null || { echo "bench: the dev broker exited early:" >&2; cat "$out/$1.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -s $ready ]] || { echo "bench: the dev broker did not come up within 10 s" >&2; exit 1; }
  namesrv=$(head -n 1 "$ready")
  echo "name server $namesrv"
}

echo "== start one dev broker on free loopback ports"
start_broker devbroker

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
stop_broker

# ---- consumers ----------------------------------------------------------------------
# consume CLIENT MODE TOPIC TOTAL INSTANCE RESULT [READY]: one consumer run.
consume() {
  local c=$1 mode=$2 topic=$3 total=$4 instance=$5 result=$6 ready=${7:-}
  if [[ $c == c ]]; then
    "$ccbench" "$mode" "$namesrv" "$topic" "$total" "$instance" ${ready:+"$ready"} >"$result"
  else
    "$gocbench" consume -client "$c" -mode "$mode" -namesrv "$namesrv" -topic "$topic" -total "$total" \
      -instance "$instance" -timeout "${BENCH_CONSUME_TIMEOUT}s" ${ready:+-ready "$ready"} -out "$result"
  fi
}
title() {
  case $1 in
  c) echo "ours over the C API" ;;
  core) echo "our Go core" ;;
  apache) echo "Apache's Go client" ;;
  esac
}
if [[ $consumer == 1 ]]; then
  cout=$out/consumer
  mkdir -p "$cout"
  echo "== consumer: start a fresh dev broker"
  start_broker devbroker-consumer
  ctopic() { echo "BenchC_${run}_$1"; }
  ctopics=()
  for size in $sizes; do
    ctopics+=("$(ctopic "tput_$size")")
    for ((r = 1; r <= lat_rounds; r++)); do
      for c in c core apache; do ctopics+=("$(ctopic "lat_${c}_${size}_$r")"); done
    done
  done
  "$gobench" topics -namesrv "$namesrv" -queues "$queues" "${ctopics[@]}"
  for size in $sizes; do
    echo "== consumer: store $consume_n messages of $size B"
    "$gocbench" fill -namesrv "$namesrv" -topic "$(ctopic "tput_$size")" -size "$size" -n "$consume_n"
  done
  # Every run is a new group, so each starts at offset 0 of the same stored messages.
  for ((r = 1; r <= consume_rounds; r++)); do
    for size in $sizes; do
      for ((i = 0; i < 3; i++)); do
        c=${contenders[(i + r - 1) % 3]}
        echo "== consumer round $r/$consume_rounds, consume $consume_n stored $size B messages: $(title "$c")"
        consume "$c" throughput "$(ctopic "tput_$size")" "$consume_n" "tput-$c-$run-$size-$r" \
          "$cout/tput-$c-$size-r$r.txt" \
          || { echo "bench: the $c consumer failed (throughput, $size B, round $r)" >&2; exit 1; }
      done
    done
  done
  warm_n=$((lat_rate * lat_warmup))
  lat_n=$((lat_rate * lat_seconds))
  for ((r = 1; r <= lat_rounds; r++)); do
    for size in $sizes; do
      for ((i = 0; i < 3; i++)); do
        c=${contenders[(i + r - 1) % 3]}
        echo "== consumer round $r/$lat_rounds, end-to-end latency at $lat_rate msgs/s, $size B: $(title "$c")"
        topic=$(ctopic "lat_${c}_${size}_$r")
        ready=$cout/lat-$c-$size-r$r.ready
        consume "$c" latency "$topic" $((warm_n + lat_n)) "lat-$c-$run-$size-$r" "$cout/lat-$c-$size-r$r.txt" "$ready" &
        bg=$!
        for _ in $(seq 1 300); do
          [[ -s $ready ]] && break
          kill -0 "$bg" 2>/dev/null || break
          sleep 0.05
        done
        [[ -s $ready ]] || { echo "bench: the $c consumer did not start (latency, $size B)" >&2; exit 1; }
        "$gocbench" produce -namesrv "$namesrv" -topic "$topic" -size "$size" -rate "$lat_rate" \
          -warmup-n "$warm_n" -n "$lat_n" \
          || { echo "bench: the rate producer failed (latency, $size B, $c)" >&2; exit 1; }
        wait "$bg" || { bg=; echo "bench: the $c consumer failed (latency, $size B, round $r)" >&2; exit 1; }
        bg=
      done
    done
  done
  stop_broker
  if ((rss_backlog > 0)); then
    echo "== consumer memory: a fresh dev broker, $rss_backlog stored messages of $rss_size B"
    start_broker devbroker-rss
    "$gobench" topics -namesrv "$namesrv" -queues "$queues" "$(ctopic rss)"
    "$gocbench" fill -namesrv "$namesrv" -topic "$(ctopic rss)" -size "$rss_size" -n "$rss_backlog"
    for c in c core apache; do
      echo "== consumer memory: $(title "$c") works through the backlog"
      consume "$c" throughput "$(ctopic rss)" "$rss_backlog" "rss-$c-$run" "$cout/rss-$c-$rss_size-r1.txt" \
        || { echo "bench: the $c consumer failed (backlog)" >&2; exit 1; }
    done
    stop_broker
  fi
fi

if [[ ${BENCH_PYTHON:-1} == 1 ]]; then
  pyout=$out/python
  mkdir -p "$pyout"
  py_size=${BENCH_PYTHON_SIZE:-100}
  echo "== python: a fresh dev broker, bench/python/throughput.py, ${BENCH_PYTHON_N:-20000} messages of $py_size B per mode"
  start_broker devbroker-python
  for ((r = 1; r <= rounds; r++)); do
    echo "== python round $r/$rounds"
    ROCKETMQ_LIBRARY=$build/lib/librocketmq.so /usr/bin/python3 bench/python/throughput.py \
      -n "${BENCH_PYTHON_N:-20000}" --size "$py_size" --namesrv "$namesrv" --json \
      >"$pyout/python-$py_size-r$r.json" \
      || { echo "bench: the Python benchmark failed (round $r)" >&2; exit 1; }
  done
  stop_broker
fi
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
if [[ $consumer == 1 ]]; then
  rss_arg=$rss_size
  ((rss_backlog > 0)) || rss_arg=0
  "$gocbench" report -dir "$cout" -sizes "${sizes// /,}" -rss-size "$rss_arg" -backlog "$rss_backlog" \
    -stored "$consume_n" -rate "$lat_rate" -markdown "$out/consumer-results.md"
fi
if [[ ${BENCH_PYTHON:-1} == 1 ]]; then
  /usr/bin/python3 bench/python/report.py "$out" "$py_size" "$out/python-results.md"
fi
echo
echo "bench: done in $((SECONDS - started)) s; figures in $out (results.md, consumer-results.md," \
  "python-results.md: the tables as Markdown)"
