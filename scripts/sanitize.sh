#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export BUILD_DIR=${BUILD_DIR:-build-asan}
scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOSIER_SANITIZE=ON -DOSIER_BUILD_BENCH=OFF
cd "$BUILD_DIR"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$(nproc)"
