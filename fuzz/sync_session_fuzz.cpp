// A whole sync Session (session.hpp) against a hostile peer's decrypted byte stream. The node
// (Alfie or Betty, as the input says) runs over a MemoryStore seeded from the input with signed
// entries and real payloads; its LCMUX session is fed frames from an honest second Session over
// its own store — passed along, mutated, dropped, duplicated — and raw channel and global frames
// of fuzzer bytes, in an order the input chooses (so the fuzzer reaches overlaps, splits,
// announcements and payload streams, then breaks them).
//
// Input: [roles/capabilities][rbsr parameters][node store][peer store], then ops of one byte
// (op % 10) and their arguments: peer step (the honest session produces; its output is cut into
// frames), deliver the next 1..8 frames, deliver one with a byte of its content changed, drop one,
// duplicate one, a raw SendChannelFrame (channel 0..5, 5 is no channel), a raw SendGlobalFrame,
// the node's output to the honest peer, a local write to the node's store, a payload-mutation
// burst (every payload-carrying frame of the next few gets one byte flipped).
//
// Properties, after every op: no crash or UB; an error is sticky (failed() stays true and
// on_progress returns the same error); every entry in the node's store is one it held or wrote
// itself, or a fixture entry (the only validly signed ones) inside one of the node's granted
// areas; at the end, every payload the store holds is a verified prefix of the entry's payload.
// Work per input is bounded (at most kMaxOps ops, frames of at most 64 fuzzer bytes).
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crypto/william3.hpp"
#include "fuzz_codec.hpp"
#include "fuzz_keys.hpp"
#include "meadowcap/authorisation.hpp"
#include "meadowcap/owned_capability.hpp"
#include "model/area.hpp"
#include "store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/lcmux_frames.hpp"
#include "sync/lcmux_session.hpp"
#include "sync/session.hpp"

namespace {

using namespace osier;

using fuzz::key;
using fuzz::owned_namespace;

constexpr std::uint8_t kWriter = 1;
constexpr std::uint8_t kAlfie = 2;
constexpr std::uint8_t kBetty = 3;
constexpr unsigned kMaxOps = 64;
constexpr std::size_t kMaxQueuedOutput = 16 * 1024;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Item {
  store::AuthorisedEntry entry;
  Bytes payload;
};

struct Fixture {
  model::NamespaceId ns{};
  std::vector<Item> items;
  // Read capabilities per key: the whole namespace, subspace 1, subspace 2, path "a".
  std::map<std::uint8_t, std::vector<meadowcap::McCapability>> caps;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const meadowcap::McCapability writer(meadowcap::OwnedCapability::create(
        owned_namespace(), meadowcap::AccessMode::kWrite, key(kWriter).public_key()));
    x.ns = writer.granted_namespace();
    static const std::uint64_t kSizes[] = {0, 1, 700, 1024, 1500, 2100, 3000, 4097};
    for (unsigned i = 0; i < 16; ++i) {
      Item it;
      it.payload.resize(kSizes[i % 8]);
      for (std::size_t b = 0; b < it.payload.size(); ++b) {
        it.payload[b] = static_cast<std::uint8_t>(b * 13 + i);
      }
      model::Entry e;
      e.namespace_id = x.ns;
      e.subspace_id.fill(static_cast<std::uint8_t>(1 + i % 3));
      e.path = model::Path::from_strings(
                   {i % 2 == 0 ? "a" : "b", std::string("e") + std::to_string(i % 6)})
                   .value();
      e.timestamp = 100 + i;
      e.payload_length = it.payload.size();
      e.payload_digest = crypto::william3(it.payload);
      auto s = meadowcap::AuthorisedEntry::sign(e, writer, key(kWriter)).value();
      it.entry = {s.entry(), store::encode_token_bytes(s.token()).value()};
      x.items.push_back(std::move(it));
    }
    const meadowcap::McCapability writer_read(meadowcap::OwnedCapability::create(
        owned_namespace(), meadowcap::AccessMode::kRead, key(kWriter).public_key()));
    for (const std::uint8_t who : {kAlfie, kBetty}) {
      auto& v = x.caps[who];
      v.emplace_back(meadowcap::OwnedCapability::create(
          owned_namespace(), meadowcap::AccessMode::kRead, key(who).public_key()));
      for (const std::uint8_t sub : {1, 2}) {
        model::SubspaceId id{};
        id.fill(sub);
        v.push_back(
            writer_read
                .delegate(key(kWriter), model::Area::subspace_area(id), key(who).public_key())
                .value());
      }
      model::Area a = model::Area::full();
      a.path = model::Path::from_strings({"a"}).value();
      v.push_back(writer_read.delegate(key(kWriter), a, key(who).public_key()).value());
    }
    return x;
  }();
  return f;
}

