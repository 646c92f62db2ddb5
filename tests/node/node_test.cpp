// The node layer: keystore files (permissions, atomic replacement), aliases and their use in
// URIs, capability selection for writes, timestamps that beat what they replace, put/read/rm.
#include "osier/node/node.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "node/files.hpp"
#include "osier/base/hex.hpp"

namespace osier::node {
namespace {

class TempHome : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/osier_node_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    home_ = HomePaths{dir_ + "/home"};
    ASSERT_TRUE(init_home(home_).is_ok());
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }

  unsigned mode_of(const std::string& path) {
    struct stat sb {};
    EXPECT_EQ(::stat(path.c_str(), &sb), 0) << path;
    return sb.st_mode & 0777;
  }

  std::vector<std::string> files_in(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    while (const dirent* e = d ? ::readdir(d) : nullptr) {
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
        out.emplace_back(e->d_name);
    }
    if (d) ::closedir(d);
    return out;
  }

  // A home with identity `alice` (secret held), its store and the node over both.
  struct Opened {
    std::unique_ptr<Home> home;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Node> node;
  };
  Opened open_with_alice(crypto::Ed25519SecretKey& alice) {
    Opened o;
    o.home = Home::open(home_).value();
    EXPECT_TRUE(o.home->keys().save(KeyKind::kIdentity, "alice", alice).is_ok());
    EXPECT_TRUE(o.home
                    ->update_names([&](Aliases& a) {
                      return a.add(uri::IdKind::kSubspace, "alice", alice.public_key());
                    })
                    .is_ok());
    o.store = open_home_store(home_, false).value();
    o.node = std::make_unique<Node>(*o.home, *o.store);
    return o;
  }

  std::string write_temp(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return path;
  }

  std::string dir_;
  HomePaths home_;
};

model::NamespaceId namespace_of_kind(bool communal) {
  for (;;) {
    crypto::Ed25519SecretKey k = crypto::Ed25519SecretKey::generate();
    if (model::is_communal(k.public_key()) == communal) return k.public_key();
  }
}

TEST_F(TempHome, InitIsIdempotentAndMakesThePrivateDirectories) {
  Result<std::vector<std::string>> again = init_home(home_);
  ASSERT_TRUE(again.is_ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(mode_of(home_.keys()), 0700u);
  EXPECT_TRUE(file_exists(home_.aliases()));
}

TEST_F(TempHome, OpenFailsWithAHintBeforeInit) {
  Result<std::unique_ptr<Home>> n = Home::open(HomePaths{dir_ + "/nothing"});
  ASSERT_FALSE(n.is_ok());
  EXPECT_NE(n.status().message().find("osier init"), std::string::npos);
}

TEST_F(TempHome, KeystoreFilesAre0600AndRoundTrip) {
  Keystore ks(home_);
  crypto::Ed25519SecretKey key = crypto::Ed25519SecretKey::generate();
  ::umask(0);  // the keystore must not depend on the umask
  ASSERT_TRUE(ks.save(KeyKind::kIdentity, "alice", key).is_ok());
  ::umask(022);
  EXPECT_EQ(mode_of(ks.path_of(KeyKind::kIdentity, "alice")), 0600u);
  Result<crypto::Ed25519SecretKey> back = ks.load(KeyKind::kIdentity, "alice");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->public_key(), key.public_key());
  // No temporary files are left behind.
  EXPECT_EQ(files_in(home_.keys()).size(), 1u);
  // Names are unique per kind; a second save is refused and the first key stays.
  EXPECT_FALSE(ks.save(KeyKind::kIdentity, "alice", crypto::Ed25519SecretKey::generate()).is_ok());
  EXPECT_EQ(ks.load(KeyKind::kIdentity, "alice")->public_key(), key.public_key());
  EXPECT_EQ(ks.load(KeyKind::kNamespace, "alice").status().code(), ErrorCode::kNotFound);
}

