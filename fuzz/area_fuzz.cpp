// Area encodings (EncodeAreaInArea, EncodePrivateAreaAlmostInArea): arbitrary bytes never crash
// the decoders, and whatever decodes round-trips. The first byte picks the relation; the
// reference is built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "osier/model/encoding_relations.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  if (v.byte() % 2 == 0) {
    const Area ref = v.area();
    fuzz::check_relation(kEncodeAreaInArea, v.rest(), ref);
  } else {
    const PrivateAreaContext ctx = v.private_area_context();
    fuzz::check_relation(kEncodePrivateAreaAlmostInArea, v.rest(), ctx);
  }
  return 0;
}
