#!/usr/bin/env bash
# The installed package works for a program outside the tree (issue #12 item 1): installs the
# build tree BUILD into a fresh prefix, then builds tests/install/consumer against it twice —
# with find_package(osier) (static and shared targets) and with pkg-config (the shared library) —
# and runs each build. Usage: run.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
# Nothing internal was installed: only include/osier/ and the libraries.
if find "$prefix/include" -name '*.hpp' | grep -v "^$prefix/include/osier/" | grep -q .; then
  echo "install: headers outside include/osier/" >&2
  exit 1
fi
cmake -S "$here/consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
"$work/build/consumer_static" "$work/store-static"
LD_LIBRARY_PATH="$prefix/lib" "$work/build/consumer_shared" "$work/store-shared"
# pkg-config, as a Makefile would.
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -1)
flags=$(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs osier)
# shellcheck disable=SC2086
c++ -std=c++20 -O1 "$here/consumer/main.cpp" -o "$work/consumer_pc" $flags
LD_LIBRARY_PATH="$(dirname "$libdir")" "$work/consumer_pc" "$work/store-pc"
echo "install: find_package (static, shared) and pkg-config consumers built and ran"
