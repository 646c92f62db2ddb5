#!/usr/bin/env bash
# Builds every libFuzzer target with clang (+ASan/UBSan) and runs each for FUZZ_SECONDS on its
# seed corpus fuzz/corpus/<target>/. New inputs go to a scratch copy, not the repository.
# The build dir (build-san/) is the one scripts/sanitize.sh uses: see scripts/san_build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD_DIR=${BUILD_DIR:-build-san}
BUILD_DIR=$BUILD_DIR scripts/san_build.sh fuzz_all
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# FUZZ_JOBS targets run at a time (default: one per core), each for the full FUZZ_SECONDS on a
# core of its own, so CI's wall time is FUZZ_SECONDS * targets / cores.
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
fuzz_one() {  # bin name: runs one target, its output in $scratch/name.log, its status in .rc
  local rc=0
  "$1" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 "$scratch/$2" \
    >"$scratch/$2.log" 2>&1 || rc=$?
  echo "$rc" >"$scratch/$2.rc"
}
names=()
for bin in "$BUILD_DIR"/fuzz/*_fuzz; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" _fuzz)
  names+=("$name")
  mkdir -p "$scratch/$name"
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$scratch/$name/"
  while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do wait -n || true; done
  echo "fuzz: $name for ${FUZZ_SECONDS}s"
  fuzz_one "$bin" "$name" &
done
wait
status=0
for name in "${names[@]}"; do
  if [ "$(cat "$scratch/$name.rc")" != 0 ]; then
    echo "fuzz: $name FAILED"; tail -50 "$scratch/$name.log"; status=1
  else
    printf 'fuzz: %s: ' "$name"
    grep -E '^(#[0-9]+|Done)' "$scratch/$name.log" | tail -1 || echo
  fi
done
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no targets in $BUILD_DIR/fuzz" >&2; status=1; }
exit $status