sync::LcmuxSessionOptions mux_options(std::uint64_t capacity) {
  sync::LcmuxSessionOptions o;
  o.server.capacity = capacity;
  o.server.preemptive = true;
  o.client.optimistic = false;
  o.client.max_frame = 1024;
  return o;
}

// One side: a store, an LCMUX session and a sync session.
struct Side {
  Side(std::uint8_t who, bool initiator, std::vector<meadowcap::McCapability> caps,
       const sync::RbsrConfig& rbsr, std::uint64_t capacity, std::uint8_t max_payload_power)
      : store(std::make_unique<store::MemoryStore>()),
        mux(sync::LcmuxSession::create(mux_options(capacity)).value()) {
    sync::SessionConfig config;
    config.read_capabilities = std::move(caps);
    config.rbsr = rbsr;
    config.pio.max_payload_power = max_payload_power;
    config.max_queued_output = kMaxQueuedOutput;
    config.max_message_bytes = 64 * 1024;
    config.max_rbsr_backlog = 256;
    sync::HandshakeResult hs;
    hs.role = initiator ? sync::HandshakeRole::kInitiator : sync::HandshakeRole::kResponder;
    hs.h.fill(0x5a);
    hs.peer_static_pk = key(who == kAlfie ? kBetty : kAlfie).public_key();
    sync::SessionStore io;
    store::Store* s = store.get();
    io.snapshots = [s](const model::NamespaceId& n) { return s->snapshot(n); };
    io.ingest = [s](const sync::RbsrEntriesEvent& batch) -> Status {
      auto r = s->ingest_batch(batch.entries, store::Trust::kAlreadyVerified, batch.origin);
      if (!r) return r.status();
      return Status::ok();
    };
    io.payloads = s;
    auto created = sync::Session::create(config, hs, key(who).public_key(), std::move(io));
    check(created.is_ok());
    session = std::move(created).value();
  }

  Status progress() {
    Status st = session->on_progress(mux);
    while (session->poll_event()) {
    }
    return st;
  }
  Status feed(ByteView bytes) {
    if (mux.failed()) return mux.failure();
    return mux.feed(bytes, [this](ByteView g) { return session->on_global(mux, g); });
  }

  std::unique_ptr<store::Store> store;
  sync::LcmuxSession mux;
  std::unique_ptr<sync::Session> session;
};

// A frame of the peer's output; `content` is the length of its trailing content (SendChannel,
// SendGlobal), 0 for the others.
struct Frame {
  Bytes bytes;
  std::size_t content = 0;
};

void cut_frames(ByteView out, std::deque<Frame>& frames) {
  Decoder dec(out);
  while (!dec.at_end()) {
    const std::size_t start = dec.position();
    auto f = sync::decode_lcmux_frame(dec, DecodeMode::kAny);
    check(f.is_ok());  // our own LCMUX emits whole, valid frames
    Frame fr;
    fr.bytes.assign(out.begin() + static_cast<std::ptrdiff_t>(start),
                    out.begin() + static_cast<std::ptrdiff_t>(dec.position()));
    if (const auto* c = std::get_if<sync::SendChannelFrame>(&*f)) fr.content = c->content.size();
    if (const auto* g = std::get_if<sync::SendGlobalFrame>(&*f)) fr.content = g->content.size();
    frames.push_back(std::move(fr));
  }
}

void flip(Frame& f, std::uint8_t where, std::uint8_t how) {
  if (f.bytes.empty()) return;
  const std::size_t pos =
      f.content > 0 ? f.bytes.size() - f.content + where % f.content : where % f.bytes.size();
  f.bytes[pos] ^= static_cast<std::uint8_t>(how | 1);
}

