// willow:// URI parsing: arbitrary text never crashes the parser, and whatever parses prints in
// a normal form that parses back to the same value and prints identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "osier/uri/willow_uri.hpp"

namespace {

// Every short alias names an id derived from its text, so alias resolution is exercised too.
std::optional<osier::ByteArray<32>> resolve(osier::uri::IdKind kind, std::string_view name) {
  if (name.size() > 8) return std::nullopt;
  osier::ByteArray<32> id{};
  for (std::size_t i = 0; i < name.size(); ++i) id[i] = static_cast<std::uint8_t>(name[i]);
  id[31] = kind == osier::uri::IdKind::kNamespace ? 0x02 : 0x03;
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<uri::WillowUri> parsed = uri::parse_uri(text, resolve);
  if (!parsed) return 0;
  const std::string normal = uri::to_string(*parsed);
  const Result<uri::WillowUri> again = uri::parse_uri(normal);
  if (!again || !(*again == *parsed) || uri::to_string(*again) != normal) std::abort();
  return 0;
}
