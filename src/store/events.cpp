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
  subs_.emplace(id, Sub{ns, area, std::move(fn), seen_through});
  return id;
}

void EventHub::remove(SubscriptionId id) { subs_.erase(id); }

void EventHub::dispatch(const StoreEvent& event) const {
  for (const auto& [id, sub] : subs_) {
    if (event.seq > sub.seen_through && event_matches(event, sub.ns, sub.area)) sub.fn(event);
  }
}

Status after_beyond_latest(std::uint64_t after, std::uint64_t latest) {
  return error(ErrorCode::kInvalidArgument,
               "events after " + std::to_string(after) + " were asked for, but the latest is " +
                   std::to_string(latest) + " (a sequence number of another store?)");
}

}  // namespace osier::store
