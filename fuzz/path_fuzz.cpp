// Path encodings (EncodePath, EncodePathRelativePath, EncodePathExtendsPath,
// EncodePrivatePathExtendsPath): arbitrary bytes never crash the decoders, and whatever decodes
// round-trips. The first byte picks the relation; references are built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "osier/model/encoding_relations.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  switch (v.byte() % 4) {
    case 0:
      fuzz::check_relation(kEncodePath, v.rest(), {});
      break;
    case 1: {
      const Path ref = v.path();
      fuzz::check_relation(kEncodePathRelativePath, v.rest(), ref);
      break;
    }
    case 2: {
      const Path ref = v.path();
      fuzz::check_relation(kEncodePathExtendsPath, v.rest(), ref);
      break;
    }
    default: {
      const PrivatePathContext ctx{v.path(), v.path()};
      fuzz::check_relation(kEncodePrivatePathExtendsPath, v.rest(), ctx);
      break;
    }
  }
  return 0;
}
