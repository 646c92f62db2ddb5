// Resource handles of Confidential Sync: binding, reference counting and the multi-phase freeing
// of lcmux#resources_handles_managing, with the optimistic ("hopeful") bindings of
// lcmux#handles_resource_control. spec: lcmux#resource_handles, confidential_sync#sync_handle_defs
//
// One HandleBook per (handle type, binder): the handles this peer bound, or those the peer bound.
// Ids are consecutive from 0 in binding order (both peers assign them the same way). A book
// tracks, per live handle, its state, how many messages we sent naming it, how many accepted
// messages from the peer named it, and the peer's final count once it frees the handle; a handle
// is deleted (FullyDeleted: its record and value go) once both peers freed it and every message
// the peer counted has arrived. HandleTable<T> adds the bound value of each live handle.
//
// States (lcmux#resources_handles_managing): HopefullyBound, FullyBound, HopefullyMeFreed,
// MeFreed, YouFreed, AwaitingDeletion, Dropped. Only our own bindings are ever hopeful: a binding
// message sent optimistically is HopefullyBound until guarantees cover it (confirm) or an
// AnnounceDropping on its channel drops it (on_dropped). LCMUX resends dropped bytes in order
// (SPEC-NOTES Sync 7), so a dropped binding comes back with the same id (on_resent).
//
// The rules for received messages are SPEC-NOTES Sync 9, all in HandleBook::check_peer_reference
// and HandleBook::on_peer_free:
//   - a handle that was never bound: discarded if the binding channel of its type is dropping at
//     us (only possible for handles the peer binds), otherwise an error;
//   - a deleted handle, or a reference beyond the peer's final count: an error. We read "naming a
//     handle after the peer freed it" as "beyond its final count": LCMUX may deliver resent
//     channel bytes after a later global message (lcmux_session.hpp), so messages the peer sent
//     before its ResourceHandleFree can arrive after it; they are within the count.
//   - the count of a handle counts the received messages naming it, once per message; binds and
//     frees are not counted. A message naming several handles is checked for all of them before
//     any is counted (check_peer_reference, then count_peer_reference). A message that is not
//     an error counts toward every live handle it names, accepted OR discarded: its sender
//     counted it for all of them when it sent it, and takes back only the count of a binding we
//     dropped (on_dropped restarts it at 0) — which is not live here, so it counts nowhere.
//     Counting only accepted messages would leave our count of the other handles below the
//     peer's final count, and their deletion would wait for ever (codec review, item 2).
//   - a binding message we discard (it names a handle whose binding we dropped) still takes the
//     next id: the peer counted it as bound and numbers its later bindings after it. The session
//     records it with on_peer_bind_discarded (a tombstone: every message naming it is discarded)
//     and frees it at once, so the peer learns the binding is useless (codec review, item 1).
// Hopeful bindings and counts: every message naming a handle travels after its binding on the one
// LCMUX stream, so when the peer drops the binding it discards every message naming the handle
// until our Apologise; on_dropped therefore restarts our sent count at 0. We may not name a
// Dropped handle until its binding went out again (on_resent). A free of a hopeful binding that
// is then dropped is discarded by the peer too: after on_resent the handle is bound again and must
// be freed again. (Residual case, docs/spec-notes.md: a message naming the handle that was itself
// dropped on its own channel and resent after the binding is counted by the peer but not by us.)
//
// Errors: kInvalidArgument for what the peer may not do (the session ends) and for local misuse
// (naming or freeing a handle we may not); kOutOfRange when a binding would exceed the book's
// local cap on live handles. A failed call changes nothing. Memory: one record per live handle,
// at most max_live. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "osier/base/status.hpp"
#include "sync/cs_channels.hpp"

