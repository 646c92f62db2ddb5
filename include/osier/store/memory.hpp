// An ephemeral Store held entirely in memory: tests, caches, short-lived peers. Nothing is
// written to disk; everything is gone when the pointer is released. Same contract as every
// Store (osier/store/store.hpp): thread-safe (one lock serialises its methods), the store
// invariant kept per namespace, payloads verified as they arrive.
#pragma once

#include <cstddef>
#include <memory>

#include "osier/store/authoriser.hpp"
#include "osier/store/store.hpp"

namespace osier::store {

// `authoriser` checks every entry's token (Meadowcap by default); the latest
// `max_event_history` events are kept for replay to subscribers.
std::unique_ptr<Store> make_memory_store(
    std::shared_ptr<const WriteAuthoriser> authoriser = meadowcap_authoriser(),
    std::size_t max_event_history = std::size_t{1} << 20);

}  // namespace osier::store
