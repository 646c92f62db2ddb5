// `osier codec` for Meadowcap, end to end: spawns the built binary (OSIER_BINARY) and feeds it
// JSON Lines — capability relations, relative token codes, private encodings, verify-token.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/vectors.hpp"

namespace {

using Json = nlohmann::json;

// Runs `osier codec <args>` over `lines` and parses each output line.
std::vector<Json> codec(const std::string& args, const std::vector<Json>& lines) {
  static int n = 0;
  const auto in = std::filesystem::temp_directory_path() /
                  ("osier_mc_codec_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  {
    std::ofstream f(in);
    for (const Json& l : lines) f << l.dump() << "\n";
  }
  const std::string cmd =
      std::string("'") + OSIER_BINARY + "' codec " + args + " < '" + in.string() + "'";
  std::vector<Json> out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    std::string cur;
    for (int c; (c = std::fgetc(p)) != EOF;) {
      if (c != '\n') {
        cur.push_back(static_cast<char>(c));
        continue;
      }
      out.push_back(Json::parse(cur, nullptr, false));
      cur.clear();
    }
    ::pclose(p);
  }
  std::filesystem::remove(in);
  return out;
}

Json one(const std::string& args, const Json& line) {
  auto out = codec(args, {line});
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? Json() : out[0];
}

const Json& vectors() { return osier::testing::willow25_vectors(); }
std::string ns_hex() { return vectors()["default_namespace"]["namespace_id_hex"]; }

Json default_entry() {
  return Json{
      {"namespace_id", ns_hex()}, {"subspace_id", ns_hex()},
      {"path", Json::array()},    {"timestamp", 0},
      {"payload_length", 0},      {"payload_digest", vectors()["william3"][0]["digest_hex"]}};
}

Json default_token() {
  const Json& t = vectors()["default_authorisation_token"];
  return Json{{"capability", t["capability"]}, {"signature", t["signature_hex"]}};
}

const std::string kSig(128, 'a');
const std::string kUser(64, '2');

Json owned_cap(const std::string& mode, int delegations) {
  Json ds = Json::array();
  for (int i = 0; i < delegations; ++i) {
    Json path = Json::array();
    for (int k = 0; k <= i; ++k) path.push_back("61");
    ds.push_back(
        Json{{"area",
              {{"subspace", nullptr}, {"path", path}, {"times", {{"start", 0}, {"end", nullptr}}}}},
             {"user", std::string(64, static_cast<char>('3' + i))},
             {"signature", kSig}});
  }
  return Json{
      {"kind", "owned"}, {"access_mode", mode},           {"namespace", std::string(63, '0') + "1"},
      {"user", kUser},   {"initial_authorisation", kSig}, {"delegations", ds}};
}

