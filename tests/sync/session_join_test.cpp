// Session against the reference join (issue #14): two stores with random overlapping contents —
// two owned namespaces and a communal one, some held by one side only; several writers and
// subspaces; paths over a three-letter alphabet, so that prefix pruning happens all the time;
// colliding timestamps; payloads held whole, as a prefix of Chunks, or not at all — and read
// capabilities restricted to subspaces, path prefixes and time ranges, most of them delegated
// (owner or communal creator -> A -> the session identity), several per side. A MemoryStore and
// an LmdbStore (the kinds swap sides over seeds) sync through two Sessions over LCMUX, bytes
// moved in random pieces. Afterwards each store holds exactly model::join of its old entries and
// the other's old entries inside the intersection of the granted areas (the union, over the pairs
// of capabilities PIO pairs up, of their areas' intersections) — so nothing else of the other's,
// and a namespace without a shared capability stays as it was — and every payload byte a store
// holds verifies. Payloads: what a side held it keeps; the entries inside the intersection whose
// payload the other side held whole are whole afterwards (session_payloads.cpp, SPEC-NOTES Sync
// 19: whole payloads within max_payload_power travel); outside the intersection nothing changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "model/join.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/authorisation.hpp"
#include "osier/meadowcap/capability.hpp"
#include "osier/store/authoriser.hpp"
#include "store/memory_store.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/payload_transfer.hpp"
#include "sync/session_harness.hpp"
#include "sync/store_test_util.hpp"

