#!/usr/bin/env bash
# Builds the store and net tests with ThreadSanitizer (clang, build-tsan/, through
# scripts/san_build.sh) and runs the ones where threads meet: LmdbStore's readers and writer,
# snapshots read from many threads, payload transfers from threads, subscribers racing commits,
# and the conformance suites (which run every store method); and every net test (a server on one
# thread, dialers on others, stop() from another thread; about a second); and one node::Node
# used by many threads at once; and the daemon tests (several daemons, each on its own thread, in
# one process; status() and store writes from the test's thread). The tests that fork
# children (multi-process, crash, `osier serve` as a process) stay in the other builds: TSan and
# fork do not mix.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=${BUILD_DIR:-build-tsan}
# -O1: built with clang 14 at -O2, TSan's own allocator fails an internal CHECK about half the
# time in LmdbConcurrency.SubscribersGetEveryEventOnceWhileAWriterRuns (freeing a pointer it
# does not know), while the -O1 build passes it every time and ASan, UBSan (-O2) and valgrind
# find nothing in the same test. Open question, noted in issue #11's notes.
SAN_OPT=-O1 SAN_CMAKE_FLAGS="-DOSIER_TSAN=ON" scripts/san_build.sh store_tests net_tests node_tests
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$BUILD_DIR/tests/store_tests" \
  --gtest_filter='LmdbConcurrency.*:*SnapshotTest*:*StoreTransfers*:*StoreConformance*:*StoreEvents*'
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$BUILD_DIR/tests/net_tests"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$BUILD_DIR/tests/node_tests" \
  --gtest_filter='TempHome.OneNodeServesManyThreadsAtOnce:TempHome.AHomeSeesOtherWriters*:DaemonTest.*'