TEST(CodecMeadowcap, VerifyTokenAcceptsTheDefaultTokenAndNamesFailures) {
  Json changed = default_entry();
  changed["timestamp"] = 1;
  Json read_token = default_token();
  read_token["capability"]["access_mode"] = "read";
  const auto out =
      codec("verify-token", {Json{{"entry", default_entry()}, {"token", default_token()}},
                             Json{{"entry", changed}, {"token", default_token()}},
                             Json{{"entry", default_entry()}, {"token", read_token}},
                             Json{{"entry", default_entry()}}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["authorised"], true);
  EXPECT_EQ(out[1]["authorised"], false);
  EXPECT_NE(out[1]["reason"].get<std::string>().find("signature"), std::string::npos);
  EXPECT_EQ(out[2]["authorised"], false);
  EXPECT_NE(out[2]["reason"].get<std::string>().find("read, not write"), std::string::npos);
  EXPECT_TRUE(out[3].contains("error"));
}

TEST(CodecMeadowcap, McCapabilityRoundTripAndLayout) {
  const Json cap = default_token()["capability"];
  const Json enc = one("encode EncodeMcCapability", Json{{"value", cap}});
  ASSERT_TRUE(enc.contains("code")) << enc.dump();
  EXPECT_EQ(enc["code"], "40" + ns_hex() + ns_hex());
  const Json dec = one("decode --canonic EncodeMcCapability", Json{{"code", enc["code"]}});
  EXPECT_EQ(dec["value"], cap);
  EXPECT_EQ(dec["consumed"], 65);
  // A non-minimal count tag: valid, not canonic.
  const std::string loose = "7c" + ns_hex() + ns_hex() + "00";
  EXPECT_EQ(one("decode EncodeCommunalCapability", Json{{"code", loose}})["value"], cap);
  EXPECT_TRUE(
      one("decode --canonic EncodeCommunalCapability", Json{{"code", loose}}).contains("error"));
}

TEST(CodecMeadowcap, OwnedCapabilityWithDelegationsRoundTrips) {
  for (int n : {0, 1, 3}) {
    const Json cap = owned_cap("read", n);
    for (const char* rel : {"EncodeOwnedCapability", "EncodeMcCapability"}) {
      const Json enc = one(std::string("encode ") + rel, Json{{"value", cap}});
      ASSERT_TRUE(enc.contains("code")) << enc.dump();
      EXPECT_EQ(one(std::string("decode --canonic ") + rel, Json{{"code", enc["code"]}})["value"],
                cap);
    }
    EXPECT_TRUE(one("encode EncodeCommunalCapability", Json{{"value", cap}}).contains("error"));
  }
}

TEST(CodecMeadowcap, TokenRelativeToThePriorAuthorisedEntry) {
  const Json ref = Json::array({Json::array({default_entry(), default_token()}), default_entry()});
  const Json enc = one("encode EncodeMeadowcapAuthorisationTokenRelative",
                       Json{{"value", default_token()}, {"relative_to", ref}});
  ASSERT_TRUE(enc.contains("code")) << enc.dump();
  // Communal (0), nice_hack 1 (nothing shared), no delegations; then the signature.
  EXPECT_EQ(enc["code"], "10" + default_token()["signature"].get<std::string>());
  const Json dec = one("decode EncodeMeadowcapAuthorisationTokenRelative",
                       Json{{"code", enc["code"]}, {"relative_to", ref}});
  EXPECT_EQ(dec["value"], default_token());
  // The capability alone, relative to [prior capability, entry].
  const Json cap_ref = Json::array({default_token()["capability"], default_entry()});
  const Json cenc = one("encode EncodeCommunalCapabilityRelative",
                        Json{{"value", default_token()["capability"]}, {"relative_to", cap_ref}});
  EXPECT_EQ(cenc["code"], "10");
  const Json owned_write = owned_cap("write", 2);
  Json entry = default_entry();
  entry["namespace_id"] = owned_write["namespace"];
  entry["path"] = Json::array({"61", "61", "62"});
  const Json oref = Json::array({owned_write, entry});
  const Json oenc = one("encode EncodeOwnedCapabilityRelative",
                        Json{{"value", owned_write}, {"relative_to", oref}});
  ASSERT_TRUE(oenc.contains("code")) << oenc.dump();
  EXPECT_EQ(oenc["code"], "b2");  // owned, nice_hack 3 (both delegations shared), count 2
  EXPECT_EQ(one("decode EncodeOwnedCapabilityRelative",
                Json{{"code", "b2"}, {"relative_to", oref}})["value"],
            owned_write);
  // Outside the relation: the entry is in another namespace.
  Json elsewhere = default_entry();
  elsewhere["namespace_id"] = std::string(64, 'e');
  EXPECT_TRUE(one("encode EncodeMeadowcapAuthorisationTokenRelative",
                  Json{{"value", default_token()},
                       {"relative_to",
                        Json::array({Json::array({default_entry(), default_token()}), elsewhere})}})
                  .contains("error"));
}

TEST(CodecMeadowcap, PrivateInterestEncodings) {
  Json cap = default_token()["capability"];
  cap["access_mode"] = "read";
  const Json ppi = {
      {"private_interest",
       {{"namespace", ns_hex()}, {"subspace", ns_hex()}, {"path", Json::array({"61"})}}},
      {"user", ns_hex()}};
  for (const char* rel : {"EncodeCommunalCapabilityRelativePrivateInterest",
                          "EncodeMcCapabilityRelativePrivateInterest"}) {
    const Json enc = one(std::string("encode ") + rel, Json{{"value", cap}, {"relative_to", ppi}});
    EXPECT_EQ(enc["code"], "00") << enc.dump();
    EXPECT_EQ(
        one(std::string("decode ") + rel, Json{{"code", "00"}, {"relative_to", ppi}})["value"],
        cap);
  }
  const Json owned = owned_cap("read", 2);
  const Json oppi = {{"private_interest",
                      {{"namespace", owned["namespace"]},
                       {"subspace", nullptr},
                       {"path", Json::array({"61", "61"})}}},
                     {"user", owned["delegations"][1]["user"]}};
  const Json oenc = one("encode EncodeOwnedCapabilityRelativePrivateInterest",
                        Json{{"value", owned}, {"relative_to", oppi}});
  ASSERT_TRUE(oenc.contains("code")) << oenc.dump();
  EXPECT_EQ(one("decode EncodeMcCapabilityRelativePrivateInterest",
                Json{{"code", oenc["code"]}, {"relative_to", oppi}})["value"],
            owned);
}

TEST(CodecMeadowcap, EnumerationCapabilities) {
  const Json cap = {
      {"namespace", std::string(63, '0') + "1"},
      {"user", kUser},
      {"initial_authorisation", kSig},
      {"delegations", Json::array({Json{{"user", std::string(64, '4')}, {"signature", kSig}},
                                   Json{{"user", std::string(64, '5')}, {"signature", kSig}}})}};
  const Json enc = one("encode EncodeMcEnumerationCapability", Json{{"value", cap}});
  ASSERT_TRUE(enc.contains("code")) << enc.dump();
  EXPECT_EQ(enc["code"].get<std::string>().size(), 2u * (128 + 1 + 2 * 96));
  EXPECT_EQ(one("decode EncodeMcEnumerationCapability", Json{{"code", enc["code"]}})["value"], cap);
  const Json ref = Json::array({cap["namespace"], std::string(64, '5')});
  const Json penc = one("encode EncodeMcEnumerationCapabilityRelativePrivateInterest",
                        Json{{"value", cap}, {"relative_to", ref}});
  ASSERT_TRUE(penc.contains("code")) << penc.dump();
  EXPECT_EQ(penc["code"].get<std::string>().size(), 2u * (1 + 64 + 32 + 96 + 64));
  EXPECT_EQ(one("decode EncodeMcEnumerationCapabilityRelativePrivateInterest",
                Json{{"code", penc["code"]}, {"relative_to", ref}})["value"],
            cap);
}

TEST(CodecMeadowcap, MalformedInputGetsAnErrorLine) {
  Json bad_kind = default_token()["capability"];
  bad_kind["kind"] = "shared";
  const auto out = codec("encode EncodeMcCapability",
                         {Json{{"value", bad_kind}}, Json{{"value", 3}}, Json{{"nothing", 1}}});
  ASSERT_EQ(out.size(), 3u);
  for (const Json& o : out) EXPECT_TRUE(o.contains("error")) << o.dump();
  EXPECT_TRUE(one("decode EncodeMcCapability", Json{{"code", "40"}}).contains("error"));
}

}  // namespace
