// The C API (include/osier/osier.h) over node::Home and node::Node, the drop format and WILLIAM3.
// Every call into node/, store/ and drop/ is in this file, in the extern "C" functions at its end;
// the helpers above them convert between C and C++ (errors, strings, entries) and touch no store.
//
// No C++ exception crosses the C boundary: each entry point runs its body through guard(),
// which turns std::bad_alloc into OSIER_RESOURCE_EXHAUSTED and anything else into
// OSIER_INTERNAL.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/random.hpp"
#include "node/files.hpp"
#include "osier/base/file.hpp"
#include "osier/base/hex.hpp"
#include "osier/base/io_error.hpp"
#include "osier/base/status.hpp"
#include "osier/crypto/william3.hpp"
#include "osier/drop/drop_reader.hpp"
#include "osier/drop/drop_writer.hpp"
#include "osier/node/area_target.hpp"
#include "osier/node/home.hpp"
#include "osier/node/names.hpp"
#include "osier/node/new_capability.hpp"
#include "osier/node/node.hpp"
#include "osier/node/output_file.hpp"
#include "osier/osier.h"
#include "osier/uri/willow_uri.hpp"

using osier::ErrorCode;
using osier::Result;
using osier::Status;

// The stable numbers of osier.h are ErrorCode's.
static_assert(OSIER_OK == static_cast<int>(ErrorCode::kOk));
static_assert(OSIER_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument));
static_assert(OSIER_INVALID_ENCODING == static_cast<int>(ErrorCode::kInvalidEncoding));
static_assert(OSIER_NON_CANONIC == static_cast<int>(ErrorCode::kNonCanonic));
static_assert(OSIER_INCOMPLETE == static_cast<int>(ErrorCode::kIncomplete));
static_assert(OSIER_OUT_OF_RANGE == static_cast<int>(ErrorCode::kOutOfRange));
static_assert(OSIER_VERIFICATION == static_cast<int>(ErrorCode::kVerification));
static_assert(OSIER_NOT_FOUND == static_cast<int>(ErrorCode::kNotFound));
static_assert(OSIER_IO == static_cast<int>(ErrorCode::kIo));
static_assert(OSIER_CORRUPT == static_cast<int>(ErrorCode::kCorrupt));
static_assert(OSIER_INTERNAL == static_cast<int>(ErrorCode::kInternal));
static_assert(OSIER_RESOURCE_EXHAUSTED == static_cast<int>(ErrorCode::kResourceExhausted));

// The handles of osier.h (their names are the C API's, hence the NOLINTs).
// A home as the CLI's LocalNode opens it: the Home, and on first use its store and the Node over
// both (a handle that only touches names and keys never opens the store).
struct osier_home_t {  // NOLINT(readability-identifier-naming)
  std::unique_ptr<osier::node::Home> home;
  bool read_only = false;
  std::unique_ptr<osier::store::Store> store;
  std::unique_ptr<osier::node::Node> node;
};

struct osier_entry_t {  // NOLINT(readability-identifier-naming)
  osier::model::Entry entry;
  std::uint64_t available = 0;
  std::string uri;
};

struct osier_iter_t {  // NOLINT(readability-identifier-naming)
  std::vector<osier_entry_t> entries;
  std::size_t next = 0;
};

struct osier_names_t {  // NOLINT(readability-identifier-naming)
  struct Row {
    std::string alias;
    std::string id;
    bool secret = false;
    bool communal = false;
  };
  std::vector<Row> rows;
};

struct osier_william3_t {  // NOLINT(readability-identifier-naming)
  osier::crypto::William3Hasher hasher;
};