bool same_status(const Status& a, const Status& b) {
  return a.code() == b.code() && a.message() == b.message();
}

// The node's store holds only what it held, wrote, or received validly and inside its areas;
// with `full`, every payload byte it holds is the entry's (verified before it was stored).
void check_store(store::Store& s, const std::set<std::size_t>& own,
                 const std::vector<meadowcap::McCapability>& caps, bool full) {
  const Fixture& fx = fixture();
  std::vector<store::LengthyAuthorisedEntry> held;
  check(s.query(fx.ns, model::D3Range::full(), {}, [&](const store::LengthyAuthorisedEntry& e) {
           held.push_back(e);
           return true;
         }).is_ok());
  for (const auto& e : held) {
    const store::AuthorisedEntry& got = e.authorised;
    std::size_t index = fx.items.size();
    for (std::size_t i = 0; i < fx.items.size(); ++i) {
      if (fx.items[i].entry == got) index = i;
    }
    check(index < fx.items.size());  // nothing but validly signed entries
    const model::Entry& en = got.entry;
    if (own.count(index) == 0) {
      bool inside = false;
      for (const auto& c : caps) inside = inside || c.granted_area().includes(en);
      check(inside);
    }
    if (!full) continue;
    if (own.count(index) == 0) {
      check(meadowcap::AuthorisedEntry::verify(en, store::decode_token_bytes(got.token).value())
                .is_ok());
    }
    const Bytes& payload = fx.items[index].payload;
    check(e.available <= payload.size());
    Bytes bytes;
    check(s.read_payload(en.namespace_id, en.subspace_id, en.path, 0, e.available, [&](ByteView b) {
             bytes.insert(bytes.end(), b.begin(), b.end());
             return Status::ok();
           }).is_ok());
    check(bytes.size() == e.available && std::equal(bytes.begin(), bytes.end(), payload.begin()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& fx = fixture();
  fuzz::FuzzValues in(ByteView(data, size));
  const std::uint8_t setup = in.byte();
  const bool node_is_alfie = (setup & 1) != 0;
  // Capabilities: a non-empty subset of the four, per side.
  auto pick = [&](std::uint8_t who, unsigned bits) {
    std::vector<meadowcap::McCapability> v;
    for (unsigned i = 0; i < 4; ++i) {
      if ((bits >> i & 1) != 0) v.push_back(fx.caps.at(who)[i]);
    }
    if (v.empty()) v.push_back(fx.caps.at(who)[0]);
    return v;
  };
  const std::uint8_t node_who = node_is_alfie ? kAlfie : kBetty;
  const std::uint8_t peer_who = node_is_alfie ? kBetty : kAlfie;
  const auto node_caps = pick(node_who, setup >> 1 & 0xf);
  const std::uint8_t params = in.byte();
  sync::RbsrConfig rbsr;
  rbsr.split_factor = 2 + params % 3;
  rbsr.send_entries_threshold = 1 + (params >> 2) % 4;
  rbsr.ingest_batch = 1 + (params >> 4) % 3;
  rbsr.max_open_ranges = 256;
  rbsr.max_roots = 16;
  rbsr.max_remainder_boxes = 32;
  rbsr.max_omitted = 16;
  const std::uint8_t power = (params & 0x40) != 0 ? 64 : 11;
  Side node(node_who, node_is_alfie, node_caps, rbsr, 4096, power);
  Side peer(peer_who, !node_is_alfie, pick(peer_who, in.byte()), rbsr, 4096, 64);
  // Stores: per item 0 absent, 1 entry only, 2 entry and payload (two bits each).
  std::set<std::size_t> own;
  for (Side* s : {&node, &peer}) {
    const std::uint32_t bits = std::uint32_t{in.byte()} | std::uint32_t{in.byte()} << 8 |
                               std::uint32_t{in.byte()} << 16 | std::uint32_t{in.byte()} << 24;
    for (std::size_t i = 0; i < fx.items.size(); ++i) {
      const unsigned b = bits >> (2 * i) & 3;
      if (b == 0) continue;
      if (s == &node) own.insert(i);
      const Item& it = fx.items[i];
      if (b == 1) {
        check(s->store->ingest(it.entry, store::Trust::kAlreadyVerified).is_ok());
      } else {
        check(s->store
                  ->ingest_with_payload(it.entry, store::payload_source(it.payload),
                                        store::Trust::kAlreadyVerified)
                  .is_ok());
      }
    }
  }

  std::deque<Frame> pending;
  std::optional<Status> failure;
  unsigned mutate_burst = 0;
  auto deliver = [&](const Frame& f) { (void)node.feed(f.bytes); };
  for (unsigned step = 0; step < kMaxOps && !in.rest().empty(); ++step) {
    const unsigned op = in.byte() % 10;
    switch (op) {
      case 0:  // the honest peer speaks
        (void)peer.progress();
        cut_frames(peer.mux.take_output(), pending);
        break;
      case 1:  // the next frames as they are (or mutated, during a burst)
        for (unsigned n = 1 + in.byte() % 8; n > 0 && !pending.empty(); --n) {
          Frame f = std::move(pending.front());
          pending.pop_front();
          if (mutate_burst > 0 && f.content > 0) {
            --mutate_burst;
            flip(f, in.byte(), in.byte());
          }
          deliver(f);
        }
        break;
      case 2:  // one frame with a byte changed
        if (!pending.empty()) {
          Frame f = std::move(pending.front());
          pending.pop_front();
          flip(f, in.byte(), in.byte());
          deliver(f);
        }
        break;
      case 3:  // dropped
        if (!pending.empty()) pending.pop_front();
        break;
      case 4:  // duplicated
        if (!pending.empty()) deliver(pending.front());
        break;
      case 5:    // a raw channel frame
      case 6: {  // a raw global frame
        const bool global = op == 6;
        const std::uint64_t channel = in.byte() % 6;
        const std::size_t n = std::min<std::size_t>(in.byte() % 65, in.rest().size());
        const ByteView content = in.rest().subspan(0, n);
        Encoder enc;
        if (global && n > 0) {
          sync::encode_frame(enc, sync::SendGlobalFrame{content});
        } else {
          sync::encode_frame(enc, sync::SendChannelFrame{channel, content});
        }
        for (std::size_t i = 0; i < n; ++i) (void)in.byte();
        (void)node.feed(enc.bytes());
        break;
      }
      case 7: {  // the node answers; the honest peer hears it
        (void)node.progress();
        const Bytes out = node.mux.take_output();
        (void)peer.feed(out);
        (void)peer.progress();
        cut_frames(peer.mux.take_output(), pending);
        break;
      }
      case 8: {  // a local write at the node
        const std::size_t i = in.byte() % fx.items.size();
        own.insert(i);
        (void)node.store->ingest(fx.items[i].entry, store::Trust::kAlreadyVerified);
        break;
      }
      default:
        mutate_burst = 1 + in.byte() % 4;
        break;
    }
    const Status st = node.progress();
    if (failure) {
      check(node.session->failed());
      check(!st.is_ok() && same_status(st, *failure));
      check(same_status(node.session->failure(), *failure));
    } else if (node.session->failed()) {
      failure = node.session->failure();
      check(!st.is_ok() && same_status(st, *failure));
    }
    check_store(*node.store, own, node_caps, false);
    // Output memory: the session stops producing at max_queued_output; one message more (at
    // most a payload message of kChunksPerMessage Chunks and their labels) may follow.
    check(node.mux.queued_bytes() <= kMaxQueuedOutput + 80 * 1024);
  }
  // Quiet rounds: honest traffic both ways, so what is in flight completes.
  for (unsigned round = 0; round < 8 && !node.mux.failed() && !peer.mux.failed(); ++round) {
    (void)peer.progress();
    for (const auto& f : pending) deliver(f);
    pending.clear();
    (void)node.feed(peer.mux.take_output());
    (void)node.progress();
    (void)peer.feed(node.mux.take_output());
  }
  if (failure) check(node.session->failed() && same_status(node.session->failure(), *failure));
  check_store(*node.store, own, node_caps, true);
  return 0;
}
