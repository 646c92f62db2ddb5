#include "osier/drop/drop_writer.hpp"

#include <vector>

#include "base/compact_u64.hpp"
#include "drop/drop_codec.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/meadowcap/willow25_defaults.hpp"
#include "osier/store/authoriser.hpp"

namespace osier::drop {

namespace {

Result<std::vector<store::LengthyAuthorisedEntry>> collect(store::Store& store,
                                                           const model::NamespaceId& ns,
                                                           const model::AreaOfInterest& aoi) {
  std::vector<store::LengthyAuthorisedEntry> out;
  auto keep = [&out](const store::LengthyAuthorisedEntry& e) {
    out.push_back(e);
    return true;
  };
  if (aoi.max_count == model::AreaOfInterest::kNoLimit &&
      aoi.max_size == model::AreaOfInterest::kNoLimit) {
    // Subspace-path order keeps consecutive entries close, so relative codes stay short.
    OSIER_RETURN_IF_ERROR(store.query_area(ns, aoi.area, {}, keep));
  } else {
    OSIER_RETURN_IF_ERROR(store.query_aoi(ns, aoi, keep));
  }
  return out;
}

// spec: drop_format#slice_mode (10) — a partial payload as the one slice it holds: its whole
// chunks from the first, as a 64-grouped baseline slice stream the store serves from the held
// bytes and the labels of the rest. A store that does not know those labels (it says so before
// producing anything) gets the entry written without slices instead.
Status write_prefix(store::Store& store, const model::Entry& entry, std::uint64_t held,
                    EntryHeader& header, const Encoder& with_slice, const model::Entry& prev_entry,
                    const meadowcap::MeadowcapAuthorisationToken& prev_token, BufferedSink& out,
                    ExportStats& stats) {
  const crypto::BabSlice slice{0, held / crypto::william3_bab().chunk_size()};
  bool started = false;
  Status served = store.serve_payload(
      entry.namespace_id, entry.subspace_id, entry.path, drop_slice_options(slice),
      [&](ByteView piece) -> Status {
        if (!started) {
          started = true;
          OSIER_RETURN_IF_ERROR(out.write(ByteView(with_slice.bytes().data(), with_slice.size())));
          Encoder count;
          c64_encode_standalone(count, slice.chunk_count);
          OSIER_RETURN_IF_ERROR(out.write(ByteView(count.bytes().data(), count.size())));
        }
        return out.write(piece);
      });
  if (started) {
    OSIER_RETURN_IF_ERROR(served);
    ++stats.partial_payloads;
    stats.payload_bytes += held;
    return Status::ok();
  }
  if (served.code() != ErrorCode::kNotFound) return served;
  header.mode = SliceMode::kNone;
  ++stats.partial_skipped;
  Encoder without;
  OSIER_RETURN_IF_ERROR(encode_entry_header(without, header, prev_entry, prev_token));
  return out.write(ByteView(without.bytes().data(), without.size()));
}

}  // namespace

// spec: drop_format#drop_format_desc
Result<ExportStats> export_drop(store::Store& store, const model::NamespaceId& namespace_id,
                                const model::AreaOfInterest& aoi, const ByteSink& sink,
                                const ExportProgressFn& progress) {
  OSIER_ASSIGN_OR_RETURN(std::vector<store::LengthyAuthorisedEntry> entries,
                         collect(store, namespace_id, aoi));
  ExportProgress prog;
  prog.total_entries = entries.size();
  for (const auto& e : entries) {
    if (e.available == e.authorised.entry.payload_length) {
      prog.total_payload_bytes += e.available;
    }
  }

  ExportStats stats;
  BufferedSink out(sink);
  model::Entry prev_entry = meadowcap::willow25_default_entry();
  meadowcap::MeadowcapAuthorisationToken prev_token = meadowcap::default_authorisation_token();
  for (const auto& lengthy : entries) {
    const model::Entry& entry = lengthy.authorised.entry;
    OSIER_ASSIGN_OR_RETURN(meadowcap::MeadowcapAuthorisationToken token,
                           store::decode_token_bytes(lengthy.authorised.token));
    const bool complete = lengthy.available == entry.payload_length;
    EntryHeader header{entry, token, SliceMode::kNone};
    // Zero-length slices are invalid (SPEC-NOTES "Drops"), so an empty payload has none.
    if (complete && entry.payload_length > 0) header.mode = SliceMode::kFullRaw;
    if (!complete && lengthy.available > 0) header.mode = SliceMode::kPrefix;
    Encoder enc;
    OSIER_RETURN_IF_ERROR(encode_entry_header(enc, header, prev_entry, prev_token));
    if (header.mode == SliceMode::kPrefix) {
      OSIER_RETURN_IF_ERROR(write_prefix(store, entry, lengthy.available, header, enc, prev_entry,
                                         prev_token, out, stats));
    } else {
      OSIER_RETURN_IF_ERROR(out.write(ByteView(enc.bytes().data(), enc.size())));
    }
    if (header.mode == SliceMode::kFullRaw) {
      OSIER_RETURN_IF_ERROR(store.read_payload(entry.namespace_id, entry.subspace_id, entry.path, 0,
                                               entry.payload_length, [&](ByteView piece) {
                                                 prog.payload_bytes_done += piece.size();
                                                 return out.write(piece);
                                               }));
      ++stats.payloads;
      stats.payload_bytes += entry.payload_length;
    }
    ++stats.entries;
    prog.entries_done = stats.entries;
    if (progress) progress(prog);
    prev_entry = entry;
    prev_token = std::move(token);
  }
  const std::uint8_t end = kDropEnd;
  OSIER_RETURN_IF_ERROR(out.write(ByteView(&end, 1)));
  OSIER_RETURN_IF_ERROR(out.flush());
  stats.bytes_written = out.written();
  return stats;
}

}  // namespace osier::drop
