# CMake toolchain file: cross-compile fimon for 64-bit Windows with Debian's mingw-w64
# (posix thread model, so std::thread/std::mutex work via winpthreads), producing fully
# static PE executables that run under Wine through scripts/wine-run.
#
#   cmake -S . -B build-mingw -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake
#
# Libraries Debian ships no mingw build of are cross-built by scripts/mingw-deps into
#   ${FIMON_CACHE:-$HOME/.cache/fimon}/mingw/prefix
# which is on CMAKE_FIND_ROOT_PATH, so plain find_package(yaml-cpp CONFIG) finds them.
# Override the prefix with -DFIMON_MINGW_PREFIX=/some/dir if needed.
#
# ctest runs test executables through CMAKE_CROSSCOMPILING_EMULATOR (scripts/wine-run).
# Every Wine process start costs ~0.1 s, so here prefer one add_test() per test executable
# over gtest_discover_tests(); if discovering anyway, use DISCOVERY_MODE PRE_TEST (the build
# then never runs Wine) and DISCOVERY_TIMEOUT 60 (creating a fresh Wine prefix takes ~11 s,
# the default timeout is 5 s).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_SYSTEM_VERSION 10.0)

set(FIMON_MINGW_TRIPLE x86_64-w64-mingw32)

# The -posix variants use the winpthreads threading model (the -win32 ones lack std::thread
# in gcc 12). Explicit names so update-alternatives settings don't matter.
find_program(CMAKE_C_COMPILER ${FIMON_MINGW_TRIPLE}-gcc-posix REQUIRED)
find_program(CMAKE_CXX_COMPILER ${FIMON_MINGW_TRIPLE}-g++-posix REQUIRED)
find_program(CMAKE_RC_COMPILER ${FIMON_MINGW_TRIPLE}-windres REQUIRED)
find_program(CMAKE_AR ${FIMON_MINGW_TRIPLE}-gcc-ar-posix)
find_program(CMAKE_RANLIB ${FIMON_MINGW_TRIPLE}-gcc-ranlib-posix)

# Where scripts/mingw-deps installs cross-built libraries.
if(NOT FIMON_MINGW_PREFIX)
  if(DEFINED ENV{FIMON_CACHE} AND NOT "$ENV{FIMON_CACHE}" STREQUAL "")
    set(FIMON_MINGW_PREFIX "$ENV{FIMON_CACHE}/mingw/prefix")
  else()
    set(FIMON_MINGW_PREFIX "$ENV{HOME}/.cache/fimon/mingw/prefix")
  endif()
endif()
set(FIMON_MINGW_PREFIX "${FIMON_MINGW_PREFIX}" CACHE PATH
    "Prefix holding libraries cross-built by scripts/mingw-deps")
# try_compile() projects re-read this file; hand them the same value.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FIMON_MINGW_PREFIX)

# Search only the mingw sysroot and the deps prefix for headers, libraries and packages;
# never the host's /usr (its glibc headers and ELF libraries are useless here).
# Programs (code generators, etc.) are still taken from the host.
set(CMAKE_FIND_ROOT_PATH "/usr/${FIMON_MINGW_TRIPLE}" "${FIMON_MINGW_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Also make the prefix an explicit package prefix (paths already under a root path are
# not re-rooted), so find_package(<pkg> CONFIG) works without hints.
list(APPEND CMAKE_PREFIX_PATH "${FIMON_MINGW_PREFIX}")
# Host pkg-config must not leak host flags into the cross build.
set(ENV{PKG_CONFIG_LIBDIR} "${FIMON_MINGW_PREFIX}/lib/pkgconfig:${FIMON_MINGW_PREFIX}/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Fully static executables: libgcc, libstdc++ and libwinpthread are linked in, so the .exe
# needs only Windows system DLLs (no libstdc++-6.dll / libwinpthread-1.dll next to it).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# Run Windows executables (ctest, gtest_discover_tests, add_custom_command using the
# target) under Wine.
get_filename_component(_fimon_wine_run "${CMAKE_CURRENT_LIST_DIR}/../scripts/wine-run" ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${_fimon_wine_run}")
unset(_fimon_wine_run)
