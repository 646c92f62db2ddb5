// A PIO core (pio.hpp) fed a random sequence of the peer's messages: raw codes through the real
// decoders (with the core's receiving context), and well-formed messages built from the core's
// salts and a few fixed interests and capabilities, so that detections, announcements and
// capability exchanges happen. Properties: no crash; every message the core emits encodes with
// its sending context; an error is sticky.
#include <cstdlib>
#include <memory>
#include <vector>

#include "fuzz_keys.hpp"
#include "osier/crypto/ed25519.hpp"
#include "sync/message_codec.hpp"
#include "sync/pio.hpp"
// The CodecContext over a core and deliver(), shared with the tests.
#include "../tests/sync/pio_test_util.hpp"

namespace {

using namespace osier;
using osier::sync::PioCore;

using fuzz::key;
using fuzz::owned_namespace;

constexpr std::uint8_t kAlfie = 1;
constexpr std::uint8_t kBetty = 2;

meadowcap::McCapability cap_for(std::uint8_t who, std::optional<std::uint8_t> subspace,
                                std::initializer_list<std::string_view> path) {
  const meadowcap::McCapability full = meadowcap::OwnedCapability::create(
      owned_namespace(), meadowcap::AccessMode::kRead, key(who).public_key());
  sync::PrivateInterest p{owned_namespace().public_key(), std::nullopt,
                          model::Path::from_strings(path).value()};
  if (subspace) p.subspace_id = key(*subspace).public_key();
  return sync::narrow_read_capability(full, key(who), p).value();
}

struct Fixture {
  std::vector<meadowcap::McCapability> alfie;
  std::vector<meadowcap::McCapability> betty;
  std::vector<sync::PrivateInterest> interests;  // Betty's, and their relaxations
  meadowcap::McEnumerationCapability betty_enumeration;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.alfie = {cap_for(kAlfie, std::nullopt, {"a"}), cap_for(kAlfie, 3, {"a", "b"}),
               cap_for(kAlfie, 3, {}), cap_for(kAlfie, std::nullopt, {"a", "b", "c"})};
    x.betty = {cap_for(kBetty, std::nullopt, {"a"}),
               cap_for(kBetty, std::nullopt, {"a", "b"}),
               cap_for(kBetty, 3, {"a"}),
               cap_for(kBetty, 3, {"a", "b", "c"}),
               cap_for(kBetty, 4, {"a"}),
               cap_for(kBetty, std::nullopt, {})};
    for (const auto& c : x.betty) {
      x.interests.push_back(sync::private_interest_of(c));
      x.interests.push_back(sync::pi_relaxation(sync::private_interest_of(c)));
    }
    for (const auto& c : x.alfie) x.interests.push_back(sync::private_interest_of(c));
    x.betty_enumeration =
        meadowcap::McEnumerationCapability::create(owned_namespace(), key(kBetty).public_key());
    return x;
  }();
  return f;
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  ByteView take(std::size_t n) {
    n = std::min(n, size_ - pos_);
    ByteView v(data_ + pos_, n);
    pos_ += n;
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Everything the core wants to send must encode.
void drain(PioCore& core) {
  sync::testing::PioContext ctx(core, true);
  sync::CodecState state(sync::SyncRole::kAlfie);
  while (auto m = core.poll_message()) {
    Encoder enc;
    const sync::SyncMessage msg =
        std::visit([](const auto& x) { return sync::SyncMessage(x); }, *m);
    if (!sync::encode_sync_message(enc, msg, state, ctx).is_ok()) std::abort();
  }
  while (core.poll_event()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& fx = fixture();
  Input in(data, size);
  sync::PioConfig config;
  config.role = (in.byte() & 1) != 0 ? sync::SyncRole::kAlfie : sync::SyncRole::kBetty;
  config.handshake_hash.fill(in.byte());
  config.own_key = key(kAlfie).public_key();
  config.peer_key = key(kBetty).public_key();
  config.max_peer_hashes = 1 + in.byte() % 16;
  config.max_peer_capabilities = 1 + in.byte() % 16;
  config.max_overlaps = 1 + in.byte() % 16;
  Result<PioCore> created = PioCore::create(
      config, fx.alfie,
      {meadowcap::McEnumerationCapability::create(owned_namespace(), key(kAlfie).public_key())});
  if (!created.is_ok()) std::abort();
  PioCore& core = *created;
  const sync::PioSalt& peer_salt = core.salts().peer(config.role);
  while (!in.done()) {
    drain(core);
    const std::uint8_t op = in.byte();
    Status s = Status::ok();
    switch (op % 6) {
      case 0:
      case 1:
      case 2: {  // raw bytes on the Overlap channel, the Capability channel, or a global frame
        const ByteView bytes = in.take(in.byte());
        sync::testing::PioContext ctx(core, false);
        sync::CodecState state(sync::SyncRole::kBetty);
        Result<sync::SyncMessage> m = sync::SyncMessage(sync::PioBindHash{});
        if (op % 3 == 2) {
          m = sync::decode_global_message(bytes, ctx);
        } else {
          Decoder dec(bytes);
          m = sync::decode_channel_message(
              op % 3 == 0 ? sync::LogicalChannel::kOverlap : sync::LogicalChannel::kCapability, dec,
              state, ctx);
        }
        // Global frames may hold other messages: not the core's.
        if (m.is_ok() && sync::message_kind(*m) <= sync::SyncMessageKind::kPioBindReadCapability) {
          s = sync::testing::deliver(core, *m);
        }
        break;
      }
      case 3: {  // a hash of one of the known interests
        const std::uint8_t i = in.byte();
        s = core.on_bind_hash(
            {sync::sync_h(peer_salt, fx.interests[i % fx.interests.size()]), (i & 0x80) != 0});
        break;
      }
      case 4: {  // an announcement, correctly authenticated for some interest
        sync::PioAnnounceOverlap a;
        a.sender_handle = in.byte() % 8;
        a.receiver_handle = in.byte() % 8;
        const std::uint8_t i = in.byte();
        a.authentication = sync::sync_h(peer_salt, fx.interests[i % fx.interests.size()]);
        if ((i & 0x80) != 0) a.enumeration_capability = fx.betty_enumeration;
        s = core.on_announce_overlap(a);
        break;
      }
      default: {  // one of Betty's capabilities
        sync::PioBindReadCapability c{
            in.byte() % 8u, in.byte() % 8u, fx.betty[in.byte() % fx.betty.size()], 0, 0, 0};
        s = core.on_bind_read_capability(c);
        break;
      }
    }
    if (!s.is_ok()) {
      // Sticky.
      if (core.on_bind_hash({}).is_ok()) std::abort();
      return 0;
    }
  }
  drain(core);
  return 0;
}
