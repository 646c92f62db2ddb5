// Every single-byte corruption and every truncation of a small drop is refused, and the store
// it was imported into stays as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "drop_fixture.hpp"
#include "support/sanitizers.hpp"

namespace osier::drop::testing {
namespace {

Bytes big_payload() { return pseudo_random_bytes(1500, 2); }

// Two users, payloads of 0, 1 and 1500 bytes (a raw payload spanning two chunks).
Bytes small_drop() {
  store::MemoryStore s;
  const Bytes p1 = pseudo_random_bytes(1, 1);
  const Bytes p2 = big_payload();
  put(s, make_entry(user_key(1), model::Path::from_strings({"a"}).value(), 1, {}), {});
  put(s, make_entry(user_key(1), model::Path::from_strings({"a", "b"}).value(), 2, p1), p1);
  put(s, make_entry(user_key(2), model::Path::from_strings({"c"}).value(), 3, p2), p2);
  return export_all(s);
}

TEST(DropCorruption, EverySingleByteChangeIsRejected) {
  const Bytes drop = small_drop();
  ASSERT_TRUE(verify_drop(memory_source(drop)));
  store::MemoryStore target;
  const Bytes other = pseudo_random_bytes(7, 9);
  put(target, make_entry(user_key(3), model::Path::from_strings({"z"}).value(), 1, other), other);
  const Snapshot before = snapshot(target);
  // Inside the 1500-byte payload every change is a digest mismatch: a few values per byte do.
  const Bytes p2 = big_payload();
  const auto at = std::search(drop.begin(), drop.end(), p2.begin(), p2.end());
  ASSERT_NE(at, drop.end());
  const std::size_t payload_begin = static_cast<std::size_t>(at - drop.begin());
  // The one kind of change that may pass: another encoding of the same drop. The empty payload
  // of entry "a" may go with slice mode 00 or 01 (no bytes either way, SPEC-NOTES "Drops"), so
  // flipping that bit of its header changes nothing that is imported.
  store::MemoryStore original;
  ASSERT_TRUE(import_bytes(original, drop));
  const Snapshot imported = snapshot(original);
  const auto same_drop = [&](const Bytes& bad) {
    store::MemoryStore s;
    return import_bytes(s, bad).is_ok() && snapshot(s) == imported;
  };
  std::size_t checked = 0, equivalent = 0;
  // Under a sanitizer, every bit of every byte and a few other values (a sample: about 10x faster).
  const unsigned step = osier::testing::kUnderSanitizer ? 17 : 1;
  const auto deltas = [&](unsigned delta) {
    std::vector<unsigned> all;
    for (; delta < 256; delta += step) all.push_back(delta);
    if (step > 1) all.insert(all.end(), {1, 2, 4, 8, 16, 32, 64, 128, 255});
    std::ranges::sort(all);
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
  };
  for (std::size_t i = 0; i < drop.size(); ++i) {
    const bool in_payload = i >= payload_begin + 1 && i + 1 < payload_begin + p2.size();
    for (const unsigned delta : in_payload ? std::vector<unsigned>{1, 128, 255} : deltas(1)) {
      Bytes bad = drop;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ delta);
      auto r = verify_drop(memory_source(bad));
      if (r && same_drop(bad)) {
        ++equivalent;
        continue;
      }
      ASSERT_FALSE(r) << "byte " << i << " ^ " << delta << " accepted";
      ++checked;
    }
    // Through the full import too, for one change per byte.
    Bytes bad = drop;
    bad[i] = static_cast<std::uint8_t>(bad[i] ^ 0x5a);
    auto r = import_bytes(target, bad);
    ASSERT_FALSE(r) << "byte " << i;
    ASSERT_EQ(snapshot(target), before) << "byte " << i;
  }
  EXPECT_LE(equivalent, 2u);
  EXPECT_GT(checked, (drop.size() - p2.size()) * deltas(1).size() - 2);
}

TEST(DropCorruption, EveryTruncationAndExtensionIsRejected) {
  const Bytes drop = small_drop();
  store::MemoryStore target;
  const Snapshot before = snapshot(target);
  for (std::size_t n = 0; n < drop.size(); ++n) {
    auto r = import_bytes(target, ByteView(drop.data(), n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(r.status().code(), ErrorCode::kIncomplete) << n << ": " << r.status().to_string();
    ASSERT_EQ(snapshot(target), before);
  }
  Bytes longer = drop;
  longer.push_back(0);
  EXPECT_FALSE(import_bytes(target, longer));
  EXPECT_EQ(snapshot(target), before);
}

TEST(DropCorruption, ErrorsSayWhatWentWrong) {
  const Bytes drop = small_drop();
  auto r = verify_drop(memory_source(ByteView(drop.data(), drop.size() - 10)));
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("truncated drop"), std::string::npos)
      << r.status().to_string();
  Bytes bad = drop;
  bad[bad.size() - 20] ^= 1;  // inside the last payload
  r = verify_drop(memory_source(bad));
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("does not match its digest"), std::string::npos)
      << r.status().to_string();
}

}  // namespace
}  // namespace osier::drop::testing
