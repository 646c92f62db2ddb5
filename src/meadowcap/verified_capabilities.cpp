#include "meadowcap/verified_capabilities.hpp"

#include <cstring>
#include <optional>
#include <vector>

#include "osier/meadowcap/encoding_capability.hpp"

namespace osier::meadowcap {

std::size_t VerifiedCapabilities::KeyHash::operator()(const Key& k) const {
  std::size_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);  // a WILLIAM3 digest: any of its bytes hash well
  return h;
}

namespace {

// When `b` has the fields of `a` (all but the delegations): how many leading delegations they
// share.
std::optional<std::size_t> shared_prefix(const McCapability& a, const McCapability& b) {
  if (a.is_communal() != b.is_communal()) return std::nullopt;
  if (a.is_communal()) {
    const CommunalCapability& x = a.communal();
    const CommunalCapability& y = b.communal();
    if (x.access_mode != y.access_mode || x.namespace_key != y.namespace_key ||
        x.user_key != y.user_key) {
      return std::nullopt;
    }
  } else {
    const OwnedCapability& x = a.owned();
    const OwnedCapability& y = b.owned();
    if (x.access_mode != y.access_mode || x.namespace_key != y.namespace_key ||
        x.user_key != y.user_key || x.initial_authorisation != y.initial_authorisation) {
      return std::nullopt;
    }
  }
  const std::vector<Delegation>& da = a.delegations();
  const std::vector<Delegation>& db = b.delegations();
  std::size_t k = 0;
  while (k < da.size() && k < db.size() && da[k] == db[k]) ++k;
  return k;
}

}  // namespace

// spec: meadowcap#cap_valid (memoised: see the header's contract)
Status VerifiedCapabilities::validate(const McCapability& cap) {
  // The common case, one capability for a whole stream of entries: no encoding, no hashing.
  if (last_valid_ && *last_valid_ == cap) {
    ++stats_.hits;
    return Status::ok();
  }
  if (!lru_.empty() && lru_.front().capability == cap) {
    ++stats_.hits;
    last_valid_ = cap;
    return Status::ok();
  }
  Encoder code;
  if (!encode_mc_capability(code, cap).is_ok()) {
    // No code: a delegation area outside the previous granted area, which cap_valid rejects;
    // whatever validate() says, nothing is remembered.
    Status st = cap.validate();
    if (st.is_ok()) {
      ++stats_.too_large;
    } else {
      ++stats_.rejected;
    }
    return st;
  }
  const Key key = crypto::william3(code.bytes());
  const auto found = index_.find(key);
  if (found != index_.end() && found->second->capability == cap) {
    lru_.splice(lru_.begin(), lru_, found->second);
    ++stats_.hits;
    last_valid_ = cap;
    return Status::ok();
  }
  // Failures are never remembered: an invalid capability costs its full check every time —
  // but for the delegations it shares with the last valid one, which are valid.
  const std::optional<std::size_t> known =
      last_valid_ ? shared_prefix(*last_valid_, cap) : std::nullopt;
  Status st = !known              ? cap.validate()
              : cap.is_communal() ? cap.communal().validate_after(*known)
                                  : cap.owned().validate_after(*known);
  if (!st.is_ok()) {
    ++stats_.rejected;
    return st;
  }
  ++stats_.verified;
  if (known) ++stats_.extended;
  last_valid_ = cap;
  if (found != index_.end()) {
    // Same digest, different value (not expected of WILLIAM3): the newer one replaces it.
    bytes_ -= found->second->encoded_length;
    lru_.erase(found->second);
    index_.erase(found);
  }
  if (limits_.max_capabilities == 0 || code.size() > limits_.max_bytes) {
    ++stats_.too_large;
    return Status::ok();
  }
  while (!lru_.empty() &&
         (lru_.size() + 1 > limits_.max_capabilities || bytes_ + code.size() > limits_.max_bytes)) {
    forget_oldest();
  }
  lru_.push_front(Remembered{key, cap, code.size()});
  index_.emplace(key, lru_.begin());
  bytes_ += code.size();
  return Status::ok();
}

void VerifiedCapabilities::forget_oldest() {
  const Remembered& last = lru_.back();
  bytes_ -= last.encoded_length;
  index_.erase(last.key);
  lru_.pop_back();
  ++stats_.evicted;
}

}  // namespace osier::meadowcap
