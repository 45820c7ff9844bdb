#!/usr/bin/env bash
# package_consumers.sh CMAKE BUILD_DIR WORK_DIR LIBDIR CC [PKG_CONFIG]
#
# Installs the library built in BUILD_DIR into WORK_DIR/prefix (LIBDIR is
# its CMAKE_INSTALL_LIBDIR, relative to the prefix), as a user
# would (`cmake --install`), then builds tests/package/consumer.c against
# that prefix, as a program outside this tree: with find_package(RocketMQ)
# (shared and static), and with pkg-config (shared, and --static), and runs
# each program. No pkg-config: that half is reported and skipped.
set -euo pipefail

cmake=${1:?usage: package_consumers.sh CMAKE BUILD_DIR WORK_DIR LIBDIR CC [PKG_CONFIG]}
build=${2:?build dir}
work=${3:?work dir}
libdir=${4:?libdir}
cc=${5:?C compiler}
pkg_config=${6:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"
for f in "$libdir/librocketmq.so" "$libdir/librocketmq.a" include/rocketmq/CProducer.h \
  "$libdir/pkgconfig/librocketmq.pc" "$libdir/cmake/RocketMQ/RocketMQConfig.cmake" \
  "$libdir/cmake/RocketMQ/RocketMQConfigVersion.cmake"; do
  [[ -f $prefix/$f ]] || { echo "FAIL: not installed: $f"; cat "$work/install.log"; exit 1; }
done
echo "installed into $prefix"

# The prefix moves: both the CMake package and the .pc file must find
# their files relative to themselves.
mv "$prefix" "$work/moved"
prefix=$work/moved

echo "--- find_package(RocketMQ)"
"$cmake" -S "$here/package" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
"$cmake" --build "$work/cmake-build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/cmake-build/consumer_shared"
"$work/cmake-build/consumer_static"

if [[ -z $pkg_config ]]; then
  echo "--- pkg-config: not installed, skipped"
  exit 0
fi
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
echo "--- pkg-config librocketmq $("$pkg_config" --modversion librocketmq)"
read -r -a cflags <<<"$("$pkg_config" --cflags librocketmq)"
read -r -a libs <<<"$("$pkg_config" --libs librocketmq)"
"$cc" -o "$work/pc_shared" "$here/package/consumer.c" "${cflags[@]}" "${libs[@]}"
LD_LIBRARY_PATH=$prefix/$libdir "$work/pc_shared"
# --static: the archive (named in full, since -lrocketmq prefers the .so)
# and the system libraries the .pc file lists for it.
read -r -a libs_static <<<"$("$pkg_config" --libs --static librocketmq)"
libs_static=("${libs_static[@]/#-lrocketmq/$prefix/$libdir/librocketmq.a}")
"$cc" -o "$work/pc_static" "$here/package/consumer.c" "${cflags[@]}" "${libs_static[@]}"
"$work/pc_static"
echo "package consumers passed"