namespace osier::sync {
namespace {

using meadowcap::AccessMode;
using meadowcap::CommunalCapability;
using meadowcap::McCapability;
using meadowcap::McEnumerationCapability;
using meadowcap::OwnedCapability;
using meadowcap::testing::key;
using meadowcap::testing::namespace_key;
using testing::kAlfieKey;
using testing::kBettyKey;
using testing::Peer;

// Key tags (meadowcap::testing::key). The session identities are kAlfieKey and kBettyKey.
constexpr std::uint8_t kOwnedWriters[] = {1, 4};  // write capabilities for a whole owned namespace
constexpr std::uint8_t kUsers[] = {4, 5, 6};      // the subspaces (communal: their writers)
constexpr std::uint8_t kMiddle = 7;               // the A of owner -> A -> session identity
constexpr std::uint8_t kFirst = 8;                // owner -> kFirst -> A -> session identity
const char* const kAlphabet[] = {"a", "b", "c"};

struct Namespace {
  const crypto::Ed25519SecretKey* secret = nullptr;  // owned namespaces only
  model::NamespaceId id{};
  bool communal = false;
};

std::vector<Namespace> all_namespaces() {
  const crypto::Ed25519SecretKey& owned = namespace_key(false);
  const auto after =
      static_cast<std::uint8_t>(meadowcap::testing::McRandom::tag_of(owned.public_key()) + 1);
  const crypto::Ed25519SecretKey& owned2 = namespace_key(false, after);
  return {{&owned, owned.public_key(), false},
          {nullptr, namespace_key(true).public_key(), true},
          {&owned2, owned2.public_key(), false}};
}

// An entry of the pool, with its payload (distinct for distinct items but the empty ones: stores
// share payloads by digest, which would let one entry's transfer fill another's). Two items with
// empty payloads may be the same Entry signed by two writers: a store keeps either token (the
// data model's stores hold Entries; the join does not look at tokens).
struct Item {
  store::AuthorisedEntry authorised;
  Bytes payload;
  const model::Entry& entry() const { return authorised.entry; }
};

// An entry of `ns` in `user`'s subspace, signed by `writer` (in a communal namespace, `user`).
Item make_item(const Namespace& ns, std::uint8_t user, std::uint8_t writer, model::Path path,
               model::Timestamp timestamp, Bytes payload) {
  model::Entry e;
  e.namespace_id = ns.id;
  e.subspace_id = key(user).public_key();
  e.path = std::move(path);
  e.timestamp = timestamp;
  e.payload_length = payload.size();
  e.payload_digest = crypto::william3(payload);
  const McCapability cap = ns.communal
                               ? McCapability(CommunalCapability::create(AccessMode::kWrite, ns.id,
                                                                         key(writer).public_key()))
                               : McCapability(OwnedCapability::create(
                                     *ns.secret, AccessMode::kWrite, key(writer).public_key()));
  auto s = meadowcap::AuthorisedEntry::sign(e, cap, key(writer)).value();
  return {{s.entry(), store::encode_token_bytes(s.token()).value()}, std::move(payload)};
}

struct EntryLess {
  bool operator()(const model::Entry& a, const model::Entry& b) const {
    return model::canonical_less(a, b);
  }
};

// A store's contents: entry -> (token, available payload bytes).
struct Held {
  Bytes token;
  std::uint64_t available = 0;
  bool operator==(const Held&) const = default;
};
using Contents = std::map<model::Entry, Held, EntryLess>;

Contents join_contents(store::Store& s, const std::vector<Namespace>& namespaces) {
  Contents out;
  for (const Namespace& ns : namespaces) {
    EXPECT_TRUE(
        s.query(ns.id, model::D3Range::full(), {}, [&](const store::LengthyAuthorisedEntry& e) {
          out[e.authorised.entry] = Held{e.authorised.token, e.available};
          return true;
        }));
  }
  return out;
}

// How a side holds an item's payload before the sync.
enum class Payload { kWhole, kPrefix, kNone };

struct Placed {
  const Item* item = nullptr;
  Payload payload = Payload::kNone;
  std::uint64_t prefix_chunks = 0;  // kPrefix: 0 < prefix_chunks < the payload's Chunks
};

// One side of a scenario: what it holds and what it may read.
struct Side {
  std::uint8_t who = 0;
  std::vector<Placed> placed;
  std::vector<McCapability> caps;
  std::vector<McEnumerationCapability> enumeration;
  bool may_enumerate(const model::NamespaceId& ns) const {
    return std::any_of(
        enumeration.begin(), enumeration.end(),
        [&](const McEnumerationCapability& c) { return c.granted_namespace() == ns; });
  }
};

class Scenario {
 public:
  explicit Scenario(std::uint64_t seed) : rng_(seed), namespaces_(all_namespaces()) {
    alfie_.who = kAlfieKey;
    betty_.who = kBettyKey;
    pool_.reserve(namespaces_.size() * kItemsPerNamespace);
    for (const Namespace& ns : namespaces_) {
      // Who holds entries of the namespace: both (half the seeds), or one side only.
      const std::uint64_t holders = below(4);
      for (std::size_t i = 0; i < kItemsPerNamespace; ++i) {
        pool_.push_back(item(ns, pool_.size()));
        const std::uint64_t r = below(10);
        const bool to_alfie = holders == 2 || (holders < 2 && r < 7);
        const bool to_betty = holders == 3 || (holders < 2 && (r < 4 || r >= 7));
        if (holders >= 2 && r < 3) continue;  // some entries nobody holds
        if (to_alfie) place(alfie_, pool_.back());
        if (to_betty) place(betty_, pool_.back());
      }
      for (Side* side : {&alfie_, &betty_}) {
        if (chance(15)) continue;  // no capability for this namespace
        const std::uint64_t n = 1 + below(2) + (chance(20) ? 1 : 0);
        for (std::uint64_t c = 0; c < n; ++c) side->caps.push_back(read_capability(ns, side->who));
        if (!ns.communal && chance(50)) {
          side->enumeration.push_back(
              McEnumerationCapability::create(*ns.secret, key(side->who).public_key()));
        }
      }
    }
    std::shuffle(alfie_.placed.begin(), alfie_.placed.end(), rng_);
    std::shuffle(betty_.placed.begin(), betty_.placed.end(), rng_);
  }

  static constexpr std::size_t kItemsPerNamespace = 100;

  const std::vector<Namespace>& namespaces() const { return namespaces_; }
  const Side& alfie() const { return alfie_; }
  const Side& betty() const { return betty_; }

  // The areas both sides' capabilities grant, per namespace: for every pair PIO finds (their
  // private interests, SPEC-NOTES Sync 25, are not disjoint; an awkward pair only when its `any`
  // side holds an enumeration capability, private_interest_overlap#dealing_with_awkwardness), the
  // intersection of the two granted areas.
  std::map<model::NamespaceId, std::vector<model::Area>> shared_areas() const {
    std::map<model::NamespaceId, std::vector<model::Area>> out;
    for (const McCapability& x : alfie_.caps) {
      for (const McCapability& y : betty_.caps) {
        const model::NamespaceId& ns = x.granted_namespace();
        if (ns != y.granted_namespace() ||
            !paired(x, alfie_.may_enumerate(ns), y, betty_.may_enumerate(ns))) {
          continue;
        }
        const auto area = x.granted_area().intersection(y.granted_area());
        if (area && !area->is_empty()) out[ns].push_back(*area);
      }
    }
    return out;
  }

