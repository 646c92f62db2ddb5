#!/usr/bin/env bash
# Builds every libFuzzer target with clang (+ASan/UBSan) and runs each for FUZZ_SECONDS on its
# seed corpus fuzz/corpus/<target>/. New inputs go to a scratch copy, not the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOSIER_BUILD_FUZZ=ON -DOSIER_BUILD_TESTS=OFF -DOSIER_BUILD_BENCH=OFF >/dev/null
ninja -C "$BUILD_DIR" fuzz_all
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for bin in "$BUILD_DIR"/fuzz/*_fuzz; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" _fuzz)
  mkdir -p "$scratch/$name"
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$scratch/$name/"
  echo "fuzz: $name for ${FUZZ_SECONDS}s"
  if ! "$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 "$scratch/$name" \
      >"$scratch/$name.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -50 "$scratch/$name.log"; status=1
  else
    grep -E '^(#[0-9]+|Done)' "$scratch/$name.log" | tail -1 || true
  fi
done
exit $status