TEST_F(TempHome, KeystoreRejectsADamagedFile) {
  Keystore ks(home_);
  ASSERT_TRUE(write_file_atomic(ks.path_of(KeyKind::kIdentity, "bad"), as_bytes("not hex\n"), 0600)
                  .is_ok());
  EXPECT_EQ(ks.load(KeyKind::kIdentity, "bad").status().code(), ErrorCode::kCorrupt);
}

TEST_F(TempHome, AtomicWriteReplacesWholeFilesAndFailsCleanly) {
  const std::string path = dir_ + "/f";
  ASSERT_TRUE(write_file_atomic(path, as_bytes("one"), 0644).is_ok());
  ASSERT_TRUE(write_file_atomic(path, as_bytes("two!"), 0644).is_ok());
  EXPECT_EQ(as_chars(*read_small_file(path)), "two!");
  // A directory that does not exist: an error, and nothing written.
  EXPECT_FALSE(write_file_atomic(dir_ + "/missing/f", as_bytes("x"), 0644).is_ok());
  EXPECT_FALSE(file_exists(dir_ + "/missing"));
  EXPECT_EQ(files_in(dir_).size(), 2u);  // home/ and f
}

// A FIFO (or anything but a regular file) in a config file's place is an error at once: the
// daemon rereads config files on its event loop, and opening a FIFO without a writer blocked it.
TEST_F(TempHome, ReadingAFifoInAFilesPlaceFailsAtOnce) {
  const std::string path = dir_ + "/peers";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto got = read_small_file(path);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find("not a regular file"), std::string::npos);
  EXPECT_FALSE(read_config_file(path, 1024));
  EXPECT_FALSE(read_small_file(dir_));  // a directory neither
}

TEST_F(TempHome, AliasNamesAreValidated) {
  EXPECT_TRUE(validate_alias_name("alice").is_ok());
  EXPECT_TRUE(validate_alias_name("my-ns_2").is_ok());
  EXPECT_FALSE(validate_alias_name("").is_ok());
  EXPECT_FALSE(validate_alias_name("cafe").is_ok());  // all hex: a URI would read an id
  EXPECT_FALSE(validate_alias_name("1abc").is_ok());
  EXPECT_FALSE(validate_alias_name("a.b").is_ok());
  EXPECT_FALSE(validate_alias_name("a/b").is_ok());
  EXPECT_FALSE(validate_alias_name(std::string(65, 'x')).is_ok());
}

TEST_F(TempHome, AliasesPersistAndResolveInUris) {
  const model::NamespaceId ns = namespace_of_kind(true);
  const model::SubspaceId ss = crypto::Ed25519SecretKey::generate().public_key();
  {
    Result<Aliases> a = Aliases::load(home_);
    ASSERT_TRUE(a.is_ok());
    ASSERT_TRUE(a->add(uri::IdKind::kNamespace, "family", ns).is_ok());
    ASSERT_TRUE(a->add(uri::IdKind::kSubspace, "alfie", ss).is_ok());
    EXPECT_FALSE(a->add(uri::IdKind::kSubspace, "alfie", ns).is_ok());  // taken
    ASSERT_TRUE(a->save().is_ok());
  }
  Result<Aliases> a = Aliases::load(home_);
  ASSERT_TRUE(a.is_ok());
  Result<uri::EntryUri> u = uri::parse_entry_uri("willow://family.alfie/blog", a->resolver());
  ASSERT_TRUE(u.is_ok()) << u.status().to_string();
  EXPECT_EQ(u->namespace_id, ns);
  EXPECT_EQ(u->subspace_id, ss);
  Result<uri::EntryUri> unknown = uri::parse_entry_uri("willow://family.bob/blog", a->resolver());
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("bob"), std::string::npos);
  EXPECT_EQ(*a->namespace_id("+" + to_hex(ns)), ns);
  EXPECT_EQ(*a->identity(to_hex(ss)), ss);
  EXPECT_FALSE(a->identity("nobody").is_ok());
}

