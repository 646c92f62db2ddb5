#!/usr/bin/env bash
# Installs every Debian package osier's build, tests, benchmarks and fuzzers need.
# Idempotent: packages already present are skipped, and apt-get runs only when one is missing.
# Works as root on a fresh Debian 12 (uses sudo when not root and sudo exists).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang lld libclang-rt-14-dev          # fuzzing (libFuzzer) and sanitizer builds (LSan too)
  llvm                                  # llvm-symbolizer: file:line in sanitizer reports
  clang-format clang-tidy               # CI's hygiene checks (scripts/check_format.sh, tidy.sh)
  libsodium-dev                         # Ed25519, AEAD, randomness, secure memory
  liblmdb-dev                           # the embedded store
  libasio-dev                           # networking
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
