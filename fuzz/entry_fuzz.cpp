// Entry encodings (EncodeEntry, EncodeEntryRelativeEntry, EncodeEntryInNamespace3dRange):
// arbitrary bytes never crash the decoders, and whatever decodes round-trips. The first byte
// picks the relation; the reference is built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "model/encoding_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  switch (v.byte() % 3) {
    case 0:
      fuzz::check_round_trip(
          v.rest(), [](Decoder& d, DecodeMode m) { return decode_entry(d, m); },
          [](Encoder& e, const Entry& x) {
            encode_entry(e, x);
            return Status::ok();
          },
          true);
      break;
    case 1: {
      const Entry ref = v.entry();
      fuzz::check_round_trip(
          v.rest(), [&](Decoder& d, DecodeMode) { return decode_entry_relative_entry(d, ref); },
          [&](Encoder& e, const Entry& x) { return encode_entry_relative_entry(e, x, ref); },
          false);
      break;
    }
    default: {
      const EntryInNamespace3dRangeReference ref{v.id(), v.d3_range()};
      fuzz::check_round_trip(
          v.rest(),
          [&](Decoder& d, DecodeMode) { return decode_entry_in_namespace_3d_range(d, ref); },
          [&](Encoder& e, const Entry& x) { return encode_entry_in_namespace_3d_range(e, x, ref); },
          false);
      break;
    }
  }
  return 0;
}