TEST_F(TempHome, AMalformedAliasFileIsCorrupt) {
  ASSERT_TRUE(write_file_atomic(home_.aliases(), as_bytes("{\"identities\": 3}"), 0644).is_ok());
  EXPECT_EQ(Aliases::load(home_).status().code(), ErrorCode::kCorrupt);
  ASSERT_TRUE(write_file_atomic(home_.aliases(), as_bytes("not json"), 0644).is_ok());
  EXPECT_EQ(Aliases::load(home_).status().code(), ErrorCode::kCorrupt);
}

TEST_F(TempHome, CapabilityTextRoundTripsAndRejectsGarbage) {
  crypto::Ed25519SecretKey ns_key = crypto::Ed25519SecretKey::generate();
  while (model::is_communal(ns_key.public_key())) ns_key = crypto::Ed25519SecretKey::generate();
  const meadowcap::McCapability cap = meadowcap::OwnedCapability::create(
      ns_key, meadowcap::AccessMode::kWrite, crypto::Ed25519SecretKey::generate().public_key());
  Result<std::string> text = capability_to_text(cap);
  ASSERT_TRUE(text.is_ok());
  Result<meadowcap::McCapability> back = capability_from_text(" " + *text + "\n");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, cap);
  EXPECT_FALSE(capability_from_text("zz").is_ok());
  EXPECT_FALSE(capability_from_text(*text + "00").is_ok());         // trailing bytes
  EXPECT_FALSE(capability_from_text(text->substr(0, 40)).is_ok());  // truncated
  CapabilityStore cs(home_);
  Result<std::string> id = cs.add(cap);
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ(*cs.add(cap), *id);  // idempotent
  EXPECT_EQ(cs.list()->size(), 1u);
  EXPECT_EQ(cs.find(id->substr(0, 6))->cap, cap);
  EXPECT_FALSE(cs.find("abc").is_ok());
}

// Issue #13 item 7: the identity a sync session authenticates as. Its secret key comes from the
// keystore (the handshake's static key is that identity's Ed25519 key).
TEST_F(TempHome, SyncIdentityIsTheOnlyHeldKeyOrTheNamedOne) {
  {
    auto empty = Home::open(home_);
    ASSERT_TRUE(empty.is_ok());
    Result<Identity> none = (*empty)->sync_identity(std::nullopt);
    ASSERT_FALSE(none.is_ok());
    EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);
  }
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  auto n = open_with_alice(alice);
  Result<Identity> only = n.home->sync_identity(std::nullopt);
  ASSERT_TRUE(only.is_ok()) << only.status().to_string();
  EXPECT_EQ(only->name, "alice");
  EXPECT_EQ(only->key.public_key(), alice.public_key());

  // An identity known by its id alone (no secret key) cannot authenticate a session.
  const crypto::Ed25519SecretKey carol = crypto::Ed25519SecretKey::generate();
  ASSERT_TRUE(n.home
                  ->update_names([&](Aliases& a) {
                    return a.add(uri::IdKind::kSubspace, "carol", carol.public_key());
                  })
                  .is_ok());
  EXPECT_TRUE(n.home->sync_identity(std::nullopt).is_ok());
  Result<Identity> carol_id = n.home->sync_identity(std::string("carol"));
  ASSERT_FALSE(carol_id.is_ok());
  EXPECT_EQ(carol_id.status().code(), ErrorCode::kNotFound);

  // Two held keys: the session must be told which.
  const crypto::Ed25519SecretKey bob = crypto::Ed25519SecretKey::generate();
  ASSERT_TRUE(n.home->keys().save(KeyKind::kIdentity, "bob", bob).is_ok());
  ASSERT_TRUE(n.home
                  ->update_names([&](Aliases& a) {
                    return a.add(uri::IdKind::kSubspace, "bob", bob.public_key());
                  })
                  .is_ok());
  Result<Identity> ambiguous = n.home->sync_identity(std::nullopt);
  ASSERT_FALSE(ambiguous.is_ok());
  EXPECT_EQ(ambiguous.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(ambiguous.status().message().find("--as"), std::string::npos);
  Result<Identity> by_name = n.home->sync_identity(std::string("bob"));
  ASSERT_TRUE(by_name.is_ok());
  EXPECT_EQ(by_name->key.public_key(), bob.public_key());
  Result<Identity> by_id = n.home->sync_identity(to_hex(alice.public_key()));
  ASSERT_TRUE(by_id.is_ok());
  EXPECT_EQ(by_id->name, "alice");
}

