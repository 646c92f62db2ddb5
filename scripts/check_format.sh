#!/usr/bin/env bash
# Fails when a tracked C or C++ file differs from what clang-format (.clang-format, Debian 12's
# clang-format 14) makes of it. Fix with: git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z '*.cpp' '*.hpp' '*.h' '*.c' | xargs -0 clang-format --dry-run --Werror
echo "format: $(git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | wc -l) files as clang-format makes them"