 private:
  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  bool chance(unsigned percent) { return below(100) < percent; }

  model::Path extend(model::Path p, std::uint64_t components) {
    for (std::uint64_t i = 0; i < components; ++i)
      p = p.append(as_bytes(kAlphabet[below(3)])).value();
    return p;
  }

  Item item(const Namespace& ns, std::uint64_t serial) {
    const std::uint8_t user = kUsers[below(3)];
    const std::uint64_t d = below(100);
    const model::Path path = extend({}, d < 4 ? 0 : d < 20 ? 1 : d < 55 ? 2 : 3);
    const model::Timestamp timestamp = 100 * (1 + below(6));  // six values: ties are common
    static const std::uint64_t kLengths[] = {0, 100, 1024, 1025, 3000, 5000, 9000};
    Bytes payload(chance(4) ? 70 * 1024 : kLengths[below(std::size(kLengths))]);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng_());
    for (std::size_t i = 0; i < 8 && i < payload.size(); ++i) {
      payload[i] = static_cast<std::uint8_t>(serial >> (8 * i));
    }
    const std::uint8_t writer = ns.communal ? user : kOwnedWriters[below(2)];
    return make_item(ns, user, writer, path, timestamp, std::move(payload));
  }

  void place(Side& side, const Item& it) {
    Placed p{&it, Payload::kNone, 0};
    const std::uint64_t chunks = payload_chunk_count(it.entry().payload_length);
    const std::uint64_t r = below(4);
    if (it.entry().payload_length == 0 || r < 2) {
      p.payload = Payload::kWhole;
    } else if (r == 2 && chunks >= 2) {
      p.payload = Payload::kPrefix;
      p.prefix_chunks = 1 + below(chunks - 1);
    }
    side.placed.push_back(p);
  }

  // A time range on the grid 0, 100, ..., 700 within `outer` (which is on the grid too).
  model::TimeRange sub_times(const model::TimeRange& outer) {
    if (chance(65)) return outer;
    std::vector<model::Timestamp> starts;
    for (model::Timestamp t = 0; t <= 600; t += 100) {
      if (outer.includes(t)) starts.push_back(t);
    }
    if (starts.empty()) return outer;
    model::TimeRange r{starts[below(starts.size())], std::nullopt};
    std::vector<std::optional<model::Timestamp>> ends;
    for (model::Timestamp t = r.start + 100; t <= 700; t += 100) {
      if (!outer.end || t <= *outer.end) ends.emplace_back(t);
    }
    if (!outer.end) ends.emplace_back(std::nullopt);
    r.end = ends[below(ends.size())];
    return r;
  }

  model::Area sub_area(const model::Area& outer) {
    model::Area a = outer;
    if (!a.subspace && chance(40)) a.subspace = key(kUsers[below(3)]).public_key();
    const std::uint64_t r = below(100);
    a.path = extend(outer.path, r < 55 ? 0 : r < 95 ? 1 : 2);
    a.times = sub_times(outer.times);
    return a;
  }

  // A read capability for `who`: owned, the whole namespace or delegated through one or two
  // others; communal, a user's subspace delegated through the user (and maybe kMiddle). Every
  // delegation narrows the area at random.
  McCapability read_capability(const Namespace& ns, std::uint8_t who) {
    std::uint8_t holder = 0;
    std::optional<McCapability> cap;
    if (ns.communal) {
      holder = kUsers[below(3)];
      cap = CommunalCapability::create(AccessMode::kRead, ns.id, key(holder).public_key());
    } else {
      const std::uint64_t shape = below(4);
      if (shape == 0)
        return OwnedCapability::create(*ns.secret, AccessMode::kRead, key(who).public_key());
      holder = shape == 3 ? kFirst : kMiddle;
      cap = OwnedCapability::create(*ns.secret, AccessMode::kRead, key(holder).public_key());
    }
    if (holder == kFirst || (ns.communal && chance(50))) {
      cap = cap->delegate(key(holder), sub_area(cap->granted_area()), key(kMiddle).public_key())
                .value();
      holder = kMiddle;
    }
    return cap->delegate(key(holder), sub_area(cap->granted_area()), key(who).public_key()).value();
  }

