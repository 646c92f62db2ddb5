#include "store/payload_prefix.hpp"

#include <optional>
#include <vector>

#include "crypto/bab_prefix.hpp"
#include "store/payload.hpp"
#include "store/payload_files.hpp"

namespace osier::store {

namespace {

// Prefix outboard pairs of at most this many bytes stay in memory (those of 64 MiB held).
constexpr std::uint64_t kPairsInMemory = std::uint64_t{4} << 20;

crypto::BabGeometry geometry(const model::Entry& e) {
  return crypto::BabGeometry(e.payload_length, kPayloadChunk);
}

// Feeds the first `held` bytes of `data` to `builder` and returns the held blocks' labels.
Result<std::vector<crypto::BabLabel>> hash_held(crypto::BabOutboardBuilder& builder,
                                                std::uint64_t held, const RandomReader& data) {
  Bytes buf(std::size_t{1} << 16);
  for (std::uint64_t off = 0; off < held;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), held - off));
    OSIER_RETURN_IF_ERROR(data.read(off, MutableByteView(buf).first(n)));
    OSIER_RETURN_IF_ERROR(builder.update(ByteView(buf).first(n)));
    off += n;
  }
  return builder.finish_prefix();
}

Status verification(const Status& st) {
  if (st.code() == ErrorCode::kVerification) return st;
  return error(ErrorCode::kVerification, "payload prefix: " + st.message());
}

}  // namespace

Status PrefixHasher::finish(const model::Entry& entry, std::span<const crypto::BabLabel> frontier) {
  const std::uint64_t n = builder_.length();
  if (n == 0 || n >= entry.payload_length || n % kPayloadChunk != 0) {
    return error(ErrorCode::kVerification,
                 "a payload prefix of " + std::to_string(n) + " bytes: not whole chunks of the " +
                     std::to_string(entry.payload_length) + "-byte payload");
  }
  Result<std::vector<crypto::BabLabel>> blocks = builder_.finish_prefix();
  if (!blocks) return verification(blocks.status());
  return crypto::bab_verify_prefix(geometry(entry), entry.payload_digest, n / kPayloadChunk,
                                   *blocks, frontier);
}

Status copy_prefix(const model::Entry& entry, std::uint64_t length, const PayloadSource& source,
                   std::span<const crypto::BabLabel> frontier, const ByteSink& data) {
  if (length == 0 || length >= entry.payload_length || length % kPayloadChunk != 0) {
    return error(ErrorCode::kInvalidArgument,
                 "a payload prefix must be whole chunks, fewer than the payload has");
  }
  PrefixHasher hasher;
  Bytes buf(read_buffer_size(length));
  for (;;) {
    OSIER_ASSIGN_OR_RETURN(const std::size_t got, source(buf));
    if (got == 0) break;
    const ByteView piece(buf.data(), got);
    if (piece.size() > length - hasher.length()) {
      return error(ErrorCode::kVerification, "payload prefix is longer than announced");
    }
    OSIER_RETURN_IF_ERROR(hasher.update(piece));
    OSIER_RETURN_IF_ERROR(data(piece));
  }
  if (hasher.length() != length) {
    return error(ErrorCode::kVerification, "payload prefix is shorter than announced");
  }
  return hasher.finish(entry, frontier);
}

Status check_prefix(const model::Entry& entry, std::uint64_t held,
                    std::span<const crypto::BabLabel> frontier, const RandomReader& data) {
  crypto::BabOutboardBuilder builder([](ByteView) { return Status::ok(); });
  OSIER_ASSIGN_OR_RETURN(std::vector<crypto::BabLabel> blocks, hash_held(builder, held, data));
  return crypto::bab_verify_prefix(geometry(entry), entry.payload_digest, held / kPayloadChunk,
                                   blocks, frontier);
}

Status serve_prefix(const model::Entry& entry, std::uint64_t held,
                    std::span<const crypto::BabLabel> frontier, const RandomReader& data,
                    const crypto::BabStreamOptions& opts, const std::string& scratch_file,
                    const ByteSink& sink) {
  const std::uint64_t held_chunks = held / kPayloadChunk;
  if (!opts.slice || opts.slice->first_chunk + opts.slice->chunk_count > held_chunks ||
      opts.slice->first_chunk + opts.slice->chunk_count < opts.slice->first_chunk) {
    return error(ErrorCode::kNotFound,
                 "payload is not complete: only " + std::to_string(held) + " bytes are held");
  }
  if (frontier.empty()) {
    return error(ErrorCode::kNotFound,
                 "the labels of the payload's chunks not held are unknown, so its held bytes "
                 "cannot be served verifiably");
  }
  // The held bytes' outboard pairs: in memory, or in a scratch file for large prefixes.
  const bool to_file = !scratch_file.empty() && held / kPayloadChunk * 64 > kPairsInMemory;
  Bytes pairs;
  std::optional<File> pairs_out;
  struct Remove {
    const std::string* name;
    ~Remove() {
      if (name != nullptr) file_remove(*name);
    }
  } remove{to_file ? &scratch_file : nullptr};
  if (to_file) {
    OSIER_ASSIGN_OR_RETURN(File out, File::create(scratch_file));
    pairs_out.emplace(std::move(out));
  }
  crypto::BabOutboardBuilder builder([&](ByteView b) -> Status {
    if (pairs_out) return pairs_out->append(b);
    append(pairs, b);
    return Status::ok();
  });
  OSIER_ASSIGN_OR_RETURN(std::vector<crypto::BabLabel> blocks, hash_held(builder, held, data));
  pairs_out.reset();  // closes the file
  std::optional<File> file_pairs;
  std::optional<BytesReader> memory_pairs;
  const RandomReader* pairs_reader = nullptr;
  if (to_file) {
    OSIER_ASSIGN_OR_RETURN(File in, File::open_read(scratch_file));
    pairs_reader = &file_pairs.emplace(std::move(in));
  } else {
    pairs_reader = &memory_pairs.emplace(pairs);
  }
  Result<crypto::BabPrefixOutboard> outboard = crypto::BabPrefixOutboard::create(
      geometry(entry), entry.payload_digest, held_chunks, *pairs_reader, blocks, frontier);
  if (!outboard) {
    return error(ErrorCode::kCorrupt,
                 "a held payload prefix does not match its digest: " + outboard.status().message());
  }
  return crypto::bab_produce_stream(opts, entry.payload_length, data, *outboard,
                                    [&](ByteView b) { return sink(b); });
}

}  // namespace osier::store
