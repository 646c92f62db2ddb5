#include "osier/store/events.hpp"

#include "osier/base/codec.hpp"
#include "osier/model/encoding_entry.hpp"

namespace osier::store {

Bytes encode_event(const StoreEvent& event) {
  constexpr std::uint8_t kRemote = 0x80;
  Bytes b;
  const bool remote = !event.origin.is_local();
  b.push_back(
      static_cast<std::uint8_t>(static_cast<std::uint8_t>(event.kind) | (remote ? kRemote : 0)));
  put_be(b, event.available, 8);
  if (remote) put_be(b, event.origin.session, 8);
  append(b, model::encode_entry_bytes(event.entry));
  return b;
}

Result<StoreEvent> decode_event(std::uint64_t seq, ByteView bytes) {
  const bool remote = !bytes.empty() && (bytes[0] & 0x80) != 0;
  const std::size_t head = remote ? 17 : 9;
  const std::uint8_t kind = bytes.empty() ? 0 : bytes[0] & 0x7f;
  if (bytes.size() < head || kind < 1 || kind > 5) {
    return error(ErrorCode::kCorrupt, "malformed event record");
  }
  Origin origin;
  if (remote) {
    origin.session = get_be(bytes.subspan(9, 8));
    if (origin.is_local()) return error(ErrorCode::kCorrupt, "event record of remote origin 0");
  }
  Decoder dec(bytes.subspan(head));
  auto e = model::decode_entry(dec, DecodeMode::kCanonic);
  if (!e || !dec.at_end()) return error(ErrorCode::kCorrupt, "event record holds no valid entry");
  return StoreEvent{seq, static_cast<EventKind>(kind), std::move(*e), get_be(bytes.subspan(1, 8)),
                    origin};
}

bool event_matches(const StoreEvent& event, const model::NamespaceId& ns, const model::Area& area) {
  return event.entry.namespace_id == ns && area.includes(event.entry);
}

SubscriptionId EventHub::add(const model::NamespaceId& ns, const model::Area& area,
                             EventCallback fn, std::uint64_t seen_through) {
  const SubscriptionId id = next_++;
  subs_[ns].emplace(id, Sub{area, std::move(fn), seen_through});
  namespace_of_.emplace(id, ns);
  return id;
}

void EventHub::remove(SubscriptionId id) {
  const auto it = namespace_of_.find(id);
  if (it == namespace_of_.end()) return;
  const auto ns = subs_.find(it->second);
  ns->second.erase(id);
  if (ns->second.empty()) subs_.erase(ns);
  namespace_of_.erase(it);
}

void EventHub::dispatch(const StoreEvent& event) const {
  // Only the event's namespace's subscribers: a daemon subscribes once per shared namespace, and
  // looking at all of them for every event made a sync of 10 000 namespaces quadratic.
  const auto ns = subs_.find(event.entry.namespace_id);
  if (ns == subs_.end()) return;
  for (const auto& [id, sub] : ns->second) {
    if (event.seq > sub.seen_through && event_matches(event, ns->first, sub.area)) sub.fn(event);
  }
}

Status after_beyond_latest(std::uint64_t after, std::uint64_t latest) {
  return error(ErrorCode::kInvalidArgument,
               "events after " + std::to_string(after) + " were asked for, but the latest is " +
                   std::to_string(latest) + " (a sequence number of another store?)");
}

}  // namespace osier::store
