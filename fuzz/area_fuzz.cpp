// Area encodings (EncodeAreaInArea, EncodePrivateAreaAlmostInArea): arbitrary bytes never crash
// the decoders, and whatever decodes round-trips. The first byte picks the relation; the
// reference is built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "model/encoding_area.hpp"
#include "model/encoding_private.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  if (v.byte() % 2 == 0) {
    const Area ref = v.area();
    fuzz::check_round_trip(
        v.rest(), [&](Decoder& d, DecodeMode m) { return decode_area_in_area(d, ref, m); },
        [&](Encoder& e, const Area& a) { return encode_area_in_area(e, a, ref); }, true);
  } else {
    const PrivateAreaContext ctx = v.private_area_context();
    fuzz::check_round_trip(
        v.rest(),
        [&](Decoder& d, DecodeMode) { return decode_private_area_almost_in_area(d, ctx); },
        [&](Encoder& e, const Area& a) { return encode_private_area_almost_in_area(e, a, ctx); },
        false);
  }
  return 0;
}
