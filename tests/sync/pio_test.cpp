// Private interest overlap: the spec's examples, every kind of overlap, every error, and two
// cores through the real codec against a brute-force oracle.
#include "sync/pio.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "meadowcap/mc_test_util.hpp"
#include "osier/meadowcap/encoding_capability.hpp"
#include "sync/pio_test_util.hpp"

namespace osier::sync {
namespace {

using meadowcap::AccessMode;
using meadowcap::McCapability;
using meadowcap::McEnumerationCapability;
using meadowcap::testing::key;
using meadowcap::testing::namespace_key;
using testing::drain_events;
using testing::pump;

constexpr std::uint8_t kAlfie = 1;
constexpr std::uint8_t kBetty = 2;
constexpr std::uint8_t kGemma = 3;
constexpr std::uint8_t kDalton = 4;

model::Path path(std::initializer_list<std::string_view> components) {
  return model::Path::from_strings(components).value();
}

// An interest: a subspace tag (0: any) and a path.
struct Spec {
  std::uint8_t subspace = 0;
  model::Path path;
};

// The spec's examples as plain data (GCC 12 warns falsely on tables of Paths).
struct RawSpec {
  std::uint8_t subspace = 0;
  std::vector<std::string> components;
  Spec spec() const {
    std::vector<ByteView> views;
    for (const std::string& c : components) views.push_back(as_bytes(c));
    return Spec{subspace, model::Path::from_components(views).value()};
  }
};

PrivateInterest interest(const model::NamespaceId& ns, const Spec& s) {
  PrivateInterest p{ns, std::nullopt, s.path};
  if (s.subspace != 0) p.subspace_id = key(s.subspace).public_key();
  return p;
}

// A read capability for `who` whose private interest is `s`: in an owned namespace the
// namespace's whole-area capability narrowed by `who`; in a communal one the subspace owner's
// capability delegated to `who` with the area.
McCapability capability_for(std::uint8_t who, bool communal, const Spec& s,
                            std::uint8_t ns_from = 200) {
  const crypto::Ed25519SecretKey& ns = namespace_key(communal, ns_from);
  if (communal) {
    const McCapability owner = meadowcap::CommunalCapability::create(
        AccessMode::kRead, ns.public_key(), key(s.subspace).public_key());
    model::Area area = model::Area::subspace_area(key(s.subspace).public_key());
    area.path = s.path;
    return owner.delegate(key(s.subspace), area, key(who).public_key()).value();
  }
  const McCapability full =
      meadowcap::OwnedCapability::create(ns, AccessMode::kRead, key(who).public_key());
  return narrow_read_capability(full, key(who), interest(ns.public_key(), s)).value();
}

McEnumerationCapability enumeration_for(std::uint8_t who, std::uint8_t ns_from = 200) {
  return McEnumerationCapability::create(namespace_key(false, ns_from), key(who).public_key());
}

PioConfig config(SyncRole role) {
  PioConfig c;
  c.role = role;
  c.handshake_hash.fill(0x5a);
  c.handshake_hash[3] = 0x17;
  const bool alfie = role == SyncRole::kAlfie;
  c.own_key = key(alfie ? kAlfie : kBetty).public_key();
  c.peer_key = key(alfie ? kBetty : kAlfie).public_key();
  return c;
}

const PioSalt& betty_salt_of(const PioCore& alfie) { return alfie.salts().res_salt; }

struct Pair {
  PioCore alfie;
  PioCore betty;
};

Pair make_pair(std::vector<McCapability> a, std::vector<McCapability> b,
               std::vector<McEnumerationCapability> ea = {},
               std::vector<McEnumerationCapability> eb = {}) {
  return Pair{PioCore::create(config(SyncRole::kAlfie), std::move(a), std::move(ea)).value(),
              PioCore::create(config(SyncRole::kBetty), std::move(b), std::move(eb)).value()};
}

// Every overlap a core with one interest knows (its handles are 0 and maybe 1).
std::vector<PioOverlapKind> kinds(const PioCore& core) {
  std::vector<PioOverlapKind> out;
  for (std::uint64_t own = 0; own < 2; ++own) {
    for (std::uint64_t peer = 0; peer < 2; ++peer) {
      if (auto k = core.overlap_kind(own, peer)) out.push_back(*k);
    }
  }
  return out;
}

// --- The relations and the hash.

TEST(PrivateInterest, RelationsOfTheSpecsDefinitions) {
  const model::NamespaceId ns = namespace_key(false).public_key();
  const PrivateInterest any_a = interest(ns, {0, path({"a"})});
  const PrivateInterest any_ab = interest(ns, {0, path({"a", "b"})});
  const PrivateInterest g_a = interest(ns, {kGemma, path({"a"})});
  const PrivateInterest d_ab = interest(ns, {kDalton, path({"a", "b"})});
  EXPECT_TRUE(pi_more_specific(any_ab, any_a));
  EXPECT_TRUE(pi_strictly_more_specific(g_a, any_a));
  EXPECT_FALSE(pi_more_specific(any_a, g_a));
  EXPECT_TRUE(pi_awkward(any_ab, g_a));
  EXPECT_TRUE(pi_disjoint(g_a, d_ab));
  EXPECT_FALSE(pi_disjoint(any_ab, g_a));
  EXPECT_EQ(pi_relaxation(g_a), any_a);
  // The shared interest: the less specific of comparable ones, the relaxation for awkward ones.
  EXPECT_EQ(pio_shared_interest(any_ab, any_a), any_a);
  EXPECT_EQ(pio_shared_interest(g_a, any_a), any_a);
  EXPECT_EQ(pio_shared_interest(any_ab, g_a), any_a);
  EXPECT_EQ(pio_shared_interest(g_a, g_a), g_a);
  EXPECT_EQ(pio_shared_interest(g_a, d_ab), std::nullopt);
}

TEST(PioHashes, SaltsAndSyncH) {
  ByteArray<32> rnd{};
  rnd[0] = 0x0f;
  const PioSalts s = PioSalts::from_handshake_hash(rnd);
  EXPECT_EQ(s.ini_salt, rnd);
  EXPECT_EQ(s.res_salt[0], 0xf0);
  EXPECT_EQ(s.res_salt[1], 0xff);
  EXPECT_EQ(s.own(SyncRole::kAlfie), s.ini_salt);
  EXPECT_EQ(s.peer(SyncRole::kAlfie), s.res_salt);
  const model::NamespaceId ns = namespace_key(false).public_key();
  const PrivateInterest g_a = interest(ns, {kGemma, path({"a"})});
  // Salted differently, relaxed or not: all different.
  EXPECT_NE(sync_h(s.ini_salt, g_a), sync_h(s.res_salt, g_a));
  EXPECT_NE(sync_h(s.ini_salt, g_a), sync_h(s.ini_salt, pi_relaxation(g_a)));
  const std::vector<PioBindHash> pairs = pio_bind_hashes(s.ini_salt, g_a);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_TRUE(pairs[0].actually_interested);
  EXPECT_FALSE(pairs[1].actually_interested);
  EXPECT_EQ(pio_bind_hashes(s.ini_salt, pi_relaxation(g_a)).size(), 1u);
}

TEST(PioHashes, TableHasPrefixesAndRelaxations) {
  const model::NamespaceId ns = namespace_key(false).public_key();
  const PioSalt salt{};
  const PrivateInterest g_ab = interest(ns, {kGemma, path({"a", "b"})});
  const PioHashTable table(salt, {g_ab});
  EXPECT_EQ(table.size(), 6u);  // 3 prefixes, each also relaxed
  const PrivateInterest any_a = interest(ns, {0, path({"a"})});
  EXPECT_EQ(table.matches({sync_h(salt, any_a), true}).size(), 1u);
  // Two relaxations do not make an overlap.
  EXPECT_TRUE(table.matches({sync_h(salt, any_a), false}).empty());
  EXPECT_EQ(table.matches({sync_h(salt, interest(ns, {kGemma, {}})), false}).size(), 1u);
}

TEST(PioNarrow, DelegatesToItselfAndRejectsWhatItDoesNotCover) {
  const model::NamespaceId ns = namespace_key(false).public_key();
  const McCapability full = meadowcap::OwnedCapability::create(
      namespace_key(false), AccessMode::kRead, key(kAlfie).public_key());
  const PrivateInterest g_a = interest(ns, {kGemma, path({"a"})});
  const McCapability narrow = narrow_read_capability(full, key(kAlfie), g_a).value();
  EXPECT_EQ(private_interest_of(narrow), g_a);
  EXPECT_TRUE(narrow.is_valid());
  EXPECT_EQ(narrow.receiver(), key(kAlfie).public_key());
  EXPECT_FALSE(narrow_read_capability(narrow, key(kAlfie), interest(ns, {0, path({"a"})})).is_ok());
  EXPECT_FALSE(narrow_read_capability(full, key(kBetty), g_a).is_ok());
}

// --- The spec's examples (private_interest_overlap#pio_examples), both ways round, in an owned
// namespace, plus who detects and what kind of overlap each side records.

struct Example {
  const char* name;
  RawSpec left;
  RawSpec right;
  bool overlap;
  std::vector<PioOverlapKind> left_kinds;
  std::vector<PioOverlapKind> right_kinds;
};

std::vector<Example> spec_examples() {
  using K = PioOverlapKind;
  return {
      {"gemma-a_gemma-a", {kGemma, {"a"}}, {kGemma, {"a"}}, true, {K::kEqual}, {K::kEqual}},
      {"any-a_any-b", {0, {"a"}}, {0, {"b"}}, false, {}, {}},
      {"any-a_any-a-b",
       {0, {"a"}},
       {0, {"a", "b"}},
       true,
       {K::kPeerMoreSpecific},
       {K::kOwnMoreSpecific}},
      {"any-a_gemma-b", {0, {"a"}}, {kGemma, {"b"}}, false, {}, {}},
      {"any-a_gemma-a",
       {0, {"a"}},
       {kGemma, {"a"}},
       true,
       {K::kSamePathOwnAny},
       {K::kSamePathOwnConcrete}},
      {"any-a_gemma-a-b",
       {0, {"a"}},
       {kGemma, {"a", "b"}},
       true,
       {K::kPeerMoreSpecific},
       {K::kOwnMoreSpecific}},
      {"any-a-b_gemma-a",
       {0, {"a", "b"}},
       {kGemma, {"a"}},
       true,
       {K::kAwkwardOwnAny},
       {K::kAwkwardOwnConcrete}},
      {"gemma-a_gemma-b", {kGemma, {"a"}}, {kGemma, {"b"}}, false, {}, {}},
      {"gemma-a_gemma-a-b",
       {kGemma, {"a"}},
       {kGemma, {"a", "b"}},
       true,
       {K::kPeerMoreSpecific},
       {K::kOwnMoreSpecific}},
      {"gemma-a_dalton-b", {kGemma, {"a"}}, {kDalton, {"b"}}, false, {}, {}},
      {"gemma-a_dalton-a-b", {kGemma, {"a"}}, {kDalton, {"a", "b"}}, false, {}, {}},
  };
}

void run_example(const Example& ex, bool left_is_alfie) {
  SCOPED_TRACE(std::string(ex.name) + (left_is_alfie ? " left=Alfie" : " left=Betty"));
  const std::uint8_t left_who = left_is_alfie ? kAlfie : kBetty;
  const std::uint8_t right_who = left_is_alfie ? kBetty : kAlfie;
  std::vector<McCapability> left{capability_for(left_who, false, ex.left.spec())};
  std::vector<McCapability> right{capability_for(right_who, false, ex.right.spec())};
  std::vector<McEnumerationCapability> le{enumeration_for(left_who)};
  std::vector<McEnumerationCapability> re{enumeration_for(right_who)};
  Pair p = left_is_alfie ? make_pair(left, right, le, re) : make_pair(right, left, re, le);
  PioCore& l = left_is_alfie ? p.alfie : p.betty;
  PioCore& r = left_is_alfie ? p.betty : p.alfie;
  std::size_t messages = 0;
  ASSERT_TRUE(pump(p.alfie, p.betty, &messages).is_ok());
  // Honest peers owe each other nothing at the end.
  EXPECT_EQ(p.alfie.overlaps_awaiting_peer(), 0u);
  EXPECT_EQ(p.betty.overlaps_awaiting_peer(), 0u);
  EXPECT_EQ(kinds(l), ex.left_kinds);
  EXPECT_EQ(kinds(r), ex.right_kinds);
  const std::vector<PioOverlapEvent> le_events = drain_events(l);
  const std::vector<PioOverlapEvent> re_events = drain_events(r);
  const std::size_t hashes = (ex.left.subspace ? 2 : 1) + (ex.right.subspace ? 2 : 1);
  if (!ex.overlap) {
    // Disjoint interests reveal nothing: only the hashes went over.
    EXPECT_EQ(messages, hashes);
    EXPECT_TRUE(le_events.empty());
    EXPECT_TRUE(re_events.empty());
    return;
  }
  ASSERT_EQ(le_events.size(), 1u);
  ASSERT_EQ(re_events.size(), 1u);
  const model::Area expected = *left[0].granted_area().intersection(right[0].granted_area());
  EXPECT_EQ(le_events[0].area, expected);
  EXPECT_EQ(re_events[0].area, expected);
  EXPECT_EQ(le_events[0].namespace_id, namespace_key(false).public_key());
  // Each side names the other's capability by the handle the other bound.
  EXPECT_EQ(le_events[0].own_capability, re_events[0].peer_capability);
  EXPECT_EQ(le_events[0].peer_capability, re_events[0].own_capability);
  EXPECT_EQ(*l.own_capability(le_events[0].own_capability), left[0]);
  EXPECT_EQ(l.peer_capability(le_events[0].peer_capability)->capability, right[0]);
}

TEST(Pio, SpecExamplesLeftIsAlfie) {
  for (const Example& ex : spec_examples()) run_example(ex, true);
}

TEST(Pio, SpecExamplesLeftIsBetty) {
  for (const Example& ex : spec_examples()) run_example(ex, false);
}

// The same-path any/concrete case: the `any` side sends its capability first (SPEC-NOTES 24).
TEST(Pio, SamePathAnySideSendsFirst) {
  Pair p = make_pair({capability_for(kAlfie, false, {0, path({"a"})})},
                     {capability_for(kBetty, false, {kGemma, path({"a"})})});
  while (auto m = p.alfie.poll_message())
    ASSERT_TRUE(testing::transfer(p.alfie, p.betty, *m).is_ok());
  // Betty detected the overlap but waits.
  while (auto m = p.betty.poll_message()) {
    EXPECT_TRUE(std::holds_alternative<PioBindHash>(*m));
    ASSERT_TRUE(testing::transfer(p.betty, p.alfie, *m).is_ok());
  }
  auto first = p.alfie.poll_message();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(std::holds_alternative<PioBindReadCapability>(*first));
  // Alfie sent his capability: Betty owes hers (Session::awaiting_peer); Betty owes nothing yet
  // she knows of (she answers his).
  EXPECT_EQ(p.alfie.overlaps_awaiting_peer(), 1u);
  EXPECT_EQ(p.betty.overlaps_awaiting_peer(), 0u);
  ASSERT_TRUE(testing::transfer(p.alfie, p.betty, *first).is_ok());
  auto answer = p.betty.poll_message();
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(std::holds_alternative<PioBindReadCapability>(*answer));
  ASSERT_TRUE(testing::transfer(p.betty, p.alfie, *answer).is_ok());
  EXPECT_EQ(p.alfie.overlaps_awaiting_peer(), 0u);
}

// An announcement (our interest is more specific than the peer's) owes us the peer's capability
// until it comes.
TEST(Pio, AnAnnouncedOverlapAwaitsThePeersCapability) {
  Pair p = make_pair({capability_for(kAlfie, false, {0, path({"a", "b"})})},
                     {capability_for(kBetty, false, {0, path({"a"})})});
  while (auto m = p.betty.poll_message()) {
    ASSERT_TRUE(testing::transfer(p.betty, p.alfie, *m).is_ok());
  }
  std::optional<PioMessage> announcement;
  while (auto m = p.alfie.poll_message()) {
    if (std::holds_alternative<PioAnnounceOverlap>(*m)) announcement = *m;
  }
  ASSERT_TRUE(announcement.has_value());
  EXPECT_EQ(p.alfie.overlap_kind(0, 0), PioOverlapKind::kOwnMoreSpecific);
  EXPECT_EQ(p.alfie.overlaps_awaiting_peer(), 1u);
}

// The same-path case in both orders: ours (SPEC-NOTES 24) and the page's literal one.
TEST(Pio, SamePathEitherOrder) {
  Pair p = make_pair({capability_for(kAlfie, false, {kGemma, path({"a"})})},
                     {capability_for(kBetty, false, {0, path({"a"})})});
  // Alfie (concrete) binds (Gemma, /a) as handle 0 and its relaxation as 1; Betty (any) binds 0.
  while (auto m = p.alfie.poll_message()) {
    ASSERT_TRUE(testing::transfer(p.alfie, p.betty, *m).is_ok());
  }
  // Betty has queued her capability (any side first); Alfie answers it, not before.
  while (auto m = p.betty.poll_message()) {
    ASSERT_TRUE(testing::transfer(p.betty, p.alfie, *m).is_ok());
  }
  EXPECT_EQ(p.alfie.overlap_kind(1, 0), PioOverlapKind::kSamePathOwnConcrete);
  ASSERT_TRUE(pump(p.alfie, p.betty).is_ok());
  EXPECT_EQ(drain_events(p.alfie).size(), 1u);
  // The page's order: a concrete side that sends its capability at once, before the `any`
  // side's arrives. The `any` side (which queued its own on detection) accepts it: an overlap.
  Pair q = make_pair({capability_for(kAlfie, false, {kGemma, path({"a"})})},
                     {capability_for(kBetty, false, {0, path({"a"})})});
  while (auto m = q.alfie.poll_message()) {
    ASSERT_TRUE(testing::transfer(q.alfie, q.betty, *m).is_ok());
  }
  // Alfie's capability, named by her relaxation's handle 1 and Betty's handle 0, goes first.
  const PioBindReadCapability early{1, 0, capability_for(kAlfie, false, {kGemma, path({"a"})}),
                                    0, 0, 0};
  ASSERT_TRUE(q.betty.on_bind_read_capability(early).is_ok());
  EXPECT_EQ(drain_events(q.betty).size(), 1u);
}

// Interests beyond max_own_hashes are not declared; those declared have the least ini_salt hashes.
TEST(Pio, DeclaresTheLeastHashesFirst) {
  PioConfig c = config(SyncRole::kBetty);
  c.max_own_hashes = 3;
  std::vector<McCapability> caps;
  for (const char* component : {"a", "b", "c", "d", "e"}) {
    caps.push_back(capability_for(kBetty, false, {0, path({component})}));
  }
  PioCore betty = PioCore::create(c, caps).value();
  std::vector<InterestHash> ini;
  for (const PrivateInterest& p : betty.interests())
    ini.push_back(sync_h(betty.salts().ini_salt, p));
  std::vector<InterestHash> sorted = ini;
  std::sort(sorted.begin(), sorted.end());
  std::vector<InterestHash> sent;
  while (auto m = betty.poll_message()) sent.push_back(std::get<PioBindHash>(*m).hash);
  ASSERT_EQ(sent.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    // Betty salts with res_salt; the order is by the ini_salt hashes.
    const auto it = std::find(ini.begin(), ini.end(), sorted[k]);
    const PrivateInterest& p = betty.interests()[static_cast<std::size_t>(it - ini.begin())];
    EXPECT_EQ(sent[k], sync_h(betty.salts().res_salt, p));
  }
}

// Beyond max_overlaps, detections are not pursued (nothing is sent for them).
TEST(Pio, OverlapsBeyondTheCapAreIgnored) {
  PioConfig c = config(SyncRole::kAlfie);
  c.max_overlaps = 1;
  PioCore alfie =
      PioCore::create(c, {capability_for(kAlfie, false, {0, path({"a", "b"})})}).value();
  while (alfie.poll_message()) {
  }
  const model::NamespaceId ns = namespace_key(false).public_key();
  for (const PrivateInterest& q : {interest(ns, {0, path({"a"})}), interest(ns, {0, {}})}) {
    ASSERT_TRUE(alfie.on_bind_hash({sync_h(betty_salt_of(alfie), q), true}).is_ok());
  }
  std::size_t announcements = 0;
  while (auto m = alfie.poll_message()) {
    announcements += std::holds_alternative<PioAnnounceOverlap>(*m) ? 1 : 0;
  }
  EXPECT_EQ(announcements, 1u);
}

// Limits differ (the daemon's max_overlaps is 8 times `osier sync`'s): a side past its own limit
// refuses the rest of the overlaps, which the other side records and pursues, sending its
// capability for each equal one. That capability is bound and left unanswered (it was a protocol
// error that ended the session), and the overlaps both recorded go on to their events.
TEST(Pio, OverlapsOnlyThePeerRecordedLeaveTheSessionGoing) {
  const std::vector<RawSpec> specs = {{kGemma, {"a"}}, {kGemma, {"b"}}, {kGemma, {"c"}}};
  std::vector<McCapability> mine, theirs;
  for (const RawSpec& sp : specs) {
    mine.push_back(capability_for(kAlfie, false, sp.spec()));
    theirs.push_back(capability_for(kBetty, false, sp.spec()));
  }
  for (const bool alfie_refuses : {true, false}) {
    SCOPED_TRACE(alfie_refuses);
    PioConfig a = config(SyncRole::kAlfie);
    PioConfig b = config(SyncRole::kBetty);
    (alfie_refuses ? a : b).max_overlaps = 1;
    PioCore alfie = PioCore::create(a, mine).value();
    PioCore betty = PioCore::create(b, theirs).value();
    const Status st = pump(alfie, betty);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    PioCore& refusing = alfie_refuses ? alfie : betty;
    PioCore& keeping = alfie_refuses ? betty : alfie;
    // One overlap both recorded: an event on each side, naming each other's capabilities.
    const std::vector<PioOverlapEvent> re = drain_events(refusing);
    const std::vector<PioOverlapEvent> ke = drain_events(keeping);
    ASSERT_EQ(re.size(), 1u);
    ASSERT_EQ(ke.size(), 1u);
    EXPECT_EQ(re[0].own_capability, ke[0].peer_capability);
    EXPECT_EQ(re[0].peer_capability, ke[0].own_capability);
    EXPECT_EQ(refusing.overlaps_awaiting_peer(), 0u);
    // The other two wait on the refusing side's capability (a one-shot sync says it is not in
    // sync), and the refusing side holds the peer's three capabilities bound.
    EXPECT_EQ(keeping.overlaps_awaiting_peer(), 2u);
    for (std::uint64_t h = 0; h < 3; ++h) EXPECT_NE(refusing.peer_capability(h), nullptr) << h;
  }
}

// Without an enumeration capability the `any` side of an awkward pair stays silent.
TEST(Pio, AwkwardWithoutEnumerationCapabilityRevealsNothing) {
  Pair p = make_pair({capability_for(kAlfie, false, {0, path({"a", "b"})})},
                     {capability_for(kBetty, false, {kGemma, path({"a"})})});
  std::size_t messages = 0;
  ASSERT_TRUE(pump(p.alfie, p.betty, &messages).is_ok());
  EXPECT_EQ(messages, 3u);
  EXPECT_TRUE(drain_events(p.alfie).empty());
}

// Communal namespaces: concrete subspaces only; equal and more specific both ways.
TEST(Pio, CommunalNamespace) {
  for (const auto& [a, b] :
       std::vector<std::pair<Spec, Spec>>{{{kGemma, path({"a"})}, {kGemma, path({"a"})}},
                                          {{kGemma, path({"a"})}, {kGemma, path({"a", "b"})}},
                                          {{kGemma, path({"a", "b"})}, {kGemma, path({})}}}) {
    Pair p = make_pair({capability_for(kAlfie, true, a)}, {capability_for(kBetty, true, b)});
    ASSERT_TRUE(pump(p.alfie, p.betty).is_ok());
    EXPECT_EQ(drain_events(p.alfie).size(), 1u);
    EXPECT_EQ(drain_events(p.betty).size(), 1u);
  }
}

// --- Errors.

PioCore alfie_alone(const Spec& s) {
  return PioCore::create(config(SyncRole::kAlfie), {capability_for(kAlfie, false, s)}).value();
}

TEST(PioErrors, OwnCapabilityMustBeForOurKeyAndForReading) {
  EXPECT_FALSE(
      PioCore::create(config(SyncRole::kAlfie), {capability_for(kBetty, false, {0, path({"a"})})})
          .is_ok());
  const McCapability write = meadowcap::OwnedCapability::create(
      namespace_key(false), AccessMode::kWrite, key(kAlfie).public_key());
  EXPECT_FALSE(PioCore::create(config(SyncRole::kAlfie), {write}).is_ok());
  EXPECT_FALSE(PioCore::create(config(SyncRole::kAlfie), {}, {enumeration_for(kBetty)}).is_ok());
}

TEST(PioErrors, BadAnnouncementAuthentication) {
  PioCore alfie = alfie_alone({0, path({"a"})});
  const model::NamespaceId ns = namespace_key(false).public_key();
  ASSERT_TRUE(
      alfie.on_bind_hash({sync_h(betty_salt_of(alfie), interest(ns, {0, path({"a", "b"})})), true})
          .is_ok());
  PioAnnounceOverlap bad{0, 0, {}, std::nullopt};
  // Salted with our own salt (a mirrored hash): wrong.
  bad.authentication = sync_h(alfie.salts().ini_salt, alfie.interests()[0]);
  EXPECT_EQ(alfie.on_announce_overlap(bad).code(), ErrorCode::kInvalidArgument);
  // Sticky.
  PioAnnounceOverlap good = bad;
  good.authentication = sync_h(betty_salt_of(alfie), alfie.interests()[0]);
  EXPECT_FALSE(alfie.on_announce_overlap(good).is_ok());
  EXPECT_TRUE(alfie.failed());
}

TEST(PioErrors, AnnouncementHandlesAndEnumerationCapability) {
  const model::NamespaceId ns = namespace_key(false).public_key();
  {
    PioCore alfie = alfie_alone({kGemma, path({"a"})});
    // The peer's handle 0 was never bound.
    EXPECT_FALSE(alfie
                     .on_announce_overlap(
                         {0, 0, sync_h(betty_salt_of(alfie), alfie.interests()[0]), std::nullopt})
                     .is_ok());
  }
  // Announcements to our handle 1, the relaxation of (Gemma, /a), by a peer with (any, /a/b): it
  // needs an enumeration capability for Betty's key.
  struct Case {
    std::optional<McEnumerationCapability> enumeration;
    bool ok;
  };
  for (const Case& c : std::vector<Case>{{std::nullopt, false},
                                         {enumeration_for(kAlfie), false},
                                         {enumeration_for(kBetty), true}}) {
    PioCore alfie = alfie_alone({kGemma, path({"a"})});
    ASSERT_TRUE(
        alfie
            .on_bind_hash({sync_h(betty_salt_of(alfie), interest(ns, {0, path({"a", "b"})})), true})
            .is_ok());
    const PrivateInterest relaxed = pi_relaxation(alfie.interests()[0]);
    EXPECT_EQ(
        alfie.on_announce_overlap({0, 1, sync_h(betty_salt_of(alfie), relaxed), c.enumeration})
            .is_ok(),
        c.ok);
    if (c.ok) {
      EXPECT_EQ(alfie.overlap_kind(1, 0), PioOverlapKind::kAwkwardOwnConcrete);
    }
  }
}

// A peer that knows our interest announces it, then sends a capability for another one.
TEST(PioErrors, CapabilityNotCoveringTheInterest) {
  PioCore alfie = alfie_alone({0, path({"a"})});
  const model::NamespaceId ns = namespace_key(false).public_key();
  const McCapability elsewhere = capability_for(kBetty, false, {kGemma, path({"x"})});
  ASSERT_TRUE(
      alfie.on_bind_hash({sync_h(betty_salt_of(alfie), private_interest_of(elsewhere)), true})
          .is_ok());
  ASSERT_TRUE(alfie
                  .on_announce_overlap(
                      {0, 0, sync_h(betty_salt_of(alfie), alfie.interests()[0]), std::nullopt})
                  .is_ok());
  const Status s = alfie.on_bind_read_capability({0, 0, elsewhere, 0, 0, 0});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("include"), std::string::npos) << s.message();
  (void)ns;
}

TEST(PioErrors, CapabilityThatIsNotTheBoundInterest) {
  PioCore alfie = alfie_alone({0, path({"a"})});
  const McCapability bound = capability_for(kBetty, false, {0, path({"a"})});
  ASSERT_TRUE(
      alfie.on_bind_hash({sync_h(betty_salt_of(alfie), private_interest_of(bound)), true}).is_ok());
  // A narrower capability than the interest Betty bound.
  const McCapability other = capability_for(kBetty, false, {0, path({"a", "b"})});
  EXPECT_FALSE(alfie.on_bind_read_capability({0, 0, other, 0, 0, 0}).is_ok());
}

TEST(PioErrors, CapabilityForTheWrongReceiver) {
  PioCore alfie = alfie_alone({0, path({"a"})});
  // Gemma's capability, although Betty is the peer.
  const McCapability gemmas = capability_for(kGemma, false, {0, path({"a"})});
  ASSERT_TRUE(alfie.on_bind_hash({sync_h(betty_salt_of(alfie), private_interest_of(gemmas)), true})
                  .is_ok());
  const Status s = alfie.on_bind_read_capability({0, 0, gemmas, 0, 0, 0});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("receiver"), std::string::npos) << s.message();
}

