#!/usr/bin/env bash
# osier's main job, end to end: a local node with identities, a communal and an owned namespace,
# entries with payloads (one of several MiB), listing, overwriting, a Willow delete of a prefix,
# a write capability delegated to a second identity who writes with it, and a store check.
#
# Usage: scripts/demo.sh [HOME_DIR]   (default: a fresh temporary OSIER_HOME, removed at the end)
# Environment: OSIER=path/to/osier (default: build/bin/osier).
set -euo pipefail
cd "$(dirname "$0")/.."
OSIER=${OSIER:-build/bin/osier}
if [[ ! -x $OSIER ]]; then
  echo "demo: $OSIER not found; build first (scripts/build.sh) or set OSIER=" >&2
  exit 1
fi
OSIER=$(realpath "$OSIER")
work=$(mktemp -d)
if [[ $# -ge 1 ]]; then
  export OSIER_HOME=$1
else
  export OSIER_HOME=$work/home
fi
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ osier %s\n' "$*"; "$OSIER" "$@"; }

say "a fresh node in OSIER_HOME=$OSIER_HOME"
run init

say "two identities (Ed25519 key pairs; their public keys are subspace ids)"
run id new alice
run id new bob
run id list

say "a communal namespace (everyone writes in their own subspace) and an owned one (alice keeps its key)"
run ns new family --communal
run ns new club --owned

say "writing entries: aliases stand for ids in willow:// URIs; the capability is picked automatically"
echo "Hello, Willow!" >"$work/hello.txt"
run put willow://family.alice/greetings/hello "$work/hello.txt"
printf 'first idea\n' | run put willow://family.alice/blog/ideas -
printf 'a post\n' | run put willow://family.alice/blog/posts/1 -
head -c $((8 << 20)) /dev/urandom >"$work/big.bin"
run put willow://family.alice/media/big.bin "$work/big.bin"
echo "(the owned namespace needs a capability first: alice makes one with the namespace's key)"
printf 'club rules\n' | "$OSIER" put willow://club.alice/rules - || true
run cap new --ns club --mode write --as alice
printf 'club rules\n' | run put willow://club.alice/rules -

say "listing every entry, then one area, then as JSON Lines"
run ls
run ls 'willow://family.alice/blog?area'
run ls family --limit 2 --json

say "reading payloads back (the big one streams through fixed memory)"
run cat willow://family.alice/greetings/hello
run get willow://family.alice/media/big.bin -o "$work/big.out"
cmp "$work/big.bin" "$work/big.out" && echo "big.bin read back byte for byte"
run stat willow://family.alice/greetings/hello

say "overwriting: a new entry at the same path gets a later timestamp and replaces the old one"
printf 'Hello again!\n' | run put willow://family.alice/greetings/hello -
run cat willow://family.alice/greetings/hello

say "deleting a prefix: an empty-payload entry at /blog prunes everything under it"
run rm willow://family.alice/blog --yes
run ls family

say "capabilities: alice delegates her write capability for the owned namespace to bob, for /shared only"
cap=$("$OSIER" cap new --ns club --mode write --as alice --json | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
run cap show "$cap"
run cap delegate "$cap" --to bob --area 'willow://club.bob/shared?area' --mode write
run cap list

say "bob writes with the delegated capability (and cannot write outside its area)"
printf 'from bob\n' | run put willow://club.bob/shared/hello - --as bob
if printf 'nope\n' | "$OSIER" put willow://club.bob/private - --as bob; then
  echo "demo: bob should not have been able to write /private" >&2
  exit 1
fi
run ls club

say "the store checks out"
run store check

say "drops: export the family namespace to a file, import it into a second fresh home"
run drop export family -o "$work/family.drop"
second=$work/home2
run init --home "$second" >/dev/null
run drop import "$work/family.drop" --home "$second"
say "both homes list the same entries (ls prints the sizes, digests are compared below)"
ns_id=$("$OSIER" ns list --json | sed -nE 's/.*"name":"family".*"id":"([^"]+)".*/\1/p; s/.*"id":"([^"]+)".*"name":"family".*/\1/p' | head -1)
"$OSIER" ls family --json | sed -E 's/,"(name|uri)":"[^"]*"//g' | sort >"$work/a.jsonl"
"$OSIER" ls "${ns_id:-family}" --home "$second" --json | sed -E 's/,"(name|uri)":"[^"]*"//g' | sort >"$work/b.jsonl"
cat "$work/b.jsonl"
if ! diff "$work/a.jsonl" "$work/b.jsonl"; then
  echo "demo: the imported home lists different entries" >&2
  exit 1
fi
echo "same entries and payload digests in both homes"
say "importing the same drop again changes nothing; a corrupt drop is refused and changes nothing"
run drop import "$work/family.drop" --home "$second"
cp "$work/family.drop" "$work/bad.drop"
printf '\xff' | dd of="$work/bad.drop" bs=1 seek=40 conv=notrunc status=none
if "$OSIER" drop import "$work/bad.drop" --home "$second"; then
  echo "demo: a corrupt drop was accepted" >&2
  exit 1
fi

say "two nodes meet: the first home serves as alice, the second connects as carol (the Nose XX handshake, encrypted transport, LCMUX)"
run id new carol --home "$second"
start_serve() {
  "$OSIER" serve --as alice --listen 127.0.0.1:0 2>"$work/serve.log" &
  serve_pid=$!
  port=""
  for _ in $(seq 50); do
    port=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$work/serve.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "demo: osier serve did not start" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
}
stop_serve() {
  kill -INT "$serve_pid"
  wait "$serve_pid"
  cat "$work/serve.log"
}
start_serve
run connect "127.0.0.1:$port" --home "$second"
stop_serve

say "read access: alice and carol each grant the other read access to their own subspace of family"
carol_id=$("$OSIER" id list --home "$second" --json | sed -nE 's/.*"name":"carol".*"id":"([0-9a-f]+)".*/\1/p; s/.*"id":"([0-9a-f]+)".*"name":"carol".*/\1/p' | head -1)
alice_id=$("$OSIER" id list --json | sed -nE 's/.*"name":"alice".*"id":"([0-9a-f]+)".*/\1/p; s/.*"id":"([0-9a-f]+)".*"name":"alice".*/\1/p' | head -1)
cap_id() { sed -E 's/.*"id":"([0-9a-f]+)".*/\1/'; }
alice_read=$("$OSIER" cap new --ns family --mode read --as alice --json | cap_id)
for_carol=$("$OSIER" cap delegate "$alice_read" --to "$carol_id" --json | cap_id)
"$OSIER" cap export "$for_carol" | run cap import - --home "$second"
carol_read=$("$OSIER" cap new --ns "$ns_id" --mode read --as carol --home "$second" --json | cap_id)
for_alice=$("$OSIER" cap delegate "$carol_read" --to "$alice_id" --home "$second" --json | cap_id)
"$OSIER" cap export "$for_alice" --home "$second" | run cap import -

say "both write something new: alice in her subspace, carol in hers"
printf 'written after the drop\n' | run put willow://family.alice/news/today -
printf 'hello from carol\n' | run put "willow://$ns_id.$carol_id/notes/hi" - --home "$second" --as carol

say "carol syncs with alice: private interest overlap finds the two shared areas, 3d range-based reconciliation exchanges exactly the entries the other lacks, with their payloads, verified as they stream"
start_serve
run sync "127.0.0.1:$port" --home "$second" --as carol
run sync "127.0.0.1:$port" --home "$second" --as carol --json
stop_serve
strip() { sed -E 's/,"(name|uri)":"[^"]*"//g' | sort; }
"$OSIER" ls family --json | strip >"$work/a.jsonl"
"$OSIER" ls "$ns_id" --home "$second" --json | strip >"$work/b.jsonl"
if ! diff "$work/a.jsonl" "$work/b.jsonl"; then
  echo "demo: after the sync the homes list different entries" >&2
  exit 1
fi
run ls "willow://$ns_id.$alice_id/news?area" --home "$second"
run cat "willow://$ns_id.$alice_id/news/today" --home "$second"
run cat "willow://family.$carol_id/notes/hi"
echo "both homes hold the same entries and payloads"

say "two daemons keep the homes in sync live: alice's listens, carol's dials it (its peer list); a write at either end reaches the other at once, no sync command needed"
"$OSIER" daemon --as alice --listen 127.0.0.1:0 2>"$work/daemon_a.log" &
daemon_a=$!
dport=""
for _ in $(seq 1 100); do
  dport=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$work/daemon_a.log" | head -1)
  [[ -n $dport ]] && break
  sleep 0.1
done
[[ -n $dport ]] || { echo "demo: osier daemon did not start" >&2; cat "$work/daemon_a.log" >&2; exit 1; }
run peer add "127.0.0.1:$dport" --home "$second"
"$OSIER" daemon --as carol --listen 127.0.0.1:0 --home "$second" 2>"$work/daemon_b.log" &
daemon_b=$!
printf 'live from alice\n' | run put willow://family.alice/news/live -
printf 'live from carol\n' | run put "willow://$ns_id.$carol_id/notes/live" - --home "$second" --as carol
arrived=no
for _ in $(seq 1 100); do
  if "$OSIER" cat "willow://$ns_id.$alice_id/news/live" --home "$second" >/dev/null 2>&1 &&
    "$OSIER" cat "willow://family.$carol_id/notes/live" >/dev/null 2>&1; then
    arrived=yes
    break
  fi
  sleep 0.1
done
run status --home "$second"
kill -INT "$daemon_a" "$daemon_b"
wait "$daemon_a" "$daemon_b"
if [[ $arrived != yes ]]; then
  echo "demo: the daemons did not forward the live writes" >&2
  cat "$work/daemon_a.log" "$work/daemon_b.log" >&2
  exit 1
fi
run cat "willow://$ns_id.$alice_id/news/live" --home "$second"
run cat "willow://family.$carol_id/notes/live"

say "done"