namespace osier::capi {
namespace {

constexpr ErrorCode kCodes[] = {
    ErrorCode::kOk,           ErrorCode::kInvalidArgument, ErrorCode::kInvalidEncoding,
    ErrorCode::kNonCanonic,   ErrorCode::kIncomplete,      ErrorCode::kOutOfRange,
    ErrorCode::kVerification, ErrorCode::kNotFound,        ErrorCode::kIo,
    ErrorCode::kCorrupt,      ErrorCode::kInternal,        ErrorCode::kResourceExhausted,
};

// A copy of `text` in malloc'd memory (the C caller frees it with osier_free); NULL when out of
// memory.
char* c_string(const std::string& text) {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

// c_string as a result: kResourceExhausted when out of memory.
Result<char*> c_string_result(const std::string& text) {
  char* out = c_string(text);
  if (out == nullptr) return error(ErrorCode::kResourceExhausted, "out of memory");
  return out;
}

// Reports an error through errptr as LevelDB does: the old message freed, a new one set —
// "CODE: " then `prefix` and `what` (Status::to_string's form, which osier_error_code reads).
// Throws nothing (no std::string): it also reports exceptions, out of memory included; the
// message is NULL only if even its own allocation fails.
int set_error_text(char** errptr, ErrorCode code, const char* prefix, const char* what) noexcept {
  if (errptr != nullptr) {
    std::free(*errptr);
    const char* name = osier::error_code_name(code);
    const std::size_t n = std::strlen(name) + 2 + std::strlen(prefix) + std::strlen(what) + 1;
    char* out = static_cast<char*>(std::malloc(n));
    if (out != nullptr) std::snprintf(out, n, "%s: %s%s", name, prefix, what);
    *errptr = out;
  }
  return static_cast<int>(code);
}

int set_error(char** errptr, const Status& st) noexcept {
  return set_error_text(errptr, st.code(), "", st.message().c_str());
}

// Runs `body` (returning Status) with C++ exceptions turned into errors: none crosses into C.
template <typename Body>
int guard(char** errptr, Body&& body) noexcept {
  try {
    const Status st = body();
    return st ? OSIER_OK : set_error(errptr, st);
  } catch (const std::bad_alloc&) {
    return set_error_text(errptr, ErrorCode::kResourceExhausted, "", "out of memory");
  } catch (const std::exception& e) {
    return set_error_text(errptr, ErrorCode::kInternal, "unexpected exception: ", e.what());
  } catch (...) {
    return set_error_text(errptr, ErrorCode::kInternal, "", "unexpected exception");
  }
}

// For entry points returning a pointer: `body` returns Result<T*>; NULL on failure.
template <typename T, typename Body>
T* guard_ptr(char** errptr, Body&& body) {
  T* out = nullptr;
  (void)guard(errptr, [&]() -> Status {
    Result<T*> r = body();
    if (!r) return r.status();
    out = *r;
    return Status::ok();
  });
  return out;
}

Status require(const void* p, const char* what) {
  if (p == nullptr) return error(ErrorCode::kInvalidArgument, std::string(what) + " is NULL");
  return Status::ok();
}

// A namespace id as URIs write it: its kind's sign ('+' communal, '-' owned) and 64 hex digits.
std::string namespace_text(const model::NamespaceId& id) {
  // Not "+" + to_hex(id): GCC 12 reports a false -Wrestrict there (GCC bug 105651).
  std::string text = to_hex(id);
  text.insert(text.begin(), model::is_communal(id) ? '+' : '-');
  return text;
}

std::string text_or_empty(const char* s) { return s == nullptr ? std::string() : std::string(s); }

std::optional<std::string> optional_text(const char* s) {
  return s == nullptr ? std::nullopt : std::optional<std::string>(s);
}

osier_entry_t entry_of(const model::Entry& e, std::uint64_t available) {
  return osier_entry_t{
      e, available,
      uri::to_string(uri::EntryUri{e.namespace_id, e.subspace_id, e.path, {}, {}, {}, {}, {}})};
}

// An entry for the caller (to osier_entry_destroy), written to *out when `out` is not NULL.
void give_entry(osier_entry_t** out, const model::Entry& e, std::uint64_t available) {
  if (out != nullptr) *out = new osier_entry_t(entry_of(e, available));
}

Status writable(const osier_home_t* home) {
  OSIER_RETURN_IF_ERROR(require(home, "home"));
  if (home->read_only)
    return error(ErrorCode::kInvalidArgument, "the home was opened read-only: no writes");
  return Status::ok();
}

// A payload in memory as a file for Node::put, which streams payloads from files (twice: to
// hash, then to store): a fresh file in the home's tmp/, removed again by the destructor.
class SpoolFile {
 public:
  static Result<SpoolFile> write(const std::string& dir, ByteView data) {
    OSIER_RETURN_IF_ERROR(node::make_dir(dir, 0700));
    SpoolFile s(dir + "/capi-" + to_hex(crypto::random_array<8>()));
    std::FILE* f = std::fopen(s.path_.c_str(), "wbx");
    if (f == nullptr) return io_error("cannot create", s.path_);
    s.created_ = true;
    const bool ok = (data.empty() || std::fwrite(data.data(), 1, data.size(), f) == data.size());
    const int err = errno;
    if (std::fclose(f) != 0 || !ok) return io_error("cannot write", s.path_, ok ? errno : err);
    return s;
  }
  SpoolFile(SpoolFile&& o) noexcept : path_(std::move(o.path_)), created_(o.created_) {
    o.created_ = false;
  }
  SpoolFile& operator=(SpoolFile&&) = delete;
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;
  ~SpoolFile() {
    if (created_) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  explicit SpoolFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool created_ = false;
};

// ---- The calls into node/, store/ and drop/ (all of them; see the file comment).

// The home's store, opened on the first call (read-only for a read-only handle).
Result<store::Store*> store_of(osier_home_t* home) {
  if (!home->store) {
    Result<std::unique_ptr<store::Store>> s =
        node::open_home_store(home->home->paths(), home->read_only);
    if (!s) {
      return error(s.status().code(), "cannot open the store at " + home->home->paths().store() +
                                          ": " + s.status().message());
    }
    home->store = std::move(*s);
  }
  return home->store.get();
}

// The node over the home and its store (opens the store).
Result<node::Node*> node_of(osier_home_t* home) {
  if (!home->node) {
    OSIER_ASSIGN_OR_RETURN(store::Store * s, store_of(home));
    home->node = std::make_unique<node::Node>(*home->home, *s);
  }
  return home->node.get();
}

Result<uri::EntryUri> entry_uri(osier_home_t* home, const char* text) {
  OSIER_RETURN_IF_ERROR(require(home, "home"));
  OSIER_RETURN_IF_ERROR(require(text, "uri"));
  const std::shared_ptr<const node::Aliases> aliases = home->home->aliases();
  Result<uri::EntryUri> u = uri::parse_entry_uri(text, aliases->resolver());
  if (!u) {
    return error(u.status().code(),
                 "bad entry URI '" + std::string(text) + "': " + u.status().message());
  }
  return u;
}

Result<osier_home_t*> open_home(const char* path, bool read_only) {
  OSIER_ASSIGN_OR_RETURN(node::HomePaths paths, node::resolve_home(text_or_empty(path)));
  OSIER_ASSIGN_OR_RETURN(std::unique_ptr<node::Home> h, node::Home::open(paths));
  return new osier_home_t{std::move(h), read_only, nullptr, nullptr};
}

Status init_home(const char* path) {
  OSIER_ASSIGN_OR_RETURN(node::HomePaths paths, node::resolve_home(text_or_empty(path)));
  Result<std::vector<std::string>> created = node::init_home(paths);
  return created ? Status::ok() : created.status();
}

Result<osier_names_t*> list_identities(osier_home_t* home) {
  OSIER_RETURN_IF_ERROR(require(home, "home"));
  const node::Home& h = *home->home;
  const std::shared_ptr<const node::Aliases> aliases = h.aliases();
  auto names = std::make_unique<osier_names_t>();
  for (const auto& [alias, id] : aliases->identities()) {
    names->rows.push_back(
        {alias, to_hex(id), h.keys().has(node::KeyKind::kIdentity, alias), false});
  }
  return names.release();
}

Result<osier_names_t*> list_namespaces(osier_home_t* home) {
  OSIER_RETURN_IF_ERROR(require(home, "home"));
  const node::Home& h = *home->home;
  const std::shared_ptr<const node::Aliases> aliases = h.aliases();
  auto names = std::make_unique<osier_names_t>();
  for (const auto& [alias, id] : aliases->namespaces()) {
    names->rows.push_back({alias, namespace_text(id),
                           h.keys().has(node::KeyKind::kNamespace, alias), model::is_communal(id)});
  }
  // As `osier ns list`: the namespaces that only hold entries (from a drop import, say) too.
  OSIER_ASSIGN_OR_RETURN(store::Store * s, store_of(home));
  OSIER_ASSIGN_OR_RETURN(std::vector<model::NamespaceId> stored, s->namespaces());
  for (const model::NamespaceId& id : stored) {
    if (!aliases->name_of(uri::IdKind::kNamespace, id))
      names->rows.push_back({"", namespace_text(id), false, model::is_communal(id)});
  }
  return names.release();
}

Result<std::string> new_identity(osier_home_t* home, const char* alias) {
  OSIER_RETURN_IF_ERROR(writable(home));
  OSIER_RETURN_IF_ERROR(require(alias, "alias"));
  OSIER_ASSIGN_OR_RETURN(
      node::KeptIdentity kept,
      node::keep_identity(*home->home, alias, crypto::Ed25519SecretKey::generate()));
  return to_hex(kept.id);
}

Result<std::string> new_namespace(osier_home_t* home, const char* alias, bool communal) {
  OSIER_RETURN_IF_ERROR(writable(home));
  OSIER_RETURN_IF_ERROR(require(alias, "alias"));
  OSIER_ASSIGN_OR_RETURN(model::NamespaceId id, node::new_namespace(*home->home, alias, communal));
  return namespace_text(id);
}

Result<std::string> new_capability(osier_home_t* home, const char* ns, const char* receiver,
                                   bool write) {
  OSIER_RETURN_IF_ERROR(writable(home));
  OSIER_RETURN_IF_ERROR(require(ns, "ns"));
  OSIER_ASSIGN_OR_RETURN(
      node::NewCapability made,
      node::new_capability(*home->home, ns, text_or_empty(receiver),
                           write ? meadowcap::AccessMode::kWrite : meadowcap::AccessMode::kRead));
  return made.id;
}

Status put_file(osier_home_t* home, const char* uri_text, const std::string& file, const char* as,
                osier_entry_t** written) {
  OSIER_RETURN_IF_ERROR(writable(home));
  OSIER_ASSIGN_OR_RETURN(uri::EntryUri u, entry_uri(home, uri_text));
  node::PutOptions options;
  options.as = optional_text(as);
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node_of(home));
  OSIER_ASSIGN_OR_RETURN(node::PutResult r, n->put(u, file, options));
  give_entry(written, r.entry.entry, r.entry.entry.payload_length);
  return Status::ok();
}

Status put_bytes(osier_home_t* home, const char* uri_text, ByteView data, const char* as,
                 osier_entry_t** written) {
  OSIER_RETURN_IF_ERROR(writable(home));
  // The URI first: a bad one should not cost a spool file.
  if (Result<uri::EntryUri> u = entry_uri(home, uri_text); !u) return u.status();
  OSIER_ASSIGN_OR_RETURN(SpoolFile spool, SpoolFile::write(home->home->paths().tmp(), data));
  return put_file(home, uri_text, spool.path(), as, written);
}

Result<osier_entry_t*> stat_entry(osier_home_t* home, const char* uri_text) {
  OSIER_ASSIGN_OR_RETURN(uri::EntryUri u, entry_uri(home, uri_text));
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node_of(home));
  OSIER_ASSIGN_OR_RETURN(store::LengthyAuthorisedEntry e, n->stat(u));
  return new osier_entry_t(entry_of(e.authorised.entry, e.available));
}

// The payload bytes `uri_text` names, into a malloc'd buffer of exactly their size. The size
// comes from a stat and the bytes from a read that stats again: an entry another process (or
// handle) replaced in between by one of another length is read again, a few times, and then
// reported as changed meanwhile (kNotFound), not as a bug.
Result<std::uint8_t*> get_payload(osier_home_t* home, const char* uri_text, std::size_t* len) {
  OSIER_RETURN_IF_ERROR(require(len, "len"));
  OSIER_ASSIGN_OR_RETURN(uri::EntryUri u, entry_uri(home, uri_text));
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node_of(home));
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    OSIER_ASSIGN_OR_RETURN(store::LengthyAuthorisedEntry e, n->stat(u));
    const std::uint64_t length = e.authorised.entry.payload_length;
    const std::optional<uri::PayloadSlice> slice = uri::payload_slice(u, length);
    const std::uint64_t size = slice ? slice->end - slice->start : length;
    if (size > SIZE_MAX - 1)
      return error(ErrorCode::kResourceExhausted, "the payload does not fit in memory");
    std::unique_ptr<std::uint8_t, decltype(&std::free)> buf(
        static_cast<std::uint8_t*>(std::malloc(static_cast<std::size_t>(size) + 1)), &std::free);
    if (!buf) {
      return error(ErrorCode::kResourceExhausted,
                   "cannot allocate " + std::to_string(size) + " bytes for the payload");
    }
    std::uint64_t done = 0;
    bool longer = false;  // the entry read has more bytes than the one stat'ed
    const Status read = n->read(u,
                                [&](ByteView piece) -> Status {
                                  if (piece.size() > size - done) {
                                    longer = true;
                                    return error(ErrorCode::kOutOfRange, "changed meanwhile");
                                  }
                                  std::memcpy(buf.get() + done, piece.data(), piece.size());
                                  done += piece.size();
                                  return Status::ok();
                                },
                                {});
    if (!longer) {
      OSIER_RETURN_IF_ERROR(read);
      if (done == size) {
        *len = static_cast<std::size_t>(size);
        return buf.release();
      }
    }
  }
  return error(ErrorCode::kNotFound,
               "the entry changed while it was read (written meanwhile by another); try again");
}

