// An RBSR core (rbsr.hpp) over a small store, fed a random sequence of the peer's messages: raw
// codes through the real decoders, and well-formed messages built from the store's ranges,
// fingerprints and signed entries, so that matches, splits, announcements and responses happen.
// Properties: no crash; every message the core emits encodes with its sending state (so its
// Data channel streams are well-formed); the open ranges stay within max_open_ranges; an error
// is sticky.
#include <cstdlib>
#include <memory>
#include <vector>

#include "fuzz_codec.hpp"
#include "fuzz_keys.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/model/area.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/message_codec.hpp"
#include "sync/rbsr.hpp"

namespace {

using namespace osier;

using fuzz::key;
using fuzz::owned_namespace;

// Handles 0 and 1 name capabilities of the fixture's namespace; nothing else is bound.
class Context final : public sync::CodecContext {
 public:
  explicit Context(const model::NamespaceId& ns) : ns_(ns) {}
  Result<meadowcap::EnumerationCapabilityContext> enumeration_capability_reference(
      std::uint64_t, std::uint64_t) override {
    return error(ErrorCode::kNotFound, "none");
  }
  Result<meadowcap::PersonalPrivateInterest> read_capability_reference(std::uint64_t,
                                                                       std::uint64_t) override {
    return error(ErrorCode::kNotFound, "none");
  }
  std::optional<model::NamespaceId> announced_namespace(std::uint64_t s, std::uint64_t r) override {
    if (s == r && s <= 1) return ns_;
    return std::nullopt;
  }
  sync::PayloadCursor* payload_request(std::uint64_t) override { return nullptr; }

 private:
  model::NamespaceId ns_;
};

struct Fixture {
  model::NamespaceId ns{};
  std::vector<store::AuthorisedEntry> entries;  // signed, 40 of them
  std::vector<model::D3Range> ranges;
  model::Area restricted;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const meadowcap::McCapability cap(meadowcap::OwnedCapability::create(
        owned_namespace(), meadowcap::AccessMode::kWrite, key(1).public_key()));
    x.ns = cap.granted_namespace();
    static const char* kParts[] = {"a", "b", "c"};
    for (unsigned i = 0; i < 40; ++i) {
      model::Entry e;
      e.namespace_id = x.ns;
      e.subspace_id.fill(static_cast<std::uint8_t>(1 + i % 3));
      model::Path p;
      for (unsigned d = 0; d <= i % 3; ++d) p = p.append(as_bytes(kParts[(i / 3 + d) % 3])).value();
      e.path = p;
      e.timestamp = 50 * i;
      e.payload_length = i;
      e.payload_digest.fill(static_cast<std::uint8_t>(i));
      auto s = meadowcap::AuthorisedEntry::sign(e, cap, key(1)).value();
      x.entries.push_back({s.entry(), store::encode_token_bytes(s.token()).value()});
    }
    x.restricted = model::Area{std::nullopt, model::Path::from_strings({"a"}).value(), {100, 900}};
    x.ranges.push_back(model::D3Range::full());
    x.ranges.push_back(model::area_to_range(x.restricted));
    store::MemoryStore s;
    (void)s.ingest_batch(x.entries, store::Trust::kAlreadyVerified);
    auto snap = s.snapshot(x.ns).value();
    for (std::size_t k : {2, 3, 8}) {
      for (const auto& r : std::vector<model::D3Range>(x.ranges)) {
        const auto parts = snap->split(r, k).value();
        for (const auto& part : parts) x.ranges.push_back(part.range);
      }
    }
    return x;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& fx = fixture();
  fuzz::FuzzValues in(ByteView(data, size));
  const bool alfie = in.coin();
  auto store = std::make_shared<store::MemoryStore>();
  for (const auto& e : fx.entries) {
    if (in.coin()) (void)store->ingest(e, store::Trust::kAlreadyVerified);
  }
  sync::RbsrConfig config;
  config.role = alfie ? sync::SyncRole::kAlfie : sync::SyncRole::kBetty;
  config.split_factor = 2 + in.byte() % 7;
  config.send_entries_threshold = 1 + in.byte() % 6;
  config.ingest_batch = 1 + in.byte() % 4;
  config.max_open_ranges = 256;  // splits below 64 open ranges (RbsrCore::may_split)
  config.max_roots = 8;
  config.max_remainder_boxes = 16;
  config.max_omitted = 8;
  auto core = sync::RbsrCore::create(
      config, [store](const model::NamespaceId& n) { return store->snapshot(n); });
  if (!core) std::abort();
  const sync::SyncRole peer = alfie ? sync::SyncRole::kBetty : sync::SyncRole::kAlfie;
  sync::CodecState send_state(config.role);
  sync::CodecState recv_state(peer);
  Context ctx(fx.ns);
  sync::PioOverlapEvent full;
  full.namespace_id = fx.ns;
  full.area = model::Area{std::nullopt, model::Path(), {0, std::nullopt}};
  sync::PioOverlapEvent restricted = full;
  restricted.own_capability = restricted.peer_capability = 1;
  restricted.area = fx.restricted;
  (void)core->on_overlap(full);
  (void)core->on_overlap(restricted);

