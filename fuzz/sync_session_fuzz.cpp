// A whole sync Session (session.hpp) against a hostile peer's decrypted byte stream. The node
// (Alfie or Betty, as the input says) runs over a MemoryStore seeded from the input with signed
// entries and real payloads. The peer is one of two, as the input says:
//   - an honest second Session over its own store, whose frames the ops pass along, mutate (one
//     content byte), drop or duplicate, between raw channel and global frames of fuzzer bytes;
//   - a scripted peer (tests/sync/scripted_peer.hpp: a real PioCore, its own codec state) whose
//     reconciliation messages the ops choose: fingerprints (matching the node's or not),
//     announcements, entries (now and then with another entry's token), payload Chunks (now and
//     then with a byte flipped), terminations, handle frees, raw channel bytes — well-formed
//     messages that break the protocol's rules rather than its encodings.
//
// Input: [roles/capabilities][parameters, bit 7: scripted][peer capabilities][node store: 4
// bytes][peer store: 4 bytes], then ops of one byte and their arguments (see the two switches).
//
// Properties, after every op: no crash or UB; an error is sticky (failed() stays true and
// on_progress returns the same error); every entry in the node's store is one it held or wrote
// itself, or a fixture entry (the only validly signed ones) inside one of the node's granted
// areas; LCMUX's send queue stays within max_queued_output and one payload message. At the end,
// every received entry verifies and every payload byte the store holds is the entry's. Work per
// input is bounded (at most kMaxOps ops, frames of at most 64 fuzzer bytes).
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz_codec.hpp"
#include "fuzz_keys.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/owned_capability.hpp"
#include "osier/model/area.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/lcmux_frames.hpp"
#include "sync/lcmux_session.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/payload_transfer.hpp"
#include "sync/session.hpp"
// The scripted peer, shared with tests/sync/session_hostile_test.cpp.
#include "../tests/sync/scripted_peer.hpp"

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
  // Per item, the bytes of each of its payload's Chunks (labels, then data).
  std::vector<std::vector<Bytes>> chunks;
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
      store::MemoryStore one;
      check(one.ingest_with_payload(it.entry, memory_source(it.payload)).is_ok());
      std::vector<Bytes> cs;
      for (std::uint64_t k = 0; k < sync::payload_chunk_count(e.payload_length); ++k) {
        Bytes c;
        check(sync::send_payload_chunks(one, e, k, 1, [&](ByteView b) {
                c.insert(c.end(), b.begin(), b.end());
                return Status::ok();
              }).is_ok());
        cs.push_back(std::move(c));
      }
      x.chunks.push_back(std::move(cs));
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

// The scripted peer's state: the entry whose payload it is sending.
struct Script {
  std::optional<std::size_t> item;
  std::uint64_t next_chunk = 0;
};

model::D3Range range_for(fuzz::FuzzValues& in, const model::Area& area) {
  model::D3Range r = model::area_to_range(area);
  const std::uint8_t sel = in.byte();
  switch (sel % 5) {
    case 0:
      return model::D3Range::full();
    case 1:
      return r;
    case 2: {
      const model::Timestamp t = 100 + (sel >> 3) % 16;
      r.times = model::TimeRange{t, t + 1 + in.byte() % 8};
      return r;
    }
    case 3: {
      model::SubspaceId a{};
      a.fill(static_cast<std::uint8_t>(1 + (sel >> 3) % 3));
      model::SubspaceId b{};
      b.fill(static_cast<std::uint8_t>(2 + (sel >> 3) % 3));
      r.subspaces = model::SubspaceRange{a, b};
      return r;
    }
    default:
      return in.d3_range();
  }
}

