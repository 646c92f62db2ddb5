#include "osier/json/codec_relations.hpp"

#include "osier/meadowcap/encoding_relations.hpp"

namespace osier::json {

Result<Bytes> request_code(const Json& request) {
  auto it = request.find("code");
  if (it == request.end()) return error(ErrorCode::kInvalidArgument, "missing \"code\"");
  std::optional<Bytes> b;
  if (it->is_string()) b = from_hex(it->get<std::string>());
  if (!b) return error(ErrorCode::kInvalidArgument, "code: not a hex string");
  return *b;
}

const std::vector<CodecRelation>& codec_relations() {
  static const std::vector<CodecRelation> table = [] {
    std::vector<CodecRelation> r;
    model::for_each_relation(meadowcap::kEncodingRelations,
                             [&](const auto& relation) { r.push_back(codec_relation(relation)); });
    return r;
  }();
  return table;
}

const CodecRelation* find_codec_relation(std::string_view name) {
  for (const CodecRelation& r : codec_relations()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace osier::json