namespace osier::sync {

// spec: lcmux#resources_handles_managing, lcmux#handles_resource_control
enum class HandleState : std::uint8_t {
  kHopefullyBound,
  kFullyBound,
  kHopefullyMeFreed,
  kMeFreed,
  kYouFreed,
  kAwaitingDeletion,
  kDropped,
};
const char* handle_state_name(HandleState state);

// Who bound the handles of a book, from this peer's point of view.
enum class Binder : std::uint8_t { kUs, kPeer };

// What to do with a received message after checking a handle it names (SPEC-NOTES Sync 9).
enum class Disposition : std::uint8_t { kAccept, kDiscard };

class HandleBook {
 public:
  // REQUIRES: max_live >= 1.
  HandleBook(HandleType type, Binder binder, std::size_t max_live)
      : type_(type), binder_(binder), max_live_(max_live) {}

  HandleType type() const { return type_; }
  Binder binder() const { return binder_; }
  // The id the next binding gets.
  std::uint64_t next_id() const { return next_id_; }
  std::size_t live() const { return slots_.size(); }
  // How many more handles may be live. LCMUX drops whole frames (SPEC-NOTES Sync 7): a session
  // decodes a frame of binding messages whole and checks it fits here before binding any, so a
  // frame is bound entirely or dropped entirely (a resent frame then binds the same ids).
  std::size_t free_slots() const { return max_live_ - slots_.size(); }
  // The state of a live handle; nullopt if never bound or deleted.
  std::optional<HandleState> state(std::uint64_t id) const;
  bool contains(std::uint64_t id) const { return slots_.count(id) != 0; }
  // Messages we sent / accepted from the peer naming `id` (0 if not live).
  std::uint64_t sent_count(std::uint64_t id) const;
  std::uint64_t received_count(std::uint64_t id) const;

  // --- Binding. REQUIRES binder() == kUs for bind_mine, confirm, on_dropped and on_resent, and
  // binder() == kPeer for on_peer_bind (else kInvalidArgument).
  // We send a binding message; `hopeful` if it goes out optimistically (beyond guarantees).
  Result<std::uint64_t> bind_mine(bool hopeful);
  // Guarantees now cover the binding message of `id`: HopefullyBound -> FullyBound,
  // HopefullyMeFreed -> MeFreed. The peer may have freed the handle before its guarantees
  // reached us (YouFreed, AwaitingDeletion, or deleted already): then nothing changes and OK.
  Status confirm(std::uint64_t id);
  // An AnnounceDropping dropped the binding message of `id` (hopeful): -> Dropped, sent count 0.
  Status on_dropped(std::uint64_t id);
  // The dropped binding message of `id` went out again.
  Status on_resent(std::uint64_t id, bool hopeful);
  // We received (and processed at once, lcmux#handles_resource_control) the peer's binding.
  Result<std::uint64_t> on_peer_bind();
  // We received a binding message and discarded it (it names a handle whose binding channel is
  // dropping at us): the id is used all the same; messages naming it are discarded. Free it.
  Result<std::uint64_t> on_peer_bind_discarded();
  // Whether `id` is a tombstone of on_peer_bind_discarded.
  bool discarded(std::uint64_t id) const;

  // --- References.
  // We send a message naming `id` (HopefullyBound, FullyBound or YouFreed); counts it.
  Status reference(std::uint64_t id);
  // Checks, without counting, a handle a received message names. `binding_channel_dropping`:
  // whether binding_channel(type()) is dropping at us (our LCMUX server side).
  Result<Disposition> check_peer_reference(std::uint64_t id, bool binding_channel_dropping) const;
  // Counts a received reference: for every handle a received message names once no handle it
  // names gave an error, whether the message is accepted or discarded (see above). A handle that
  // is not live is not counted. REQUIRES: no other call on this book since the check.
  void count_peer_reference(std::uint64_t id);

  // --- Freeing.
  // We send ResourceHandleFree for `id`; returns our final reference count for it.
  Result<std::uint64_t> free(std::uint64_t id);
  // We received the peer's ResourceHandleFree for `id` with its final `reference_count`.
  Result<Disposition> on_peer_free(std::uint64_t id, std::uint64_t reference_count,
                                   bool binding_channel_dropping);