Status read_to_file(osier_home_t* home, const char* uri_text, const char* file, bool overwrite) {
  OSIER_RETURN_IF_ERROR(require(file, "file"));
  OSIER_ASSIGN_OR_RETURN(uri::EntryUri u, entry_uri(home, uri_text));
  OSIER_ASSIGN_OR_RETURN(std::unique_ptr<node::AtomicOutput> out,
                         node::AtomicOutput::open(file, overwrite, "overwrite"));
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node_of(home));
  OSIER_RETURN_IF_ERROR(n->read(u, [&](ByteView piece) { return out->write(piece); }, {}));
  return out->commit();
}

Status remove_entries(osier_home_t* home, const char* uri_text, const char* as,
                      std::uint64_t* pruned) {
  OSIER_RETURN_IF_ERROR(writable(home));
  OSIER_ASSIGN_OR_RETURN(uri::EntryUri u, entry_uri(home, uri_text));
  OSIER_ASSIGN_OR_RETURN(node::Node * n, node_of(home));
  OSIER_ASSIGN_OR_RETURN(node::PutResult r, n->remove(u, optional_text(as)));
  if (pruned != nullptr) *pruned = r.pruned;
  return Status::ok();
}

Result<node::AreaTarget> area_target(osier_home_t* home, const char* area) {
  OSIER_RETURN_IF_ERROR(require(home, "home"));
  OSIER_RETURN_IF_ERROR(require(area, "area"));
  return node::parse_area_target(*home->home->aliases(), area);
}