TEST(PioErrors, CapabilityForNoOverlap) {
  PioCore alfie = alfie_alone({0, path({"a"})});
  const McCapability cap = capability_for(kBetty, false, {0, path({"b"})});
  ASSERT_TRUE(
      alfie.on_bind_hash({sync_h(betty_salt_of(alfie), private_interest_of(cap)), true}).is_ok());
  EXPECT_FALSE(alfie.on_bind_read_capability({0, 0, cap, 0, 0, 0}).is_ok());
  EXPECT_FALSE(alfie.read_capability_reference_for_receiving(0, 0).is_ok());
}

TEST(PioErrors, InvalidCapability) {
  PioCore alfie = alfie_alone({0, path({"a"})});
  McCapability cap = capability_for(kBetty, false, {0, path({"a"})});
  meadowcap::OwnedCapability owned = cap.owned();
  owned.initial_authorisation[0] ^= 1;
  ASSERT_TRUE(
      alfie.on_bind_hash({sync_h(betty_salt_of(alfie), private_interest_of(cap)), true}).is_ok());
  EXPECT_FALSE(alfie.on_bind_read_capability({0, 0, McCapability(owned), 0, 0, 0}).is_ok());
}

// A capability may be as large as a message: the peer's bound capabilities are bounded in bytes
// together, not only in number.
TEST(PioErrors, PeerCapabilitiesBeyondTheirByteBudget) {
  const McCapability cap = capability_for(kBetty, false, {0, path({"a"})});
  const std::size_t one = PioCore::capability_bytes({cap, 0, 0, 0});
  for (const bool fits : {true, false}) {
    SCOPED_TRACE(fits);
    PioConfig c = config(SyncRole::kAlfie);
    c.max_peer_capability_bytes = fits ? one : one - 1;
    PioCore alfie = PioCore::create(c, {capability_for(kAlfie, false, {0, path({"a"})})}).value();
    ASSERT_TRUE(
        alfie.on_bind_hash({sync_h(betty_salt_of(alfie), private_interest_of(cap)), true}).is_ok());
    const Status s = alfie.on_bind_read_capability({0, 0, cap, 0, 0, 0});
    if (fits) {
      EXPECT_TRUE(s.is_ok()) << s.to_string();
      EXPECT_EQ(alfie.peer_capabilities().bytes(), one);
    } else {
      EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(s.message().find("max_peer_capability_bytes"), std::string::npos) << s.message();
    }
  }
}

