// Random values: parse(print(x)) == x, the printed text is its own normal form, and random
// rewritings of a normal form into equivalent text normalise back to it.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <variant>

#include "osier/uri/willow_uri.hpp"
#include "uri_test_util.hpp"

namespace osier::uri {
namespace {

class UriRandom {
 public:
  explicit UriRandom(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
  }
  bool coin() { return below(2) == 0; }

  Bytes bytes(std::size_t max_len) {
    Bytes b(below(max_len + 1));
    for (auto& x : b) x = static_cast<std::uint8_t>(below(256));
    return b;
  }

  Bytes component() {
    static const std::vector<std::string> kPool = {
        "",      ".",           "..",   "...",  "/",
        "%",     "%2E",         "a",    "blog", "a b",
        "?#&=;", "caf\xc3\xa9", "~-_.", "+",    std::string(1, '\0'),
        "\xff"};
    if (below(4) == 0) return bytes(6);
    const std::string& s = kPool[below(kPool.size())];
    return Bytes(s.begin(), s.end());
  }

  model::Path path() {
    std::vector<Bytes> comps(below(6));
    for (auto& c : comps) c = component();
    const std::vector<ByteView> views(comps.begin(), comps.end());
    return model::Path::from_components(views).value();
  }

  ByteArray<32> id() {
    ByteArray<32> a{};
    for (auto& x : a) x = static_cast<std::uint8_t>(below(256));
    return a;
  }

  std::vector<std::string> hints() {
    static const std::vector<std::string> kPool = {"wtp://worm-blossom.org:1235/example",
                                                   "wcsp://[::1]:80/a?b#c",
                                                   "x:",
                                                   "mailto:a@b",
                                                   "willow://+00.11/a%2Fb;c&d=e",
                                                   "urn:isbn:0451450523",
                                                   "A+.-b:!$'()*,;=%41"};
    std::vector<std::string> h(below(4) == 0 ? below(4) : 0);
    for (auto& x : h) x = kPool[below(kPool.size())];
    return h;
  }

  std::optional<Bytes> fragment() {
    if (coin()) return std::nullopt;
    return bytes(8);
  }

  std::uint64_t u64() {
    switch (below(4)) {
      case 0:
        return 0;
      case 1:
        return ~std::uint64_t{0};
      case 2:
        return below(100);
      default:
        return rng_();
    }
  }
  std::optional<std::uint64_t> maybe_u64() { return coin() ? std::nullopt : std::optional(u64()); }

  // Random values for the fields both kinds share.
  template <typename U>
  U common() {
    U u;
    u.namespace_id = id();
    u.subspace_id = id();
    u.path = path();
    u.hints = hints();
    u.fragment = fragment();
    return u;
  }

  EntryUri entry() {
    EntryUri e = common<EntryUri>();
    if (coin()) e.expected_digest = id();
    e.payload_from = maybe_u64();
    e.payload_to = maybe_u64();
    return e;
  }

  AreaUri area() {
    AreaUri a = common<AreaUri>();
    a.max_count = u64();
    a.max_size = u64();
    a.timestamp_from = u64();
    a.timestamp_to = maybe_u64();
    return a;
  }

