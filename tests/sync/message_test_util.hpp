// Random Confidential Sync messages that are valid for a sender's CodecState, a map-backed
// CodecContext, and a CodeChooser that picks random valid codes: for the codec's property tests.
#pragma once

#include <deque>
#include <map>
#include <random>
#include <utility>

#include "base/compact_u64.hpp"
#include "meadowcap/mc_test_util.hpp"
#include "model/model_random.hpp"
#include "sync/message_codec.hpp"
#include "sync/payload_chunks.hpp"

namespace osier::sync::testing {

using HandlePair = std::pair<std::uint64_t, std::uint64_t>;

// Answers from maps; a side of a test session owns one.
class MapContext : public CodecContext {
 public:
  std::map<HandlePair, meadowcap::EnumerationCapabilityContext> enumeration_refs;
  std::map<HandlePair, meadowcap::PersonalPrivateInterest> read_capability_refs;
  std::map<HandlePair, model::NamespaceId> namespaces;
  std::map<std::uint64_t, PayloadCursor> transfers;

  Result<meadowcap::EnumerationCapabilityContext> enumeration_capability_reference(
      std::uint64_t s, std::uint64_t r) override {
    auto it = enumeration_refs.find({s, r});
    if (it == enumeration_refs.end()) return error(ErrorCode::kNotFound, "no enumeration ref");
    return it->second;
  }
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference(std::uint64_t s,
                                                                       std::uint64_t r) override {
    auto it = read_capability_refs.find({s, r});
    if (it == read_capability_refs.end()) return error(ErrorCode::kNotFound, "no ppi");
    return it->second;
  }
  std::optional<model::NamespaceId> announced_namespace(std::uint64_t s, std::uint64_t r) override {
    auto it = namespaces.find({s, r});
    if (it == namespaces.end()) return std::nullopt;
    return it->second;
  }
  PayloadCursor* payload_request(std::uint64_t handle) override {
    auto it = transfers.find(handle);
    return it == transfers.end() ? nullptr : &it->second;
  }
};

// Random valid codes.
class RandomChooser : public CodeChooser {
 public:
  explicit RandomChooser(std::uint64_t seed) : rng_(seed) {}
  unsigned c64_tag(std::uint64_t n, unsigned width) override {
    std::vector<unsigned> tags;
    for (unsigned t = 0; t < (1u << width); ++t) {
      if (c64_is_tag_for(n, t, width)) tags.push_back(t);
    }
    return tags[rng_() % tags.size()];
  }
  unsigned arbitrary_bits(unsigned count) override {
    return static_cast<unsigned>(rng_() % (1u << count));
  }
  std::optional<bool> relative_to_entry() override {
    switch (rng_() % 3) {
      case 0:
        return true;
      case 1:
        return false;
      default:
        return std::nullopt;
    }
  }

 private:
  std::mt19937_64 rng_;
};

using meadowcap::testing::interest_for;

// Makes messages valid for a sender's state; installs what they need in both sides' contexts.
class MessageRandom {
 public:
  MessageRandom(std::uint64_t seed, MapContext& sender, MapContext& receiver)
      : rng_(seed), model_(seed + 1), mc_(seed + 2), sender_(sender), receiver_(receiver) {}

  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  bool coin() { return below(2) == 0; }

  // Small numbers, tag boundaries and large ones.
  std::uint64_t number() {
    static const std::uint64_t kEdges[] = {0,        1,           3,          11,        27,
                                           28,       255,         256,        65535,     65536,
                                           1u << 31, 0xffffffffu, 1ull << 32, ~0ull - 1, ~0ull};
    if (coin()) return below(8);
    return kEdges[below(sizeof kEdges / sizeof kEdges[0])];
  }

  template <typename T>
  T bytes_array() {
    T a{};
    for (auto& x : a) x = static_cast<std::uint8_t>(rng_());
    return a;
  }

  // A view of fresh random bytes that stays valid as long as this object.
  ByteView bytes(std::uint64_t n) {
    Bytes b(static_cast<std::size_t>(n));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng_());
    arena_.push_back(std::move(b));
    return arena_.back();
  }

  std::uint64_t payload_length() {
    static const std::uint64_t kLengths[] = {0,    1,     1023,  1024,       1025,
                                             5000, 40000, 70000, 1ull << 40, ~0ull};
    return kLengths[below(sizeof kLengths / sizeof kLengths[0])];
  }

  // At most 40 Chunks and 64 KiB of the next Chunks at `cursor`.
  std::uint64_t amount(const PayloadCursor& cursor) {
    const std::uint64_t chunks = payload_chunk_count(cursor.payload_length);
    if (cursor.next_chunk >= chunks) return 0;
    std::uint64_t a = below(std::min<std::uint64_t>(chunks - cursor.next_chunk, 40) + 1);
    while (a > 0 && payload_message_length(cursor, a).value() > 64 * 1024) --a;
    return a;
  }

  model::D3Range range() {
    if (below(4) == 0) return model::D3Range::full();
    for (;;) {
      model::D3Range r = model_.d3_range();
      if (!r.is_empty()) return r;
    }
  }

