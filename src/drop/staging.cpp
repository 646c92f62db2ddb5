#include "drop/staging.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "base/fs.hpp"
#include "drop/drop_input.hpp"
#include "osier/base/io_error.hpp"
#include "osier/model/encoding_path.hpp"
#include "store/store_lock.hpp"

namespace osier::drop {

namespace {

constexpr std::size_t kMaxRecord = std::size_t{64} << 20;

template <std::size_t N>
void put_array(Encoder& enc, const ByteArray<N>& a) {
  enc.bytes(ByteView(a.data(), a.size()));
}

Result<std::uint64_t> read_be(Decoder& dec, std::size_t width) {
  OSIER_ASSIGN_OR_RETURN(ByteView b, dec.take(width));
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

Result<StagedEntry> decode_record(ByteView record) {
  Decoder dec(record);
  StagedEntry out;
  model::Entry& e = out.authorised.entry;
  OSIER_ASSIGN_OR_RETURN(e.namespace_id, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(e.subspace_id, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(e.timestamp, read_be(dec, 8));
  OSIER_ASSIGN_OR_RETURN(e.payload_length, read_be(dec, 8));
  OSIER_ASSIGN_OR_RETURN(e.payload_digest, dec.array<32>());
  OSIER_ASSIGN_OR_RETURN(e.path, model::decode_path(dec, DecodeMode::kAny));
  OSIER_ASSIGN_OR_RETURN(std::uint64_t token_len, read_be(dec, 4));
  OSIER_ASSIGN_OR_RETURN(ByteView token, dec.take(token_len));
  out.authorised.token.assign(token.begin(), token.end());
  OSIER_ASSIGN_OR_RETURN(std::uint8_t has_payload, dec.byte());
  if (has_payload != 0) {
    StagedPayload p;
    OSIER_ASSIGN_OR_RETURN(p.offset, read_be(dec, 8));
    OSIER_ASSIGN_OR_RETURN(p.length, read_be(dec, 8));
    OSIER_ASSIGN_OR_RETURN(std::uint8_t labels, dec.byte());
    for (std::uint8_t i = 0; i < labels; ++i) {
      OSIER_ASSIGN_OR_RETURN(crypto::BabLabel l, dec.array<32>());
      p.frontier.push_back(l);
    }
    out.payload = std::move(p);
  }
  if (!dec.at_end()) return error(ErrorCode::kCorrupt, "drop staging: malformed record");
  return out;
}

}  // namespace

Staging::Staging(Key, std::string dir, int lock_fd, File entries, File payloads)
    : dir_(std::move(dir)),
      lock_fd_(lock_fd),
      entries_file_(std::move(entries)),
      payloads_file_(std::move(payloads)),
      entries_([this](ByteView b) { return entries_file_.append(b); }),
      payloads_([this](ByteView b) { return payloads_file_.append(b); }) {}

Result<std::unique_ptr<Staging>> Staging::create(const std::string& parent) {
  std::error_code ec;
  const std::filesystem::path base =
      parent.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(parent);
  if (ec) return error(ErrorCode::kIo, "drop staging: no temporary directory: " + ec.message());
  std::string templ = (base / (std::string(kStagingPrefix) + "XXXXXX")).string();
  if (fs::mkdtemp(templ.data()) == nullptr) {
    return io_error("drop staging: cannot create a directory under", base.string());
  }
  // The lock is held for as long as this process lives: a sweep (remove_stale_staging) takes
  // only directories whose lock it can take, so never a live import's.
  const Result<int> locked = store::make_staging_lock(templ);
  if (!locked) {
    std::filesystem::remove_all(templ, ec);
    return error(locked.status().code(), "drop staging: " + locked.status().message());
  }
  const int lock_fd = *locked;
  auto entries = File::create(templ + "/entries");
  auto payloads = File::create(templ + "/payloads");
  if (!entries.is_ok() || !payloads.is_ok()) {
    ::close(lock_fd);
    std::filesystem::remove_all(templ, ec);
    return !entries.is_ok() ? entries.status() : payloads.status();
  }
  return std::make_unique<Staging>(Key{}, templ, lock_fd, std::move(entries).value(),
                                   std::move(payloads).value());
}

Staging::~Staging() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::vector<std::string> Staging::files() const {
  return {dir_ + "/entries", dir_ + "/payloads", dir_ + "/lock"};
}

namespace {

std::vector<std::string> stale_staging(const std::string& parent, bool remove) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(parent, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kStagingPrefix, 0) != 0 || !it->is_directory(ec)) continue;
    const std::string dir = it->path().string();
    if (!store::staging_dir_abandoned(dir)) continue;
    if (remove) {
      std::error_code rm;
      std::filesystem::remove_all(dir, rm);
    }
    out.push_back(dir);
  }
  return out;
}

}  // namespace

std::vector<std::string> list_stale_staging(const std::string& parent) {
  return stale_staging(parent, false);
}
std::vector<std::string> remove_stale_staging(const std::string& parent) {
  return stale_staging(parent, true);
}

Status Staging::add_entry(const store::AuthorisedEntry& a,
                          const std::optional<StagedPayload>& payload) {
  const model::Entry& e = a.entry;
  Encoder enc;
  put_array(enc, e.namespace_id);
  put_array(enc, e.subspace_id);
  enc.uint_be(e.timestamp, 8);
  enc.uint_be(e.payload_length, 8);
  put_array(enc, e.payload_digest);
  model::encode_path(enc, e.path);
  enc.uint_be(a.token.size(), 4);
  enc.bytes(ByteView(a.token.data(), a.token.size()));
  enc.byte(payload ? 1 : 0);
  if (payload) {
    // A frontier has at most one label per tree level (at most 64).
    if (payload->frontier.size() > 255)
      return error(ErrorCode::kInternal, "drop staging: frontier too long");
    enc.uint_be(payload->offset, 8);
    enc.uint_be(payload->length, 8);
    enc.byte(static_cast<std::uint8_t>(payload->frontier.size()));
    for (const crypto::BabLabel& l : payload->frontier) put_array(enc, l);
  }
  Encoder len;
  len.uint_be(enc.size(), 4);
  OSIER_RETURN_IF_ERROR(entries_.write(ByteView(len.bytes().data(), len.size())));
  return entries_.write(ByteView(enc.bytes().data(), enc.size()));
}

Status Staging::add_payload_bytes(ByteView data) { return payloads_.write(data); }

Status Staging::seal() {
  OSIER_RETURN_IF_ERROR(entries_.flush());
  return payloads_.flush();
}

Staging::EntryReader::EntryReader(std::unique_ptr<File> file)
    : file_(std::move(file)), in_(file_->source(), kMaxRecord) {}

Result<Staging::EntryReader> Staging::entries() const {
  OSIER_ASSIGN_OR_RETURN(File file, File::open_read(dir_ + "/entries"));
  return EntryReader(std::make_unique<File>(std::move(file)));
}

Result<std::optional<StagedEntry>> Staging::EntryReader::next() {
  OSIER_ASSIGN_OR_RETURN(ByteView head, in_.peek(4));
  if (head.empty()) return std::optional<StagedEntry>();
  if (head.size() < 4) return error(ErrorCode::kCorrupt, "drop staging: truncated record");
  const std::size_t n = (std::size_t{head[0]} << 24) | (std::size_t{head[1]} << 16) |
                        (std::size_t{head[2]} << 8) | head[3];
  OSIER_ASSIGN_OR_RETURN(ByteView rec, in_.peek(4 + n));
  if (rec.size() < 4 + n) return error(ErrorCode::kCorrupt, "drop staging: truncated record");
  OSIER_ASSIGN_OR_RETURN(StagedEntry staged, decode_record(rec.subspan(4, n)));
  in_.consume(4 + n);
  return std::optional<StagedEntry>(std::move(staged));
}

Status Staging::for_each_entry(const std::function<Status(const StagedEntry&)>& fn) const {
  OSIER_ASSIGN_OR_RETURN(EntryReader reader, entries());
  for (;;) {
    OSIER_ASSIGN_OR_RETURN(std::optional<StagedEntry> staged, reader.next());
    if (!staged) return Status::ok();
    OSIER_RETURN_IF_ERROR(fn(*staged));
  }
}

Status Staging::read_payload(std::uint64_t offset, MutableByteView out) const {
  OSIER_ASSIGN_OR_RETURN(File reader, File::open_read(dir_ + "/payloads"));
  return reader.read(offset, out);
}

}  // namespace osier::drop