  std::mt19937_64& engine() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

template <typename T>
void check_round_trip(const T& value) {
  const std::string text = to_string(value);
  Result<WillowUri> parsed = parse_uri(text);
  ASSERT_TRUE(parsed.is_ok()) << text << ": " << parsed.status().message();
  ASSERT_TRUE(std::holds_alternative<T>(*parsed)) << text;
  EXPECT_TRUE(std::get<T>(*parsed) == value) << text;
  EXPECT_EQ(to_string(*parsed), text);  // normalising a normal form changes nothing
}

TEST(UriRoundTrip, RandomEntryUris) {
  UriRandom r(1);
  for (int i = 0; i < 3000; ++i) check_round_trip(r.entry());
}

TEST(UriRoundTrip, RandomAreaUris) {
  UriRandom r(2);
  for (int i = 0; i < 3000; ++i) check_round_trip(r.area());
}

TEST(UriRoundTrip, LargestPaths) {
  EntryUri e;
  std::vector<Bytes> comps(4096, Bytes{'.'});
  std::vector<ByteView> views(comps.begin(), comps.end());
  e.path = model::Path::from_components(views).value();
  check_round_trip(e);
  comps.assign(1, Bytes(4096, '/'));
  views.assign(comps.begin(), comps.end());
  e.path = model::Path::from_components(views).value();
  check_round_trip(e);
}

// Rewrites normal-form text into an equivalent spelling: lowercase escapes, escaped unreserved
// bytes, uppercase ids, extra dot segments, leading zeros, shuffled query parameters.
std::string respell(const std::string& normal, UriRandom& r) {
  const std::size_t authority_end = normal.find_first_of("/?#", 9);
  std::string out = r.coin() ? "WiLLoW://" : "willow://";
  for (std::size_t i = 9; i < std::min(authority_end, normal.size()); ++i) {
    out += r.coin() ? static_cast<char>(std::toupper(static_cast<unsigned char>(normal[i])))
                    : normal[i];
  }
  std::size_t pos = std::min(authority_end, normal.size());
  const std::size_t path_end = std::min(normal.find_first_of("?#", pos), normal.size());
  // Path: insert "/." and "/x/.." before components; respell escapes.
  for (std::size_t i = pos; i < path_end; ++i) {
    const char c = normal[i];
    if (c == '/') {
      if (r.below(4) == 0) out += "/.";
      if (r.below(4) == 0) out += "/zz/..";
      out += '/';
    } else if (c == '%') {
      std::string esc = normal.substr(i, 3);
      if (r.coin()) esc[1] = static_cast<char>(std::tolower(static_cast<unsigned char>(esc[1])));
      if (r.coin()) esc[2] = static_cast<char>(std::tolower(static_cast<unsigned char>(esc[2])));
      out += esc;
      i += 2;
    } else if (r.below(3) == 0 && c != '.') {  // an escaped '.' would not be a dot segment
      static constexpr char kHex[] = "0123456789abcdef";
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  pos = path_end;
  if (pos < normal.size() && normal[pos] == '?') {
    const std::size_t query_end = std::min(normal.find('#', pos), normal.size());
    std::vector<std::string> items;
    std::size_t b = pos + 1;
    while (b <= query_end) {
      const std::size_t e = std::min(normal.find('&', b), query_end);
      std::string item = normal.substr(b, e - b);
      const std::size_t eq = item.find('=');
      if (eq != std::string::npos && item.compare(0, eq, "hints") != 0 &&
          item.compare(0, eq, "digest") != 0) {
        item.insert(eq + 1, r.below(3), '0');
      }
      items.push_back(item);
      b = e + 1;
    }
    std::shuffle(items.begin(), items.end(), r.engine());
    out += '?';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += '&';
      out += items[i];
    }
    pos = query_end;
  }
  out += normal.substr(pos);
  return out;
}

TEST(UriRoundTrip, EquivalentSpellingsNormaliseToTheSameText) {
  UriRandom r(3);
  for (int i = 0; i < 3000; ++i) {
    const WillowUri value = r.coin() ? WillowUri{r.entry()} : WillowUri{r.area()};
    const std::string normal = to_string(value);
    const std::string variant = respell(normal, r);
    Result<WillowUri> parsed = parse_uri(variant);
    ASSERT_TRUE(parsed.is_ok()) << variant << ": " << parsed.status().message();
    EXPECT_TRUE(*parsed == value) << variant;
    EXPECT_EQ(to_string(*parsed), normal) << variant;
    EXPECT_EQ(normalize(*normalize(variant)).value(), normalize(variant).value());  // idempotent
  }
}

}  // namespace
}  // namespace osier::uri
