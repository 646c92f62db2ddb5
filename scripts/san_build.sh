#!/usr/bin/env bash
# The one instrumented build shared by scripts/sanitize.sh and scripts/fuzz.sh: clang with
# ASan + UBSan and libFuzzer's coverage instrumentation (fuzzer-no-link) on all project code,
# in build-san/. Both scripts configure it identically and build only their own targets, so
# running both (as CI does) compiles the libraries and the CLI once.
# Usage: scripts/san_build.sh NINJA_TARGET...   (BUILD_DIR overrides build-san; SAN_CMAKE_FLAGS
# the sanitizer options: scripts/tsan.sh builds with ThreadSanitizer instead, in build-tsan/)
# -gline-tables-only: sanitizer reports keep file:line stack traces at a fraction of -g's
# compile and link time. No -DNDEBUG: asserts stay on in the sanitizer, TSan and fuzz builds.
# -O1 (SAN_OPT overrides): the usual level for ASan, and 0.83x of -O2's compile time for our
# largest file (lmdb_store.cpp); CI builds this tree once, and it is half of CI's time.
# -DOSIER_UNITY_LIBS=ON: the layers compile in unity batches of 8 (CMakeLists.txt), about 0.6x
# the CPU time; scripts/build.sh compiles them one by one unless asked (CI asks, and compiles
# them one by one once more for clang-tidy's stage: .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-san}
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="${SAN_OPT:--O1} -gline-tables-only" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="${SAN_OPT:--O1} -gline-tables-only" \
  ${SAN_CMAKE_FLAGS:--DOSIER_SANITIZE=ON -DOSIER_BUILD_FUZZ=ON} -DOSIER_BUILD_TESTS=ON \
  -DOSIER_BUILD_BENCH=OFF -DOSIER_UNITY_LIBS=ON >/dev/null
ninja -C "$BUILD_DIR" "$@"
