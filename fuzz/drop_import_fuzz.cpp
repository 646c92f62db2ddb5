// Drop import: arbitrary bytes never crash the importer; a drop that fails leaves the (fresh)
// store empty; one that succeeds leaves a consistent store (check()) and imports again as a
// no-op.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "osier/base/io.hpp"
#include "osier/drop/drop_reader.hpp"
#include "store/memory_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace osier;
  store::MemoryStore s;
  drop::ImportOptions opts;
  opts.max_entries = 1000;
  opts.max_staged_payload_bytes = std::uint64_t{16} << 20;
  auto r = drop::import_drop(s, memory_source(ByteView(data, size)), opts);
  if (!r.is_ok()) {
    auto spaces = s.namespaces();
    if (!spaces.is_ok() || !spaces->empty()) std::abort();  // a failed import stored something
    if (s.payload_count().value() != 0) std::abort();
    return 0;
  }
  if (!s.check().is_ok()) std::abort();
  // Importing the same bytes again is a no-op.
  const auto last = s.last_sequence().value();
  auto again = drop::import_drop(s, memory_source(ByteView(data, size)), opts);
  if (!again.is_ok() || again->inserted != 0 || s.last_sequence().value() != last) std::abort();
  return 0;
}
