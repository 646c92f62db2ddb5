// Shared by the codec fuzz targets: model values built from fuzz bytes (to serve as references),
// and the round-trip property every decoder must satisfy (check_relation: for any
// model::EncodingRelation descriptor).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "osier/base/codec.hpp"
#include "osier/model/area.hpp"
#include "osier/model/encoding_entry.hpp"
#include "osier/model/encoding_private.hpp"
#include "osier/model/encoding_relation.hpp"
#include "osier/model/entry.hpp"
#include "osier/model/path.hpp"
#include "osier/model/range.hpp"

namespace osier::fuzz {

// Reads values from the front of the fuzz input; exhausted input reads as zeros.
class FuzzValues {
 public:
  explicit FuzzValues(ByteView data) : data_(data) {}

  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  bool coin() { return (byte() & 1) != 0; }
  ByteView rest() const { return data_.subspan(pos_); }

  std::uint64_t number() {
    const std::uint8_t sel = byte();
    switch (sel % 4) {
      case 0:
        return sel >> 2;
      case 1:
        return std::uint64_t{byte()} << 8 | byte();
      case 2:
        return ~std::uint64_t{0} - (sel >> 2);
      default: {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = v << 8 | byte();
        return v;
      }
    }
  }

  model::SubspaceId id() {
    model::SubspaceId id;
    const std::uint8_t sel = byte();
    id.fill(sel < 4 ? 0 : sel);
    if (sel >= 4 && sel < 8) id.back() = static_cast<std::uint8_t>(sel);
    return id;
  }

  model::Path path() {
    static const char* kPool[] = {"", "a", "b", "ab", "blog", "ideas"};
    const std::size_t count = byte() % 6;
    std::vector<ByteView> comps;
    for (std::size_t i = 0; i < count; ++i) comps.push_back(as_bytes(kPool[byte() % 6]));
    return model::Path::from_components(comps).value();
  }

  template <typename T, typename Gen>
  model::Range<T> range(Gen gen) {
    model::Range<T> r{gen(), std::nullopt};
    if (coin()) r.end = gen();
    return r;
  }
  model::TimeRange time_range() {
    return range<model::Timestamp>([&] { return number(); });
  }
  model::D3Range d3_range() {
    return model::D3Range{range<model::SubspaceId>([&] { return id(); }),
                          range<model::Path>([&] { return path(); }), time_range()};
  }
  model::Area area() {
    model::Area a{std::nullopt, path(), time_range()};
    if (coin()) a.subspace = id();
    return a;
  }
  model::Entry entry() { return model::Entry{id(), id(), path(), number(), number(), id()}; }
  model::PrivateAreaContext private_area_context() {
    model::PrivateAreaContext c;
    c.private_interest.namespace_id = id();
    if (coin()) c.private_interest.subspace_id = id();
    c.private_interest.path = path();
    c.rel = area();
    return c;
  }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

// Whatever decodes must re-encode (canonically, or to the encoder's chosen code) and decode
// again to the same value; and a code accepted as canonic must be exactly the encoder's code.
template <typename DecodeFn, typename EncodeFn>
void check_round_trip(ByteView input, DecodeFn decode, EncodeFn encode, bool has_canonic) {
  Decoder dec(input);
  auto value = decode(dec, DecodeMode::kAny);
  if (!value.is_ok()) return;
  if (dec.position() > input.size()) std::abort();
  Encoder enc;
  if (!encode(enc, *value).is_ok()) std::abort();
  Decoder again(enc.bytes());
  auto back = decode(again, has_canonic ? DecodeMode::kCanonic : DecodeMode::kAny);
  if (!back.is_ok() || !(*back == *value) || again.position() != enc.size()) std::abort();
  if (has_canonic) {
    Decoder cdec(input);
    auto canonic = decode(cdec, DecodeMode::kCanonic);
    if (canonic.is_ok() && !std::ranges::equal(cdec.consumed_since(0), enc.bytes())) std::abort();
  }
}

// check_round_trip for `relation` relative to `reference`.
template <typename V, typename R>
void check_relation(const model::EncodingRelation<V, R>& relation, ByteView input,
                    const R& reference) {
  check_round_trip(
      input, [&](Decoder& d, DecodeMode m) { return relation.decode(d, reference, m); },
      [&](Encoder& e, const V& v) { return relation.encode(e, v, reference); }, relation.canonic);
}

}  // namespace osier::fuzz
