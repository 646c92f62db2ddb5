#include "store/lmdb_format.hpp"

#include <cstring>

#include "osier/base/codec.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/model/encoding_path.hpp"

namespace osier::store::lmdb_format {

ByteArray<kEntryKeySize> entry_key(const model::NamespaceId& ns, const model::SubspaceId& subspace,
                                   const model::Path& path) {
  ByteArray<kEntryKeySize> k{};
  std::copy(ns.begin(), ns.end(), k.begin());
  std::copy(subspace.begin(), subspace.end(), k.begin() + 32);
  Encoder enc;
  model::encode_path(enc, path);
  const auto d = crypto::william3(enc.bytes());
  std::copy(d.begin(), d.end(), k.begin() + 64);
  return k;
}

Bytes encode_entry_value(const model::Entry& entry, ByteView token) {
  const Bytes code = model::encode_entry_bytes(entry);
  Bytes v;
  v.reserve(4 + code.size() + token.size());
  put_be(v, code.size(), 4);
  append(v, code);
  append(v, token);
  return v;
}

Result<AuthorisedEntry> decode_entry_value(ByteView value) {
  if (value.size() < 4) return error(ErrorCode::kCorrupt, "entry record too short");
  const std::uint64_t n = get_be(value.first(4));
  if (n > value.size() - 4) return error(ErrorCode::kCorrupt, "entry record length out of bounds");
  Decoder dec(value.subspan(4, n));
  auto e = model::decode_entry(dec, DecodeMode::kCanonic);
  if (!e || !dec.at_end()) return error(ErrorCode::kCorrupt, "entry record holds no valid entry");
  const ByteView token = value.subspan(4 + n);
  return AuthorisedEntry{std::move(*e), Bytes(token.begin(), token.end())};
}

namespace {
constexpr std::uint8_t kInFile = 1;
constexpr std::uint8_t kWithFrontier = 2;
}  // namespace

Result<Bytes> encode_payload_record(const PayloadRecord& r) {
  if (r.frontier.size() > kMaxFrontierLabels) {
    return error(ErrorCode::kInvalidArgument, "a payload frontier of more labels than tree levels");
  }
  Bytes v;
  put_be(v, r.refcount, 8);
  put_be(v, r.held, 8);
  const bool with_frontier = !r.frontier.empty();
  v.push_back(
      static_cast<std::uint8_t>((r.in_file ? kInFile : 0) | (with_frontier ? kWithFrontier : 0)));
  if (with_frontier) {
    v.push_back(static_cast<std::uint8_t>(r.frontier.size()));
    for (const crypto::BabLabel& l : r.frontier) append(v, l);
  }
  if (!r.in_file) append(v, r.inline_bytes);
  return v;
}

Result<PayloadRecord> decode_payload_record(ByteView value) {
  if (value.size() < 17) return error(ErrorCode::kCorrupt, "payload record too short");
  PayloadRecord r;
  r.refcount = get_be(value.first(8));
  r.held = get_be(value.subspan(8, 8));
  const std::uint8_t flags = value[16];
  if ((flags & ~(kInFile | kWithFrontier)) != 0) {
    return error(ErrorCode::kCorrupt, "payload record of unknown kind");
  }
  r.in_file = (flags & kInFile) != 0;
  ByteView rest = value.subspan(17);
  if ((flags & kWithFrontier) != 0) {
    if (rest.empty() || rest[0] == 0 || rest[0] > kMaxFrontierLabels ||
        rest.size() - 1 < std::size_t{rest[0]} * 32) {
      return error(ErrorCode::kCorrupt, "payload record with a malformed frontier");
    }
    const std::size_t n = rest[0];
    for (std::size_t i = 0; i < n; ++i) {
      crypto::BabLabel l;
      std::memcpy(l.data(), rest.data() + 1 + 32 * i, 32);
      r.frontier.push_back(l);
    }
    rest = rest.subspan(1 + 32 * n);
  }
  if (r.in_file ? !rest.empty() : rest.size() != r.held) {
    return error(ErrorCode::kCorrupt, "payload record size disagrees with its held length");
  }
  r.inline_bytes.assign(rest.begin(), rest.end());
  return r;
}

}  // namespace osier::store::lmdb_format
