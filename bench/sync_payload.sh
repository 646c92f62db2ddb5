#!/usr/bin/env bash
# One large payload through the binaries over loopback (issue #14): `osier serve` in one home
# holds a SIZE_MIB payload, `osier sync` into an empty second home (a read capability delegated
# to it) fetches it. Prints the sync's wall time, MB/s, both peak RSS (/usr/bin/time -v), and in
# the same run the raw ChaCha20-Poly1305 rate (build/bench/sync_bench raw_aead/4096: encrypt +
# decrypt of 4 KiB chunks on one core).
#   BUILD_DIR=build SIZE_MIB=1024 WORK=/tmp/osier-payload bench/sync_payload.sh
# SKIP_AEAD=1 leaves out the AEAD anchor.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
SIZE_MIB=${SIZE_MIB:-1024}
WORK=${WORK:-/tmp/osier-payload}
OSIER=$PWD/$BUILD_DIR/bin/osier

rm -rf "$WORK" && mkdir -p "$WORK"
A=$WORK/alice B=$WORK/bob
"$OSIER" init --home "$A" >/dev/null
"$OSIER" id new alice --home "$A" >/dev/null
"$OSIER" ns new fam --communal --home "$A" >/dev/null
"$OSIER" init --home "$B" >/dev/null
"$OSIER" id new bob --home "$B" >/dev/null
bob=$("$OSIER" id list --json --home "$B" | grep '"bob"' | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')

head -c $((SIZE_MIB << 20)) /dev/urandom >"$WORK/big"
/usr/bin/time -f "put: %e s wall, peak RSS %M KiB" "$OSIER" put willow://fam.alice/big "$WORK/big" \
  --home "$A" >/dev/null
rm "$WORK/big"

own=$("$OSIER" cap new --ns fam --mode read --json --home "$A" | sed 's/.*"id":"\([^"]*\)".*/\1/')
text=$("$OSIER" cap delegate "$own" --to "$bob" --json --home "$A" |
  sed 's/.*"text":"\([^"]*\)".*/\1/')
"$OSIER" cap import "$text" --home "$B" >/dev/null

# SERVE_WRAP: the same for the server, e.g. "perf record -g -o /tmp/serve.perf".
# shellcheck disable=SC2086
/usr/bin/time -v -o "$WORK/serve.time" ${SERVE_WRAP:-} "$OSIER" serve --listen 127.0.0.1:0 --home "$A" \
  --idle-timeout 60s >"$WORK/serve.log" 2>&1 &
serve_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/serve.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$WORK/serve.log"; exit 1; }

start=$(date +%s.%N)
# SYNC_WRAP: a command to run the sync under, e.g. "strace -f -c -w -o /tmp/sync.strace".
# shellcheck disable=SC2086
/usr/bin/time -v -o "$WORK/sync.time" ${SYNC_WRAP:-} "$OSIER" sync "127.0.0.1:$port" --home "$B" --json \
  >"$WORK/sync.json"
end=$(date +%s.%N)
# SIGINT to osier itself (GNU time ignores it while it waits), under SERVE_WRAP the innermost.
target=$(pgrep -P "$serve_pid")
while child=$(pgrep -P "$target"); do target=$child; done
kill -INT "$target"
wait "$serve_pid" || true

secs=$(echo "$end - $start" | bc -l)
echo "sync: $(cat "$WORK/sync.json")"
printf 'payload %d MiB in %.2f s = %.1f MB/s\n' "$SIZE_MIB" "$secs" \
  "$(echo "($SIZE_MIB * 1048576) / $secs / 1000000" | bc -l)"
echo "sync (receiver) peak RSS: $(grep 'Maximum resident' "$WORK/sync.time" | awk '{print $NF}') KiB"
echo "serve (sender) peak RSS: $(grep 'Maximum resident' "$WORK/serve.time" | awk '{print $NF}') KiB"
grep -E 'User time|System time' "$WORK/sync.time" | sed 's/^\s*/sync /'
grep -E 'User time|System time' "$WORK/serve.time" | sed 's/^\s*/serve /'
[ -n "${SKIP_AEAD:-}" ] || "$PWD/$BUILD_DIR/bench/sync_bench" --benchmark_filter='raw_aead/4096|transport/4096' \
  --benchmark_min_time=1
