#include "store/payload_receiver.hpp"

namespace osier::store {

Result<PayloadReceiver> PayloadReceiver::start(Store& store, const model::NamespaceId& ns,
                                               const model::SubspaceId& subspace,
                                               const model::Path& path) {
  OSIER_ASSIGN_OR_RETURN(std::optional<LengthyAuthorisedEntry> stored,
                         store.get(ns, subspace, path));
  if (!stored) return error(ErrorCode::kNotFound, "no such entry");
  model::Entry entry = std::move(stored->authorised.entry);
  const std::uint64_t held = stored->available;
  std::optional<PayloadAppender> appender;
  if (held < entry.payload_length) {
    OSIER_ASSIGN_OR_RETURN(PayloadAppender a, PayloadAppender::create(entry.payload_digest,
                                                                      entry.payload_length, held));
    appender.emplace(std::move(a));
  }
  const crypto::BabStreamOptions stream = continuation_stream(entry.payload_length, held);
  return PayloadReceiver(store, std::move(entry), stream, std::move(appender));
}

Result<PayloadState> PayloadReceiver::feed(ByteView piece) {
  if (!failed_) return failed_;
  if (!appender_) return PayloadState{entry_.payload_length, entry_.payload_length};
  const std::uint64_t offset = appender_->held();
  verified_.clear();
  const Status fed = appender_->feed(piece, [&](ByteView b) {
    append(verified_, b);
    return Status::ok();
  });
  if (!fed) failed_ = fed;
  std::optional<PayloadState> state;
  if (!verified_.empty()) {
    std::vector<crypto::BabLabel> frontier;
    if (std::optional<std::vector<crypto::BabLabel>> f = appender_->frontier())
      frontier = std::move(*f);
    Result<PayloadState> s =
        store_->append_verified(entry_.namespace_id, entry_.subspace_id, entry_.path,
                                entry_.payload_digest, offset, verified_, frontier);
    if (!s) {
      // The appender has moved past bytes the store did not take: nothing later can continue
      // from here. A new receiver starts from what the store holds.
      failed_ = s.status();
      return failed_;
    }
    state = *s;
  }
  OSIER_RETURN_IF_ERROR(fed);
  if (state) return *state;
  OSIER_ASSIGN_OR_RETURN(
      std::optional<PayloadState> now,
      store_->payload_state(entry_.namespace_id, entry_.subspace_id, entry_.path));
  if (!now) return error(ErrorCode::kNotFound, "the entry is no longer stored");
  return *now;
}

}  // namespace osier::store
