#include "sync/handles.hpp"

#include <string>

namespace osier::sync {

namespace {

Status handles_violation(const std::string& message) {
  return error(ErrorCode::kInvalidArgument, "handles: " + message);
}

}  // namespace

const char* handle_type_name(HandleType type) {
  switch (type) {
    case HandleType::kOverlap:
      return "OverlapHandle";
    case HandleType::kReadCapability:
      return "ReadCapabilityHandle";
    case HandleType::kPayloadRequest:
      break;
  }
  return "PayloadRequestHandle";
}

const char* handle_state_name(HandleState state) {
  switch (state) {
    case HandleState::kHopefullyBound:
      return "HopefullyBound";
    case HandleState::kFullyBound:
      return "FullyBound";
    case HandleState::kHopefullyMeFreed:
      return "HopefullyMeFreed";
    case HandleState::kMeFreed:
      return "MeFreed";
    case HandleState::kYouFreed:
      return "YouFreed";
    case HandleState::kAwaitingDeletion:
      return "AwaitingDeletion";
    case HandleState::kDropped:
      break;
  }
  return "Dropped";
}

std::optional<HandleState> HandleBook::state(std::uint64_t id) const {
  auto it = slots_.find(id);
  if (it == slots_.end()) return std::nullopt;
  return it->second.state;
}

std::uint64_t HandleBook::sent_count(std::uint64_t id) const {
  auto it = slots_.find(id);
  return it == slots_.end() ? 0 : it->second.sent;
}

std::uint64_t HandleBook::received_count(std::uint64_t id) const {
  auto it = slots_.find(id);
  return it == slots_.end() ? 0 : it->second.received;
}

Status HandleBook::require_binder(Binder b) const {
  if (binder_ != b) return handles_violation("a binding operation of the other binder's book");
  return Status::ok();
}

Result<std::uint64_t> HandleBook::add(HandleState state, bool discarded) {
  if (slots_.size() >= max_live_) {
    return error(ErrorCode::kOutOfRange, std::string("handles: more live ") +
                                             handle_type_name(type_) + "s than the local cap");
  }
  const std::uint64_t id = next_id_++;
  slots_.emplace(id, Slot{state, 0, 0, std::nullopt, discarded});
  return id;
}

Result<std::uint64_t> HandleBook::bind_mine(bool hopeful) {
  OSIER_RETURN_IF_ERROR(require_binder(Binder::kUs));
  return add(hopeful ? HandleState::kHopefullyBound : HandleState::kFullyBound);
}

Result<std::uint64_t> HandleBook::on_peer_bind() {
  OSIER_RETURN_IF_ERROR(require_binder(Binder::kPeer));
  return add(HandleState::kFullyBound);
}

Result<std::uint64_t> HandleBook::on_peer_bind_discarded() {
  OSIER_RETURN_IF_ERROR(require_binder(Binder::kPeer));
  return add(HandleState::kFullyBound, /*discarded=*/true);
}

bool HandleBook::discarded(std::uint64_t id) const {
  auto it = slots_.find(id);
  return it != slots_.end() && it->second.discarded;
}

Status HandleBook::confirm(std::uint64_t id) {
  OSIER_RETURN_IF_ERROR(require_binder(Binder::kUs));
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    // Deleted after the peer freed it: its guarantees came after its ResourceHandleFree.
    if (id < next_id_) return Status::ok();
    return handles_violation("confirming a handle never bound");
  }
  Slot& s = it->second;
  if (s.state == HandleState::kHopefullyBound) {
    s.state = HandleState::kFullyBound;
  } else if (s.state == HandleState::kHopefullyMeFreed) {
    s.state = HandleState::kMeFreed;
  } else if (s.state == HandleState::kYouFreed || s.state == HandleState::kAwaitingDeletion) {
    // The peer freed it, so it had processed the binding: already as good as confirmed.
  } else {
    return handles_violation("confirming a binding that is not hopeful");
  }
  return Status::ok();
}

Status HandleBook::on_dropped(std::uint64_t id) {
  OSIER_RETURN_IF_ERROR(require_binder(Binder::kUs));
  auto it = slots_.find(id);
  if (it == slots_.end() || (it->second.state != HandleState::kHopefullyBound &&
                             it->second.state != HandleState::kHopefullyMeFreed)) {
    return handles_violation("only a hopeful binding can be dropped");
  }
  // The peer discarded every message naming the handle, our free included.
  it->second = Slot{HandleState::kDropped, 0, 0, std::nullopt};
  return Status::ok();
}

