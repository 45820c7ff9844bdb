# Toolchain file: build librocketmq for 64-bit Windows on Linux with Debian's
# MinGW-w64 cross compilers (packages gcc-mingw-w64-x86-64 and
# g++-mingw-w64-x86-64), and run the test programs under Wine (wine64) when
# it is installed:
#
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#
# scripts/windows.sh does this and more. Go itself cross-compiles: the root
# CMakeLists.txt passes GOOS=windows and GOARCH=amd64 when it cross-compiles.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(RMQ_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "Prefix of the MinGW-w64 tools")
set(CMAKE_C_COMPILER ${RMQ_MINGW_PREFIX}-gcc)
set(CMAKE_CXX_COMPILER ${RMQ_MINGW_PREFIX}-g++)
set(CMAKE_RC_COMPILER ${RMQ_MINGW_PREFIX}-windres)

# Libraries and headers come from the MinGW sysroot only; programs (go,
# python3, bash, wine) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${RMQ_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Debian installs wine64 as /usr/lib/wine/wine64 (the "wine" package adds
# /usr/bin/wine). ctest runs the Windows test programs through it.
if(NOT DEFINED CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(RMQ_WINE NAMES wine64 wine HINTS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
  if(RMQ_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${RMQ_WINE}")
  endif()
endif()
