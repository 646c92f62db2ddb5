// Partial payloads as verified prefixes: the held whole chunks plus the labels of the rest, the
// frontier (crypto/bab_prefix.hpp). Checking them, and serving verifiable slices of the held
// chunks. Shared by the stores.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "osier/base/bytes.hpp"
#include "osier/base/io.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/bab_outboard.hpp"
#include "osier/crypto/bab_stream.hpp"
#include "osier/model/entry.hpp"
#include "osier/store/types.hpp"

namespace osier::store {

// Hashes the raw bytes of a payload prefix as they are written; finish() checks them.
class PrefixHasher {
 public:
  PrefixHasher() : builder_([](ByteView) { return Status::ok(); }) {}
  Status update(ByteView data) { return builder_.update(data); }
  std::uint64_t length() const { return builder_.length(); }
  // OK iff the bytes were whole chunks, fewer than the entry's payload has, and together with
  // `frontier` hash up to its digest; kVerification otherwise.
  Status finish(const model::Entry& entry, std::span<const crypto::BabLabel> frontier);

 private:
  crypto::BabOutboardBuilder builder_;
};

// Reads the raw bytes of a payload prefix of `length` bytes from `source` to its end into
// `data`, as they come (unverified until the end). OK iff they were exactly `length` bytes of
// whole chunks, fewer than the payload has, that with `frontier` hash up to the entry's digest
// (else kVerification). The caller discards what `data` got unless this succeeds.
Status copy_prefix(const model::Entry& entry, std::uint64_t length, const PayloadSource& source,
                   std::span<const crypto::BabLabel> frontier, const ByteSink& data);

// Checks the first `held` bytes of `data` and `frontier` against the entry's digest (a store's
// check()). Reads them all.
Status check_prefix(const model::Entry& entry, std::uint64_t held,
                    std::span<const crypto::BabLabel> frontier, const RandomReader& data);

// Streams the verifiable stream `opts` describes — a slice within the held chunks — of a
// partial payload of which `data` holds the first `held` bytes. A prefix's outboard is not
// stored, so the held bytes are hashed again: their outboard pairs are kept in memory, or in
// `scratch_file` (removed after) when one is named and they are large.
// kNotFound without a frontier (the store cannot prove the bytes) or for a stream that is not a
// slice of held chunks.
Status serve_prefix(const model::Entry& entry, std::uint64_t held,
                    std::span<const crypto::BabLabel> frontier, const RandomReader& data,
                    const crypto::BabStreamOptions& opts, const std::string& scratch_file,
                    const ByteSink& sink);

}  // namespace osier::store