TEST(PioErrors, TooManyPeerHashes) {
  PioConfig c = config(SyncRole::kAlfie);
  c.max_peer_hashes = 3;
  PioCore alfie = PioCore::create(c, {capability_for(kAlfie, false, {0, path({"a"})})}).value();
  for (std::uint8_t i = 0; i < 3; ++i) {
    PioBindHash h{};
    h.hash.fill(i);
    ASSERT_TRUE(alfie.on_bind_hash(h).is_ok());
  }
  PioBindHash h{};
  h.hash.fill(9);
  EXPECT_EQ(alfie.on_bind_hash(h).code(), ErrorCode::kInvalidArgument);
}

// --- Two cores through the codec, against a brute-force oracle over the areas.

Spec random_spec(std::mt19937_64& rng) {
  static const char* kComponents[] = {"a", "b"};
  Spec s;
  const std::uint8_t subspaces[] = {0, kGemma, kDalton};
  s.subspace = subspaces[rng() % 3];
  std::vector<std::string_view> parts;
  const std::size_t depth = rng() % 3;
  for (std::size_t i = 0; i < depth; ++i) parts.emplace_back(kComponents[rng() % 2]);
  std::vector<ByteView> views;
  for (std::string_view p : parts) views.push_back(as_bytes(p));
  s.path = model::Path::from_components(views).value();
  return s;
}