TEST_F(TempHome, CommunalWritesUseTheOwnSubspace) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  auto n = open_with_alice(alice);
  const model::NamespaceId ns = namespace_of_kind(true);
  model::Entry own{ns, alice.public_key(), *model::Path::from_strings({"a"}), 1, 0, {}};
  Result<WriteAuthority> auth = n.home->write_authority(own, std::nullopt);
  ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
  EXPECT_TRUE(auth->capability.is_communal());
  model::Entry other = own;
  other.subspace_id = crypto::Ed25519SecretKey::generate().public_key();
  Result<WriteAuthority> none = n.home->write_authority(other, std::nullopt);
  ASSERT_FALSE(none.is_ok());
  EXPECT_NE(none.status().message().find("missing capability"), std::string::npos);
}

TEST_F(TempHome, OwnedWritesNeedAHeldWriteCapabilityThatCoversTheEntry) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  auto n = open_with_alice(alice);
  crypto::Ed25519SecretKey ns_key = crypto::Ed25519SecretKey::generate();
  while (model::is_communal(ns_key.public_key())) ns_key = crypto::Ed25519SecretKey::generate();
  const model::NamespaceId ns = ns_key.public_key();
  model::Entry e{ns, alice.public_key(), *model::Path::from_strings({"notes", "1"}), 1, 0, {}};
  EXPECT_EQ(n.home->write_authority(e, std::nullopt).status().code(), ErrorCode::kNotFound);
  // A read capability that would fit: named as the wrong mode.
  ASSERT_TRUE(n.home->caps()
                  .add(meadowcap::OwnedCapability::create(ns_key, meadowcap::AccessMode::kRead,
                                                          alice.public_key()))
                  .is_ok());
  Result<WriteAuthority> read_only = n.home->write_authority(e, std::nullopt);
  ASSERT_FALSE(read_only.is_ok());
  EXPECT_NE(read_only.status().message().find("wrong mode"), std::string::npos);
  // A write capability restricted to /notes by delegation from another user to alice.
  crypto::Ed25519SecretKey carol = crypto::Ed25519SecretKey::generate();
  meadowcap::McCapability root =
      meadowcap::OwnedCapability::create(ns_key, meadowcap::AccessMode::kWrite, carol.public_key());
  model::Area notes{std::nullopt, *model::Path::from_strings({"notes"}),
                    model::TimeRange{0, std::nullopt}};
  Result<meadowcap::McCapability> delegated = root.delegate(carol, notes, alice.public_key());
  ASSERT_TRUE(delegated.is_ok());
  ASSERT_TRUE(n.home->caps().add(*delegated).is_ok());
  Result<WriteAuthority> auth = n.home->write_authority(e, std::string("alice"));
  ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
  EXPECT_EQ(auth->capability, *delegated);
  model::Entry outside = e;
  outside.path = *model::Path::from_strings({"private"});
  EXPECT_FALSE(n.home->write_authority(outside, std::nullopt).is_ok());
}

