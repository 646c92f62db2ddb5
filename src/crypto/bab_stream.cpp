#include "osier/crypto/bab_stream.hpp"

#include <algorithm>

namespace osier::crypto {

Result<BabLayout> bab_layout(const BabStreamOptions& opts, std::uint64_t length,
                             const BabHash& hash) {
  BabGeometry geo(length, hash.chunk_size());
  BabLayout layout;
  layout.k = opts.k;
  layout.light_period = opts.light ? bab_light_period(hash.chunk_size(), kBabLabelLen, opts.k) : 1;
  layout.left_skip = opts.left_skip;
  layout.right_skip = opts.right_skip;
  if (opts.slice) {
    const BabSlice& s = *opts.slice;
    if (s.first_chunk > geo.num_chunks() || s.chunk_count > geo.num_chunks() - s.first_chunk) {
      return error(ErrorCode::kOutOfRange, "Bab slice extends past the payload's last chunk");
    }
    layout.slice_begin = s.first_chunk;
    layout.slice_end = s.first_chunk + s.chunk_count;
  } else {
    layout.slice_end = geo.num_chunks();
  }
  return layout;
}

namespace {

class Producer {
 public:
  Producer(const BabGeometry& geo, const BabLayout& layout, const RandomReader& payload,
           const RandomReader& outboard, const ByteSink& sink)
      : geo_(geo), layout_(layout), payload_(payload), outboard_(outboard), sink_(sink) {
    out_.reserve(kStage);
  }

  Status run(bool length_prefix) {
    if (length_prefix) put_be(out_, geo_.length(), 8);
    BabStreamWalker walker(geo_, layout_);
    BabStreamItem item;
    while (walker.next(item)) {
      if (item.kind == BabStreamItem::kGroup) {
        OSIER_RETURN_IF_ERROR(group(item.node, item.depth, item.pair_base));
      } else {
        OSIER_RETURN_IF_ERROR(labels(item.node, item.pair_base, item.left, item.right));
      }
    }
    return flush();
  }

 private:
  static constexpr std::size_t kStage = 64 * 1024;

  Status flush() {
    if (out_.empty()) return Status::ok();
    Status st = sink_(out_);
    out_.clear();
    return st;
  }

  // Makes room for n more bytes in the staging buffer; returns where they go.
  Result<std::uint8_t*> reserve(std::size_t n) {
    if (out_.size() + n > kStage) OSIER_RETURN_IF_ERROR(flush());
    std::size_t at = out_.size();
    out_.resize(at + n);
    return out_.data() + at;
  }

  // The sent labels of node's children, read from node's outboard pair.
  Status labels(BabNode node, std::uint64_t pair_base, BabLabelMode lm, BabLabelMode rm) {
    std::uint64_t at = BabGeometry::pair_index(node, pair_base) * 64;
    if (lm == BabLabelMode::kSent) {
      OSIER_ASSIGN_OR_RETURN(std::uint8_t * p, reserve(32));
      OSIER_RETURN_IF_ERROR(outboard_.read(at, {p, 32}));
    }
    if (rm == BabLabelMode::kSent) {
      OSIER_ASSIGN_OR_RETURN(std::uint8_t * p, reserve(32));
      OSIER_RETURN_IF_ERROR(outboard_.read(at + 32, {p, 32}));
    }
    return Status::ok();
  }

  Status payload_bytes(std::uint64_t offset, std::uint64_t len) {
    while (len > 0) {
      if (out_.size() == kStage) OSIER_RETURN_IF_ERROR(flush());
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len, kStage - out_.size()));
      std::size_t at = out_.size();
      out_.resize(at + n);
      OSIER_RETURN_IF_ERROR(payload_.read(offset, {out_.data() + at, n}));
      offset += n;
      len -= n;
    }
    return Status::ok();
  }

  // A group's content: chunks in the slice, plus the labels of its nodes off the slice.
  Status group(BabNode n, unsigned depth, std::uint64_t pair_base) {
    if (layout_.fully_in_slice(n)) return payload_bytes(geo_.byte_begin(n), geo_.byte_len(n));
    BabLabelMode lm, rm;
    layout_.child_modes(n, depth, true, lm, rm);
    OSIER_RETURN_IF_ERROR(labels(n, pair_base, lm, rm));
    BabNode l = BabGeometry::left_child(n), r = BabGeometry::right_child(n);
    if (layout_.in_slice(l)) OSIER_RETURN_IF_ERROR(group(l, depth + 1, pair_base));
    if (layout_.in_slice(r)) {
      OSIER_RETURN_IF_ERROR(group(r, depth + 1, BabGeometry::right_base(n, pair_base)));
    }
    return Status::ok();
  }

  const BabGeometry& geo_;
  const BabLayout& layout_;
  const RandomReader& payload_;
  const RandomReader& outboard_;
  const ByteSink& sink_;
  Bytes out_;
};

}  // namespace

Status bab_produce_stream(const BabStreamOptions& opts, std::uint64_t length,
                          const RandomReader& payload, const RandomReader& outboard,
                          const ByteSink& sink, const BabHash& hash) {
  OSIER_ASSIGN_OR_RETURN(BabLayout layout, bab_layout(opts, length, hash));
  return bab_produce_layout(BabGeometry(length, hash.chunk_size()), layout,
                            opts.has_length_prefix(), payload, outboard, sink);
}

Status bab_produce_layout(const BabGeometry& geo, const BabLayout& layout, bool length_prefix,
                          const RandomReader& payload, const RandomReader& outboard,
                          const ByteSink& sink) {
  Producer p(geo, layout, payload, outboard, sink);
  return p.run(length_prefix);
}

Result<Bytes> bab_stream(const BabStreamOptions& opts, ByteView payload,
                         const BabOutboard& outboard, const BabHash& hash) {
  if (outboard.length != payload.size()) {
    return error(ErrorCode::kInvalidArgument, "outboard belongs to a payload of another length");
  }
  Bytes out;
  BytesReader pr(payload), orr(outboard.pairs);
  OSIER_RETURN_IF_ERROR(bab_produce_stream(opts, payload.size(), pr, orr, append_to(out), hash));
  return out;
}

}  // namespace osier::crypto
