#!/usr/bin/env bash
# Configures and builds osier (Release, with tests and benchmarks) into build/.
# BUILD_DIR and extra cmake arguments may be given: scripts/build.sh -DOSIER_SANITIZE=ON, or
# through OSIER_CMAKE_FLAGS (how .ci/run asks scripts/test.sh for unity batches of the layers).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# Unity batches off unless asked for here: CMake's cache would otherwise keep a setting passed
# once (by .ci/run, say) for every later build of the same directory.
cmake -S . -B "$BUILD_DIR" -G Ninja -DOSIER_UNITY_LIBS=OFF ${OSIER_CMAKE_FLAGS:-} "$@" >/dev/null
ninja -C "$BUILD_DIR" ${NINJA_TARGETS:-}
