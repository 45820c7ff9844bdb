#!/usr/bin/env bash
# run_example.sh DEVBROKER NAMESRV_FILE EXAMPLE [ARG...]
#
# Runs a C example against the dev broker whose name server address is in
# NAMESRV_FILE (the fixture writes it), then checks with
# `rocketmq-devbroker admin topics` that the broker stored what the example
# said it sent: for each line "EXPECT <topic> <count> <not-before-ms>" it
# prints, the topic must come to hold exactly <count> messages, and none
# before <not-before-ms> (ms since the epoch; 0: no bound). Delayed and
# transactional messages arrive late, so the counts are polled.
#
# Environment: RMQ_EXAMPLE_TIMEOUT, seconds to wait for the counts (60).
set -uo pipefail

devbroker=${1:?usage: run_example.sh DEVBROKER NAMESRV_FILE EXAMPLE [ARG...]}
namesrv_file=${2:?name server file}
shift 2
namesrv=$(head -n 1 "$namesrv_file") || { echo "no name server address in $namesrv_file"; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" "$namesrv" | tee "$out"
status=${PIPESTATUS[0]}
if ((status != 0)); then
  echo "FAIL: $(basename "$1") exited with status $status"
  exit 1
fi

# Windows programs end their lines with CR LF.
mapfile -t expects < <(grep '^EXPECT ' "$out" | tr -d '\r')
if ((${#expects[@]} == 0)); then
  echo "FAIL: the example printed no EXPECT line"
  exit 1
fi

now_ms() { date +%s%3N; }
deadline=$((SECONDS + ${RMQ_EXAMPLE_TIMEOUT:-60}))
while :; do
  if ! table=$("$devbroker" admin topics -namesrv "$namesrv" 2>&1); then
    echo "FAIL: admin topics: $table"
    exit 1
  fi
  pending=0
  report=""
  for line in "${expects[@]}"; do
    read -r _ topic want not_before <<<"$line"
    have=$(awk -v t="$topic" '$1 == t { n = $4 } END { print n + 0 }' <<<"$table")
    report+="  $topic: $have of $want"$'\n'
    if ((have > want)); then
      echo "FAIL: $topic holds $have messages, more than the $want sent"
      echo "$table"
      exit 1
    fi
    if ((have > 0 && not_before > 0 && $(now_ms) < not_before)); then
      echo "FAIL: $topic holds $have messages $((not_before - $(now_ms))) ms before they were due"
      exit 1
    fi
    ((have < want)) && pending=1
  done
  if ((!pending)); then
    echo "stored as expected:"
    printf '%s' "$report"
    exit 0
  fi
  if ((SECONDS > deadline)); then
    echo "FAIL: the broker did not store what the example sent:"
    printf '%s' "$report"
    echo "$table"
    exit 1
  fi
  sleep 0.2
done