Result<osier_iter_t*> new_iter(osier_home_t* home, const char* area) {
  OSIER_ASSIGN_OR_RETURN(node::AreaTarget target, area_target(home, area));
  OSIER_ASSIGN_OR_RETURN(store::Store * s, store_of(home));
  auto it = std::make_unique<osier_iter_t>();
  // Collected first: query callbacks may not call back into the store, and the caller's code
  // (which might) runs between osier_iter_next calls.
  OSIER_RETURN_IF_ERROR(node::query_area_target(
      *s, target, /*newest_first=*/false, UINT64_MAX, [&](const store::LengthyAuthorisedEntry& e) {
        it->entries.push_back(entry_of(e.authorised.entry, e.available));
        return true;
      }));
  return it.release();
}

Status export_drop(osier_home_t* home, const char* area, const char* file, bool overwrite,
                   std::uint64_t* entries) {
  OSIER_RETURN_IF_ERROR(require(file, "file"));
  OSIER_ASSIGN_OR_RETURN(node::AreaTarget target, area_target(home, area));
  OSIER_ASSIGN_OR_RETURN(store::Store * s, store_of(home));
  OSIER_ASSIGN_OR_RETURN(std::unique_ptr<node::AtomicOutput> out,
                         node::AtomicOutput::open(file, overwrite, "overwrite"));
  OSIER_ASSIGN_OR_RETURN(drop::ExportStats stats,
                         drop::export_drop(*s, target.namespace_id, target.aoi,
                                           [&](ByteView b) { return out->write(b); }));
  OSIER_RETURN_IF_ERROR(out->commit());
  if (entries != nullptr) *entries = stats.entries;
  return Status::ok();
}

