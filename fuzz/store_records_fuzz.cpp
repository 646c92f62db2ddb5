// Store records read from disk (entry values, payload records, events, path order keys of
// tree items) and stored token bytes:
// arbitrary bytes never crash the decoders, and whatever decodes re-encodes to the same bytes.
// The first byte picks the record kind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "osier/store/authoriser.hpp"
#include "osier/store/events.hpp"
#include "store/lmdb_format.hpp"
#include "store/path_key.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  using namespace osier::store;
  if (size == 0) return 0;
  const ByteView in(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto r = lmdb_format::decode_entry_value(in);
      if (r && lmdb_format::encode_entry_value(r->entry, r->token) != Bytes(in.begin(), in.end())) {
        std::abort();
      }
      break;
    }
    case 1: {
      auto r = lmdb_format::decode_payload_record(in);
      if (r && lmdb_format::encode_payload_record(*r).value() != Bytes(in.begin(), in.end()))
        std::abort();
      break;
    }
    case 2: {
      auto r = decode_event(7, in);
      if (r && encode_event(*r) != Bytes(in.begin(), in.end())) std::abort();
      break;
    }
    case 4: {
      auto r = decode_path_key(in);
      if (r && path_key(*r) != Bytes(in.begin(), in.end())) std::abort();
      break;
    }
    default: {
      auto r = decode_token_bytes(in);
      if (r && encode_token_bytes(*r).value() != Bytes(in.begin(), in.end())) std::abort();
      break;
    }
  }
  return 0;
}
