#include "osier/node/node.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "crypto/random.hpp"
#include "node/files.hpp"
#include "osier/base/hex.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/store/authoriser.hpp"

namespace osier::node {

namespace {

constexpr std::size_t kPiece = 1 << 20;

// A payload file opened for the two passes of a put (hash, then store).
struct PayloadFile {
  std::FILE* f = nullptr;
  std::string name;
  ~PayloadFile() {
    if (f) std::fclose(f);
  }
};

// Reads `in` to its end in fixed-size pieces, hashing, and copying to `copy` when given.
Status hash_stream(std::FILE* in, const std::string& name, std::FILE* copy,
                   crypto::William3Hasher& h, const Progress& progress, std::uint64_t total) {
  std::vector<std::uint8_t> buf(kPiece);
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), in);
    if (n > 0) {
      h.update(ByteView(buf.data(), n));
      if (copy && std::fwrite(buf.data(), 1, n, copy) != n)
        return io_error("spool file for " + name, errno);
      if (progress) progress("hashing", h.length(), total);
    }
    if (n < buf.size()) {
      if (std::ferror(in)) return io_error(name, errno);
      return Status::ok();
    }
  }
}

}  // namespace

model::Timestamp now_micros() {
  const auto d = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<model::Timestamp>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

Result<model::Timestamp> Node::fresh_timestamp(const model::NamespaceId& ns,
                                               const model::SubspaceId& subspace,
                                               const model::Path& path, bool descendants) {
  store::Store* const s = &store_;
  model::Timestamp newest = 0;
  bool any = false;
  const auto see = [&](model::Timestamp t) {
    if (!any || t > newest) newest = t;
    any = true;
  };
  for (std::size_t n = 0; n <= path.component_count(); ++n) {
    OSIER_ASSIGN_OR_RETURN(auto found, s->get(ns, subspace, path.prefix(n)));
    if (found) see(found->authorised.entry.timestamp);
  }
  if (descendants) {
    model::Area area{subspace, path, model::TimeRange{0, std::nullopt}};
    OSIER_RETURN_IF_ERROR(s->query_area(ns, area, {}, [&](const store::LengthyAuthorisedEntry& e) {
      see(e.authorised.entry.timestamp);
      return true;
    }));
  }
  const model::Timestamp now = now_micros();
  if (!any || newest < now) return now;
  if (newest == UINT64_MAX)
    return error(ErrorCode::kOutOfRange,
                 "an existing entry has the greatest timestamp; nothing can replace it");
  return newest + 1;
}

Result<PutResult> Node::sign_entry(model::Entry entry, const std::optional<std::string>& as) const {
  OSIER_ASSIGN_OR_RETURN(WriteAuthority auth, home_.write_authority(entry, as));
  const model::Entry copy = entry;
  OSIER_ASSIGN_OR_RETURN(
      meadowcap::AuthorisedEntry signed_entry,
      meadowcap::AuthorisedEntry::sign(std::move(entry), auth.capability, auth.key));
  OSIER_ASSIGN_OR_RETURN(Bytes token, store::encode_token_bytes(signed_entry.token()));
  return PutResult{store::AuthorisedEntry{copy, std::move(token)}, 0, auth.source};
}

namespace {

// The outcome of ingesting a signed entry, as the result of a write.
Result<PutResult> written(PutResult signed_entry, const store::IngestResult& r) {
  if (r.outcome == store::IngestOutcome::kObsolete) {
    return error(
        ErrorCode::kInvalidArgument,
        "not written: an equal or newer entry at this path (or a prefix of it) is stored already; "
        "use a later --time");
  }
  if (r.outcome == store::IngestOutcome::kRejected)
    return error(r.reason.code(), "not written: " + r.reason.message());
  signed_entry.pruned = r.pruned;
  return signed_entry;
}

}  // namespace

Result<PutResult> Node::write_entry(model::Entry entry, const std::optional<std::string>& as) {
  OSIER_ASSIGN_OR_RETURN(PutResult signed_entry, sign_entry(std::move(entry), as));
  store::Store* const s = &store_;
  OSIER_ASSIGN_OR_RETURN(store::IngestResult r,
                         s->ingest(signed_entry.entry, store::Trust::kAlreadyVerified));
  return written(std::move(signed_entry), r);
}

Result<PutResult> Node::put(const uri::EntryUri& uri, const std::string& file,
                            const PutOptions& options) {
  // A put writes one whole payload: a slice or a fragment in the URI means the user meant
  // something else (the digest, when given, is checked below).
  if (uri.payload_from || uri.payload_to) {
    return error(ErrorCode::kInvalidArgument,
                 "a put writes the whole payload: remove the URI's from= / to= slice");
  }
  if (uri.fragment)
    return error(ErrorCode::kInvalidArgument, "a put does not use the URI's #fragment: remove it");
  // First pass: hash the payload. Standard input and every other input that cannot be read
  // twice (a FIFO, a process substitution, /dev/stdin, a character device) are spooled to a
  // file first; only a regular file is read again in place.
  PayloadFile in;
  PayloadFile spool;
  std::uint64_t total = 0;
  const bool from_stdin = file == "-";
  if (from_stdin) {
    in.name = "standard input";
    in.f = stdin;
  } else {
    in.name = file;
    in.f = std::fopen(file.c_str(), "rb");
    if (!in.f) return io_error(file, errno);
  }
  struct stat st {};
  if (::fstat(::fileno(in.f), &st) != 0) return io_error(in.name, errno);
  if (S_ISDIR(st.st_mode)) return error(ErrorCode::kInvalidArgument, in.name + " is a directory");
  if (S_ISREG(st.st_mode) && !from_stdin) {  // stdin may not start at offset 0: spooled too
    total = static_cast<std::uint64_t>(st.st_size);
  } else {
    const std::string spool_name =
        home_.paths().tmp() + "/spool-" + to_hex(crypto::random_array<8>());
    OSIER_RETURN_IF_ERROR(make_dir(home_.paths().tmp(), 0700));
    spool.f = std::fopen(spool_name.c_str(), "w+b");
    if (!spool.f) return io_error(spool_name, errno);
    ::unlink(spool_name.c_str());  // anonymous from now on: nothing to clean up on any exit
    spool.name = in.name;
  }
  crypto::William3Hasher hasher;
  Status hashed = hash_stream(in.f, in.name, spool.f, hasher, options.progress, total);
  if (from_stdin) in.f = nullptr;  // never close stdin
  OSIER_RETURN_IF_ERROR(hashed);
  PayloadFile& source_file = spool.f ? spool : in;
  if (std::fflush(source_file.f) != 0) return io_error(source_file.name, errno);
  const std::uint64_t length = hasher.length();
  const model::PayloadDigest digest = hasher.finalize();
  if (uri.expected_digest && *uri.expected_digest != digest) {
    return error(ErrorCode::kVerification, "not written: the payload's digest is " +
                                               to_hex(digest) +
                                               ", not the one the URI's digest= names");
  }

  // Second pass: the entry and its bytes go into the store together, the bytes streamed through
  // one fixed buffer; if they are not the hashed ones (the file changed) or cannot be stored,
  // nothing is stored — not even the pruning of the entries the new one would replace. Without
  // an explicit timestamp, losing a race to another writer of the same path (the store finds
  // the signed entry obsolete) means a fresh timestamp and another try.
  store::Store* const s = &store_;
  constexpr int kTries = 8;
  for (int attempt = 1;; ++attempt) {
    model::Entry entry{uri.namespace_id, uri.subspace_id, uri.path, 0, length, digest};
    if (options.timestamp) {
      entry.timestamp = *options.timestamp;
    } else {
      OSIER_ASSIGN_OR_RETURN(entry.timestamp,
                             fresh_timestamp(uri.namespace_id, uri.subspace_id, uri.path, false));
    }
    OSIER_ASSIGN_OR_RETURN(PutResult signed_entry, sign_entry(entry, options.as));
    std::rewind(source_file.f);
    std::uint64_t done = 0;
    const store::PayloadSource source = [&](MutableByteView out) -> Result<std::size_t> {
      const std::size_t n = std::fread(out.data(), 1, out.size(), source_file.f);
      if (n == 0 && std::ferror(source_file.f)) return io_error(source_file.name, errno);
      done += n;
      if (options.progress) options.progress("storing", done, length);
      return n;
    };
    Result<store::IngestResult> r =
        s->ingest_with_payload(signed_entry.entry, source, store::Trust::kAlreadyVerified);
    if (!r) {
      const Status& failure = r.status();
      const std::string why =
          failure.code() == ErrorCode::kVerification
              ? source_file.name + " changed while it was being stored (" + failure.message() + ")"
              : "payload not stored: " + failure.message();
      return error(failure.code(), "not written: " + why);
    }
    if (r->outcome == store::IngestOutcome::kObsolete && !options.timestamp && attempt < kTries)
      continue;
    return written(std::move(signed_entry), *r);
  }
}

Result<std::uint64_t> Node::count_under(const uri::EntryUri& uri) {
  store::Store* const s = &store_;
  model::Area area{uri.subspace_id, uri.path, model::TimeRange{0, std::nullopt}};
  OSIER_ASSIGN_OR_RETURN(store::RangeSummary sum,
                         s->summarise(uri.namespace_id, model::area_to_range(area)));
  return sum.count;
}

Result<model::Entry> Node::deletion_entry(const uri::EntryUri& uri) {
  OSIER_ASSIGN_OR_RETURN(model::Timestamp t,
                         fresh_timestamp(uri.namespace_id, uri.subspace_id, uri.path, true));
  return model::Entry{uri.namespace_id, uri.subspace_id, uri.path, t, 0, crypto::william3({})};
}

Result<PutResult> Node::remove(const uri::EntryUri& uri, const std::optional<std::string>& as) {
  OSIER_ASSIGN_OR_RETURN(model::Entry entry, deletion_entry(uri));
  return write_entry(std::move(entry), as);
}

Result<store::LengthyAuthorisedEntry> Node::stat(const uri::EntryUri& uri) {
  store::Store* const s = &store_;
  OSIER_ASSIGN_OR_RETURN(auto found, s->get(uri.namespace_id, uri.subspace_id, uri.path));
  if (!found) return error(ErrorCode::kNotFound, "no entry at " + uri::to_string(uri));
  return std::move(*found);
}

Status Node::read(const uri::EntryUri& uri, const store::ByteSink& sink, const Progress& progress,
                  const std::function<bool(std::uint64_t held)>& wait_for_more) {
  OSIER_ASSIGN_OR_RETURN(store::LengthyAuthorisedEntry e, stat(uri));
  // Damage on disk to the entry or its signature is found here, not by the next peer (the store
  // verifies the payload bytes themselves as it streams them).
  if (Status st = store::meadowcap_authoriser()->verify(e.authorised.entry, e.authorised.token);
      !st) {
    return error(ErrorCode::kCorrupt,
                 "the stored entry fails verification (" + st.message() +
                     "): damaged on disk? `osier store check --deep` checks every entry");
  }
  const model::Entry& entry = e.authorised.entry;
  const std::uint64_t length = entry.payload_length;
  if (uri.expected_digest && *uri.expected_digest != entry.payload_digest) {
    return error(ErrorCode::kVerification,
                 "the stored entry's payload digest is not the one the URI names");
  }
  const std::optional<uri::PayloadSlice> slice = uri::payload_slice(uri, length);
  const std::uint64_t from = slice ? slice->start : 0;
  const std::uint64_t to = slice ? slice->end : length;
  const auto missing = [&](std::uint64_t held) {
    return error(ErrorCode::kNotFound, "only " + std::to_string(held) + " of the payload's " +
                                           std::to_string(length) + " bytes are held locally");
  };
  if (e.available < to && !wait_for_more) return missing(e.available);
  std::uint64_t held = e.available;
  std::uint64_t pos = from;
  for (;;) {
    if (const std::uint64_t end = std::min(held, to); end > pos) {
      OSIER_RETURN_IF_ERROR(store_.read_payload(uri.namespace_id, uri.subspace_id, uri.path, pos,
                                                end - pos, [&](ByteView piece) {
                                                  pos += piece.size();
                                                  if (progress)
                                                    progress("reading", pos - from, to - from);
                                                  return sink(piece);
                                                }));
    }
    if (pos >= to) return Status::ok();
    if (!wait_for_more(held)) return missing(held);
    OSIER_ASSIGN_OR_RETURN(store::LengthyAuthorisedEntry now, stat(uri));
    // The same entry still (a newer one at the path has other bytes); its verified bytes only
    // grow while it lives, but a local forget may drop them: then wait for them again.
    if (now.authorised.entry != entry) {
      return error(ErrorCode::kNotFound, "the entry was overwritten while its payload was read");
    }
    held = now.available;
  }
}

}  // namespace osier::node