  // Whether PIO pairs x (Alfie's) and y (Betty's) up: see shared_areas.
  static bool paired(const McCapability& x, bool x_enumerates, const McCapability& y,
                     bool y_enumerates) {
    const model::Area ax = x.granted_area();
    const model::Area ay = y.granted_area();
    if (ax.subspace && ay.subspace && *ax.subspace != *ay.subspace) return false;
    if (!ax.path.is_prefix_of(ay.path) && !ay.path.is_prefix_of(ax.path)) return false;
    // Awkward: one `any` with path p, the other concrete with a strict prefix of p.
    if (!ax.subspace && ay.subspace && ay.path.is_prefix_of(ax.path) && ay.path != ax.path) {
      return x_enumerates;
    }
    if (!ay.subspace && ax.subspace && ax.path.is_prefix_of(ay.path) && ax.path != ay.path) {
      return y_enumerates;
    }
    return true;
  }

  std::mt19937_64 rng_;
  std::vector<Namespace> namespaces_;
  std::vector<Item> pool_;
  Side alfie_;
  Side betty_;
};

// The first `chunks` Chunks of `it`'s payload into `s` (which stores its entry), as a transfer
// cut short leaves them.
void put_prefix(store::Store& s, const Item& it, std::uint64_t chunks) {
  store::MemoryStore whole;
  ASSERT_TRUE(whole.ingest_with_payload(it.authorised, memory_source(it.payload)));
  Bytes stream;
  ASSERT_TRUE(send_payload_chunks(whole, it.entry(), 0, chunks, [&](ByteView piece) {
    stream.insert(stream.end(), piece.begin(), piece.end());
    return Status::ok();
  }));
  auto t = PayloadTransfer::start(s, it.entry(), 0);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  ASSERT_TRUE(t->feed(stream));
  ASSERT_TRUE(t->flush());
}

// Fills `s` with a side's items in their (random) order: the store prunes as they come.
void fill(store::Store& s, const Side& side) {
  for (const Placed& p : side.placed) {
    const auto r = p.payload == Payload::kWhole
                       ? s.ingest_with_payload(p.item->authorised, memory_source(p.item->payload))
                       : s.ingest(p.item->authorised);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_NE(r->outcome, store::IngestOutcome::kRejected) << r->reason.to_string();
  }
  for (const Placed& p : side.placed) {
    if (p.payload != Payload::kPrefix) continue;
    const model::Entry& e = p.item->entry();
    auto got = s.get(e.namespace_id, e.subspace_id, e.path);
    ASSERT_TRUE(got.is_ok());
    if (*got && (*got)->authorised.entry == e) put_prefix(s, *p.item, p.prefix_chunks);
  }
}

std::string describe(const model::Entry& e) {
  std::string out = "ns ";
  out += std::to_string(e.namespace_id[0]);
  for (const std::string& part :
       {std::string(" user "), std::to_string(meadowcap::testing::McRandom::tag_of(e.subspace_id)),
        std::string(" path "), e.path.to_string(), std::string(" ts "), std::to_string(e.timestamp),
        std::string(" len "), std::to_string(e.payload_length)}) {
    out += part;
  }
  return out;
}

bool in_areas(const std::map<model::NamespaceId, std::vector<model::Area>>& areas,
              const model::Entry& e) {
  auto it = areas.find(e.namespace_id);
  return it != areas.end() && std::any_of(it->second.begin(), it->second.end(),
                                          [&](const model::Area& a) { return a.includes(e); });
}

// What the seeds exercised, summed over both sides (so that a change to the generator cannot
// make the test vacuous unnoticed).
struct Coverage {
  std::size_t arrived = 0;             // entries new to a side
  std::size_t pruned_by_other = 0;     // own entries that a newer one of the other's pruned
  std::size_t never_stored = 0;        // the other's shared entries that an entry pruned
  std::size_t kept_out = 0;            // the other's entries outside the shared areas
  std::size_t payloads_grown = 0;      // entries whose held payload bytes grew
  std::size_t prefixes_completed = 0;  // of them, from a prefix of Chunks to whole
};

// Checks one side after the sync: `now` against the join of `before` and `other`'s entries in
// `areas`, and the payload bytes it holds.
void check_side(const char* name, std::uint8_t max_payload_power, Coverage& coverage,
                store::Store& s, const Contents& now, const Contents& before, const Contents& other,
                const std::map<model::NamespaceId, std::vector<model::Area>>& areas,
                const std::multimap<model::Entry, const Item*, EntryLess>& items) {
  SCOPED_TRACE(name);
  std::vector<model::Entry> input;
  for (const auto& [e, held] : before) input.push_back(e);
  for (const auto& [e, held] : other) {
    if (in_areas(areas, e)) input.push_back(e);
  }
  const std::vector<model::Entry> expected = model::join(input);
  for (const auto& [e, held] : before) coverage.pruned_by_other += now.count(e) == 0;
  for (const auto& [e, held] : other) {
    if (before.count(e) != 0) continue;
    if (!in_areas(areas, e)) {
      ++coverage.kept_out;
    } else {
      coverage.arrived += now.count(e);
      coverage.never_stored += now.count(e) == 0;
    }
  }
  std::vector<model::Entry> got;
  for (const auto& [e, held] : now) got.push_back(e);
  if (got != expected) {
    std::set<model::Entry, EntryLess> want(expected.begin(), expected.end());
    std::size_t shown = 0;
    for (const auto& e : got) {
      if (want.count(e) == 0 && shown++ < 10) {
        ADD_FAILURE() << "unexpected " << describe(e) << (before.count(e) ? " (own)" : "")
                      << (in_areas(areas, e) ? " (shared area)" : "");
      }
    }
    for (const auto& e : expected) {
      if (now.count(e) == 0 && shown++ < 10) {
        ADD_FAILURE() << "missing " << describe(e) << (before.count(e) ? " (own)" : " (other's)")
                      << (in_areas(areas, e) ? " (shared area)" : "");
      }
    }
    FAIL() << got.size() << " entries, the join has " << expected.size();
  }
  for (const auto& [e, held] : now) {
    const auto [first, last] = items.equal_range(e);
    ASSERT_NE(first, last) << describe(e);
    const Bytes& token = held.token;  // (clang 14 cannot capture a structured binding)
    EXPECT_TRUE(std::any_of(first, last, [&](const auto& i) {
      return i.second->authorised.token == token;
    })) << describe(e);
    const Item& it = *first->second;
    // The bytes held verify: a prefix of the payload, whole Chunks or all of it.
    ASSERT_LE(held.available, e.payload_length) << describe(e);
    EXPECT_TRUE(held.available == e.payload_length || held.available % 1024 == 0) << describe(e);
    Bytes bytes;
    if (held.available > 0) {
      ASSERT_TRUE(
          s.read_payload(e.namespace_id, e.subspace_id, e.path, 0, held.available, [&](ByteView b) {
            bytes.insert(bytes.end(), b.begin(), b.end());
            return Status::ok();
          }));
    }
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), it.payload.begin()) &&
                bytes.size() == held.available)
        << describe(e);
    // What it held it keeps; outside the shared areas nothing changes; inside, a payload the
    // other held whole is whole here now.
    const auto mine = before.find(e);
    const auto theirs = other.find(e);
    const std::uint64_t had = mine == before.end() ? 0 : mine->second.available;
    EXPECT_GE(held.available, had) << describe(e);
    coverage.payloads_grown += held.available > had;
    coverage.prefixes_completed +=
        had > 0 && had < held.available && held.available == e.payload_length;
    if (!in_areas(areas, e)) {
      EXPECT_EQ(held.available, had) << describe(e);
      continue;
    }
    const std::uint64_t they_had = theirs == other.end() ? 0 : theirs->second.available;
    EXPECT_LE(held.available, std::max(had, they_had)) << describe(e);
    // (Payloads above the side's max_payload_power need not be sent to it, SPEC-NOTES Sync 19.)
    const bool sendable =
        max_payload_power >= 64 || e.payload_length <= (std::uint64_t{1} << max_payload_power);
    if (they_had == e.payload_length && sendable) {
      EXPECT_EQ(held.available, e.payload_length)
          << describe(e) << (mine == before.end() ? " (new), held " : " held ") << had;
    }
  }
}

