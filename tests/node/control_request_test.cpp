// The daemon's control requests (node/control_request.hpp): every op, and every malformed line
// an error with the control API's code and message (docs/control-api.md), never a crash.
#include "node/control_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "osier/base/hex.hpp"
#include "osier/model/ids.hpp"

namespace osier::node {
namespace {

const std::string kRequestNs(64, 'a');
const std::string kSub(64, 'B');  // hex in either case
constexpr const char* kNotARequest = "a request is one JSON object with a string \"op\"";
constexpr const char* kBadFetch = "fetch needs \"namespace\", \"subspace\" (hex) and \"path\"";

std::string fetch_line(const std::string& ns, const std::string& sub, const std::string& path) {
  return R"({"op":"fetch","namespace":")" + ns + R"(","subspace":")" + sub + R"(","path":)" + path +
         "}";
}

void expect_error(const std::string& line, std::string_view code, const std::string& message) {
  const Result<ControlRequest> r = parse_control_request(line);
  const std::string shown = line.substr(0, 80);
  ASSERT_FALSE(r.is_ok()) << shown;
  EXPECT_EQ(control_error_code(r.status()), code) << shown;
  EXPECT_EQ(r.status().message(), message) << shown;
}

TEST(ControlRequest, StatusAndSubscribe) {
  Result<ControlRequest> status = parse_control_request(R"({"op":"status"})");
  ASSERT_TRUE(status.is_ok());
  EXPECT_TRUE(std::holds_alternative<StatusRequest>(*status));
  Result<ControlRequest> sub = parse_control_request(R"( {"op" : "subscribe", "extra": [1]} )");
  ASSERT_TRUE(sub.is_ok());
  EXPECT_TRUE(std::holds_alternative<SubscribeRequest>(*sub));
}

TEST(ControlRequest, AStatusMayLimitItsNamespaceLists) {
  Result<ControlRequest> r = parse_control_request(R"({"op":"status","max_namespaces":20})");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(std::get<StatusRequest>(*r).max_namespaces, std::optional<std::uint64_t>(20));
  EXPECT_EQ(parse_control_request(control_request_line(*r)).value(), *r);
  EXPECT_EQ(
      std::get<StatusRequest>(parse_control_request(R"({"op":"status"})").value()).max_namespaces,
      std::nullopt);
  for (const char* bad :
       {R"({"op":"status","max_namespaces":-1})", R"({"op":"status","max_namespaces":"20"})",
        R"({"op":"status","max_namespaces":2.5})"}) {
    Result<ControlRequest> b = parse_control_request(bad);
    ASSERT_FALSE(b.is_ok()) << bad;
    EXPECT_EQ(control_error_code(b.status()), "invalid_request") << bad;
  }
}

TEST(ControlRequest, ASubscriberMayLimitItsNamespaceLists) {
  Result<ControlRequest> sub = parse_control_request(R"({"op":"subscribe","max_namespaces":0})");
  ASSERT_TRUE(sub.is_ok()) << sub.status().to_string();
  EXPECT_EQ(std::get<SubscribeRequest>(*sub).max_namespaces, std::optional<std::uint64_t>(0));
  EXPECT_EQ(parse_control_request(control_request_line(*sub)).value(), *sub);
  Result<ControlRequest> bad = parse_control_request(R"({"op":"subscribe","max_namespaces":"x"})");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(control_error_code(bad.status()), "invalid_request");
}

TEST(ControlRequest, FetchCarriesTheEntrysCoordinates) {
  Result<ControlRequest> r =
      parse_control_request(fetch_line(kRequestNs, kSub, R"(["6e657773",""])"));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const auto* f = std::get_if<FetchRequest>(&*r);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(to_hex(f->namespace_id), kRequestNs);
  EXPECT_EQ(to_hex(f->subspace), std::string(64, 'b'));
  const std::vector<ByteView> comps = f->path.components();
  ASSERT_EQ(comps.size(), 2u);
  EXPECT_EQ(to_hex(comps[0]), "6e657773");
  EXPECT_TRUE(comps[1].empty());
  // The empty path, too.
  Result<ControlRequest> empty = parse_control_request(fetch_line(kRequestNs, kSub, "[]"));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(std::get<FetchRequest>(*empty).path.components().empty());
}

TEST(ControlRequest, EveryRequestPrintsALineThatParsesBackEqual) {
  for (const std::string& line :
       {std::string(R"({"op":"status"})"), std::string(R"({"op":"subscribe"})"),
        fetch_line(kRequestNs, kSub, R"(["00","ff01"])"), fetch_line(kRequestNs, kSub, "[]"),
        std::string(R"({"op":"peers"})"), std::string(R"({"op":"policies"})"),
        std::string(R"({"op":"peer_add","address":"example.org:7000"})"),
        std::string(R"({"op":"peer_rm","address":"[::1]:9"})"),
        R"({"op":"policy_set","namespace":")" + std::string(kRequestNs) + R"(","payloads":"none"})",
        R"({"op":"policy_set","namespace":")" + std::string(kRequestNs) +
            R"(","payloads":"eager","max_size":1000})"}) {
    Result<ControlRequest> r = parse_control_request(line);
    ASSERT_TRUE(r.is_ok()) << line;
    const std::string printed = control_request_line(*r);
    EXPECT_EQ(printed.find('\n'), std::string::npos);
    Result<ControlRequest> again = parse_control_request(printed);
    ASSERT_TRUE(again.is_ok()) << printed;
    EXPECT_EQ(*again, *r) << printed;
  }
}

