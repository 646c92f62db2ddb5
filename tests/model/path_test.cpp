#include "osier/model/path.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model_random.hpp"
#include "osier/model/ids.hpp"

namespace osier::model {
namespace {

using testing::path_of;

Result<Path> from_sizes(const std::vector<std::size_t>& sizes) {
  std::vector<Bytes> comps;
  for (std::size_t s : sizes) comps.emplace_back(s, 'x');
  std::vector<ByteView> views(comps.begin(), comps.end());
  return Path::from_components(views);
}

void expect_out_of_range(const Result<Path>& r, const std::string& limit_name) {
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(r.status().message().find(limit_name), std::string::npos) << r.status().message();
}

// The naive reference order: components as byte vectors, compared lexicographically.
std::vector<Bytes> naive(const Path& p) {
  std::vector<Bytes> out;
  for (ByteView c : p.components()) out.emplace_back(c.begin(), c.end());
  return out;
}

TEST(PathTest, EmptyPath) {
  Path p;
  EXPECT_EQ(p.component_count(), 0u);
  EXPECT_EQ(p.total_length(), 0u);
  EXPECT_EQ(p, path_of({}));
  EXPECT_TRUE(p.is_prefix_of(path_of({"a"})));
  EXPECT_EQ(p.to_string(), "");
}

TEST(PathTest, Components) {
  Path p = path_of({"blog", "", "ideas"});
  ASSERT_EQ(p.component_count(), 3u);
  EXPECT_EQ(as_chars(p.component(0)), "blog");
  EXPECT_EQ(as_chars(p.component(1)), "");
  EXPECT_EQ(as_chars(p.component(2)), "ideas");
  EXPECT_EQ(p.total_length(), 9u);
}

TEST(PathTest, ComponentLengthLimit) {
  EXPECT_TRUE(from_sizes({kMaxComponentLength}).is_ok());
  expect_out_of_range(from_sizes({kMaxComponentLength + 1}), "max_component_length");
}

TEST(PathTest, ComponentCountLimit) {
  EXPECT_TRUE(from_sizes(std::vector<std::size_t>(kMaxComponentCount, 0)).is_ok());
  expect_out_of_range(from_sizes(std::vector<std::size_t>(kMaxComponentCount + 1, 0)),
                      "max_component_count");
}

TEST(PathTest, TotalLengthLimit) {
  EXPECT_TRUE(from_sizes({2048, 2048}).is_ok());
  expect_out_of_range(from_sizes({2048, 2049}), "max_path_length");
  expect_out_of_range(from_sizes({1, 4096}), "max_path_length");
}

TEST(PathTest, AppendAndConcatRespectLimits) {
  Path full = from_sizes({4000}).value();
  EXPECT_TRUE(full.append(Bytes(96, 'y')).is_ok());
  expect_out_of_range(full.append(Bytes(97, 'y')), "max_path_length");
  Path many = from_sizes(std::vector<std::size_t>(kMaxComponentCount - 1, 0)).value();
  Path at_count = many.append(ByteView{}).value();
  EXPECT_EQ(at_count.component_count(), kMaxComponentCount);
  expect_out_of_range(at_count.append(ByteView{}), "max_component_count");
  expect_out_of_range(many.concat(path_of({"a", "b"})), "max_component_count");
  expect_out_of_range(full.concat(from_sizes({97}).value()), "max_path_length");
  EXPECT_EQ(path_of({"a"}).concat(path_of({"b", "c"})).value(), path_of({"a", "b", "c"}));
  EXPECT_EQ(path_of({"a"}).append(as_bytes("b")).value(), path_of({"a", "b"}));
}

TEST(PathTest, PrefixSharesBuffer) {
  Path p = path_of({"a", "bc", "d"});
  Path q = p.prefix(2);
  EXPECT_EQ(q, path_of({"a", "bc"}));
  EXPECT_EQ(q.component(1).data(), p.component(1).data());
  Path copy = p;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.component(0).data(), p.component(0).data());
  EXPECT_EQ(p.prefix(0), Path{});
  EXPECT_EQ(p.prefix(10), p);
}

TEST(PathTest, PrefixRelation) {
  EXPECT_TRUE(path_of({"a"}).is_prefix_of(path_of({"a"})));
  EXPECT_TRUE(path_of({"a"}).is_prefix_of(path_of({"a", "b"})));
  EXPECT_FALSE(path_of({"a"}).is_prefix_of(path_of({"ab"})));  // spec example
  EXPECT_FALSE(path_of({"a", "b"}).is_prefix_of(path_of({"a"})));
  EXPECT_EQ(path_of({"a", "b", "c"}).common_prefix_count(path_of({"a", "b", "d"})), 2u);
  EXPECT_EQ(path_of({"a", "b"}).longest_common_prefix(path_of({"a", "c"})), path_of({"a"}));
}

TEST(PathTest, OrderExamples) {
  EXPECT_LT(path_of({}), path_of({""}));
  EXPECT_LT(path_of({""}), path_of({"", ""}));
  EXPECT_LT(path_of({"", "z"}), path_of({std::string_view("\0", 1)}));
  EXPECT_LT(path_of({"a"}), path_of({"a", ""}));
  EXPECT_LT(path_of({"a", "z"}), path_of({"ab"}));
  EXPECT_LT(path_of({"a"}), path_of({"b"}));
  EXPECT_LT(path_of({"\x7f"}), path_of({"\x80"}));  // bytes compare unsigned
}

TEST(PathTest, RandomPathsMatchNaiveModel) {
  testing::ModelRandom rnd(1);
  std::vector<Path> paths;
  for (int i = 0; i < 300; ++i) paths.push_back(rnd.path(4));
  for (const Path& p : paths) {
    for (const Path& q : paths) {
      const std::vector<Bytes> np = naive(p), nq = naive(q);
      EXPECT_EQ(p <=> q, np <=> nq);
      EXPECT_EQ(p == q, np == nq);
      const bool naive_prefix =
          np.size() <= nq.size() && std::equal(np.begin(), np.end(), nq.begin());
      EXPECT_EQ(p.is_prefix_of(q), naive_prefix);
      if (p.is_prefix_of(q)) {
        EXPECT_LE(p, q);  // consistent with the prefix relation
      }
      const Path l = p.longest_common_prefix(q);
      EXPECT_TRUE(l.is_prefix_of(p) && l.is_prefix_of(q));
      EXPECT_TRUE(l.component_count() == p.component_count() ||
                  l.component_count() == q.component_count() ||
                  naive(p)[l.component_count()] != naive(q)[l.component_count()]);
      EXPECT_EQ(p.to_string() == q.to_string(), p == q);
    }
  }
}

// Longer components over a two-letter alphabet: long shared byte runs with differences at any
// offset, and component boundaries that disagree while the bytes agree.
TEST(PathTest, LongRandomPathsMatchNaiveOrder) {
  testing::ModelRandom rnd(4);
  std::vector<Path> paths;
  for (int i = 0; i < 300; ++i) {
    std::vector<Bytes> comps(rnd.below(8));
    for (Bytes& c : comps) {
      c.assign(rnd.below(24), 'a');
      if (!c.empty() && rnd.coin()) c[rnd.below(c.size())] = 'b';
    }
    std::vector<ByteView> views(comps.begin(), comps.end());
    paths.push_back(Path::from_components(views).value());
  }
  for (const Path& p : paths) {
    for (const Path& q : paths) {
      EXPECT_EQ(p <=> q, naive(p) <=> naive(q));
      EXPECT_EQ(p == q, naive(p) == naive(q));
    }
  }
}

TEST(PathTest, OrderIsTotalAndTransitive) {
  testing::ModelRandom rnd(2);
  std::vector<Path> paths;
  for (int i = 0; i < 60; ++i) paths.push_back(rnd.path(3));
  for (const Path& a : paths) {
    for (const Path& b : paths) {
      EXPECT_EQ((a < b) + (b < a) + (a == b), 1);
      for (const Path& c : paths) {
        if (a < b && b < c) {
          EXPECT_LT(a, c);
        }
      }
    }
  }
}

TEST(PathTest, ToStringEscapes) {
  EXPECT_EQ(path_of({""}).to_string(), "/");
  EXPECT_EQ(path_of({"blog", "a b"}).to_string(), "/blog/a%20b");
  EXPECT_EQ(path_of({".", "..", "a.b"}).to_string(), "/%2E/%2E%2E/a.b");
  EXPECT_EQ(path_of({"/"}).to_string(), "/%2F");
}

TEST(PathTest, SuccessorAppendsEmptyComponent) {
  EXPECT_EQ(Path{}.successor(), path_of({""}));
  EXPECT_EQ(path_of({"a"}).successor(), path_of({"a", ""}));
}

TEST(PathTest, GreaterButNotPrefixedExamples) {
  EXPECT_EQ(Path{}.greater_but_not_prefixed(), std::nullopt);
  EXPECT_EQ(path_of({"a"}).greater_but_not_prefixed(), path_of({std::string_view("a\0", 2)}));
  EXPECT_EQ(path_of({"a", "b"}).greater_but_not_prefixed(),
            path_of({"a", std::string_view("b\0", 2)}));
}

TEST(PathTest, SuccessorsAtTheLimits) {
  // A full component cannot grow: its last byte is incremented instead.
  Path p = from_sizes({kMaxComponentLength}).value();  // "xxx...x"
  Bytes expected(kMaxComponentLength, 'x');
  expected.back() = 'y';
  EXPECT_EQ(p.greater_but_not_prefixed(),
            Path::from_components(std::vector<ByteView>{expected}).value());

  // A path at the total length limit: the last component cannot grow either.
  Path q = from_sizes({4000, 96}).value();
  Bytes last(96, 'x');
  last.back() = 'y';
  EXPECT_EQ(q.greater_but_not_prefixed(),
            Path::from_components(std::vector<ByteView>{Bytes(4000, 'x'), last}).value());

  // Trailing 0xff bytes are dropped before incrementing.
  Bytes ff(kMaxComponentLength, 0xff);
  ff[0] = 'a';
  Path r = Path::from_components(std::vector<ByteView>{ff}).value();
  EXPECT_EQ(r.greater_but_not_prefixed(), path_of({"b"}));

  // A greatest component makes us go one component back.
  Path s = Path::from_components(std::vector<ByteView>{as_bytes("a"), Bytes(4095, 0xff)}).value();
  EXPECT_EQ(s.greater_but_not_prefixed(), path_of({std::string_view("a\0", 2)}));

  // At the component count limit, successor cannot append.
  Path many = from_sizes(std::vector<std::size_t>(kMaxComponentCount, 0)).value();
  std::vector<ByteView> expect_comps(kMaxComponentCount - 1, ByteView{});
  const std::uint8_t zero = 0;
  expect_comps.push_back(ByteView(&zero, 1));
  EXPECT_EQ(many.successor(), Path::from_components(expect_comps).value());

  // The greatest path has no successor: one component of 4096 0xff bytes.
  Path greatest = Path::from_components(std::vector<ByteView>{Bytes(4096, 0xff)}).value();
  EXPECT_EQ(greatest.greater_but_not_prefixed(), std::nullopt);
  EXPECT_EQ(greatest.successor(), greatest.append(ByteView{}).value());
}

TEST(PathTest, RandomSuccessorsAreGreaterAndAdjacentInSample) {
  // Exhaustive adjacency is checked under tiny limits in path_successor_test; here, with the
  // real limits, check the defining properties against a random sample.
  testing::ModelRandom rnd(3);
  std::vector<Path> sample;
  for (int i = 0; i < 400; ++i) sample.push_back(rnd.path(4));
  for (const Path& p : sample) {
    const std::optional<Path> s = p.successor();
    ASSERT_TRUE(s);
    EXPECT_LT(p, *s);
    const std::optional<Path> g = p.greater_but_not_prefixed();
    if (p.component_count() == 0) {
      EXPECT_FALSE(g);
      continue;
    }
    ASSERT_TRUE(g);
    EXPECT_LT(p, *g);
    EXPECT_FALSE(p.is_prefix_of(*g));
    for (const Path& q : sample) {
      EXPECT_FALSE(p < q && q < *s)
          << p.to_string() << " < " << q.to_string() << " < " << s->to_string();
      if (p < q && q < *g) {
        EXPECT_TRUE(p.is_prefix_of(q));
      }
    }
  }
}

}  // namespace
}  // namespace osier::model
