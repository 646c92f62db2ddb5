// Encode3dRangeRelative3dRange: arbitrary bytes never crash the decoder, and whatever decodes
// round-trips. The reference is built from the first bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "osier/model/encoding_relations.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  const D3Range ref = v.d3_range();
  fuzz::check_relation(kEncode3dRangeRelative3dRange, v.rest(), ref);
  return 0;
}
