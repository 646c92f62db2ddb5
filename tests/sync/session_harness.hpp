// Two Sessions in one process for the session tests: each side (Peer) is a store, a real LCMUX
// session and a sync::Session that ingests what its session hands out; move_bytes carries one
// side's output to the other in seeded random pieces and run drives both until they are idle.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/meadowcap/enumeration_capability.hpp"
#include "osier/store/store.hpp"
#include "sync/lcmux_test_util.hpp"
#include "sync/session.hpp"

namespace osier::sync::testing {

// The two session identities (handshake keys); each Peer's peer is the other one.
inline constexpr std::uint8_t kAlfieKey = 2;
inline constexpr std::uint8_t kBettyKey = 3;
// Both sides' SessionConfig::session_id: received entries carry Origin::remote(kSessionId).
inline constexpr std::uint64_t kSessionId = 7;

struct PeerOptions {
  std::uint8_t max_payload_power = 64;
  std::uint64_t capacity = 16 * 1024;  // LCMUX receive buffer per channel
  std::vector<meadowcap::McEnumerationCapability> enumeration;
  std::size_t max_message_bytes = 1024 * 1024;
  RbsrConfig rbsr;  // split factor and thresholds (role and session id are the session's)
  // The AreaOfInterest limits our capabilities declare (PioConfig::max_count, max_size).
  std::uint64_t aoi_max_count = model::AreaOfInterest::kNoLimit;
  std::uint64_t aoi_max_size = model::AreaOfInterest::kNoLimit;
  // When set, the ingest callback fails with kIo from the batch with this index (0-based) on,
  // storing nothing of it: a store that fails mid-session.
  std::optional<std::size_t> fail_ingest_from_batch;
  bool eager_pushes = true;                      // SessionConfig::eager_pushes
  std::set<model::NamespaceId> lazy_namespaces;  // SessionConfig::lazy_namespaces
};

// One side: its store, LCMUX session and sync session; ingests what the session hands out.
struct Peer {
  Peer(std::unique_ptr<store::Store> s, std::uint8_t who, HandshakeRole role,
       std::vector<meadowcap::McCapability> caps, std::uint8_t max_payload_power = 64,
       std::uint64_t capacity = 16 * 1024)
      : Peer(std::move(s), who, role, std::move(caps),
             PeerOptions{max_payload_power,
                         capacity,
                         {},
                         1024 * 1024,
                         {},
                         model::AreaOfInterest::kNoLimit,
                         model::AreaOfInterest::kNoLimit,
                         std::nullopt,
                         true,
                         {}}) {}

  Peer(std::unique_ptr<store::Store> s, std::uint8_t who, HandshakeRole role,
       std::vector<meadowcap::McCapability> caps, PeerOptions options)
      : store(std::move(s)),
        mux(make_session(lcmux_options(options.capacity, true, /*optimistic=*/false))) {
    using meadowcap::testing::key;
    SessionConfig config;
    config.read_capabilities = std::move(caps);
    config.enumeration_capabilities = std::move(options.enumeration);
    config.session_id = kSessionId;
    config.pio.max_payload_power = options.max_payload_power;
    config.eager_pushes = options.eager_pushes;
    config.lazy_namespaces = std::move(options.lazy_namespaces);
    config.max_message_bytes = options.max_message_bytes;
    config.rbsr = options.rbsr;
    config.pio.max_count = options.aoi_max_count;
    config.pio.max_size = options.aoi_max_size;
    HandshakeResult hs;
    hs.role = role;
    hs.h.fill(0x5a);
    hs.peer_static_pk = key(who == kAlfieKey ? kBettyKey : kAlfieKey).public_key();
    SessionStore io;
    io.snapshots = [this](const model::NamespaceId& n)
        -> Result<std::shared_ptr<const store::NamespaceSnapshot>> { return store->snapshot(n); };
    io.ingest = [this, fail_from = options.fail_ingest_from_batch](
                    const RbsrEntriesEvent& batch) -> Status {
      if (fail_from && batches >= *fail_from) {
        ++failed_batches;
        return error(ErrorCode::kIo, "test: the store fails");
      }
      ++batches;
      auto r = store->ingest_batch(batch.entries, store::Trust::kAlreadyVerified, batch.origin);
      if (!r) return r.status();
      received += batch.entries.size();
      for (const auto& one : *r) ingested += one.outcome == store::IngestOutcome::kInserted;
      return Status::ok();
    };
    io.payloads = store.get();
    auto created = Session::create(config, hs, key(who).public_key(), std::move(io));
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    if (created) session = std::move(created).value();
  }