  RangeInfo range_info() {
    RangeInfo info;
    if (coin()) info.root_id = 1 + below(1000);
    info.range = range();
    info.sender_handle = number();
    info.receiver_handle = number();
    return info;
  }

  // An entry and a (not verified) token the relative token encoding accepts.
  meadowcap::PossiblyAuthorisedEntry authorised_entry() {
    const meadowcap::McCapability cap = mc_.capability(meadowcap::AccessMode::kWrite, below(3));
    model::Entry e = mc_.entry_in(cap.granted_area(), cap.granted_namespace());
    e.payload_length = payload_length();
    return {e, {cap, bytes_array<meadowcap::UserSignature>()}};
  }

  // A message valid in `state`, of a random kind.
  SyncMessage message(const CodecState& state) {
    for (;;) {
      switch (below(kSyncMessageKindCount)) {
        case 0:
          return PioBindHash{bytes_array<InterestHash>(), coin()};
        case 1: {
          PioAnnounceOverlap m{number(), number(), bytes_array<InterestHash>(), std::nullopt};
          if (coin()) {
            m.enumeration_capability = mc_.enumeration(below(3));
            install_enumeration(
                {m.sender_handle, m.receiver_handle},
                {m.enumeration_capability->namespace_key, m.enumeration_capability->receiver()});
          }
          return m;
        }
        case 2: {
          const meadowcap::McCapability cap =
              mc_.capability(meadowcap::AccessMode::kRead, below(3));
          PioBindReadCapability m{number(), number(), cap,
                                  number(), number(), static_cast<std::uint8_t>(rng_())};
          const auto ppi = interest_for(cap, mc_);
          sender_.read_capability_refs[{m.sender_handle, m.receiver_handle}] = ppi;
          receiver_.read_capability_refs[{m.sender_handle, m.receiver_handle}] = ppi;
          return m;
        }
        case 3:
          return ReconciliationSendFingerprint{range_info(), bytes_array<Fingerprint>()};
        case 4: {
          if (state.reconciliation_phase != ReconciliationPhase::kIdle) break;
          ReconciliationAnnounceEntries m{range_info(), below(4) == 0, coin(), coin()};
          // Mostly the namespaces of McRandom's capabilities, so that entries fall inside.
          if (below(5) != 0) {
            const model::NamespaceId ns = meadowcap::testing::namespace_key(coin()).public_key();
            sender_.namespaces[{m.info.sender_handle, m.info.receiver_handle}] = ns;
            receiver_.namespaces[{m.info.sender_handle, m.info.receiver_handle}] = ns;
            if (coin()) m.info.range = model::D3Range::full();
          }
          return m;
        }
        case 5:
          if (state.reconciliation_phase != ReconciliationPhase::kAwaitEntry) break;
          return ReconciliationSendEntry{LengthyEntry{authorised_entry(), number()},
                                         coin() ? 0 : below(3)};
        case 6: {
          if (state.reconciliation_phase != ReconciliationPhase::kInEntry) break;
          const std::uint64_t a = amount(state.reconciliation_payload);
          return ReconciliationSendPayload{
              a, bytes(payload_message_length(state.reconciliation_payload, a).value())};
        }
        case 7:
          if (state.reconciliation_phase != ReconciliationPhase::kInEntry) break;
          return ReconciliationTerminatePayload{coin()};
        case 8:
          return DataSendEntry{authorised_entry(), coin() ? 0 : below(3)};
        case 9: {
          const std::uint64_t a = amount(state.data_payload);
          return DataSendPayload{a, bytes(payload_message_length(state.data_payload, a).value())};
        }
        case 10:
          return DataSetEagerness{number(), number(), coin()};
        case 11:
          return PayloadRequestBindRequest{bytes_array<model::NamespaceId>(),
                                           model_.subspace_id(),
                                           model_.path(),
                                           model_.digest(),
                                           number(),
                                           number()};
        case 12: {
          const std::uint64_t handle = below(4);
          if (sender_.transfers.count(handle) == 0) {
            sender_.transfers[handle] = receiver_.transfers[handle] =
                PayloadCursor{payload_length(), 0};
          }
          const PayloadCursor& cursor = sender_.transfers[handle];
          const std::uint64_t a = amount(cursor);
          return PayloadRequestSendResponse{handle, a,
                                            bytes(payload_message_length(cursor, a).value())};
        }
        default:
          return ResourceHandleFree{static_cast<HandleType>(below(kHandleTypeCount)), coin(),
                                    number(), number()};
      }
    }
  }

 private:
  void install_enumeration(HandlePair handles, meadowcap::EnumerationCapabilityContext rel) {
    sender_.enumeration_refs[handles] = rel;
    receiver_.enumeration_refs[handles] = rel;
  }

  std::mt19937_64 rng_;
  model::testing::ModelRandom model_;
  meadowcap::testing::McRandom mc_;
  MapContext& sender_;
  MapContext& receiver_;
  std::deque<Bytes> arena_;
};

}  // namespace osier::sync::testing
