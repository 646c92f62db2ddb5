#!/usr/bin/env bash
# Configures and builds osier (Release, with tests and benchmarks) into build/.
# BUILD_DIR and extra cmake arguments may be given: scripts/build.sh -DOSIER_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja "$@" >/dev/null
ninja -C "$BUILD_DIR" ${NINJA_TARGETS:-}
