#!/usr/bin/env bash
# exchange.sh NAMESRV_FILE COUNT PRODUCER... -- CONSUMER...
#
# Two programs talk through the dev broker whose name server address is in
# NAMESRV_FILE: PRODUCER (exchange_producer, with any launcher before it,
# e.g. wine) sends COUNT messages to a topic no other run uses, then
# CONSUMER (exchange_consumer) receives them; each checks what it handles
# and both must exit with status 0. Each gets NAMESRV TOPIC COUNT appended.
set -uo pipefail

namesrv_file=${1:?usage: exchange.sh NAMESRV_FILE COUNT PRODUCER... -- CONSUMER...}
count=${2:?count}
shift 2
producer=()
while (($# > 0)) && [[ $1 != -- ]]; do
  producer+=("$1")
  shift
done
(($# > 1)) || { echo "usage: exchange.sh NAMESRV_FILE COUNT PRODUCER... -- CONSUMER..."; exit 2; }
shift
consumer=("$@")
namesrv=$(head -n 1 "$namesrv_file") || { echo "no name server address in $namesrv_file"; exit 1; }
topic=Exchange_$(date +%s%N)_$$

"${producer[@]}" "$namesrv" "$topic" "$count" || { echo "FAIL: the producer exited with status $?"; exit 1; }
"${consumer[@]}" "$namesrv" "$topic" "$count" || { echo "FAIL: the consumer exited with status $?"; exit 1; }
echo "exchanged $count messages through $topic"