class SessionJoinTest : public ::testing::Test {
 protected:
  testing::LmdbStores stores_;
};

TEST_F(SessionJoinTest, EachStoreEndsAsTheJoinWithTheOthersSharedEntries) {
  Coverage coverage;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    const Scenario sc(seed);
    std::multimap<model::Entry, const Item*, EntryLess> items;
    for (const Side* side : {&sc.alfie(), &sc.betty()}) {
      for (const Placed& p : side->placed) items.emplace(p.item->entry(), p.item);
    }
    // Alfie's store is the MemoryStore on odd seeds, the LmdbStore on even ones.
    std::unique_ptr<store::Store> memory = std::make_unique<store::MemoryStore>();
    std::unique_ptr<store::Store> lmdb = stores_.open();
    const bool alfie_memory = seed % 2 == 1;
    // Every third seed, LCMUX channels of 512 bytes: messages wait for guarantees. Every other
    // seed, reconciliation splits in two down to single entries: many more rounds and ranges.
    testing::PeerOptions alfie_options;
    alfie_options.enumeration = sc.alfie().enumeration;
    alfie_options.capacity = seed % 3 == 0 ? 512 : 16 * 1024;
    if (seed % 2 == 0) {
      alfie_options.rbsr.split_factor = 2;
      alfie_options.rbsr.send_entries_threshold = 1;
    }
    testing::PeerOptions betty_options = alfie_options;
    betty_options.enumeration = sc.betty().enumeration;
    // Every seventh seed, Alfie declares areas of interest of one entry and one byte: the limits
    // do not apply to reconciliation (SPEC-NOTES Sync 20), the whole intersection is reconciled.
    if (seed % 7 == 0) {
      alfie_options.aoi_max_count = 1;
      alfie_options.aoi_max_size = 1;
    }
    // Some seeds, one side takes payloads of at most 4 KiB.
    alfie_options.max_payload_power = seed % 5 == 0 ? 12 : 64;
    betty_options.max_payload_power = seed % 5 == 3 ? 12 : 64;
    Peer a(alfie_memory ? std::move(memory) : std::move(lmdb), kAlfieKey, HandshakeRole::kInitiator,
           sc.alfie().caps, alfie_options);
    Peer b(alfie_memory ? std::move(lmdb) : std::move(memory), kBettyKey, HandshakeRole::kResponder,
           sc.betty().caps, betty_options);
    ASSERT_NO_FATAL_FAILURE(fill(*a.store, sc.alfie()));
    ASSERT_NO_FATAL_FAILURE(fill(*b.store, sc.betty()));
    const Contents a_before = join_contents(*a.store, sc.namespaces());
    const Contents b_before = join_contents(*b.store, sc.namespaces());
    // The stores pruned as the reference join does.
    {
      std::vector<model::Entry> ingested;
      for (const Placed& p : sc.alfie().placed) ingested.push_back(p.item->entry());
      std::vector<model::Entry> held;
      for (const auto& [e, h] : a_before) held.push_back(e);
      ASSERT_EQ(held, model::join(ingested));
    }
    ASSERT_TRUE(run(a, b, seed));
    const auto areas = sc.shared_areas();
    // PIO found exactly the pairs the model pairs up (one overlap each, on both sides).
    std::size_t pairs = 0;
    for (const auto& [ns, list] : areas) pairs += list.size();
    EXPECT_EQ(a.overlaps, pairs);
    EXPECT_EQ(b.overlaps, pairs);
    const Contents a_after = join_contents(*a.store, sc.namespaces());
    const Contents b_after = join_contents(*b.store, sc.namespaces());
    check_side("alfie", alfie_options.max_payload_power, coverage, *a.store, a_after, a_before,
               b_before, areas, items);
    check_side("betty", betty_options.max_payload_power, coverage, *b.store, b_after, b_before,
               a_before, areas, items);
    // A second session between the synced stores adds no entry and changes nothing.
    Peer a2(std::move(a.store), kAlfieKey, HandshakeRole::kInitiator, sc.alfie().caps,
            alfie_options);
    Peer b2(std::move(b.store), kBettyKey, HandshakeRole::kResponder, sc.betty().caps,
            betty_options);
    ASSERT_TRUE(run(a2, b2, seed + 1000));
    EXPECT_EQ(a2.ingested + b2.ingested, 0U);
    EXPECT_TRUE(join_contents(*a2.store, sc.namespaces()) == a_after);
    EXPECT_TRUE(join_contents(*b2.store, sc.namespaces()) == b_after);
  }
  EXPECT_GT(coverage.arrived, 100U);
  EXPECT_GT(coverage.pruned_by_other, 10U);
  EXPECT_GT(coverage.never_stored, 10U);
  EXPECT_GT(coverage.kept_out, 100U);
  EXPECT_GT(coverage.payloads_grown, 100U);
  EXPECT_GT(coverage.prefixes_completed, 2U);
}