TEST_F(TempHome, PutOverwriteReadAndRemove) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  auto n = open_with_alice(alice);
  const model::NamespaceId ns = namespace_of_kind(true);
  uri::EntryUri u{ns, alice.public_key(), *model::Path::from_strings({"blog", "a"}), {}, {}, {}, {},
                  {}};
  // A future timestamp on the stored entry: the overwrite must still win.
  PutOptions future;
  future.timestamp = now_micros() + 60'000'000;
  ASSERT_TRUE(n.node->put(u, write_temp("one", "first"), future).is_ok());
  Result<PutResult> second = n.node->put(u, write_temp("two", "second payload"), {});
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_EQ(second->pruned, 1u);
  EXPECT_GT(second->entry.entry.timestamp, *future.timestamp);
  std::string read;
  ASSERT_TRUE(n.node
                  ->read(u,
                         [&](ByteView b) {
                           read += as_chars(b);
                           return Status::ok();
                         },
                         {})
                  .is_ok());
  EXPECT_EQ(read, "second payload");
  // An unreadable file: an error, and the store keeps the entry it had.
  EXPECT_FALSE(n.node->put(u, dir_ + "/no-such-file", {}).is_ok());
  EXPECT_EQ(n.node->stat(u)->authorised.entry.payload_length, 14u);
  // A delete of /blog prunes /blog/a.
  uri::EntryUri blog = u;
  blog.path = *model::Path::from_strings({"blog"});
  EXPECT_EQ(*n.node->count_under(blog), 1u);
  Result<PutResult> rm = n.node->remove(blog, std::nullopt);
  ASSERT_TRUE(rm.is_ok()) << rm.status().to_string();
  EXPECT_EQ(rm->pruned, 1u);
  EXPECT_EQ(n.node->stat(u).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(n.store->check().is_ok());
}

