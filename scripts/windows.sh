#!/usr/bin/env bash
# Builds librocketmq for 64-bit Windows on Linux and proves it under Wine:
#
#   bash scripts/windows.sh            # everything below
#   bash scripts/windows.sh --no-wine  # build, package and check the export table only
#
# 1. cross-compiles with Debian's MinGW-w64 (cmake/mingw-w64-x86_64.cmake):
#    librocketmq.dll, its import library librocketmq.dll.a and librocketmq.def
#    (made from the DLL's export table once scripts/header_symbols.py has
#    checked that it holds exactly the functions of include/*.h), the C tests
#    and examples as .exe files;
# 2. runs ctest in that build: the export-table check, and (unless --no-wine)
#    the C tests, the examples and the producer/consumer exchange as Windows
#    programs under Wine, against a dev broker on the Linux loopback;
# 3. packs dist/windows/librocketmq-<version>-windows-x64.zip (bin/ the DLL,
#    lib/ the import library, .def, pkg-config and CMake package files,
#    include/rocketmq/ the headers), checks its layout, and (with Wine)
#    builds a program against the unpacked zip with find_package(RocketMQ)
#    and with pkg-config, and runs both.
#
# Environment:
#   RMQ_WINDOWS_BUILD_DIR  the CMake build directory, default build-windows
#   RMQ_JOBS               parallel build/test jobs, default: number of CPUs
set -euo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

wine_tests=1
case ${1:-} in
"") ;;
--no-wine) wine_tests=0 ;;
*)
  echo "usage: bash scripts/windows.sh [--no-wine]" >&2
  exit 2
  ;;
esac

build_dir=${RMQ_WINDOWS_BUILD_DIR:-build-windows}
case $build_dir in /*) ;; *) build_dir=$root/$build_dir ;; esac
jobs=${RMQ_JOBS:-$(nproc 2>/dev/null || echo 2)}
dist=$root/dist/windows
toolchain=$root/cmake/mingw-w64-x86_64.cmake

start=$SECONDS
section() {
  printf '\n==== %s  [%ds]\n' "$*" $((SECONDS - start))
}

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

section "install dependencies"
bash scripts/install-deps.sh
for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-g++ x86_64-w64-mingw32-dlltool; do
  command -v "$tool" >/dev/null || { echo "$tool not found (scripts/install-deps.sh installs it)"; exit 1; }
done
wine=
for w in wine64 /usr/lib/wine/wine64 wine; do
  if command -v "$w" >/dev/null 2>&1; then
    wine=$(command -v "$w")
    break
  fi
done
wineserver=
for w in "$(dirname "${wine:-/usr/lib/wine/wine64}")/wineserver" wineserver /usr/lib/wine/wineserver; do
  if command -v "$w" >/dev/null 2>&1; then
    wineserver=$(command -v "$w")
    break
  fi
done
if ((wine_tests)) && [[ -z $wine || -z $wineserver ]]; then
  echo "wine64 or wineserver not found (scripts/install-deps.sh installs wine64); --no-wine skips the Wine runs"
  exit 1
fi

section "cmake configure ($build_dir)"
# An empty emulator registers no Wine tests (the build's other tests are
# then not run: they are Windows programs).
emulator=(-DCMAKE_CROSSCOMPILING_EMULATOR="$wine")
if ((!wine_tests)); then
  emulator=(-DCMAKE_CROSSCOMPILING_EMULATOR=)
fi
cmake -S . -B "$build_dir" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release "${emulator[@]}"

section "cmake build"
cmake --build "$build_dir" --parallel "$jobs"

if ((wine_tests)); then
  section "ctest: the export table, then the C tests, examples and exchange under Wine ($wine)"
  (cd "$build_dir" && ctest --output-on-failure --parallel "$jobs")
else
  section "ctest: the export table"
  (cd "$build_dir" && ctest --output-on-failure -R '^c_dll_exports$')
fi

section "package: $dist"
rm -rf "$dist"
mkdir -p "$dist"
(cd "$build_dir" && cpack -G ZIP -B "$dist" >/dev/null)
rm -rf "$dist/_CPack_Packages"
zip=$(ls "$dist"/librocketmq-*-windows-x64.zip)
name=$(basename "$zip" .zip)
unpacked=$dist/unpacked
rm -rf "$unpacked"
cmake -E make_directory "$unpacked"
(cd "$unpacked" && cmake -E tar xf "$zip")
pkg=$unpacked/$name
for f in bin/librocketmq.dll lib/librocketmq.dll.a lib/librocketmq.def \
  lib/pkgconfig/librocketmq.pc lib/cmake/RocketMQ/RocketMQConfig.cmake include/rocketmq/CProducer.h; do
  [[ -f $pkg/$f ]] || { echo "FAIL: $f missing from $zip"; exit 1; }
done
(cd "$unpacked" && find "$name" -type f | sort)

if ((wine_tests)); then
  section "a program built against the zip with find_package(RocketMQ), under Wine"
  consumer_build=$dist/package-consumer
  rm -rf "$consumer_build"
  cmake -S bindings/c-examples/tests/package -B "$consumer_build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DRocketMQ_DIR="$pkg/lib/cmake/RocketMQ" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS=-static >/dev/null
  cmake --build "$consumer_build" >/dev/null
  cp "$pkg/bin/librocketmq.dll" "$consumer_build/"
  WINEPREFIX=$build_dir/wineprefix WINEDEBUG=-all "$wine" "$consumer_build/consumer_shared.exe"

  section "the same program built against the zip with pkg-config, under Wine"
  read -r -a pc_flags <<<"$(PKG_CONFIG_LIBDIR=$pkg/lib/pkgconfig pkg-config --cflags --libs librocketmq)"
  x86_64-w64-mingw32-gcc -o "$consumer_build/consumer_pc.exe" bindings/c-examples/tests/package/consumer.c "${pc_flags[@]}"
  WINEPREFIX=$build_dir/wineprefix WINEDEBUG=-all "$wine" "$consumer_build/consumer_pc.exe"
  # The script's last Wine program: its wineserver need not linger.
  WINEPREFIX=$build_dir/wineprefix "$wineserver" -k 2>/dev/null || true
  rm -rf "$consumer_build"
fi
rm -rf "$unpacked"

section "done: $zip"
