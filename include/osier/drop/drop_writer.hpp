// Writing drops: the entries of an area (of interest) of a store, with their payloads, as one
// byte string in the Willow Drop Format with the willow25 parameters.
// spec: drop_format#drop_format_desc, willow25#willow25_drop_format
#pragma once

#include <cstdint>
#include <functional>

#include "osier/base/io.hpp"
#include "osier/model/area.hpp"
#include "osier/store/store.hpp"

namespace osier::drop {

struct ExportStats {
  std::uint64_t entries = 0;
  std::uint64_t payloads = 0;          // complete payloads written (slice mode 01)
  std::uint64_t partial_payloads = 0;  // partial payloads written as the slice held (mode 10)
  std::uint64_t payload_bytes = 0;     // payload bytes written, of either
  std::uint64_t partial_skipped = 0;   // partial payloads written without slices (see below)
  std::uint64_t bytes_written = 0;     // the drop's size
};

// Called now and then (after each entry) with the totals so far; `total_entries` and
// `total_payload_bytes` are known up front.
struct ExportProgress {
  std::uint64_t entries_done = 0;
  std::uint64_t total_entries = 0;
  std::uint64_t payload_bytes_done = 0;
  std::uint64_t total_payload_bytes = 0;
};
using ExportProgressFn = std::function<void(const ExportProgress&)>;

// Writes the drop of the entries `aoi` includes in `namespace_id` to `sink`. Complete payloads
// go in raw (slice mode 01), streamed from the store in pieces: memory does not grow with
// payload sizes (it does with the entry count: the entry list is read first, as query callbacks
// may not call back into the store).
//
// Partial payloads go in as the one slice held (mode 10: the held chunks from the first),
// served by the store from the held bytes and the labels of the rest (crypto/bab_prefix.hpp);
// a partial payload whose store lacks those labels is written without slices.
Result<ExportStats> export_drop(store::Store& store, const model::NamespaceId& namespace_id,
                                const model::AreaOfInterest& aoi, const ByteSink& sink,
                                const ExportProgressFn& progress = {});

}  // namespace osier::drop
