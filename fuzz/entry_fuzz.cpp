// Entry encodings (EncodeEntry, EncodeEntryRelativeEntry, EncodeEntryInNamespace3dRange):
// arbitrary bytes never crash the decoders, and whatever decodes round-trips. The first byte
// picks the relation; the reference is built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "osier/model/encoding_relations.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  switch (v.byte() % 3) {
    case 0:
      fuzz::check_relation(kEncodeEntry, v.rest(), {});
      break;
    case 1: {
      const Entry ref = v.entry();
      fuzz::check_relation(kEncodeEntryRelativeEntry, v.rest(), ref);
      break;
    }
    default: {
      const EntryInNamespace3dRangeReference ref{v.id(), v.d3_range()};
      fuzz::check_relation(kEncodeEntryInNamespace3dRange, v.rest(), ref);
      break;
    }
  }
  return 0;
}
