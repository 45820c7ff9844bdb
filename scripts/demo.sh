#!/usr/bin/env bash
# Builds everything and runs the demo: a dev broker, then producers and consumers in C and
# Python (over librocketmq.so) and Apache's Go client exchanging messages through it.
# Installs what the build needs on Debian first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== build: Go packages, rocketmq-devbroker, librocketmq.so / librocketmq.a, C examples"
go build ./...
mkdir -p build/bin
go build -o build/bin/rocketmq-devbroker ./cmd/rocketmq-devbroker
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel 2

echo "== start the dev broker (name server and broker on free loopback ports)"
work=$(mktemp -d)
ready="$work/ready"
build/bin/rocketmq-devbroker -namesrv-addr 127.0.0.1:0 -broker-addr 127.0.0.1:0 -ready-file "$ready" &
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  [ -s "$ready" ] && break
  kill -0 $broker 2>/dev/null || { echo "the dev broker exited early" >&2; exit 1; }
  sleep 0.1
done
[ -s "$ready" ] || { echo "the dev broker did not come up within 10 s" >&2; exit 1; }
namesrv=$(cat "$ready")
echo "name server at $namesrv"

echo "== C: a producer sends 20 messages and a push consumer receives each once (librocketmq.so)"
build/push_consumer "$namesrv"

echo "== Python: the rocketmq package over the same library sends and receives"
ROCKETMQ_LIBRARY="$PWD/build/lib/librocketmq.so" PYTHONPATH="$PWD/bindings/python" \
  /usr/bin/python3 bindings/python/examples/demo.py "$namesrv"

echo "== Apache's Go client (rocketmq-client-go v2) against the same dev broker"
(cd interop && go run ./cmd/demo -namesrv "$namesrv" -topic DemoTopic -n 10)

echo "== demo finished"