 private:
  struct Slot {
    HandleState state = HandleState::kFullyBound;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::optional<std::uint64_t> peer_final;
    bool discarded = false;  // on_peer_bind_discarded: messages naming it are discarded
    bool operator==(const Slot&) const = default;
  };

  Result<std::uint64_t> add(HandleState state, bool discarded = false);
  // The rule for a handle a received message names that is not live.
  Result<Disposition> not_live(std::uint64_t id, bool binding_channel_dropping,
                               const char* what) const;
  Status require_binder(Binder b) const;
  void maybe_delete(std::map<std::uint64_t, Slot>::iterator it);

  HandleType type_;
  Binder binder_;
  std::size_t max_live_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Slot> slots_;
};

// A HandleBook with the value bound to each live handle; values go when their handle is deleted.
// The value of a Dropped binding stays (it is resent). With `bytes_of`, bytes() is the sum of it
// over the values held (what the caller bounds, as their count bounds their number).
template <typename T>
class HandleTable {
 public:
  using BytesOf = std::size_t (*)(const T&);
  HandleTable(HandleType type, Binder binder, std::size_t max_live, BytesOf bytes_of = nullptr)
      : book_(type, binder, max_live), bytes_of_(bytes_of) {}

  const HandleBook& book() const { return book_; }
  std::size_t bytes() const { return bytes_; }

  Result<std::uint64_t> bind_mine(T value, bool hopeful) {
    Result<std::uint64_t> id = book_.bind_mine(hopeful);
    if (id.is_ok()) hold(*id, std::move(value));
    return id;
  }
  Result<std::uint64_t> on_peer_bind(T value) {
    Result<std::uint64_t> id = book_.on_peer_bind();
    if (id.is_ok()) hold(*id, std::move(value));
    return id;
  }
  // A discarded binding (HandleBook::on_peer_bind_discarded): an id without a value.
  Result<std::uint64_t> on_peer_bind_discarded() { return book_.on_peer_bind_discarded(); }
  Status confirm(std::uint64_t id) { return book_.confirm(id); }
  Status on_dropped(std::uint64_t id) { return book_.on_dropped(id); }
  Status on_resent(std::uint64_t id, bool hopeful) { return book_.on_resent(id, hopeful); }
  Status reference(std::uint64_t id) { return book_.reference(id); }
  Result<Disposition> check_peer_reference(std::uint64_t id, bool dropping) const {
    return book_.check_peer_reference(id, dropping);
  }
  void count_peer_reference(std::uint64_t id) {
    book_.count_peer_reference(id);
    sweep(id);
  }
  Result<std::uint64_t> free(std::uint64_t id) {
    Result<std::uint64_t> r = book_.free(id);
    sweep(id);
    return r;
  }
  Result<Disposition> on_peer_free(std::uint64_t id, std::uint64_t count, bool dropping) {
    Result<Disposition> r = book_.on_peer_free(id, count, dropping);
    sweep(id);
    return r;
  }

  // The value of a live handle, or nullptr (also for a discarded binding).
  const T* get(std::uint64_t id) const {
    auto it = values_.find(id);
    return it == values_.end() ? nullptr : &it->second;
  }
  T* get(std::uint64_t id) {
    auto it = values_.find(id);
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  void hold(std::uint64_t id, T value) {
    if (bytes_of_ != nullptr) bytes_ += bytes_of_(value);
    values_.emplace(id, std::move(value));
  }
  void sweep(std::uint64_t id) {
    if (book_.contains(id)) return;
    auto it = values_.find(id);
    if (it == values_.end()) return;
    if (bytes_of_ != nullptr) bytes_ -= bytes_of_(it->second);
    values_.erase(it);
  }

  HandleBook book_;
  BytesOf bytes_of_;
  std::size_t bytes_ = 0;
  std::map<std::uint64_t, T> values_;
};

}  // namespace osier::sync
