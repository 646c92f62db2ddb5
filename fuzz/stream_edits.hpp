// Edits a fuzz input applies to a valid stream: from `pos` on, triples (at high, at low, op)
// truncate at `at` (op 0), insert a byte at `at` (op 1) or xor the byte at `at` with op. Shared
// by the targets that check a verifier rejects every altered stream (bab_verify,
// sync_payload_transfer), so that their inputs mean the same edits.
#pragma once

#include <cstddef>
#include <cstdint>

#include "osier/base/bytes.hpp"

namespace osier::fuzz {

inline void apply_stream_edits(Bytes& stream, const std::uint8_t* data, std::size_t pos,
                               std::size_t size) {
  for (; pos + 3 <= size; pos += 3) {
    const std::size_t at = ((data[pos] << 8) | data[pos + 1]) % (stream.size() + 1);
    const std::uint8_t op = data[pos + 2];
    if (op == 0) {
      stream.resize(at);
    } else if (op == 1) {
      stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(at), data[pos]);
    } else if (at < stream.size()) {
      stream[at] ^= op;
    }
  }
}

}  // namespace osier::fuzz
