#!/usr/bin/env bash
# The README's first command: install what is needed, build, and run osier's main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
OSIER=build/bin/osier
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "osier --version"
$OSIER --version
say "osier --help"
$OSIER --help

say "hashing a 64 MiB file with WILLIAM3 (osier hash streams it in fixed memory)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c $((64 << 20)) /dev/urandom >"$tmp/payload.bin"
printf '' >"$tmp/empty"
time $OSIER hash "$tmp/payload.bin" "$tmp/empty"
say "the empty file's digest is Willow'25's default payload digest (96d34c54...)"

say "the local node end to end (scripts/demo.sh): identities, namespaces, entries, capabilities"
OSIER=$OSIER scripts/demo.sh
