// Path encodings (EncodePath, EncodePathRelativePath, EncodePathExtendsPath,
// EncodePrivatePathExtendsPath): arbitrary bytes never crash the decoders, and whatever decodes
// round-trips. The first byte picks the relation; references are built from the next bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_codec.hpp"
#include "model/encoding_path.hpp"
#include "model/encoding_private.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::model;
  fuzz::FuzzValues v(ByteView(data, size));
  switch (v.byte() % 4) {
    case 0:
      fuzz::check_round_trip(
          v.rest(), [](Decoder& d, DecodeMode m) { return decode_path(d, m); },
          [](Encoder& e, const Path& p) {
            encode_path(e, p);
            return Status::ok();
          },
          true);
      break;
    case 1: {
      const Path ref = v.path();
      fuzz::check_round_trip(
          v.rest(), [&](Decoder& d, DecodeMode m) { return decode_path_rel_path(d, ref, m); },
          [&](Encoder& e, const Path& p) {
            encode_path_rel_path(e, p, ref);
            return Status::ok();
          },
          true);
      break;
    }
    case 2: {
      const Path ref = v.path();
      fuzz::check_round_trip(
          v.rest(), [&](Decoder& d, DecodeMode m) { return decode_path_extends_path(d, ref, m); },
          [&](Encoder& e, const Path& p) { return encode_path_extends_path(e, p, ref); }, true);
      break;
    }
    default: {
      const PrivatePathContext ctx{v.path(), v.path()};
      fuzz::check_round_trip(
          v.rest(),
          [&](Decoder& d, DecodeMode) { return decode_private_path_extends_path(d, ctx); },
          [&](Encoder& e, const Path& p) { return encode_private_path_extends_path(e, p, ctx); },
          false);
      break;
    }
  }
  return 0;
}
