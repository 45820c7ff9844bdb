#!/usr/bin/env bash
# Installs what building and testing librocketmq-go needs on Debian 12, with Go
# already on the machine: cmake, build-essential (gcc, g++, make and the libc
# headers cgo needs), binutils (nm), Debian's python3 and pytest (used as
# /usr/bin/python3) with pip, setuptools and wheel for the binding's packaging tests
# (offline: pip installs the local checkout only), pkg-config (the package test), and
# for scripts/windows.sh the MinGW-w64 cross compilers and wine64.
#
# Idempotent: when every tool is already present it touches nothing, and it
# runs `apt-get update` only when something has to be installed.
# Runs as root; otherwise uses sudo if it is available.
set -euo pipefail

# package -> a command (or "dpkg:" to check the package itself) that proves it is installed
want=(
  "cmake:cmake"
  "build-essential:dpkg"
  "gcc:gcc"
  "g++:g++"
  "make:make"
  "binutils:nm"
  "python3:/usr/bin/python3"
  "python3-pytest:dpkg"
  "python3-pip:dpkg"
  "python3-setuptools:dpkg"
  "python3-wheel:dpkg"
  "pkg-config:pkg-config"
  "gcc-mingw-w64-x86-64:x86_64-w64-mingw32-gcc"
  "g++-mingw-w64-x86-64:x86_64-w64-mingw32-g++"
  "wine64:/usr/lib/wine/wine64"
)

missing=()
for entry in "${want[@]}"; do
  pkg=${entry%%:*}
  probe=${entry#*:}
  if [[ $probe == dpkg ]]; then
    dpkg -s "$pkg" >/dev/null 2>&1 && continue
  else
    command -v "$probe" >/dev/null 2>&1 && continue
  fi
  missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is already installed"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
