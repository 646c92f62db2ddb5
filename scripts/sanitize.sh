#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer (clang, in build-san/,
# shared with scripts/fuzz.sh: see scripts/san_build.sh) and runs them, leaks checked too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export BUILD_DIR=${BUILD_DIR:-build-san}
# SAN_TARGETS: .ci/run adds fuzz_all, so that the fuzz targets compile beside the last, largest
# test batches instead of after them (scripts/fuzz.sh then finds them built).
scripts/san_build.sh ${SAN_TARGETS:-tests_all}
cd "$BUILD_DIR"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$(nproc)"
