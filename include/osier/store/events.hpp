// Store events: what changed, each with a store-wide sequence number, for subscribers to an
// area (live, and replayed from a sequence number after a restart).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "osier/base/bytes.hpp"
#include "osier/base/status.hpp"
#include "osier/model/area.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/types.hpp"

namespace osier::store {

enum class EventKind : std::uint8_t {
  kInserted = 1,          // the entry was stored
  kPruned = 2,            // the entry was removed because a newer one prunes it
  kPayloadAppended = 3,   // the entry's payload grew to `available` bytes
  kForgotten = 4,         // the entry was forgotten locally
  kPayloadForgotten = 5,  // the entry's payload bytes were forgotten locally
};

struct StoreEvent {
  std::uint64_t seq = 0;  // store-wide, strictly increasing, never reused
  EventKind kind = EventKind::kInserted;
  model::Entry entry;
  std::uint64_t available = 0;
  Origin origin;  // of the change that caused it (a pruning: that of the entry that pruned)

  bool operator==(const StoreEvent&) const = default;
};

using EventCallback = std::function<void(const StoreEvent&)>;
using SubscriptionId = std::uint64_t;

// The event record as stored: u8 kind ‖ u64 available ‖ encode_entry(entry); for a remote
// origin, kind has bit 0x80 set and u64 origin session follows available (records of formats 1
// and 2 are local events). A set bit with session 0 is malformed.
Bytes encode_event(const StoreEvent& event);
Result<StoreEvent> decode_event(std::uint64_t seq, ByteView bytes);

// Live subscribers and their filters. Not thread-safe; the store serialises.
class EventHub {
 public:
  // `seen_through`: events numbered up to it are not delivered (the subscriber has them from a
  // replay, or they were committed before it subscribed).
  SubscriptionId add(const model::NamespaceId& ns, const model::Area& area, EventCallback fn,
                     std::uint64_t seen_through = 0);
  void remove(SubscriptionId id);
  void dispatch(const StoreEvent& event) const;

 private:
  struct Sub {
    model::Area area;
    EventCallback fn;
    std::uint64_t seen_through = 0;
  };
  // By namespace, then in subscription order.
  std::map<model::NamespaceId, std::map<SubscriptionId, Sub>> subs_;
  std::map<SubscriptionId, model::NamespaceId> namespace_of_;
  SubscriptionId next_ = 1;
};

// The error of Store::subscribe for an `after` beyond the latest event number.
Status after_beyond_latest(std::uint64_t after, std::uint64_t latest);

// Whether a subscriber to (ns, area) wants the event.
bool event_matches(const StoreEvent& event, const model::NamespaceId& ns, const model::Area& area);

}  // namespace osier::store
