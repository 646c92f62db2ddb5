// Partial payloads through the real binary (OSIER_BINARY): drops with prefix (mode 10) and
// several-slice (mode 11) payloads, some with gaps, are imported as verified prefixes, listed,
// read within what is held, exported as the slices held and re-imported unchanged; a corrupt
// later slice is refused before anything is ingested.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drop/drop_fixture.hpp"
#include "osier/base/hex.hpp"
#include "support/run_process.hpp"

namespace osier::drop::testing {
namespace {

using CliRun = osier::testing::ProcessResult;
using Json = nlohmann::json;

constexpr std::uint64_t kChunk = 1024;

// One entry of a hand-made drop: mode 01 carries the whole payload raw, modes 10 and 11 the
// given slices (absolute chunk ranges).
struct Piece {
  std::string name;
  std::uint64_t length;
  SliceMode mode;
  std::vector<crypto::BabSlice> slices;
  std::uint64_t held;  // the verified prefix an importing store keeps
};

struct Made {
  store::AuthorisedEntry entry;
  Bytes payload;
};

Made make(const Piece& p, std::uint64_t seed) {
  Bytes payload = pseudo_random_bytes(p.length, seed);
  auto ae =
      make_entry(user_key(5), model::Path::from_strings({p.name}).value(), 1000 + seed, payload);
  return {std::move(ae), std::move(payload)};
}

// Several entries in one drop, each header relative to the one before; the slice bytes are
// hand_drop's (which encodes one entry relative to the initial entry).
Bytes multi_drop(const std::vector<Piece>& pieces, const std::vector<Made>& made) {
  Encoder enc;
  model::Entry prev_entry = meadowcap::willow25_default_entry();
  meadowcap::MeadowcapAuthorisationToken prev_token = meadowcap::default_authorisation_token();
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const store::AuthorisedEntry& ae = made[i].entry;
    auto token = store::decode_token_bytes(ae.token).value();
    EXPECT_TRUE(
        encode_entry_header(enc, {ae.entry, token, pieces[i].mode}, prev_entry, prev_token));
    if (pieces[i].mode == SliceMode::kFullRaw) {
      enc.bytes(made[i].payload);
    } else {
      Encoder alone;
      EXPECT_TRUE(encode_entry_header(alone, {ae.entry, token, pieces[i].mode},
                                      meadowcap::willow25_default_entry(),
                                      meadowcap::default_authorisation_token()));
      const Bytes one = hand_drop(ae, made[i].payload, pieces[i].mode, pieces[i].slices);
      enc.bytes(ByteView(one.data() + alone.size(), one.size() - alone.size() - 1));
    }
    prev_entry = ae.entry;
    prev_token = std::move(token);
  }
  enc.byte(kDropEnd);
  return enc.take();
}

// 301 chunks (the last one short) unless said otherwise.
constexpr std::uint64_t kLong = 300 * kChunk + 7;

const std::vector<Piece>& pieces() {
  static const std::vector<Piece> p = {
      {"prefix", kLong, SliceMode::kPrefix, {{0, 65}}, 65 * kChunk},
      {"gap", kLong, SliceMode::kSlices, {{0, 65}, {100, 50}, {200, 101}}, 65 * kChunk},
      {"adjacent", 200 * kChunk, SliceMode::kSlices, {{0, 64}, {64, 64}, {128, 3}}, 131 * kChunk},
      {"offset", 40 * kChunk, SliceMode::kSlices, {{5, 10}}, 0},
      {"whole", 5000, SliceMode::kFullRaw, {}, 5000},
      {"whole-sliced",
       150 * kChunk + 5,
       SliceMode::kSlices,
       {{0, 100}, {100, 51}},
       150 * kChunk + 5},
  };
  return p;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, ByteView bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

class CliDropPartial : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::size_t i = 0; i < pieces().size(); ++i) made_.push_back(make(pieces()[i], i));
  }

  // The binary with `args`; ok() also expects it to succeed.
  static CliRun osier(std::vector<std::string> args) {
    args.insert(args.begin(), OSIER_BINARY);
    return osier::testing::run_process(std::move(args));
  }
  static CliRun ok(const std::vector<std::string>& args) {
    CliRun r = osier(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  }
  std::string path(const std::string& name) const { return dir_.sub(name); }
  std::string home(const std::string& name) {
    ok({"init", "--home", path(name)});
    return path(name);
  }
  // `ls --json` of every namespace, one object per entry, by path name.
  std::map<std::string, Json> listing(const std::string& h) {
    std::map<std::string, Json> out;
    const std::string text = ok({"ls", "--json", "--home", h}).out;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      Json j = Json::parse(text.substr(start, end - start));
      out[j["path"].dump()] = j;
      start = end + 1;
    }
    return out;
  }
  // The entry at the one-component path `name` (listings show components in hex).
  static const Json& by_name(const std::map<std::string, Json>& ls, const std::string& name) {
    const auto it = ls.find(
        Json::array(
            {to_hex(ByteView(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()))})
            .dump());
    static const Json none;
    if (it == ls.end()) ADD_FAILURE() << "no entry " << name;
    return it == ls.end() ? none : it->second;
  }
  void expect_store_ok(const std::string& h) {
    const Json j = Json::parse(ok({"store", "check", "--home", h, "--json"}).out);
    EXPECT_EQ(j["ok"], true) << j.dump();
  }
  std::string import_all(const std::string& h) {
    spit(path("hand.drop"), multi_drop(pieces(), made_));
    return ok({"drop", "import", path("hand.drop"), "--home", h, "--json"}).out;
  }

  TempDir dir_;
  std::vector<Made> made_;
};