  Status progress() {
    OSIER_RETURN_IF_ERROR(session->on_progress(mux));
    while (auto e = session->poll_event()) {
      if (std::holds_alternative<RbsrRootCompleteEvent>(*e)) ++roots_completed;
      if (std::holds_alternative<PioOverlapEvent>(*e)) ++overlaps;
      if (const auto* p = std::get_if<PayloadReceivedEvent>(&*e)) payloads += p->complete;
    }
    return Status::ok();
  }

  std::unique_ptr<store::Store> store;
  LcmuxSession mux;
  std::unique_ptr<Session> session;
  std::size_t batches = 0;         // ingest calls that reached the store
  std::size_t failed_batches = 0;  // ingest calls failed on purpose (fail_ingest_from_batch)
  std::size_t received = 0;        // entries the session handed out
  std::size_t ingested = 0;        // of them, new to the store
  std::size_t roots_completed = 0;
  std::size_t overlaps = 0;
  std::size_t payloads = 0;  // payloads received complete
};

// Moves `from`'s output into `to` in random pieces; returns the bytes moved. A feed error (the
// receiving session failed) stops the move: `to`'s session says why.
inline std::size_t move_bytes(Peer& from, Peer& to, std::mt19937_64& rng) {
  const Bytes out = from.mux.take_output();
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t n = std::min<std::size_t>(out.size() - pos, 1 + rng() % 3000);
    const Status st = to.mux.feed(ByteView(out).subspan(pos, n),
                                  [&](ByteView g) { return to.session->on_global(to.mux, g); });
    if (!st) {
      EXPECT_TRUE(to.session->failed()) << st.to_string();
      return 0;
    }
    pos += n;
  }
  return out.size();
}

// Runs both sides until neither moves a byte and both are idle; false on an error or no end.
inline ::testing::AssertionResult run(Peer& a, Peer& b, std::uint64_t seed,
                                      std::size_t* rounds = nullptr) {
  std::mt19937_64 rng(seed);
  for (std::size_t round = 0; round < 100000; ++round) {
    if (Status st = a.progress(); !st)
      return ::testing::AssertionFailure() << "a: " << st.to_string();
    if (Status st = b.progress(); !st)
      return ::testing::AssertionFailure() << "b: " << st.to_string();
    // Each round one direction or both, in random order (the two directions interleave
    // arbitrarily on a real connection).
    const unsigned pick = static_cast<unsigned>(rng() % 4);
    std::size_t moved = 0;
    if (pick == 0 || pick == 2) moved += move_bytes(a, b, rng);
    if (pick != 0) moved += move_bytes(b, a, rng);
    if (pick == 3) moved += move_bytes(a, b, rng);
    if (a.session->failed() || b.session->failed()) {
      return ::testing::AssertionFailure() << "failed: " << a.session->failure().to_string()
                                           << " / " << b.session->failure().to_string();
    }
    // Done when both are idle and neither has a byte left to say.
    if (moved == 0 && a.session->idle(a.mux) && b.session->idle(b.mux) &&
        move_bytes(a, b, rng) + move_bytes(b, a, rng) == 0) {
      if (rounds != nullptr) *rounds = round;
      // Honest peers owe each other nothing once quiet (SyncApp waits while they do).
      if (a.session->awaiting_peer() || b.session->awaiting_peer()) {
        return ::testing::AssertionFailure() << "quiet, but a capability or a root is owed";
      }
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no end";
}

}  // namespace osier::sync::testing
