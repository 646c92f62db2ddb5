// Uses the installed public API only: opens an LMDB store (and a memory store), writes an entry
// signed in a communal namespace together with its payload, reads it back, and checks the digest
// with WILLIAM3. Prints "ok" and exits 0, or says what failed and exits 1.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "osier/base/io.hpp"
#include "osier/crypto/ed25519.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/communal_capability.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/authoriser.hpp"
#include "osier/store/lmdb.hpp"
#include "osier/store/memory.hpp"

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "consumer: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace osier;
  if (argc != 2) return fail("usage: consumer STORE_DIR");
  auto lmdb = store::open_lmdb_store(argv[1]);
  if (!lmdb) return fail("open: " + lmdb.status().message());

  // A communal namespace (its key's last bit is 0) and a subspace key that may write in it.
  crypto::Ed25519SecretKey ns_key = crypto::Ed25519SecretKey::generate();
  while (!model::is_communal(ns_key.public_key())) ns_key = crypto::Ed25519SecretKey::generate();
  const crypto::Ed25519SecretKey me = crypto::Ed25519SecretKey::generate();
  const std::string payload = "hello from outside the tree";
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());

  model::Entry entry{ns_key.public_key(),
                     me.public_key(),
                     model::Path::from_strings({"greetings", "first"}).value(),
                     1,
                     payload.size(),
                     crypto::william3(bytes)};
  const meadowcap::McCapability cap = meadowcap::CommunalCapability::create(
      meadowcap::AccessMode::kWrite, ns_key.public_key(), me.public_key());
  auto signed_entry = meadowcap::AuthorisedEntry::sign(entry, cap, me);
  if (!signed_entry) return fail("sign: " + signed_entry.status().message());
  auto token = store::encode_token_bytes(signed_entry->token());
  if (!token) return fail("token: " + token.status().message());

  // The same in the durable store and in an ephemeral one.
  const std::unique_ptr<store::Store> memory = store::make_memory_store();
  for (store::Store* s : {lmdb->get(), memory.get()}) {
    const ByteSource source = memory_source(bytes);
    auto r = s->ingest_with_payload(store::AuthorisedEntry{entry, *token}, source);
    if (!r) return fail("ingest: " + r.status().message());
    if (r->outcome != store::IngestOutcome::kInserted) return fail("not inserted");

    std::string back;
    const Status read = s->read_payload(
        entry.namespace_id, entry.subspace_id, entry.path, 0, payload.size(), [&](ByteView piece) {
          back.append(reinterpret_cast<const char*>(piece.data()), piece.size());
          return Status::ok();
        });
    if (!read) return fail("read: " + read.message());
    if (back != payload) return fail("read back other bytes");
    if (!s->check()) return fail("store check failed");
  }
  std::puts("ok");
  return 0;
}
