// PayloadReceiver: one transfer of one entry's payload into a store — the continuation stream
// (store/payload.hpp: the Bab light stream, without length, of the chunks from the held bytes
// on), verified incrementally against the entry's digest, its verified bytes stored through
// Store::append_verified as they come.
//
// The verification state belongs to the transfer, not to the store: two transfers of the same
// payload (two sessions, two peers) each verify their own stream, and the one behind finds its
// bytes stored already (its appends are no-ops), so neither fails. A receiver that saw a byte
// that does not verify is finished: the bytes verified before it are kept, and a new receiver
// starts from what the store holds then.
//
// Memory: the verifier's labels plus one fed piece. Not thread-safe (one stream, one reader).
#pragma once

#include <cstdint>
#include <optional>

#include "osier/base/status.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/store.hpp"
#include "store/payload.hpp"

namespace osier::store {

class PayloadReceiver {
 public:
  // A transfer into the entry at (namespace, subspace, path) of `store` (which must outlive the
  // receiver), from the bytes it holds now. kNotFound when there is no such entry.
  static Result<PayloadReceiver> start(Store& store, const model::NamespaceId& namespace_id,
                                       const model::SubspaceId& subspace, const model::Path& path);

  // What the sender must send: continuation_stream(length, offset at start).
  const crypto::BabStreamOptions& stream() const { return stream_; }
  // The next piece of the stream, in any split. Returns the store's state once the bytes it
  // completes are stored. kVerification when the stream does not verify; the errors of
  // append_verified (e.g. kNotFound: the entry was overwritten; kResourceExhausted: disk full).
  // After any error the receiver is finished and every later call fails with the same error.
  Result<PayloadState> feed(ByteView piece);
  // Every byte of the payload has been received (or was held at the start).
  bool complete() const { return !appender_ || appender_->complete(); }

 private:
  PayloadReceiver(Store& store, model::Entry entry, crypto::BabStreamOptions stream,
                  std::optional<PayloadAppender> appender)
      : store_(&store), entry_(std::move(entry)), stream_(stream), appender_(std::move(appender)) {}

  Store* store_;
  model::Entry entry_;
  crypto::BabStreamOptions stream_;
  std::optional<PayloadAppender> appender_;  // none when the payload was complete at the start
  Status failed_;                            // the first failure: the receiver is finished
  Bytes verified_;                           // of the piece being fed
};

}  // namespace osier::store