// One scripted message (or raw frame) from the peer, chosen by the input.
void scripted_op(sync::testing::ScriptedPeer& peer, Side& node, fuzz::FuzzValues& in,
                 Script& script) {
  const Fixture& fx = fixture();
  auto info = [&]() {
    sync::RangeInfo i;
    model::Area area = model::Area::full();
    if (!peer.overlaps.empty()) {
      const auto& ov = peer.overlaps[in.byte() % peer.overlaps.size()];
      const auto& other = peer.overlaps[in.byte() % peer.overlaps.size()];
      i.sender_handle = ov.own_capability;
      i.receiver_handle = other.peer_capability;
      area = ov.area;
    }
    i.range = range_for(in, area);
    const std::uint8_t r = in.byte();
    if (r % 3 != 0) i.root_id = r % 8;
    return i;
  };
  switch (in.byte() % 8) {
    case 0: {  // a round: PIO, our bytes to the node, its answers back
      (void)peer.pump_pio();
      (void)node.feed(peer.take_output());
      (void)node.progress();
      (void)peer.feed(node.mux.take_output());
      break;
    }
    case 1: {  // a fingerprint: the node's own for the range (a match) or another
      sync::ReconciliationSendFingerprint f;
      f.info = info();
      if (in.coin()) {
        auto snap = node.store->snapshot(fx.ns);
        if (snap) {
          auto sum = (*snap)->summarise(f.info.range);
          if (sum) f.fingerprint = sum->fingerprint;
        }
      } else {
        f.fingerprint.fill(in.byte());
      }
      (void)peer.send(f);
      break;
    }
    case 2: {
      const std::uint8_t flags = in.byte();
      (void)peer.send(sync::ReconciliationAnnounceEntries{info(), (flags & 1) != 0,
                                                          (flags & 2) != 0, (flags & 4) != 0});
      break;
    }
    case 3: {  // an entry; now and then with another entry's token
      const std::size_t i = in.byte() % fx.items.size();
      const std::uint8_t how = in.byte();
      const Item& it = fx.items[i];
      auto token = store::decode_token_bytes(it.entry.token).value();
      if (how % 8 == 0) {
        token = store::decode_token_bytes(fx.items[(i + 1) % fx.items.size()].entry.token).value();
      }
      const std::uint64_t available = (how & 0x10) != 0 ? it.payload.size() : 0;
      const std::uint64_t offset = (how & 0x60) == 0x60 ? 1 : 0;
      if (peer.send(sync::ReconciliationSendEntry{
                        sync::LengthyEntry{{it.entry.entry, token}, available}, offset})
              .is_ok()) {
        script = Script{i, offset};
      }
      break;
    }
    case 4: {  // payload Chunks of the current entry, one byte flipped now and then
      if (!script.item) break;
      const auto& cs = fx.chunks[*script.item];
      const std::uint64_t n = std::min<std::uint64_t>(
          1 + in.byte() % 3, cs.size() - std::min<std::uint64_t>(cs.size(), script.next_chunk));
      Bytes bytes;
      for (std::uint64_t k = script.next_chunk; k < script.next_chunk + n; ++k) {
        bytes.insert(bytes.end(), cs[k].begin(), cs[k].end());
      }
      const std::uint8_t flip_at = in.byte();
      if (flip_at % 4 == 0 && !bytes.empty()) bytes[flip_at % bytes.size()] ^= 0x20;
      if (peer.send(sync::ReconciliationSendPayload{n, bytes}).is_ok()) script.next_chunk += n;
      break;
    }
    case 5:
      script.item.reset();
      (void)peer.send(sync::ReconciliationTerminatePayload{in.coin()});
      break;
    case 6: {  // a handle freed
      const std::uint8_t b = in.byte();
      (void)peer.send(sync::ResourceHandleFree{static_cast<sync::HandleType>(b % 3), (b & 4) != 0,
                                               std::uint64_t{in.byte()} % 4,
                                               std::uint64_t{in.byte()} % 4});
      break;
    }
    default: {  // raw channel bytes, straight to the node
      const std::uint64_t channel = in.byte() % 5;
      const std::size_t n = std::min<std::size_t>(in.byte() % 33, in.rest().size());
      Encoder enc;
      sync::encode_frame(enc, sync::SendChannelFrame{channel, in.rest().subspan(0, n)});
      for (std::size_t i = 0; i < n; ++i) (void)in.byte();
      (void)node.feed(enc.bytes());
      break;
    }
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
  // The peer: an honest session whose frames the ops pass along, or (params bit 7) a scripted
  // peer whose messages the ops choose.
  std::optional<Side> honest;
  std::unique_ptr<sync::testing::ScriptedPeer> scripted;
  const auto peer_caps = pick(peer_who, in.byte());
  if ((params & 0x80) != 0) {
    sync::PioConfig pc;
    pc.role = node_is_alfie ? sync::SyncRole::kBetty : sync::SyncRole::kAlfie;
    pc.handshake_hash.fill(0x5a);
    pc.own_key = key(peer_who).public_key();
    pc.peer_key = key(node_who).public_key();
    auto core = sync::PioCore::create(pc, peer_caps, {});
    check(core.is_ok());
    scripted = std::make_unique<sync::testing::ScriptedPeer>(
        std::move(core).value(), pc.role, sync::LcmuxSession::create(mux_options(4096)).value());
  } else {
    honest.emplace(peer_who, !node_is_alfie, peer_caps, rbsr, 4096, 64);
  }
  // Stores: per item 0 absent, 1 entry only, 2 entry and payload (two bits each).
  std::set<std::size_t> own;
  for (Side* s : {&node, honest ? &*honest : nullptr}) {
    const std::uint32_t bits = std::uint32_t{in.byte()} | std::uint32_t{in.byte()} << 8 |
                               std::uint32_t{in.byte()} << 16 | std::uint32_t{in.byte()} << 24;
    if (s == nullptr) continue;
    for (std::size_t i = 0; i < fx.items.size(); ++i) {
      const unsigned b = bits >> (2 * i) & 3;
      if (b == 0) continue;
      if (s == &node) own.insert(i);
      const Item& it = fx.items[i];
      if (b == 1) {
        check(s->store->ingest(it.entry, store::Trust::kAlreadyVerified).is_ok());
      } else {
        check(s->store
                  ->ingest_with_payload(it.entry, memory_source(it.payload),
                                        store::Trust::kAlreadyVerified)
                  .is_ok());
      }
    }
  }

  std::deque<Frame> pending;
  std::optional<Status> failure;
  unsigned mutate_burst = 0;
  auto deliver = [&](const Frame& f) { (void)node.feed(f.bytes); };
  Script script;
  for (unsigned step = 0; step < kMaxOps && !in.rest().empty(); ++step) {
    const unsigned op = scripted ? 10 : in.byte() % 10;
    if (scripted) scripted_op(*scripted, node, in, script);
    Side& peer = scripted ? node : *honest;  // not used when scripted
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
      case 9:
        mutate_burst = 1 + in.byte() % 4;
        break;
      default:  // scripted
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
  // Quiet rounds: traffic both ways, so what is in flight completes.
  for (unsigned round = 0; round < 8 && !node.mux.failed(); ++round) {
    if (scripted) {
      (void)scripted->pump_pio();
      (void)node.feed(scripted->take_output());
      (void)node.progress();
      (void)scripted->feed(node.mux.take_output());
      continue;
    }
    if (honest->mux.failed()) break;
    (void)honest->progress();
    for (const auto& f : pending) deliver(f);
    pending.clear();
    (void)node.feed(honest->mux.take_output());
    (void)node.progress();
    (void)honest->feed(node.mux.take_output());
  }
  if (failure) check(node.session->failed() && same_status(node.session->failure(), *failure));
  check_store(*node.store, own, node_caps, true);
  return 0;
}
