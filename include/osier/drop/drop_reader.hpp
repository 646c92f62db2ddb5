// Reading drops: verify a whole drop, then ingest it into a store.
// spec: drop_format#drop_format_desc, drop_format#dropformat_transport
//
// Import runs in two passes so that a corrupt or truncated drop changes nothing, however large:
// the first pass decodes the drop from its source in fixed memory, checks every entry's
// authorisation token (meadowcap_is_authorised_write) and every payload slice against the
// entry's digest (Bab verification), and writes what checked out to a staging directory; only
// when the drop ended properly does the second pass ingest the staged entries and payloads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "osier/base/io.hpp"
#include "osier/store/store.hpp"

namespace osier::drop {

struct ImportProgress {
  enum class Phase : std::uint8_t { kVerify, kIngest };
  Phase phase = Phase::kVerify;
  std::uint64_t drop_bytes = 0;  // verify: bytes of the drop read so far
  std::uint64_t entries =
      0;  // entries read (verify: their tokens may be checked a batch or two later) or ingested
  std::uint64_t total_entries = 0;  // ingest: entries in the drop
};
using ImportProgressFn = std::function<void(const ImportProgress&)>;

struct ImportOptions {
  // Where the staging directory goes; the system's temporary directory when empty. It needs
  // room for the payload bytes of the drop that continue from their first chunk.
  std::string staging_parent;
  // Caps on what an untrusted drop may make us do.
  std::uint64_t max_entries = std::uint64_t{1} << 26;
  std::size_t max_entry_header_bytes = std::size_t{1} << 20;
  std::uint64_t max_staged_payload_bytes = UINT64_MAX;
  // The entries as decoded, each with its whole token, may take at most max_expansion bytes per
  // byte of the drop read, or max_expansion_floor bytes if that is more: the relative encoding
  // sends a capability's delegations once for a run of entries that reuse them, and every entry
  // is then decoded, checked, staged and stored with all of them (a hostile drop reusing a
  // capability of 10,000 delegations would take a hundred bytes an entry for a megabyte each).
  std::uint64_t max_expansion = 256;
  std::uint64_t max_expansion_floor = std::uint64_t{256} << 20;
  std::uint64_t max_slices_per_entry = 1 << 16;
  ImportProgressFn progress;
  // Told the staging directory and its files once they exist (a CLI removes them if a signal
  // ends the process; they are gone when import_drop returns).
  std::function<void(const std::string& dir, const std::vector<std::string>& files)> staging_made;
};

struct ImportStats {
  std::uint64_t drop_bytes = 0;
  std::uint64_t entries = 0;           // entries in the drop
  std::uint64_t inserted = 0;          // of which the store took
  std::uint64_t obsolete = 0;          // of which the store already had (or newer ones)
  std::uint64_t rejected = 0;          // refused by the store (should not happen: all verified)
  std::uint64_t pruned = 0;            // entries the store held before that the new ones pruned
  std::uint64_t payloads_written = 0;  // complete payloads the store did not have before
  std::uint64_t partial_payloads_written = 0;  // verified prefixes longer than the store had
  std::uint64_t payload_bytes = 0;             // bytes added to the store's payloads by both
  // Slices verified but not stored: a store keeps payloads as verified prefixes, so slices
  // after a gap are not kept (docs/spec-notes.md "Drops").
  std::uint64_t slices_not_stored = 0;
};

// Verifies the drop `source` delivers, without touching any store (staging nothing).
Result<ImportStats> verify_drop(const ByteSource& source, const ImportOptions& options = {});

// Verifies the whole drop, then ingests it. On any error in the first pass (a corrupt or
// truncated drop, a cap exceeded) the store is untouched. Importing a drop again changes
// nothing.
Result<ImportStats> import_drop(store::Store& store, const ByteSource& source,
                                const ImportOptions& options = {});

// The staging directories (ImportOptions::staging_parent) under `parent` whose import died
// (kill -9, power loss): listed, or removed. Never a live import's (each holds a lock).
std::vector<std::string> list_stale_staging(const std::string& parent);
std::vector<std::string> remove_stale_staging(const std::string& parent);

}  // namespace osier::drop
