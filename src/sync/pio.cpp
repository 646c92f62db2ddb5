#include "sync/pio.hpp"

#include <algorithm>
#include <string>

namespace osier::sync {

namespace {

Status pio_violation(const std::string& message) {
  return error(ErrorCode::kInvalidArgument, "pio: " + message);
}

// A capability we can send relative to `shared`: the communal encoding needs a concrete subspace
// (an honest peer is never in such an overlap, an announcing one may claim it).
bool encodable(const meadowcap::McCapability& cap, const PrivateInterest& shared,
               const meadowcap::UserPublicKey& own_key) {
  Encoder scratch;
  return meadowcap::encode_mc_capability_relative_private_interest(
             scratch, cap, meadowcap::PersonalPrivateInterest{shared, own_key}, kPioGrantedPathRule)
      .is_ok();
}

}  // namespace

PioCore::PioCore(const PioConfig& config, std::vector<meadowcap::McCapability> capabilities)
    : config_(config),
      salts_(PioSalts::from_handshake_hash(config.handshake_hash)),
      capabilities_(std::move(capabilities)),
      table_(salts_.peer(config.role), {}),
      own_hashes_(HandleType::kOverlap, Binder::kUs,
                  std::max<std::size_t>(1, config.max_own_hashes)),
      peer_hashes_(HandleType::kOverlap, Binder::kPeer,
                   std::max<std::size_t>(1, config.max_peer_hashes)),
      own_capabilities_(HandleType::kReadCapability, Binder::kUs,
                        std::max<std::size_t>(1, config.max_overlaps)),
      peer_capabilities_(HandleType::kReadCapability, Binder::kPeer,
                         std::max<std::size_t>(1, config.max_peer_capabilities),
                         &PioCore::capability_bytes) {
  for (const meadowcap::McCapability& cap : capabilities_) {
    interests_.push_back(private_interest_of(cap));
  }
  table_ = PioHashTable(salts_.peer(config.role), interests_);
  true_handle_.resize(interests_.size());
  relaxation_handle_.resize(interests_.size());
}

Result<PioCore> PioCore::create(const PioConfig& config,
                                std::vector<meadowcap::McCapability> capabilities,
                                std::vector<meadowcap::McEnumerationCapability> enumeration) {
  for (const meadowcap::McCapability& cap : capabilities) {
    if (cap.access_mode() != meadowcap::AccessMode::kRead) {
      return pio_violation("an interest's capability is not a read capability");
    }
    if (cap.receiver() != config.own_key) {
      return pio_violation("an interest's capability is not for our handshake key");
    }
    OSIER_RETURN_IF_ERROR(cap.validate());
  }
  PioCore core(config, std::move(capabilities));
  for (meadowcap::McEnumerationCapability& cap : enumeration) {
    if (cap.receiver() != config.own_key) {
      return pio_violation("an enumeration capability is not for our handshake key");
    }
    OSIER_RETURN_IF_ERROR(cap.validate());
    const model::NamespaceId ns = cap.granted_namespace();
    core.enumeration_.emplace(ns, std::move(cap));
  }

  // spec: private_interest_overlap#pio_caps — declare the interests with the least ini_salt
  // hashes first, so that peers under resource limits still find large overlaps.
  std::vector<std::pair<InterestHash, std::size_t>> order;
  for (std::size_t i = 0; i < core.interests_.size(); ++i) {
    order.emplace_back(sync_h(core.salts_.ini_salt, core.interests_[i]), i);
  }
  std::sort(order.begin(), order.end());
  const PioSalt& own_salt = core.salts_.own(config.role);
  for (const auto& [ignored, i] : order) {
    const PrivateInterest& p = core.interests_[i];
    const std::vector<PioBindHash> pairs = pio_bind_hashes(own_salt, p);
    if (core.own_hashes_.book().live() + pairs.size() > config.max_own_hashes) break;
    for (const PioBindHash& pair : pairs) {
      OwnHash value{i, pair.actually_interested ? p : pi_relaxation(p), pair.actually_interested};
      OSIER_ASSIGN_OR_RETURN(const std::uint64_t id,
                             core.own_hashes_.bind_mine(std::move(value), false));
      (pair.actually_interested ? core.true_handle_ : core.relaxation_handle_)[i] = id;
      core.messages_.emplace_back(pair);
    }
  }
  return core;
}

Status PioCore::fail(Status status) {
  if (error_.is_ok()) error_ = std::move(status);
  return error_;
}

// Both handles a received message names must be live (handles.hpp); each is counted once.
Status PioCore::check_and_count(std::uint64_t peer_handle, std::uint64_t own_handle) {
  // Binding channels never drop here, so a handle is accepted or the check fails.
  const Result<Disposition> peer = peer_hashes_.check_peer_reference(peer_handle, false);
  if (!peer.is_ok()) return peer.status();
  const Result<Disposition> own = own_hashes_.check_peer_reference(own_handle, false);
  if (!own.is_ok()) return own.status();
  peer_hashes_.count_peer_reference(peer_handle);
  own_hashes_.count_peer_reference(own_handle);
  return Status::ok();
}

Status PioCore::reference_both(const OverlapKey& key) {
  OSIER_RETURN_IF_ERROR(own_hashes_.reference(key.first));
  return peer_hashes_.reference(key.second);
}

Status PioCore::on_bind_hash(const PioBindHash& msg) {
  if (failed()) return error_;
  Result<std::uint64_t> id = peer_hashes_.on_peer_bind(msg);
  if (!id.is_ok()) return fail(pio_violation("the peer bound more than max_peer_hashes hashes"));
  for (const PioLocalEntry* entry : table_.matches(msg)) {
    Status s = on_match(*id, *entry, msg.actually_interested);
    if (!s.is_ok()) return fail(std::move(s));
  }
  return Status::ok();
}

// The received pair (peer_interested) matched our entry for interest o: entry.hashed is a path
// prefix of o, possibly relaxed. If the peer is interested, entry.hashed is its interest; if not,
// it is the relaxation of a concrete interest of the peer with that path (and o is `any`).
std::optional<PioCore::Detection> PioCore::detect(std::uint64_t peer_handle,
                                                  const PioLocalEntry& entry,
                                                  bool peer_interested) const {
  const std::size_t i = entry.interest;
  if (!true_handle_[i]) return std::nullopt;  // not declared (max_own_hashes)
  const PrivateInterest& o = interests_[i];
  std::optional<PrivateInterest> shared = pio_shared_interest(o, entry.hashed);
  if (!shared) return std::nullopt;  // unreachable: entry.hashed generalises o

  PioOverlapKind kind;
  std::uint64_t own_handle = *true_handle_[i];
  if (peer_interested) {
    if (entry.hashed == o) {
      kind = PioOverlapKind::kEqual;
    } else if (o.subspace_id && entry.hashed == pi_relaxation(o)) {
      // The peer matched the hash of our relaxation: that is the handle it knows.
      kind = PioOverlapKind::kSamePathOwnConcrete;
      if (!relaxation_handle_[i]) return std::nullopt;
      own_handle = *relaxation_handle_[i];
    } else {
      kind = PioOverlapKind::kOwnMoreSpecific;
    }
  } else {
    kind = entry.hashed == o ? PioOverlapKind::kSamePathOwnAny : PioOverlapKind::kAwkwardOwnAny;
  }
  return Detection{{own_handle, peer_handle}, i, std::move(*shared), kind};
}

// The received pair (peer_interested) matched our entry for interest o: entry.hashed is a path
// prefix of o, possibly relaxed. If the peer is interested, entry.hashed is its interest; if not,
// it is the relaxation of a concrete interest of the peer with that path (and o is `any`).
Status PioCore::on_match(std::uint64_t peer_handle, const PioLocalEntry& entry,
                         bool peer_interested) {
  std::optional<Detection> d = detect(peer_handle, entry, peer_interested);
  if (!d) return Status::ok();
  const PioOverlapKind kind = d->kind;
  std::optional<meadowcap::McEnumerationCapability> enumeration;
  if (kind == PioOverlapKind::kAwkwardOwnAny) {
    auto it = enumeration_.find(interests_[d->interest].namespace_id);
    if (it == enumeration_.end()) return Status::ok();  // we cannot resolve it: stay silent
    enumeration = it->second;
  }

  const OverlapKey key = d->key;
  if (overlaps_.count(key) != 0) return Status::ok();
  Overlap* overlap = add_overlap(key, d->interest, std::move(d->shared), kind);
  if (overlap == nullptr) return Status::ok();
  switch (kind) {
    case PioOverlapKind::kEqual:
    case PioOverlapKind::kSamePathOwnAny:
      return send_capability(key, *overlap);
    case PioOverlapKind::kOwnMoreSpecific:
    case PioOverlapKind::kAwkwardOwnAny:
      overlap->announced = true;
      return announce(key, *overlap, std::move(enumeration));
    default:
      return Status::ok();  // kSamePathOwnConcrete: we answer the peer's capability
  }
}

std::optional<PrivateInterest> PioCore::refused_overlap(std::uint64_t own_handle,
                                                        std::uint64_t peer_handle) const {
  if (!refused_overlaps_) return std::nullopt;
  const PioBindHash* peer = peer_hashes_.get(peer_handle);
  if (peer == nullptr) return std::nullopt;
  // The peer sends its capability first only for overlaps both sides find (the equal ones, and
  // the same-path ones where it is the `any` side), never for one it announced: so an overlap we
  // refused and it kept is one we would find again from its hash.
  for (const PioLocalEntry* entry : table_.matches(*peer)) {
    std::optional<Detection> d = detect(peer_handle, *entry, peer->actually_interested);
    const bool peer_first =
        d && (d->kind == PioOverlapKind::kEqual || d->kind == PioOverlapKind::kSamePathOwnConcrete);
    if (peer_first && d->key.first == own_handle) return std::move(d->shared);
  }
  return std::nullopt;
}

PioCore::Overlap* PioCore::add_overlap(const OverlapKey& key, std::size_t interest,
                                       PrivateInterest shared, PioOverlapKind kind) {
  if (overlaps_.size() >= config_.max_overlaps) {
    refused_overlaps_ = true;
    return nullptr;
  }
  Overlap o;
  o.interest = interest;
  o.shared = std::move(shared);
  o.kind = kind;
  return &overlaps_.emplace(key, std::move(o)).first->second;
}

// spec: private_interest_overlap#announcement_authentication — the shared interest (the peer's
// interest, or for awkward pairs its relaxation) salted with our salt.
Status PioCore::announce(const OverlapKey& key, const Overlap& overlap,
                         std::optional<meadowcap::McEnumerationCapability> enumeration) {
  OSIER_RETURN_IF_ERROR(reference_both(key));
  PioAnnounceOverlap msg;
  msg.sender_handle = key.first;
  msg.receiver_handle = key.second;
  msg.authentication = sync_h(salts_.own(config_.role), overlap.shared);
  msg.enumeration_capability = std::move(enumeration);
  messages_.emplace_back(std::move(msg));
  return Status::ok();
}

Status PioCore::send_capability(const OverlapKey& key, Overlap& overlap) {
  if (overlap.own_capability) return Status::ok();
  const meadowcap::McCapability& cap = capabilities_[overlap.interest];
  if (!encodable(cap, overlap.shared, config_.own_key)) return Status::ok();
  Result<std::uint64_t> id = own_capabilities_.bind_mine(overlap.interest, false);
  if (!id.is_ok()) return Status::ok();  // as many as overlaps: cannot happen
  OSIER_RETURN_IF_ERROR(reference_both(key));
  overlap.own_capability = *id;
  messages_.emplace_back(PioBindReadCapability{key.first, key.second, cap, config_.max_count,
                                               config_.max_size,
                                               config_.payload_power(cap.granted_namespace())});
  for (const std::uint64_t peer : overlap.peer_capabilities) emit_event(overlap, *id, peer);
  return Status::ok();
}

void PioCore::emit_event(const Overlap& overlap, std::uint64_t own, std::uint64_t peer) {
  const PeerCapability* theirs = peer_capabilities_.get(peer);
  if (theirs == nullptr) return;
  const meadowcap::McCapability& ours = capabilities_[overlap.interest];
  const std::optional<model::Area> area =
      ours.granted_area().intersection(theirs->capability.granted_area());
  if (!area || area->is_empty()) return;  // e.g. disjoint time ranges: nothing to reconcile
  events_.push_back(PioOverlapEvent{own, peer, overlap.shared.namespace_id, *area,
                                    theirs->max_count, theirs->max_size,
                                    theirs->max_payload_power});
}

Status PioCore::on_announce_overlap(const PioAnnounceOverlap& msg) {
  if (failed()) return error_;
  Status s = check_and_count(msg.sender_handle, msg.receiver_handle);
  if (!s.is_ok()) return fail(std::move(s));
  const OwnHash& own = *own_hashes_.get(msg.receiver_handle);
  // The announcer knows our hashed interest (or relaxation): it salted it with its own salt.
  if (msg.authentication != sync_h(salts_.peer(config_.role), own.hashed)) {
    return fail(pio_violation("wrong announcement authentication"));
  }
  PioOverlapKind kind = PioOverlapKind::kPeerMoreSpecific;
  if (own.actually_interested) {
    if (msg.enumeration_capability) {
      return fail(pio_violation("an enumeration capability in a non-awkward announcement"));
    }
  } else {
    // spec: private_interest_overlap#dealing_with_awkwardness
    kind = PioOverlapKind::kAwkwardOwnConcrete;
    const auto& cap = msg.enumeration_capability;
    if (!cap)
      return fail(pio_violation("an announcement to a relaxation without enumeration capability"));
    if (cap->receiver() != config_.peer_key) {
      return fail(pio_violation("the enumeration capability is not for the peer's handshake key"));
    }
    if (cap->granted_namespace() != own.hashed.namespace_id) {
      return fail(pio_violation("the enumeration capability is for another namespace"));
    }
    if (!cap->is_valid()) return fail(pio_violation("an invalid enumeration capability"));
  }
  const OverlapKey key{msg.receiver_handle, msg.sender_handle};
  auto it = overlaps_.find(key);
  Overlap* overlap = it != overlaps_.end() ? &it->second : nullptr;
  // The announcer claims an interest more specific than our hashed one (or awkward with it): the
  // hashed one is what both know (pio_shared_interest of it and anything more specific).
  if (overlap == nullptr) overlap = add_overlap(key, own.interest, own.hashed, kind);
  if (overlap == nullptr) return Status::ok();
  s = send_capability(key, *overlap);
  return s.is_ok() ? s : fail(std::move(s));
}

Status PioCore::on_bind_read_capability(const PioBindReadCapability& msg) {
  if (failed()) return error_;
  Status s = check_and_count(msg.sender_handle, msg.receiver_handle);
  if (!s.is_ok()) return fail(std::move(s));
  const OverlapKey key{msg.receiver_handle, msg.sender_handle};
  auto it = overlaps_.find(key);
  std::optional<PrivateInterest> refused;
  if (it == overlaps_.end()) refused = refused_overlap(key.first, key.second);
  if (it == overlaps_.end() && !refused) {
    return fail(pio_violation("a capability for an overlap neither detected nor announced"));
  }
  const PrivateInterest& shared = refused ? *refused : it->second.shared;
  const meadowcap::McCapability& cap = msg.capability;
  if (cap.receiver() != config_.peer_key) {
    return fail(pio_violation("a capability whose receiver is not the peer's handshake key"));
  }
  if (cap.access_mode() != meadowcap::AccessMode::kRead) {
    return fail(pio_violation("a capability that is not a read capability"));
  }
  if (!cap.is_valid()) return fail(pio_violation("an invalid capability"));
  // It must be the interest the peer bound to sender_handle (or whose relaxation it bound).
  const PioBindHash& bound = *peer_hashes_.get(msg.sender_handle);
  const PrivateInterest theirs = private_interest_of(cap);
  const PrivateInterest hashed = bound.actually_interested ? theirs : pi_relaxation(theirs);
  if (sync_h(salts_.peer(config_.role), hashed) != bound.hash) {
    return fail(pio_violation("a capability that is not the interest bound to its sender handle"));
  }
  if (theirs.namespace_id != shared.namespace_id || !pi_includes_area(shared, cap.granted_area())) {
    return fail(pio_violation("a capability the overlap's shared interest does not include"));
  }
  PeerCapability bound_cap{cap, msg.max_count, msg.max_size, msg.max_payload_power};
  if (peer_capabilities_.bytes() + capability_bytes(bound_cap) >
      config_.max_peer_capability_bytes) {
    return fail(pio_violation("the peer's bound capabilities passed max_peer_capability_bytes"));
  }
  Result<std::uint64_t> id = peer_capabilities_.on_peer_bind(std::move(bound_cap));
  if (!id.is_ok()) return fail(pio_violation("the peer bound more than max_peer_capabilities"));
  if (refused) return Status::ok();  // bound, and left unanswered (refused_overlap)
  Overlap& overlap = it->second;
  overlap.peer_capabilities.push_back(*id);
  if (overlap.own_capability) {
    emit_event(overlap, *overlap.own_capability, *id);
    return Status::ok();
  }
  s = send_capability(key, overlap);
  return s.is_ok() ? s : fail(std::move(s));
}

std::size_t PioCore::capability_bytes(const PeerCapability& c) {
  const auto& delegations = c.capability.is_communal() ? c.capability.communal().delegations
                                                       : c.capability.owned().delegations;
  std::size_t n = sizeof(PeerCapability) + 64;  // and a map node
  for (const meadowcap::Delegation& d : delegations) {
    n += sizeof(meadowcap::Delegation) + d.area.path.total_length() +
         d.area.path.component_count() * sizeof(std::uint32_t);
  }
  return n;
}

std::size_t PioCore::overlaps_awaiting_peer() const {
  return static_cast<std::size_t>(std::ranges::count_if(overlaps_, [](const auto& kv) {
    const Overlap& o = kv.second;
    return o.peer_capabilities.empty() && (o.own_capability || o.announced);
  }));
}

std::optional<PioMessage> PioCore::poll_message() {
  if (messages_.empty()) return std::nullopt;
  PioMessage m = std::move(messages_.front());
  messages_.pop_front();
  return m;
}

std::optional<PioOverlapEvent> PioCore::poll_event() {
  if (events_.empty()) return std::nullopt;
  PioOverlapEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Result<meadowcap::PersonalPrivateInterest> PioCore::read_capability_reference_for_sending(
    std::uint64_t sender_handle, std::uint64_t receiver_handle) const {
  auto it = overlaps_.find({sender_handle, receiver_handle});
  if (it == overlaps_.end()) return pio_violation("no overlap for these handles");
  return meadowcap::PersonalPrivateInterest{it->second.shared, config_.own_key};
}

Result<meadowcap::PersonalPrivateInterest> PioCore::read_capability_reference_for_receiving(
    std::uint64_t sender_handle, std::uint64_t receiver_handle) const {
  auto it = overlaps_.find({receiver_handle, sender_handle});
  if (it != overlaps_.end()) {
    return meadowcap::PersonalPrivateInterest{it->second.shared, config_.peer_key};
  }
  std::optional<PrivateInterest> refused = refused_overlap(receiver_handle, sender_handle);
  if (!refused) return pio_violation("a capability for an overlap neither detected nor announced");
  return meadowcap::PersonalPrivateInterest{std::move(*refused), config_.peer_key};
}

// spec: confidential_sync#sync_encodings — the enumeration capability is encoded relative to its
// granted namespace and receiver: the namespace of the interests involved, which the receiver
// knows from its own handle.
Result<meadowcap::EnumerationCapabilityContext> PioCore::enumeration_reference_for_sending(
    std::uint64_t sender_handle, std::uint64_t /*receiver_handle*/) const {
  const OwnHash* own = own_hashes_.get(sender_handle);
  if (own == nullptr) return pio_violation("no binding of ours for the sender handle");
  return meadowcap::EnumerationCapabilityContext{own->hashed.namespace_id, config_.own_key};
}

Result<meadowcap::EnumerationCapabilityContext> PioCore::enumeration_reference_for_receiving(
    std::uint64_t /*sender_handle*/, std::uint64_t receiver_handle) const {
  const OwnHash* own = own_hashes_.get(receiver_handle);
  if (own == nullptr) return pio_violation("an announcement to a handle we never bound");
  return meadowcap::EnumerationCapabilityContext{own->hashed.namespace_id, config_.peer_key};
}

const meadowcap::McCapability* PioCore::own_capability(std::uint64_t handle) const {
  const std::size_t* interest = own_capabilities_.get(handle);
  return interest == nullptr ? nullptr : &capabilities_[*interest];
}

std::optional<PioOverlapKind> PioCore::overlap_kind(std::uint64_t own_handle,
                                                    std::uint64_t peer_handle) const {
  auto it = overlaps_.find({own_handle, peer_handle});
  if (it == overlaps_.end()) return std::nullopt;
  return it->second.kind;
}

}  // namespace osier::sync