// A payload still arriving (a daemon fetching it) streams as its verified bytes are stored:
// every byte reaches the sink before the payload is whole, and a read that gives up or finds the
// entry overwritten fails after what it streamed.
TEST_F(TempHome, AReadStreamsAPayloadAsItsVerifiedBytesArrive) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  auto n = open_with_alice(alice);
  const model::NamespaceId ns = namespace_of_kind(true);
  uri::EntryUri u{ns, alice.public_key(), *model::Path::from_strings({"big"}), {}, {}, {}, {}, {}};
  std::string payload(5000, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  Result<PutResult> put = n.node->put(u, write_temp("big", payload), {});
  ASSERT_TRUE(put.is_ok()) << put.status().to_string();
  const model::Entry& e = put->entry.entry;
  ASSERT_TRUE(n.store->forget_payload(ns, e.subspace_id, e.path).is_ok());
  const auto append_chunk = [&](std::uint64_t held) {
    const std::size_t end = std::min<std::size_t>(held + 1024, payload.size());
    const Bytes bytes(payload.begin() + static_cast<std::ptrdiff_t>(held),
                      payload.begin() + static_cast<std::ptrdiff_t>(end));
    return n.store->append_verified(ns, e.subspace_id, e.path, e.payload_digest, held, bytes, {})
        .is_ok();
  };
  std::string read;
  const store::ByteSink sink = [&](ByteView b) {
    read += as_chars(b);
    return Status::ok();
  };
  // Without wait_for_more a partial payload is missing, and nothing is streamed.
  EXPECT_EQ(n.node->read(u, sink, {}).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(read.empty());
  // With it: each wait sees what was read so far, and one more chunk arrives.
  std::vector<std::pair<std::uint64_t, std::size_t>> waits;  // (held, bytes streamed by then)
  const Status st = n.node->read(u, sink, {}, [&](std::uint64_t held) {
    waits.emplace_back(held, read.size());
    return append_chunk(held);
  });
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(read, payload);
  EXPECT_EQ(waits, (std::vector<std::pair<std::uint64_t, std::size_t>>{
                       {0, 0}, {1024, 1024}, {2048, 2048}, {3072, 3072}, {4096, 4096}}));
  // Giving up after the first chunk: kNotFound, after that chunk was streamed.
  ASSERT_TRUE(n.store->forget_payload(ns, e.subspace_id, e.path).is_ok());
  read.clear();
  int asked = 0;
  EXPECT_EQ(n.node
                ->read(u, sink, {},
                       [&](std::uint64_t held) { return ++asked == 1 && append_chunk(held); })
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(read, payload.substr(0, 1024));
  // The entry overwritten while its payload is read: kNotFound, not the new entry's bytes.
  read.clear();
  EXPECT_EQ(n.node
                ->read(u, sink, {},
                       [&](std::uint64_t) {
                         return n.node->put(u, write_temp("new", "new bytes"), {}).is_ok();
                       })
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(read, payload.substr(0, 1024));
}

TEST_F(TempHome, APutWhosePayloadFailsLeavesTheStoreAsItWas) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  auto n = open_with_alice(alice);
  const model::NamespaceId ns = namespace_of_kind(true);
  const auto at = [&](std::initializer_list<std::string_view> path) {
    return uri::EntryUri{ns, alice.public_key(), *model::Path::from_strings(path), {}, {}, {}, {},
                         {}};
  };
  // /docs/a and /docs/b, which a put of /docs prunes, and /keep.
  ASSERT_TRUE(n.node->put(at({"docs", "a"}), write_temp("a", "alpha"), {}).is_ok());
  ASSERT_TRUE(
      n.node->put(at({"docs", "b"}), write_temp("b", std::string(100000, 'b')), {}).is_ok());
  ASSERT_TRUE(n.node->put(at({"keep"}), write_temp("k", "kept"), {}).is_ok());
  store::Store* s = n.store.get();
  struct State {
    std::vector<store::LengthyAuthorisedEntry> entries;
    store::RangeSummary summary;
    std::size_t payloads = 0;
    std::vector<std::string> files;
    bool operator==(const State&) const = default;
  };
  const auto state = [&] {
    State st;
    EXPECT_TRUE(
        s->query(ns, model::D3Range::full(), {}, [&](const store::LengthyAuthorisedEntry& e) {
           st.entries.push_back(e);
           return true;
         }).is_ok());
    st.summary = *s->summarise(ns, model::D3Range::full());
    st.payloads = *s->payload_count();
    st.files = files_in(home_.store() + "/payloads");
    std::sort(st.files.begin(), st.files.end());
    return st;
  };
  const State before = state();
  ASSERT_EQ(before.entries.size(), 3u);

  // The file changes after it was hashed, before it is stored: other bytes, then fewer.
  const std::string content(3 << 20, 'd');  // several pieces
  const std::string docs = write_temp("docs", content);
  for (const bool shorten : {false, true}) {
    PutOptions opts;
    opts.progress = [&](const char* phase, std::uint64_t done, std::uint64_t total) {
      if (std::string(phase) != "hashing" || done != total) return;
      if (shorten) {
        ASSERT_EQ(::truncate(docs.c_str(), static_cast<off_t>(total / 2)), 0);
      } else {
        write_temp("docs", std::string(content.size(), 'e'));
      }
    };
    Result<PutResult> r = n.node->put(at({"docs"}), docs, opts);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kVerification);
    EXPECT_NE(r.status().message().find("changed while it was being stored"), std::string::npos)
        << r.status().message();
    EXPECT_EQ(state(), before);
    EXPECT_TRUE(s->check().is_ok());
    write_temp("docs", content);
  }
  // A file that holds still is written, pruning both.
  Result<PutResult> ok = n.node->put(at({"docs"}), docs, {});
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(ok->pruned, 2u);
  EXPECT_EQ(n.node->stat(at({"docs"}))->available, content.size());
  EXPECT_EQ(n.node->stat(at({"docs", "a"})).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(s->check().is_ok());
}

// A Home is long-lived: names and keys another process (here: another Home on the same files)
// changes are seen at the next lookup, and a key it had cached is never used for a name that
// now means another identity.
TEST_F(TempHome, AHomeSeesOtherWritersOfItsNamesAndKeys) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  Opened n = open_with_alice(alice);
  ASSERT_EQ(n.home->identity("alice")->key.public_key(), alice.public_key());  // now cached

  std::unique_ptr<Home> other = Home::open(home_).value();
  const crypto::Ed25519SecretKey bob = crypto::Ed25519SecretKey::generate();
  ASSERT_TRUE(other
                  ->update_names([&](Aliases& a) {
                    OSIER_RETURN_IF_ERROR(other->keys().save(KeyKind::kIdentity, "bob", bob));
                    return a.add(uri::IdKind::kSubspace, "bob", bob.public_key());
                  })
                  .is_ok());
  Result<Identity> seen = n.home->identity("bob");
  ASSERT_TRUE(seen.is_ok()) << seen.status().to_string();
  EXPECT_EQ(seen->key.public_key(), bob.public_key());
  EXPECT_TRUE(n.home->aliases()->find(uri::IdKind::kSubspace, "bob").has_value());

  // "alice" removed and made again with a new key, by the other writer.
  const crypto::Ed25519SecretKey alice2 = crypto::Ed25519SecretKey::generate();
  ASSERT_TRUE(other
                  ->update_names([&](Aliases& a) {
                    a.remove(uri::IdKind::kSubspace, "alice");
                    OSIER_RETURN_IF_ERROR(other->keys().remove(KeyKind::kIdentity, "alice"));
                    OSIER_RETURN_IF_ERROR(other->keys().save(KeyKind::kIdentity, "alice", alice2));
                    return a.add(uri::IdKind::kSubspace, "alice", alice2.public_key());
                  })
                  .is_ok());
  Result<Identity> again = n.home->identity("alice");
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->key.public_key(), alice2.public_key());

  // Removed for good: not found, however recently it was used.
  ASSERT_TRUE(other
                  ->update_names([&](Aliases& a) {
                    a.remove(uri::IdKind::kSubspace, "bob");
                    return other->keys().remove(KeyKind::kIdentity, "bob");
                  })
                  .is_ok());
  EXPECT_EQ(n.home->identity("bob").status().code(), ErrorCode::kNotFound);
}

