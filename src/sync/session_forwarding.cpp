// Session: live forwarding. After (and during) reconciliation the node offers every entry its
// store gains; those inside an overlap go to the peer unsolicited on the Data channel.
// spec: confidential_sync#sync_post_sync_forwarding, confidential_sync#sync_data,
// confidential_sync#DataSendEntry
//
// Why this is enough for convergence: an entry offered before any overlap includes it is covered
// by reconciliation instead (an overlap's root is fingerprinted from a snapshot taken after the
// overlap was found, so after the entry was stored). An entry offered once an overlap includes it
// is sent here, even while that overlap's reconciliation runs: the peer may receive it twice,
// which costs bytes, never correctness (the store ignores an entry it holds).
#include "osier/store/authoriser.hpp"
#include "sync/payload_chunks.hpp"
#include "sync/session.hpp"

namespace osier::sync {

Session::ForwardRoute Session::forwarding_route(const model::Entry& entry) const {
  ForwardRoute route;
  const auto [from, to] = overlaps_by_namespace_.equal_range(entry.namespace_id);
  for (auto it = from; it != to && !route.payload; ++it) {
    const PioOverlapEvent& o = overlaps_[it->second];
    if (!o.area.includes(entry)) continue;
    route.included = true;
    const bool within_power =
        o.peer_max_payload_power >= 64 ||
        entry.payload_length <= (std::uint64_t{1} << o.peer_max_payload_power);
    const bool lazy = lazy_overlaps_.contains({o.peer_capability, o.own_capability});
    route.payload = within_power && !lazy;
  }
  return route;
}

void Session::offer_entry(const model::Entry& entry, const store::Origin& origin) {
  if (!error_.is_ok()) return;
  // Its peer sent it to us: no echo.
  if (origin == store::Origin::remote(session_id_)) return;
  if (!forwarding_route(entry).included) return;
  // A put with its payload is two events (kInserted, then kPayloadAppended) of one commit: the
  // queued forward sends the payload anyway, if the store holds it whole when it goes.
  if (!forwards_.empty() && forwards_.back() == entry) return;
  if (forwards_.size() >= kMaxForwards) {
    forwarding_overflowed_ = true;
    return;
  }
  forwards_.push_back(entry);
}

Status Session::start_forward() {
  while (!forwards_.empty()) {
    const model::Entry entry = std::move(forwards_.front());
    forwards_.pop_front();
    const ForwardRoute route = forwarding_route(entry);
    if (!route.included || store_.payloads == nullptr) continue;
    OSIER_ASSIGN_OR_RETURN(const std::optional<store::LengthyAuthorisedEntry> held,
                           store_.payloads->get(entry.namespace_id, entry.subspace_id, entry.path));
    // Overwritten, pruned or forgotten since the offer: the change that did it is offered too.
    if (!held || held->authorised.entry != entry) continue;
    OSIER_ASSIGN_OR_RETURN(meadowcap::MeadowcapAuthorisationToken token,
                           store::decode_token_bytes(held->authorised.token));
    meadowcap::PossiblyAuthorisedEntry authorised{entry, std::move(token)};
    const bool whole = entry.payload_length > 0 && held->available == entry.payload_length;
    ++stats_.entries_forwarded;
    if (whole && route.payload) {
      // From Chunk 0: we do not know what the peer holds of it.
      OSIER_RETURN_IF_ERROR(queue(DataSendEntry{authorised, 0}));
      pushing_payload_ = SendingPayload{entry, 0, payload_chunk_count(entry.payload_length)};
    } else {
      // No Chunks follow: the offset "should be set to 0" (spec: DataSendEntryOffset).
      OSIER_RETURN_IF_ERROR(queue(DataSendEntry{std::move(authorised), 0}));
    }
    return Status::ok();
  }
  return Status::ok();
}

}  // namespace osier::sync