TEST_F(CliDropPartial, ImportStoresVerifiedPrefixesAndSaysSo) {
  const std::string a = home("a");
  spit(path("hand.drop"), multi_drop(pieces(), made_));
  CliRun im = ok({"drop", "import", path("hand.drop"), "--home", a});
  EXPECT_NE(im.out.find("imported 6 entries (6 new, 0 already known or superseded) and 5 payloads"),
            std::string::npos)
      << im.out;
  EXPECT_NE(im.out.find("note: 3 of the payloads are partial"), std::string::npos) << im.out;
  EXPECT_NE(im.out.find("note: 3 payload slices were verified but not stored"), std::string::npos)
      << im.out;

  const std::string b = home("b");
  const Json j = Json::parse(ok({"drop", "import", path("hand.drop"), "--home", b, "--json"}).out);
  std::uint64_t bytes = 0;
  for (const Piece& p : pieces()) bytes += p.held;
  EXPECT_EQ(j["entries"], 6);
  EXPECT_EQ(j["inserted"], 6);
  EXPECT_EQ(j["already_known"], 0);
  EXPECT_EQ(j["rejected"], 0);
  EXPECT_EQ(j["payloads_written"], 2);
  EXPECT_EQ(j["partial_payloads_written"], 3);
  EXPECT_EQ(j["slices_not_stored"], 3);
  EXPECT_EQ(j["payload_bytes"], bytes);

  const auto ls = listing(b);
  ASSERT_EQ(ls.size(), pieces().size());
  for (const Piece& p : pieces()) {
    EXPECT_EQ(by_name(ls, p.name)["available"], p.held) << p.name;
    EXPECT_EQ(by_name(ls, p.name)["payload_length"], p.length) << p.name;
  }
  expect_store_ok(b);

  // Again: nothing new, nothing more held.
  const Json again =
      Json::parse(ok({"drop", "import", path("hand.drop"), "--home", b, "--json"}).out);
  EXPECT_EQ(again["inserted"], 0);
  EXPECT_EQ(again["payload_bytes"], 0);
  EXPECT_EQ(listing(b), ls);
}

TEST_F(CliDropPartial, GetReadsWithinTheHeldPrefixOnly) {
  const std::string a = home("a");
  import_all(a);
  const auto ls = listing(a);
  const std::size_t gap = 1;
  const std::string uri = by_name(ls, "gap")["uri"];
  const Bytes& payload = made_[gap].payload;
  const std::uint64_t held = pieces()[gap].held;

  CliRun whole = osier({"get", uri, "-o", path("gap.bin"), "--home", a});
  EXPECT_EQ(whole.exit_code, 1);
  EXPECT_EQ(whole.err, "osier get: only " + std::to_string(held) + " of the payload's " +
                           std::to_string(payload.size()) + " bytes are held locally\n");
  EXPECT_FALSE(std::filesystem::exists(path("gap.bin")));
  EXPECT_FALSE(std::filesystem::exists(path("gap.bin.osier-part")));

  // A byte range inside the held prefix (the URI's from/to) is served.
  for (const auto& [from, to] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, held}, {1000, 2000}, {held - 1, held}, {held, held}}) {
    const std::string slice = uri + "?from=" + std::to_string(from) + "&to=" + std::to_string(to);
    const std::string out = path("slice" + std::to_string(from) + "-" + std::to_string(to));
    ok({"get", slice, "-o", out, "--home", a});
    const std::string got = slurp(out);
    EXPECT_EQ(got, std::string(payload.begin() + static_cast<std::ptrdiff_t>(from),
                               payload.begin() + static_cast<std::ptrdiff_t>(to)))
        << from << ".." << to;
    EXPECT_EQ(ok({"cat", slice, "--home", a}).out, got);
  }
  // One byte past it, or from its end to the payload's end, is refused.
  for (const std::string& q :
       {"?from=0&to=" + std::to_string(held + 1), "?from=" + std::to_string(held)}) {
    CliRun r = osier({"cat", uri + q, "--home", a});
    EXPECT_EQ(r.exit_code, 1) << q;
    EXPECT_EQ(r.out, "") << q;
    EXPECT_NE(r.err.find("only " + std::to_string(held) + " of"), std::string::npos) << r.err;
  }
  // The complete payloads read whole.
  EXPECT_EQ(ok({"cat", by_name(ls, "whole-sliced")["uri"], "--home", a}).out,
            std::string(made_[5].payload.begin(), made_[5].payload.end()));
}