TEST(ControlRequest, PeerAndPolicyChangesCarryWhatTheyChange) {
  Result<ControlRequest> add = parse_control_request(R"({"op":"peer_add","address":"10.0.0.1"})");
  ASSERT_TRUE(add.is_ok()) << add.status().to_string();
  const auto& change = std::get<PeerChangeRequest>(*add);
  EXPECT_TRUE(change.add);
  EXPECT_EQ(change.address.to_string(), "10.0.0.1:22377");  // the default port
  Result<ControlRequest> set = parse_control_request(
      R"({"op":"policy_set","namespace":")" + std::string(kRequestNs) + R"(","payloads":"lazy"})");
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  EXPECT_EQ(std::get<PolicySetRequest>(*set).policy.payloads, PayloadPolicy::kLazy);
  for (const std::string& bad :
       {std::string(R"({"op":"peer_add"})"), std::string(R"({"op":"peer_rm","address":7})"),
        std::string(R"({"op":"peer_add","address":"host:99999"})"),
        std::string(R"({"op":"policy_set","payloads":"lazy"})"),
        R"({"op":"policy_set","namespace":")" + std::string(kRequestNs) +
            R"(","payloads":"sometimes"})",
        R"({"op":"policy_set","namespace":")" + std::string(kRequestNs) +
            R"(","payloads":"lazy","max_size":10})",
        R"({"op":"policy_set","namespace":")" + std::string(kRequestNs) +
            R"(","payloads":"eager","max_size":-1})"}) {
    Result<ControlRequest> r = parse_control_request(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(control_error_code(r.status()), "invalid_request") << bad;
  }
}

TEST(ControlRequest, ALineThatIsNotARequestIsInvalid) {
  for (const std::string& line : {
           std::string(), std::string("not json"), std::string("{"),
           std::string(R"({"op":"status")"),  // truncated
           std::string(R"({"op":"status"} {"op":"status"})"), std::string(R"([{"op":"status"}])"),
           std::string(R"("status")"), std::string("null"), std::string("42"), std::string("{}"),
           std::string(R"({"Op":"status"})"), std::string(R"({"op":null})"),
           std::string(R"({"op":1})"), std::string(R"({"op":["status"]})"),
           std::string(R"({"op":{"name":"status"}})"),
           std::string("{\"op\":\"st\xff\"}"),  // not UTF-8
       }) {
    expect_error(line, "invalid_request", kNotARequest);
  }
}