// An awkward pair (private_interest_overlap#dealing_with_awkwardness): Alfie may read any
// subspace under /a, Betty all of user 4's subspace. Only Alfie, the `any` side, can resolve it,
// with an enumeration capability; without one nothing is exchanged at all.
TEST_F(SessionJoinTest, AnAwkwardPairSyncsOnlyWithTheAnySidesEnumerationCapability) {
  const Namespace ns = all_namespaces()[0];
  const auto path = [](std::initializer_list<std::string_view> c) {
    return model::Path::from_strings(c).value();
  };
  const McCapability to_middle =
      OwnedCapability::create(*ns.secret, AccessMode::kRead, key(kMiddle).public_key());
  model::Area any_a;
  any_a.path = path({"a"});
  const McCapability alfie_cap =
      to_middle.delegate(key(kMiddle), any_a, key(kAlfieKey).public_key()).value();
  const McCapability betty_cap =
      to_middle
          .delegate(key(kMiddle), model::Area::subspace_area(key(4).public_key()),
                    key(kBettyKey).public_key())
          .value();
  // Betty: user 4's /a (newer than Alfie's /a/c, which it prunes) and /b (outside Alfie's area).
  // Alfie: user 4's /a/c and user 5's /a/x (outside Betty's area).
  const Item b_a = make_item(ns, 4, 1, path({"a"}), 300, Bytes(2000, 1));
  const Item b_b = make_item(ns, 4, 1, path({"b"}), 300, Bytes(10, 2));
  const Item a_ac = make_item(ns, 4, 1, path({"a", "c"}), 100, Bytes(3000, 3));
  const Item a_ax = make_item(ns, 5, 1, path({"a", "x"}), 100, Bytes(20, 4));
  const auto entries = [&](store::Store& s) {
    std::vector<model::Entry> out;
    for (const auto& [e, held] : join_contents(s, {ns})) out.push_back(e);
    return out;
  };
  for (const bool enumerate : {false, true}) {
    SCOPED_TRACE(enumerate ? "with" : "without");
    testing::PeerOptions alfie_options;
    if (enumerate) {
      alfie_options.enumeration.push_back(
          McEnumerationCapability::create(*ns.secret, key(kAlfieKey).public_key()));
    }
    Peer a(stores_.open(), kAlfieKey, HandshakeRole::kInitiator, {alfie_cap}, alfie_options);
    Peer b(std::make_unique<store::MemoryStore>(), kBettyKey, HandshakeRole::kResponder,
           {betty_cap}, testing::PeerOptions{});
    for (const Item* it : {&a_ac, &a_ax}) {
      ASSERT_TRUE(a.store->ingest_with_payload(it->authorised, memory_source(it->payload)));
    }
    for (const Item* it : {&b_a, &b_b}) {
      ASSERT_TRUE(b.store->ingest_with_payload(it->authorised, memory_source(it->payload)));
    }
    ASSERT_TRUE(run(a, b, 77));
    EXPECT_EQ(a.overlaps, enumerate ? 1U : 0U);
    const std::vector<model::Entry> a_want =
        enumerate ? model::join(std::vector{a_ac.entry(), a_ax.entry(), b_a.entry()})
                  : model::join(std::vector{a_ac.entry(), a_ax.entry()});
    const std::vector<model::Entry> b_want =
        enumerate ? model::join(std::vector{b_a.entry(), b_b.entry(), a_ac.entry()})
                  : model::join(std::vector{b_a.entry(), b_b.entry()});
    EXPECT_EQ(entries(*a.store), a_want);
    EXPECT_EQ(entries(*b.store), b_want);
    if (enumerate) {
      ASSERT_EQ(a_want.size(), 2U);  // Alfie's /a/c gave way to Betty's /a
      const auto held = a.store->payload_state(ns.id, b_a.entry().subspace_id, b_a.entry().path);
      ASSERT_TRUE(held.is_ok() && held->has_value());
      EXPECT_EQ((*held)->held, 2000U);
    }
  }
}

}  // namespace
}  // namespace osier::sync
