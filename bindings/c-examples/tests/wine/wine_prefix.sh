#!/usr/bin/env bash
# wine_prefix.sh start|stop WINE WINESERVER [SHIM_DLL...]
#
# The ctest fixture of the Windows test programs under Wine, for the Wine
# prefix named by $WINEPREFIX (a directory of the build tree): "start" sets
# the prefix up once, before the tests run in parallel (a first start of
# Wine creates it, which parallel starts would race to do), and copies each
# SHIM_DLL into its system32 unless Wine has a DLL of that name itself;
# "stop" ends the prefix's wineserver, if it still runs.
set -euo pipefail

cmd=${1:?usage: wine_prefix.sh start|stop WINE WINESERVER [SHIM_DLL...]}
wine=${2:?wine}
wineserver=${3:?wineserver}
shift 3
: "${WINEPREFIX:?WINEPREFIX must name the prefix}"
export WINEDEBUG=${WINEDEBUG:--all}

case $cmd in
start)
  start=$SECONDS
  "$wine" wineboot -i
  # wineboot returns before the prefix is complete; a second command waits
  # for the wineserver, so that the tests start with a finished prefix.
  "$wineserver" -w
  system32=$WINEPREFIX/drive_c/windows/system32
  [[ -d $system32 ]] || { echo "no $system32 after wineboot"; exit 1; }
  for dll in "$@"; do
    name=$(basename "$dll")
    if [[ -e $system32/$name ]] && ! cmp -s "$dll" "$system32/$name"; then
      echo "Wine has its own $name: kept"
    else
      cp "$dll" "$system32/$name"
      echo "copied $name into $system32"
    fi
  done
  echo "Wine prefix $WINEPREFIX ready in $((SECONDS - start)) s"
  ;;
stop)
  "$wineserver" -k 2>/dev/null || true
  echo "wineserver stopped"
  ;;
*)
  echo "usage: wine_prefix.sh start|stop WINE WINESERVER [SHIM_DLL...]" >&2
  exit 2
  ;;
esac