  auto info = [&]() {
    sync::RangeInfo i;
    const std::uint8_t r = in.byte();
    if (r % 4 != 0) i.root_id = 1 + r % 7;
    i.range = fx.ranges[in.byte() % fx.ranges.size()];
    i.sender_handle = i.receiver_handle = in.byte() % 3 == 0 ? 1 : 0;
    return i;
  };

  std::optional<Status> first_error;
  for (unsigned step = 0; step < 200 && !in.rest().empty(); ++step) {
    Status st = Status::ok();
    switch (in.byte() % 8) {
      case 0: {  // raw bytes through the decoder
        const std::size_t n = in.byte() % 64;
        const ByteView raw = in.rest().subspan(0, std::min(n, in.rest().size()));
        for (std::size_t i = 0; i < raw.size(); ++i) (void)in.byte();
        Decoder dec(raw);
        const auto channel =
            in.coin() ? sync::LogicalChannel::kReconciliation : sync::LogicalChannel::kData;
        auto msg = sync::decode_channel_message(channel, dec, recv_state, ctx);
        if (!msg) break;
        std::visit(
            [&](const auto& m) {
              using M = std::decay_t<decltype(m)>;
              if constexpr (std::is_same_v<M, sync::ReconciliationSendFingerprint>) {
                st = core->on_send_fingerprint(m);
              } else if constexpr (std::is_same_v<M, sync::ReconciliationAnnounceEntries>) {
                st = core->on_announce_entries(m);
              } else if constexpr (std::is_same_v<M, sync::ReconciliationSendEntry>) {
                st = core->on_send_entry(m);
              } else if constexpr (std::is_same_v<M, sync::ReconciliationSendPayload>) {
                st = core->on_send_payload(m);
              } else if constexpr (std::is_same_v<M, sync::ReconciliationTerminatePayload>) {
                st = core->on_terminate_payload(m);
              }
            },
            *msg);
        break;
      }
      case 1: {  // a fingerprint: ours for the range (a match) or another
        sync::ReconciliationSendFingerprint fp;
        fp.info = info();
        if (in.coin()) {
          auto snap = store->snapshot(fx.ns).value();
          fp.fingerprint = snap->summarise(fp.info.range).value().fingerprint;
        } else {
          fp.fingerprint.fill(in.byte());
        }
        st = core->on_send_fingerprint(fp);
        break;
      }
      case 2: {
        sync::ReconciliationAnnounceEntries an;
        an.info = info();
        an.is_empty = in.coin();
        an.want_response = in.coin();
        an.will_sort = in.coin();
        st = core->on_announce_entries(an);
        break;
      }
      case 3: {
        const auto& e = fx.entries[in.byte() % fx.entries.size()];
        sync::ReconciliationSendEntry se{
            sync::LengthyEntry{{e.entry, store::decode_token_bytes(e.token).value()},
                               std::uint64_t{in.byte()} % 3},
            0};
        if (in.byte() % 8 == 0) se.entry.entry.entry.payload_length += 1;
        st = core->on_send_entry(se);
        break;
      }
      case 4:
        st = core->on_terminate_payload(sync::ReconciliationTerminatePayload{in.coin()});
        break;
      case 5:
        st = core->on_send_payload(sync::ReconciliationSendPayload{});
        break;
      case 6: {  // a put between messages
        (void)store->ingest(fx.entries[in.byte() % fx.entries.size()],
                            store::Trust::kAlreadyVerified);
        break;
      }
      default: {  // poll some messages; each must encode
        for (unsigned n = in.byte() % 16; n > 0; --n) {
          auto m = core->poll_message();
          if (!m) break;
          if (!*m) break;
          const sync::SyncMessage msg =
              std::visit([](auto& x) -> sync::SyncMessage { return x; }, **m);
          Encoder enc;
          if (!sync::encode_sync_message(enc, msg, send_state, ctx)) std::abort();
        }
        while (core->poll_event()) {
        }
        break;
      }
    }
    if (core->open_range_count() > config.max_open_ranges) std::abort();
    if (core->root_count() > config.max_roots) std::abort();
    if (first_error && !core->failed()) std::abort();  // sticky
    if (!st.is_ok() && !first_error) first_error = st;
  }
  return 0;
}
