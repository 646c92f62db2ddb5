#include "osier/model/encoding_path.hpp"

#include "base/compact_u64.hpp"
#include "osier/model/ids.hpp"

namespace osier::model {
namespace {

std::size_t total_of(const std::vector<ByteView>& components) {
  std::size_t total = 0;
  for (ByteView c : components) total += c.size();
  return total;
}

Result<Path> path_from_views(const std::vector<ByteView>& components) {
  Result<Path> p = Path::from_components(components);
  if (!p) return invalid_encoding("decoded path exceeds the willow25 limits");
  return p;
}

}  // namespace

// spec: encodings#encsec_EncodePath
void encode_path_suffix(Encoder& enc, const Path& path, std::size_t from) {
  const std::size_t count = path.component_count() - from;
  std::uint64_t total = 0;
  for (std::size_t i = from; i < path.component_count(); ++i) total += path.component(i).size();
  const unsigned total_tag = c64_minimal_tag(total, 4);
  const unsigned count_tag = c64_minimal_tag(count, 4);
  BitByte header;
  header.set(0, 4, total_tag);
  header.set(4, 4, count_tag);
  enc.byte(header.value());
  c64_encode_corresponding(enc, total, total_tag, 4);
  c64_encode_corresponding(enc, count, count_tag, 4);
  for (std::size_t i = from; i < path.component_count(); ++i) {
    ByteView c = path.component(i);
    // The final component's length follows from the total length.
    if (i + 1 < path.component_count()) c64_encode_standalone(enc, c.size());
    enc.bytes(c);
  }
}

void encode_path(Encoder& enc, const Path& path) { encode_path_suffix(enc, path, 0); }

Status decode_path_components(Decoder& dec, DecodeMode mode, std::vector<ByteView>& components) {
  const std::size_t prior_count = components.size();
  const std::size_t prior_length = total_of(components);
  OSIER_ASSIGN_OR_RETURN(std::uint8_t header_byte, dec.byte());
  const BitByte header(header_byte);
  OSIER_ASSIGN_OR_RETURN(std::uint64_t total,
                         c64_decode_corresponding(dec, header.get(0, 4), 4, mode));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t count,
                         c64_decode_corresponding(dec, header.get(4, 4), 4, mode));
  // Reject before reading or allocating anything for the components.
  if (count > kMaxComponentCount - prior_count) {
    return invalid_encoding("path has more components than willow25 allows");
  }
  if (total > kMaxPathLength - prior_length) {
    return invalid_encoding("path is longer than willow25 allows");
  }
  if (count == 0) {
    if (total != 0) return invalid_encoding("path without components has a nonzero length");
    return Status::ok();
  }
  std::uint64_t left = total;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t len = left;
    if (i + 1 < count) {
      OSIER_ASSIGN_OR_RETURN(len, c64_decode_standalone(dec, mode));
      if (len > left) return invalid_encoding("path components are longer than its total length");
    }
    if (len > kMaxComponentLength)
      return invalid_encoding("path component is longer than willow25 allows");
    OSIER_ASSIGN_OR_RETURN(ByteView bytes, dec.take(static_cast<std::size_t>(len)));
    components.push_back(bytes);
    left -= len;
  }
  return Status::ok();
}

Result<Path> decode_path(Decoder& dec, DecodeMode mode) {
  std::vector<ByteView> components;
  OSIER_RETURN_IF_ERROR(decode_path_components(dec, mode, components));
  return path_from_views(components);
}

Result<Path> decode_path_after_prefix(Decoder& dec, const Path& reference, std::size_t count,
                                      DecodeMode mode) {
  std::vector<ByteView> components;
  components.reserve(count);
  for (std::size_t i = 0; i < count; ++i) components.push_back(reference.component(i));
  OSIER_RETURN_IF_ERROR(decode_path_components(dec, mode, components));
  return path_from_views(components);
}

// spec: encodings#encsec_EncodePathRelativePath — canonic: the greatest prefix_count.
void encode_path_rel_path(Encoder& enc, const Path& path, const Path& reference) {
  const std::size_t prefix_count = path.common_prefix_count(reference);
  c64_encode_standalone(enc, prefix_count);
  encode_path_suffix(enc, path, prefix_count);
}

Result<Path> decode_path_rel_path(Decoder& dec, const Path& reference, DecodeMode mode) {
  OSIER_ASSIGN_OR_RETURN(std::uint64_t prefix_count, c64_decode_standalone(dec, mode));
  if (prefix_count > reference.component_count()) {
    return invalid_encoding("prefix count exceeds the reference path's component count");
  }
  const auto count = static_cast<std::size_t>(prefix_count);
  OSIER_ASSIGN_OR_RETURN(Path path, decode_path_after_prefix(dec, reference, count, mode));
  if (mode == DecodeMode::kCanonic && path.common_prefix_count(reference) != count) {
    return non_canonic("prefix count is not the greatest possible");
  }
  return path;
}

// spec: encodings#encsec_EncodePathExtendsPath
Status encode_path_extends_path(Encoder& enc, const Path& path, const Path& prefix) {
  if (!prefix.is_prefix_of(path)) {
    return error(ErrorCode::kInvalidArgument, "the reference path is not a prefix of the path");
  }
  encode_path_suffix(enc, path, prefix.component_count());
  return Status::ok();
}

Result<Path> decode_path_extends_path(Decoder& dec, const Path& prefix, DecodeMode mode) {
  return decode_path_after_prefix(dec, prefix, prefix.component_count(), mode);
}

}  // namespace osier::model
