// WILLIAM3: hashing the input in the pieces the fuzzer chooses gives the one-shot digest,
// whatever the split, and keyed mode never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "osier/crypto/william3.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  if (size < 2) return 0;
  // The first two bytes choose the piece sizes; the rest, repeated, is the input.
  std::size_t step = 1 + (static_cast<std::size_t>(data[0]) << 4 | data[1]);
  ByteView input(data + 2, size - 2);
  auto expect = crypto::william3(input);
  crypto::William3Hasher h;
  for (std::size_t pos = 0; pos < input.size(); pos += step)
    h.update(input.subspan(pos, std::min(step, input.size() - pos)));
  if (h.finalize() != expect) std::abort();
  crypto::William3Key key{};
  (void)crypto::william3_keyed(key, input);
  return 0;
}
