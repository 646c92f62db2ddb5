// `osier codec` end to end: spawns the built binary (OSIER_BINARY) with JSON Lines on stdin.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Json = nlohmann::json;

struct Outcome {
  int exit_code = -1;
  std::vector<std::string> out_lines;
  std::string err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `osier <args>` with `input` on stdin.
Outcome run_osier(const std::string& args, const std::string& input) {
  static int counter = 0;
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("osier_codec_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  {
    std::ofstream in(dir / "in", std::ios::binary);
    in << input;
  }
  const std::string cmd = std::string("'") + OSIER_BINARY + "' " + args + " < '" +
                          (dir / "in").string() + "' > '" + (dir / "out").string() + "' 2> '" +
                          (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  Outcome r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream out(slurp(dir / "out"));
  for (std::string line; std::getline(out, line);) r.out_lines.push_back(line);
  r.err = slurp(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

const std::string kId1(64, '1');
const std::string kId2(64, '2');
const std::string kId3(64, '3');

Json path_json(std::initializer_list<const char*> hex_components) {
  Json a = Json::array();
  for (const char* c : hex_components) a.push_back(c);
  return a;
}

Json entry_json(const std::string& ss, Json path, std::uint64_t ts, std::uint64_t len) {
  return Json{{"namespace_id", kId1}, {"subspace_id", ss},     {"path", std::move(path)},
              {"timestamp", ts},      {"payload_length", len}, {"payload_digest", kId3}};
}

Json time_range(std::uint64_t start, std::optional<std::uint64_t> end) {
  return Json{{"start", start}, {"end", end ? Json(*end) : Json(nullptr)}};
}

// Encodes each (value, relative_to) pair, then decodes the codes: the values come back.
void round_trip(const std::string& relation, const std::vector<Json>& values,
                const std::vector<Json>& refs) {
  SCOPED_TRACE(relation);
  std::string input;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Json line{{"value", values[i]}};
    if (!refs.empty()) line["relative_to"] = refs[i];
    input += line.dump() + "\n";
  }
  Outcome enc = run_osier("codec encode " + relation, input);
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  ASSERT_EQ(enc.out_lines.size(), values.size());
  std::string dec_input;
  std::vector<std::string> codes;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Json out = Json::parse(enc.out_lines[i]);
    ASSERT_TRUE(out.contains("code")) << enc.out_lines[i];
    codes.push_back(out["code"]);
    Json line{{"code", out["code"]}};
    if (!refs.empty()) line["relative_to"] = refs[i];
    dec_input += line.dump() + "\n";
  }
  Outcome dec = run_osier("codec decode " + relation, dec_input);
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  ASSERT_EQ(dec.out_lines.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    Json out = Json::parse(dec.out_lines[i]);
    ASSERT_TRUE(out.contains("value")) << dec.out_lines[i];
    EXPECT_EQ(out["value"], values[i]) << dec.out_lines[i];
    EXPECT_EQ(out["consumed"].get<std::size_t>(), codes[i].size() / 2);
  }
}

TEST(CodecCli, ListNamesEveryRelation) {
  Outcome r = run_osier("codec list", "");
  ASSERT_EQ(r.exit_code, 0);
  std::string all;
  for (const auto& l : r.out_lines) all += l + "\n";
  for (const char* name :
       {"EncodePath", "EncodePathRelativePath", "EncodePathExtendsPath", "EncodeEntry",
        "EncodeEntryRelativeEntry", "EncodeEntryInNamespace3dRange", "EncodeAreaInArea",
        "Encode3dRangeRelative3dRange", "EncodePrivatePathExtendsPath",
        "EncodePrivateAreaAlmostInArea"}) {
    EXPECT_NE(all.find(std::string(name) + "\t"), std::string::npos) << name;
  }
}

TEST(CodecCli, EncodePathSpecExample) {
  Outcome r =
      run_osier("codec encode EncodePath", R"({"value": ["626c6f67", "6964656173", "66756e"]})"
                                           "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out_lines.size(), 1u);
  EXPECT_EQ(Json::parse(r.out_lines[0]), (Json{{"code", "c30c04626c6f6705696465617366756e"}}));
}

TEST(CodecCli, RoundTripsEveryRelation) {
  round_trip("EncodePath",
             {path_json({}), path_json({"", "00ff"}), path_json({"626c6f67", "6964656173"})}, {});
  round_trip("EncodePathRelativePath", {path_json({"61", "62"}), path_json({})},
             {path_json({"61", "63"}), path_json({"61"})});
  round_trip("EncodePathExtendsPath", {path_json({"61", "62"}), path_json({"61"})},
             {path_json({"61"}), path_json({"61"})});
  const Json e1 = entry_json(kId2, path_json({"61"}), 1000, 5);
  const Json e2 = entry_json(kId1, path_json({"61", "62"}), 18446744073709551615ULL, 0);
  round_trip("EncodeEntry", {e1, e2}, {});
  round_trip("EncodeEntryRelativeEntry", {e1, e2}, {e2, e1});
  const Json range{{"subspaces", {{"start", kId1}, {"end", nullptr}}},
                   {"paths", {{"start", path_json({})}, {"end", path_json({"62"})}}},
                   {"times", time_range(0, 2000)}};
  round_trip("EncodeEntryInNamespace3dRange", {e1},
             {Json{{"namespace_id", kId1}, {"range", range}}});
  const Json outer{
      {"subspace", nullptr}, {"path", path_json({"61"})}, {"times", time_range(10, std::nullopt)}};
  const Json inner{
      {"subspace", kId2}, {"path", path_json({"61", "62"})}, {"times", time_range(20, 30)}};
  round_trip("EncodeAreaInArea", {inner, outer}, {outer, outer});
  const Json range2{{"subspaces", {{"start", kId2}, {"end", kId3}}},
                    {"paths", {{"start", path_json({"61"})}, {"end", nullptr}}},
                    {"times", time_range(5, std::nullopt)}};
  round_trip("Encode3dRangeRelative3dRange", {range, range2}, {range2, range});
  round_trip("EncodePrivatePathExtendsPath",
             {path_json({"61", "62"}), path_json({"61", "62", "63", "64"})},
             {Json{{"private", path_json({"61", "62", "63"})}, {"rel", path_json({"61"})}},
              Json{{"private", path_json({"61", "62", "63"})}, {"rel", path_json({"61"})}}});
  const Json ctx{
      {"private", {{"namespace_id", kId1}, {"subspace_id", nullptr}, {"path", path_json({"61"})}}},
      {"rel", outer}};
  round_trip("EncodePrivateAreaAlmostInArea", {inner, outer}, {ctx, ctx});
}

TEST(CodecCli, ReportsInvalidIncompleteAndNonCanonicCodes) {
  const std::string input = R"({"code": "c30c04626c6f67"})"
                            "\n"  // incomplete
                            R"({"code": "10"})"
                            "\n"  // invalid
                            R"({"code": "fc000000000000000c0304626c6f670569646561736675e6"})"
                            "\n"  // non-minimal tags
                            R"({"code": "00ff"})"
                            "\n";  // valid, one byte
  Outcome any = run_osier("codec decode EncodePath", input);
  ASSERT_EQ(any.exit_code, 0) << any.err;
  ASSERT_EQ(any.out_lines.size(), 4u);
  EXPECT_NE(any.out_lines[0].find("incomplete"), std::string::npos) << any.out_lines[0];
  EXPECT_NE(any.out_lines[1].find("invalid encoding"), std::string::npos) << any.out_lines[1];
  EXPECT_EQ(Json::parse(any.out_lines[2]),
            (Json{{"value", {"626c6f67", "6964656173", "6675e6"}}, {"consumed", 24}}));
  EXPECT_EQ(Json::parse(any.out_lines[3]), (Json{{"value", Json::array()}, {"consumed", 1}}));

  // /blog with a non-minimal total length tag: any mode accepts it (with trailing bytes),
  // canonic mode rejects it.
  const std::string wide = R"({"code": "c104626c6f67ff"})"
                           "\n";
  Outcome a = run_osier("codec decode EncodePath", wide);
  ASSERT_EQ(a.out_lines.size(), 1u);
  EXPECT_EQ(Json::parse(a.out_lines[0]), (Json{{"value", {"626c6f67"}}, {"consumed", 6}}));
  Outcome c = run_osier("codec decode EncodePath --canonic", wide);
  ASSERT_EQ(c.exit_code, 0);
  ASSERT_EQ(c.out_lines.size(), 1u);
  EXPECT_NE(c.out_lines[0].find("non-canonic"), std::string::npos) << c.out_lines[0];
  // Relations without a canonic subset refuse --canonic.
  Outcome nc = run_osier("codec decode EncodeEntryRelativeEntry --canonic", wide);
  EXPECT_EQ(nc.exit_code, 2);
}

TEST(CodecCli, MalformedLinesGiveErrorLinesOnly) {
  const std::string input =
      "not json\n"
      "[1, 2]\n"
      R"({"value": ["zz"]})"
      "\n"
      R"({"valu": []})"
      "\n"
      "\n"
      R"({"value": ["61"]})"
      "\n";
  Outcome r = run_osier("codec encode EncodePath", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out_lines.size(), 6u);
  // Each says the request is unusable, as docs/cli.md documents: "invalid argument: ...".
  for (int i = 0; i < 5; ++i) {
    Json out = Json::parse(r.out_lines[i]);
    ASSERT_TRUE(out.contains("error")) << r.out_lines[i];
    EXPECT_EQ(out["error"].get<std::string>().rfind("invalid argument: ", 0), 0u) << r.out_lines[i];
  }
  EXPECT_EQ(Json::parse(r.out_lines[0]),
            (Json{{"error", "invalid argument: malformed line: not JSON"}}));
  EXPECT_EQ(Json::parse(r.out_lines[3]), (Json{{"error", "invalid argument: missing \"value\""}}));
  EXPECT_EQ(Json::parse(r.out_lines[5]), (Json{{"code", "1161"}}));
  // An encoder precondition violation is an error line too.
  Outcome bad =
      run_osier("codec encode EncodePathExtendsPath", R"({"value": ["61"], "relative_to": ["62"]})"
                                                      "\n");
  ASSERT_EQ(bad.out_lines.size(), 1u);
  EXPECT_NE(bad.out_lines[0].find("not a prefix"), std::string::npos) << bad.out_lines[0];
}

TEST(CodecCli, UnknownRelationExitsWithTwo) {
  Outcome r = run_osier("codec encode EncodeNothing", R"({"value": []})"
                                                      "\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out_lines.empty());
  EXPECT_NE(r.err.find("unknown relation"), std::string::npos) << r.err;
}

}  // namespace
