#!/usr/bin/env bash
# clang-tidy (.clang-tidy: the chosen checks, warnings as errors) over every src/ file, each
# parsed on its own: the compile commands come from their own configure-only directory
# (TIDY_BUILD_DIR, default build-tidy/, about a second) with unity batches off, whatever other
# builds use, so a file that misses an include it needs fails here even when its unity batch
# compiles. Tests and benchmarks off: this also checks that the library configures without them.
set -euo pipefail
cd "$(dirname "$0")/.."
TIDY_BUILD_DIR=${TIDY_BUILD_DIR:-build-tidy}
cmake -S . -B "$TIDY_BUILD_DIR" -G Ninja -DOSIER_UNITY_LIBS=OFF -DOSIER_BUILD_TESTS=OFF \
  -DOSIER_BUILD_BENCH=OFF -DOSIER_BUILD_FUZZ=OFF >/dev/null
# -Wno-unknown-warning-option: the commands are g++'s; clang does not know all its warnings.
git ls-files -z 'src/*.cpp' | xargs -0 -P "$(nproc)" -n 8 clang-tidy -p "$TIDY_BUILD_DIR" --quiet \
  --extra-arg=-Wno-unknown-warning-option
echo "tidy: $(git ls-files 'src/*.cpp' | wc -l) files of src/ pass .clang-tidy"
