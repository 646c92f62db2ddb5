// The narrow I/O interfaces Bab producers and builders talk through, so payloads and
// outboards can live in memory now and in files or a store later.
#pragma once

#include <cstdint>
#include <functional>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"

namespace osier::crypto {

// Receives output in pieces, in order. A failed Status stops the producer.
using BabSink = std::function<Status(ByteView)>;

// Random access to a byte string (a payload or an outboard).
class BabReader {
 public:
  virtual ~BabReader() = default;
  // Fills `out` with the bytes at [offset, offset + out.size()); fails if they do not exist.
  virtual Status read(std::uint64_t offset, MutableByteView out) const = 0;
};

class BytesReader final : public BabReader {
 public:
  explicit BytesReader(ByteView bytes) : bytes_(bytes) {}
  Status read(std::uint64_t offset, MutableByteView out) const override;

 private:
  ByteView bytes_;
};

// Collects everything a producer emits (tests, small payloads).
inline BabSink append_to(Bytes& out) {
  return [&out](ByteView piece) {
    append(out, piece);
    return Status::ok();
  };
}

}  // namespace osier::crypto