Status HandleBook::on_resent(std::uint64_t id, bool hopeful) {
  OSIER_RETURN_IF_ERROR(require_binder(Binder::kUs));
  auto it = slots_.find(id);
  if (it == slots_.end() || it->second.state != HandleState::kDropped) {
    return handles_violation("resending a binding that was not dropped");
  }
  it->second.state = hopeful ? HandleState::kHopefullyBound : HandleState::kFullyBound;
  return Status::ok();
}

Status HandleBook::reference(std::uint64_t id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) return handles_violation("naming a handle that is not live");
  Slot& s = it->second;
  if (s.discarded) return handles_violation("naming a binding we discarded");
  switch (s.state) {
    case HandleState::kHopefullyBound:
    case HandleState::kFullyBound:
    case HandleState::kYouFreed:
      ++s.sent;
      return Status::ok();
    default:
      return handles_violation(std::string("naming a handle that is ") +
                               handle_state_name(s.state));
  }
}

// SPEC-NOTES Sync 9: a handle never bound is discarded if its binding channel is dropping at
// the receiver (only the peer's bindings can be in flight towards us), an error otherwise; a
// deleted handle is an error.
Result<Disposition> HandleBook::not_live(std::uint64_t id, bool binding_channel_dropping,
                                         const char* what) const {
  if (id >= next_id_) {
    if (binder_ == Binder::kPeer && binding_channel_dropping) return Disposition::kDiscard;
    return handles_violation(std::string(what) + " a " + handle_type_name(type_) + " never bound");
  }
  return handles_violation(std::string(what) + " a " + handle_type_name(type_) +
                           " already deleted");
}

Result<Disposition> HandleBook::check_peer_reference(std::uint64_t id,
                                                     bool binding_channel_dropping) const {
  auto it = slots_.find(id);
  if (it == slots_.end()) return not_live(id, binding_channel_dropping, "a message names");
  const Slot& s = it->second;
  // The peer cannot know a binding of ours it dropped.
  if (s.state == HandleState::kDropped)
    return handles_violation("a message names a dropped binding");
  if (s.peer_final && s.received >= *s.peer_final) {
    return handles_violation("a message names a handle beyond the peer's final reference count");
  }
  return s.discarded ? Disposition::kDiscard : Disposition::kAccept;
}

void HandleBook::count_peer_reference(std::uint64_t id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  ++it->second.received;
  maybe_delete(it);
}

Result<std::uint64_t> HandleBook::free(std::uint64_t id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) return handles_violation("freeing a handle that is not live");
  Slot& s = it->second;
  switch (s.state) {
    case HandleState::kHopefullyBound:
      s.state = HandleState::kHopefullyMeFreed;
      break;
    case HandleState::kFullyBound:
      s.state = HandleState::kMeFreed;
      break;
    case HandleState::kYouFreed:
      s.state = HandleState::kAwaitingDeletion;
      break;
    default:
      return handles_violation(std::string("freeing a handle that is ") +
                               handle_state_name(s.state));
  }
  const std::uint64_t count = s.sent;
  maybe_delete(it);
  return count;
}

Result<Disposition> HandleBook::on_peer_free(std::uint64_t id, std::uint64_t reference_count,
                                             bool binding_channel_dropping) {
  auto it = slots_.find(id);
  if (it == slots_.end()) return not_live(id, binding_channel_dropping, "ResourceHandleFree of");
  Slot& s = it->second;
  HandleState next = s.state;
  switch (s.state) {
    case HandleState::kHopefullyBound:  // the peer processed the binding: it is bound
    case HandleState::kFullyBound:
      next = HandleState::kYouFreed;
      break;
    case HandleState::kHopefullyMeFreed:
    case HandleState::kMeFreed:
      next = HandleState::kAwaitingDeletion;
      break;
    case HandleState::kDropped:
      return handles_violation("ResourceHandleFree of a dropped binding");
    default:
      return handles_violation("the peer freed a handle twice");
  }
  if (reference_count < s.received) {
    return handles_violation("ResourceHandleFree with a count below the references received");
  }
  s.state = next;
  s.peer_final = reference_count;
  maybe_delete(it);
  return Disposition::kAccept;
}

void HandleBook::maybe_delete(std::map<std::uint64_t, Slot>::iterator it) {
  const Slot& s = it->second;
  if (s.state == HandleState::kAwaitingDeletion && s.peer_final && s.received == *s.peer_final) {
    slots_.erase(it);
  }
}

}  // namespace osier::sync
