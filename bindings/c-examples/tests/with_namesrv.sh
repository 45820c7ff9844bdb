#!/usr/bin/env bash
# with_namesrv.sh NAMESRV_FILE PROGRAM [ARG...]
#
# Runs PROGRAM ARG... NAMESRV, NAMESRV being the dev broker's name server
# address that the ctest fixture wrote to NAMESRV_FILE; for the tests that
# check what they need themselves (unlike the examples, see run_example.sh).
set -euo pipefail
namesrv_file=${1:?usage: with_namesrv.sh NAMESRV_FILE PROGRAM [ARG...]}
shift
namesrv=$(head -n 1 "$namesrv_file") || { echo "no name server address in $namesrv_file"; exit 1; }
exec "$@" "$namesrv"