TEST(ControlRequest, AnUnknownOpIsNamedInTheError) {
  expect_error(R"({"op":"Status"})", "unknown_op",
               "unknown op 'Status' (status, subscribe, fetch, peers, peer_add, peer_rm, policies, "
               "policy_set)");
  expect_error(
      R"({"op":""})", "unknown_op",
      "unknown op '' (status, subscribe, fetch, peers, peer_add, peer_rm, policies, policy_set)");
  expect_error(R"({"op":"stop","namespace":"00"})", "unknown_op",
               "unknown op 'stop' (status, subscribe, fetch, peers, peer_add, peer_rm, policies, "
               "policy_set)");
}

TEST(ControlRequest, AFetchWithMissingOrMalformedFieldsIsInvalid) {
  const std::string ok_path = R"(["00"])";
  for (const std::string& line : {
           std::string(R"({"op":"fetch"})"),
           std::string(R"({"op":"fetch","subspace":")" + kSub + R"(","path":[]})"),
           std::string(R"({"op":"fetch","namespace":")" + kRequestNs + R"(","path":[]})"),
           std::string(R"({"op":"fetch","namespace":")" + kRequestNs + R"(","subspace":")" + kSub +
                       R"("})"),
           fetch_line(kRequestNs.substr(2), kSub, ok_path),  // 31 bytes
           fetch_line(kRequestNs + "00", kSub, ok_path),     // 33 bytes
           fetch_line(kRequestNs.substr(1), kSub, ok_path),  // an odd number of digits
           fetch_line(std::string(62, 'a') + "zz", kSub, ok_path),
           fetch_line(kRequestNs, std::string(62, 'a') + "g0", ok_path),
           fetch_line(kRequestNs, "", ok_path),
           fetch_line(kRequestNs, kSub, R"("00")"),  // path not an array
           fetch_line(kRequestNs, kSub, R"({"0":"00"})"),
           fetch_line(kRequestNs, kSub, "null"),
           fetch_line(kRequestNs, kSub, "[0]"),
           fetch_line(kRequestNs, kSub, R"([["00"]])"),
           fetch_line(kRequestNs, kSub, R"(["0"])"),
           fetch_line(kRequestNs, kSub, R"(["xy"])"),
           std::string(R"({"op":"fetch","namespace":7,"subspace":")" + kSub + R"(","path":[]})"),
       }) {
    expect_error(line, "invalid_request", kBadFetch);
  }
}

TEST(ControlRequest, APathBeyondTheLimitsIsInvalid) {
  std::string many = "[";
  for (std::size_t i = 0; i <= model::kMaxComponentCount; ++i) many += i ? ",\"\"" : "\"\"";
  many += "]";
  expect_error(fetch_line(kRequestNs, kSub, many), "invalid_request", kBadFetch);
  const std::string big = "[\"" + std::string(2 * (model::kMaxPathLength + 1), 'a') + "\"]";
  expect_error(fetch_line(kRequestNs, kSub, big), "invalid_request", kBadFetch);
}

TEST(ControlRequest, HugeAndDeeplyNestedLinesAreErrorsNotCrashes) {
  // Deeper than any recursion could go, in the op, in a fetch's fields and around the request.
  constexpr std::size_t kDeep = 200000;
  const std::string deep = std::string(kDeep, '[') + std::string(kDeep, ']');
  expect_error(std::string(kDeep, '['), "invalid_request", kNotARequest);
  expect_error(deep, "invalid_request", kNotARequest);
  expect_error(R"({"op":)" + deep + "}", "invalid_request", kNotARequest);
  expect_error(fetch_line(kRequestNs, kSub, deep), "invalid_request", kBadFetch);
  expect_error(R"({"op":"fetch","namespace":)" + deep + "}", "invalid_request", kBadFetch);
  // Ignored fields may be anything.
  Result<ControlRequest> r = parse_control_request(R"({"op":"status","x":)" + deep + "}");
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(std::holds_alternative<StatusRequest>(*r));
  expect_error(std::string(1 << 20, ' '), "invalid_request", kNotARequest);
  const std::string long_op(1 << 16, 'x');
  expect_error(R"({"op":")" + long_op + "\"}", "unknown_op",
               "unknown op '" + long_op +
                   "' (status, subscribe, fetch, peers, peer_add, peer_rm, policies, policy_set)");
}

}  // namespace
}  // namespace osier::node
