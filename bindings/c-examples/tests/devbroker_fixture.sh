#!/usr/bin/env bash
# devbroker_fixture.sh start|stop DEVBROKER DIR
#
# The ctest fixture of the C examples: "start" launches rocketmq-devbroker on
# free ports, in a session of its own and with no terminal or pipe of
# ctest's (which would otherwise wait for it), waits until it has written
# its name server address to DIR/namesrv, and leaves its pid in
# DIR/devbroker.pid; "stop" ends that process, and only that one. With
# ROCKETMQ_NAMESRV set, "start" writes that address instead and starts nothing.
set -euo pipefail

cmd=${1:?usage: devbroker_fixture.sh start|stop DEVBROKER DIR}
bin=${2:?devbroker binary}
dir=${3:?state directory}
pidfile=$dir/devbroker.pid
ready=$dir/namesrv
log=$dir/devbroker.log

# ours PID: the process is the dev broker binary this fixture started (a pid
# file left by an aborted run may name a process that has since been reused).
ours() {
  [[ -r /proc/$1/cmdline ]] && tr '\0' '\n' <"/proc/$1/cmdline" | head -n 1 | grep -qxF "$bin"
}

stop() {
  [[ -f $pidfile ]] || return 0
  local pid
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      ours "$pid" || break
      sleep 0.1
    done
    if ours "$pid"; then
      echo "dev broker $pid did not stop on SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile" "$ready"
}

case $cmd in
start)
  mkdir -p "$dir"
  stop
  if [[ -n ${ROCKETMQ_NAMESRV:-} ]]; then
    # A cluster of the caller's: the tests talk to it, nothing is started.
    echo "$ROCKETMQ_NAMESRV" >"$ready"
    echo "name server from ROCKETMQ_NAMESRV: $ROCKETMQ_NAMESRV"
    exit 0
  fi
  # setsid execs the broker in place (this shell's child is no group
  # leader), so $! is the broker's pid.
  setsid "$bin" -namesrv-addr 127.0.0.1:0 -broker-addr 127.0.0.1:0 -ready-file "$ready" \
    </dev/null >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pidfile"
  for _ in $(seq 300); do
    if [[ -s $ready ]]; then
      echo "dev broker $pid: name server $(<"$ready")"
      exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "dev broker exited early:"
      cat "$log"
      rm -f "$pidfile"
      exit 1
    fi
    sleep 0.1
  done
  echo "dev broker not ready after 30 s:"
  cat "$log"
  stop
  exit 1
  ;;
stop)
  stop
  echo "dev broker stopped"
  ;;
*)
  echo "usage: devbroker_fixture.sh start|stop DEVBROKER DIR" >&2
  exit 2
  ;;
esac