TEST_F(CliDropPartial, PartialPayloadsTravelOnAsTheSlicesHeld) {
  const std::string a = home("a");
  import_all(a);
  const std::string ns = listing(a).begin()->second["namespace_id"];
  const Json ex =
      Json::parse(ok({"drop", "export", ns, "-o", path("a.drop"), "--home", a, "--json"}).out);
  EXPECT_EQ(ex["entries"], 6);
  EXPECT_EQ(ex["payloads"], 2);
  EXPECT_EQ(ex["partial_payloads"], 3);
  EXPECT_EQ(ex["partial_payloads_without_slices"], 0);
  std::uint64_t bytes = 0;
  for (const Piece& p : pieces()) bytes += p.held;
  EXPECT_EQ(ex["payload_bytes"], bytes);
  EXPECT_EQ(ex["bytes"], std::filesystem::file_size(path("a.drop")));

  const std::string b = home("b");
  const Json im = Json::parse(ok({"drop", "import", path("a.drop"), "--home", b, "--json"}).out);
  EXPECT_EQ(im["partial_payloads_written"], 3);
  EXPECT_EQ(im["slices_not_stored"], 0);
  EXPECT_EQ(im["payload_bytes"], bytes);
  EXPECT_EQ(ok({"ls", "--json", "--home", b}).out, ok({"ls", "--json", "--home", a}).out);
  expect_store_ok(b);

  ok({"drop", "export", ns, "-o", path("b.drop"), "--home", b});
  EXPECT_EQ(slurp(path("b.drop")), slurp(path("a.drop")));
}

TEST_F(CliDropPartial, ACorruptLaterSliceIsRefusedAndChangesNothing) {
  const std::string a = home("a");
  // The home holds something already: the complete entries.
  const std::vector<Piece> whole = {pieces()[4], pieces()[5]};
  spit(path("whole.drop"), multi_drop(whole, {made_[4], made_[5]}));
  ok({"drop", "import", path("whole.drop"), "--home", a});
  const std::string before = ok({"ls", "--json", "--home", a}).out;

  // A complete entry, then "gap" whose second slice is damaged.
  const std::vector<Piece> two = {pieces()[0], pieces()[1]};
  const std::vector<Made> two_made = {made_[0], made_[1]};
  const Bytes drop = multi_drop(two, two_made);
  // Where "gap"'s slices end: the same drop with fewer slices is a prefix of this one.
  std::vector<Piece> cut = two;
  cut[1].slices.resize(1);
  const std::size_t second_start = multi_drop(cut, two_made).size() - 1;
  cut[1].slices.resize(2);
  cut[1].slices[1] = two[1].slices[1];
  const std::size_t second_end = multi_drop(cut, two_made).size() - 1;
  ASSERT_GT(second_end, second_start + 50 * kChunk);
  const Bytes upto = multi_drop(cut, two_made);
  ASSERT_TRUE(std::equal(upto.begin(), upto.end() - 1, drop.begin()));
  for (std::size_t at :
       {second_start + 8, second_start + 100, (second_start + second_end) / 2, second_end - 1}) {
    Bytes bad = drop;
    bad[at] ^= 0x04;
    spit(path("bad.drop"), bad);
    CliRun r = osier({"drop", "import", path("bad.drop"), "--home", a});
    EXPECT_NE(r.exit_code, 0) << at;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("osier drop import: " + path("bad.drop") + ": ", 0), 0u) << r.err;
    EXPECT_EQ(ok({"ls", "--json", "--home", a}).out, before) << at;
    expect_store_ok(a);
  }
  // Undamaged, the same drop goes in.
  spit(path("good.drop"), drop);
  ok({"drop", "import", path("good.drop"), "--home", a});
  EXPECT_NE(ok({"ls", "--json", "--home", a}).out, before);
}

}  // namespace
}  // namespace osier::drop::testing