// One Node, many threads (a daemon's sessions and its control API): concurrent puts, reads and
// lookups all succeed, and the store holds every entry afterwards.
TEST_F(TempHome, OneNodeServesManyThreadsAtOnce) {
  crypto::Ed25519SecretKey alice = crypto::Ed25519SecretKey::generate();
  Opened n = open_with_alice(alice);
  const model::NamespaceId ns = namespace_of_kind(true);
  constexpr int kThreads = 4;
  constexpr int kEach = 12;
  std::vector<std::string> files;
  for (int t = 0; t < kThreads; ++t)
    files.push_back(write_temp("p" + std::to_string(t), std::string(5000 + t, 'a' + t)));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const uri::EntryUri u{
            ns,
            alice.public_key(),
            *model::Path::from_strings({"t" + std::to_string(t), std::to_string(i)}),
            {},
            {},
            {},
            {},
            {}};
        if (!n.node->put(u, files[static_cast<std::size_t>(t)], {}).is_ok()) ++failures;
        std::string back;
        const Status read =
            n.node->read(u,
                         [&](ByteView piece) {
                           back.append(reinterpret_cast<const char*>(piece.data()), piece.size());
                           return Status::ok();
                         },
                         {});
        if (!read.is_ok() || back.size() != 5000u + static_cast<unsigned>(t)) ++failures;
        if (!n.home->sync_identity(std::nullopt).is_ok()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(n.store->summarise(ns, model::D3Range::full())->count,
            static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_TRUE(n.store->check().is_ok());
}

}  // namespace
}  // namespace osier::node