Status import_drop(osier_home_t* home, const char* file, std::uint64_t* inserted) {
  OSIER_RETURN_IF_ERROR(writable(home));
  OSIER_RETURN_IF_ERROR(require(file, "file"));
  OSIER_ASSIGN_OR_RETURN(store::Store * s, store_of(home));
  OSIER_ASSIGN_OR_RETURN(File in, File::open_read(file));
  drop::ImportOptions options;
  options.staging_parent = home->home->paths().tmp();
  // What killed imports left behind goes now; a live import's never (osier/drop/drop_reader.hpp).
  (void)drop::remove_stale_staging(options.staging_parent);
  Result<drop::ImportStats> stats = drop::import_drop(*s, in.source(), options);
  if (!stats)
    return error(stats.status().code(), std::string(file) + ": " + stats.status().message());
  if (inserted != nullptr) *inserted = stats->inserted;
  return Status::ok();
}

}  // namespace
}  // namespace osier::capi

namespace capi = osier::capi;

extern "C" {

int osier_error_code(const char* errmsg) {
  if (errmsg == nullptr) return OSIER_OK;
  for (const ErrorCode c : capi::kCodes) {
    const char* name = osier::error_code_name(c);
    const std::size_t n = std::strlen(name);
    if (c != ErrorCode::kOk && std::strncmp(errmsg, name, n) == 0 && errmsg[n] == ':')
      return static_cast<int>(c);
  }
  return OSIER_INTERNAL;
}

const char* osier_error_code_name(int code) {
  if (code < 0 || code > OSIER_RESOURCE_EXHAUSTED) return "unknown error";
  return osier::error_code_name(static_cast<ErrorCode>(code));
}

void osier_free(void* ptr) { std::free(ptr); }

const char* osier_version(void) { return OSIER_VERSION; }

// ---- Homes

int osier_home_init(const char* path, char** errptr) {
  return capi::guard(errptr, [&] { return capi::init_home(path); });
}

osier_home_t* osier_home_open(const char* path, int read_only, char** errptr) {
  return capi::guard_ptr<osier_home_t>(errptr,
                                       [&] { return capi::open_home(path, read_only != 0); });
}

void osier_home_close(osier_home_t* home) { delete home; }

const char* osier_home_path(const osier_home_t* home) {
  return home == nullptr ? "" : home->home->paths().root.c_str();
}

// ---- Names

// Out of range (a caller's bug): "" and 0 rather than undefined behaviour.
size_t osier_names_count(const osier_names_t* names) {
  return names == nullptr ? 0 : names->rows.size();
}
const char* osier_names_alias(const osier_names_t* names, size_t i) {
  return i < osier_names_count(names) ? names->rows[i].alias.c_str() : "";
}
const char* osier_names_id(const osier_names_t* names, size_t i) {
  return i < osier_names_count(names) ? names->rows[i].id.c_str() : "";
}
int osier_names_has_secret(const osier_names_t* names, size_t i) {
  return i < osier_names_count(names) && names->rows[i].secret ? 1 : 0;
}
int osier_names_is_communal(const osier_names_t* names, size_t i) {
  return i < osier_names_count(names) && names->rows[i].communal ? 1 : 0;
}
void osier_names_destroy(osier_names_t* names) { delete names; }

char* osier_identity_new(osier_home_t* home, const char* alias, char** errptr) {
  return capi::guard_ptr<char>(errptr, [&]() -> Result<char*> {
    OSIER_ASSIGN_OR_RETURN(std::string id, capi::new_identity(home, alias));
    return capi::c_string_result(id);
  });
}

osier_names_t* osier_identity_list(osier_home_t* home, char** errptr) {
  return capi::guard_ptr<osier_names_t>(errptr, [&] { return capi::list_identities(home); });
}

char* osier_namespace_new(osier_home_t* home, const char* alias, int communal, char** errptr) {
  return capi::guard_ptr<char>(errptr, [&]() -> Result<char*> {
    OSIER_ASSIGN_OR_RETURN(std::string id, capi::new_namespace(home, alias, communal != 0));
    return capi::c_string_result(id);
  });
}

osier_names_t* osier_namespace_list(osier_home_t* home, char** errptr) {
  return capi::guard_ptr<osier_names_t>(errptr, [&] { return capi::list_namespaces(home); });
}

char* osier_cap_new(osier_home_t* home, const char* ns, const char* receiver, int write,
                    char** errptr) {
  return capi::guard_ptr<char>(errptr, [&]() -> Result<char*> {
    OSIER_ASSIGN_OR_RETURN(std::string id, capi::new_capability(home, ns, receiver, write != 0));
    return capi::c_string_result(id);
  });
}

// ---- Entries

const uint8_t* osier_entry_namespace_id(const osier_entry_t* e) {
  return e->entry.namespace_id.data();
}
const uint8_t* osier_entry_subspace_id(const osier_entry_t* e) {
  return e->entry.subspace_id.data();
}
size_t osier_entry_path_count(const osier_entry_t* e) { return e->entry.path.component_count(); }
const uint8_t* osier_entry_path_component(const osier_entry_t* e, size_t i, size_t* len) {
  if (i >= e->entry.path.component_count()) {
    if (len != nullptr) *len = 0;
    return nullptr;
  }
  const osier::ByteView c = e->entry.path.component(i);
  if (len != nullptr) *len = c.size();
  // An empty component's view may have no address: the caller gets a valid one.
  static constexpr std::uint8_t kEmpty = 0;
  return c.empty() ? &kEmpty : c.data();
}
uint64_t osier_entry_timestamp(const osier_entry_t* e) { return e->entry.timestamp; }
uint64_t osier_entry_payload_length(const osier_entry_t* e) { return e->entry.payload_length; }
const uint8_t* osier_entry_payload_digest(const osier_entry_t* e) {
  return e->entry.payload_digest.data();
}
uint64_t osier_entry_available(const osier_entry_t* e) { return e->available; }
const char* osier_entry_uri(const osier_entry_t* e) { return e->uri.c_str(); }
void osier_entry_destroy(osier_entry_t* e) { delete e; }

int osier_put(osier_home_t* home, const char* uri, const uint8_t* data, size_t len, const char* as,
              osier_entry_t** written, char** errptr) {
  return capi::guard(errptr, [&]() -> Status {
    if (data == nullptr && len != 0) return capi::require(data, "data");
    return capi::put_bytes(home, uri, osier::ByteView(data, len), as, written);
  });
}

int osier_put_file(osier_home_t* home, const char* uri, const char* file, const char* as,
                   osier_entry_t** written, char** errptr) {
  return capi::guard(errptr, [&]() -> Status {
    OSIER_RETURN_IF_ERROR(capi::require(file, "file"));
    // "-" would be standard input to Node::put; a library caller means a file of that name.
    const std::string path = std::strcmp(file, "-") == 0 ? std::string("./-") : std::string(file);
    return capi::put_file(home, uri, path, as, written);
  });
}

osier_entry_t* osier_stat(osier_home_t* home, const char* uri, char** errptr) {
  return capi::guard_ptr<osier_entry_t>(errptr, [&] { return capi::stat_entry(home, uri); });
}

uint8_t* osier_get(osier_home_t* home, const char* uri, size_t* len, char** errptr) {
  return capi::guard_ptr<std::uint8_t>(errptr, [&] { return capi::get_payload(home, uri, len); });
}

int osier_read_to_file(osier_home_t* home, const char* uri, const char* file, int overwrite,
                       char** errptr) {
  return capi::guard(errptr, [&] { return capi::read_to_file(home, uri, file, overwrite != 0); });
}

int osier_remove(osier_home_t* home, const char* uri, const char* as, uint64_t* pruned,
                 char** errptr) {
  return capi::guard(errptr, [&] { return capi::remove_entries(home, uri, as, pruned); });
}

// ---- Iteration

osier_iter_t* osier_iter_new(osier_home_t* home, const char* area, char** errptr) {
  return capi::guard_ptr<osier_iter_t>(errptr, [&] { return capi::new_iter(home, area); });
}

const osier_entry_t* osier_iter_next(osier_iter_t* it) {
  if (it == nullptr || it->next >= it->entries.size()) return nullptr;
  return &it->entries[it->next++];
}

void osier_iter_destroy(osier_iter_t* it) { delete it; }

// ---- Drops

int osier_drop_export(osier_home_t* home, const char* area, const char* file, int overwrite,
                      uint64_t* entries, char** errptr) {
  return capi::guard(errptr,
                     [&] { return capi::export_drop(home, area, file, overwrite != 0, entries); });
}

int osier_drop_import(osier_home_t* home, const char* file, uint64_t* inserted, char** errptr) {
  return capi::guard(errptr, [&] { return capi::import_drop(home, file, inserted); });
}

// ---- WILLIAM3

void osier_william3(const uint8_t* data, size_t len, uint8_t digest[32]) {
  const osier::crypto::William3Digest d = osier::crypto::william3(osier::ByteView(data, len));
  std::memcpy(digest, d.data(), d.size());
}

void osier_william3_keyed(const uint8_t key[32], const uint8_t* data, size_t len,
                          uint8_t digest[32]) {
  osier::crypto::William3Key k;
  std::memcpy(k.data(), key, k.size());
  const osier::crypto::William3Digest d =
      osier::crypto::william3_keyed(k, osier::ByteView(data, len));
  std::memcpy(digest, d.data(), d.size());
}

osier_william3_t* osier_william3_new(void) { return new (std::nothrow) osier_william3_t{}; }

osier_william3_t* osier_william3_new_keyed(const uint8_t key[32]) {
  osier::crypto::William3Key k;
  std::memcpy(k.data(), key, k.size());
  return new (std::nothrow) osier_william3_t{osier::crypto::William3Hasher(k)};
}

void osier_william3_update(osier_william3_t* h, const uint8_t* data, size_t len) {
  h->hasher.update(osier::ByteView(data, len));
}

void osier_william3_finalize(const osier_william3_t* h, uint8_t digest[32]) {
  const osier::crypto::William3Digest d = h->hasher.finalize();
  std::memcpy(digest, d.data(), d.size());
}

void osier_william3_destroy(osier_william3_t* h) { delete h; }

}  // extern "C"