// Random interest sets of both peers in two owned namespaces and a communal one, random roles of
// the salts, messages interleaved at random; the overlaps found are exactly the non-disjoint
// pairs of interests, on both sides.
TEST(Pio, RandomInterestSetsMatchTheOracle) {
  std::mt19937_64 rng(1234);
  std::uint8_t second = 201;
  while (namespace_key(false, second).public_key() == namespace_key(false, 200).public_key()) {
    ++second;
  }
  struct Ns {
    bool communal;
    std::uint8_t from;
  };
  const Ns namespaces[] = {{false, 200}, {false, second}, {true, 200}};
  std::size_t total = 0;
  for (int round = 0; round < 80; ++round) {
    SCOPED_TRACE(round);
    auto random_caps = [&](std::uint8_t who) {
      std::vector<McCapability> caps;
      const std::size_t n = 1 + rng() % 4;
      for (std::size_t i = 0; i < n; ++i) {
        const Ns& ns = namespaces[rng() % 3];
        Spec s = random_spec(rng);
        if (ns.communal && s.subspace == 0) s.subspace = kGemma;  // no `any` in communal ones
        caps.push_back(capability_for(who, ns.communal, s, ns.from));
      }
      return caps;
    };
    const std::vector<McCapability> a = random_caps(kAlfie);
    const std::vector<McCapability> b = random_caps(kBetty);
    PioConfig ca = config(SyncRole::kAlfie);
    PioConfig cb = config(SyncRole::kBetty);
    for (auto& x : ca.handshake_hash) x = static_cast<std::uint8_t>(rng());
    cb.handshake_hash = ca.handshake_hash;
    PioCore alfie =
        PioCore::create(ca, a, {enumeration_for(kAlfie, 200), enumeration_for(kAlfie, second)})
            .value();
    PioCore betty =
        PioCore::create(cb, b, {enumeration_for(kBetty, 200), enumeration_for(kBetty, second)})
            .value();
    ASSERT_TRUE(testing::pump_interleaved(alfie, betty, rng).is_ok());
    EXPECT_EQ(alfie.overlaps_awaiting_peer(), 0u);
    EXPECT_EQ(betty.overlaps_awaiting_peer(), 0u);
    // The oracle: every pair of non-disjoint interests, as (Alfie's, Betty's) capabilities.
    std::vector<std::string> expected;
    auto key_of = [](const McCapability& x, const McCapability& y) {
      Encoder e;
      (void)meadowcap::encode_mc_capability(e, x);
      (void)meadowcap::encode_mc_capability(e, y);
      return std::string(e.bytes().begin(), e.bytes().end());
    };
    for (const McCapability& x : a) {
      for (const McCapability& y : b) {
        if (!pi_disjoint(private_interest_of(x), private_interest_of(y))) {
          expected.push_back(key_of(x, y));
        }
      }
    }
    total += expected.size();
    auto found = [&](PioCore& core, bool is_alfie) {
      std::vector<std::string> out;
      for (const PioOverlapEvent& e : drain_events(core)) {
        const McCapability own = *core.own_capability(e.own_capability);
        const McCapability peer = core.peer_capability(e.peer_capability)->capability;
        EXPECT_EQ(e.area, *own.granted_area().intersection(peer.granted_area()));
        EXPECT_EQ(e.namespace_id, own.granted_namespace());
        out.push_back(is_alfie ? key_of(own, peer) : key_of(peer, own));
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(found(alfie, true), expected);
    EXPECT_EQ(found(betty, false), expected);
  }
  EXPECT_GT(total, 60u);  // the rounds do overlap
}

}  // namespace
}  // namespace osier::sync
