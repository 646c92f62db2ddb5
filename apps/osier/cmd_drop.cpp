// osier drop export <AREA-URI|NAMESPACE> -o FILE, osier drop import FILE: the Willow Drop Format
// (docs/cli.md "osier drop").
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "cmd_node.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "osier/base/file.hpp"
#include "osier/base/io_error.hpp"
#include "osier/drop/drop_reader.hpp"
#include "osier/drop/drop_writer.hpp"
#include "osier/node/area_target.hpp"
#include "output_file.hpp"

namespace osier::cli {
namespace {

struct ExportOptions {
  NodeFlags flags;
  std::string what;
  std::string output;
  bool force = false;
};

struct ImportOptions {
  NodeFlags flags;
  std::string file;
};

// "12,345 / 100,000 entries  5,000/s  ETA 18s" on stderr while entries are ingested; silent
// unless stderr is a terminal and there are many.
class EntryProgress {
 public:
  explicit EntryProgress(std::string label)
      : label_(std::move(label)),
        tty_(::isatty(2) == 1),
        start_(std::chrono::steady_clock::now()) {}
  ~EntryProgress() {
    if (shown_) fmt::print(stderr, "\n");
  }
  EntryProgress(const EntryProgress&) = delete;
  EntryProgress& operator=(const EntryProgress&) = delete;
  void update(std::uint64_t done, std::uint64_t total) {
    if (!tty_ || total < 1000) return;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    fmt::print(stderr, "\r{} {} / {} entries  {:.0f}/s  ETA {:.0f}s \x1b[K", label_, done, total,
               rate, eta);
  }

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

void run_export(const ExportOptions& o) {
  auto n = open_node("drop export", o.flags, /*read_only=*/true);
  if (!n) return;
  Result<store::Store*> s = n->store();
  if (!s) return fail("drop export", s.status());
  Result<node::AreaTarget> target = node::parse_area_target(n->aliases(), o.what);
  if (!target) return fail("drop export", target.status());
  // Written beside the target and renamed at the end: a failed export leaves no partial drop,
  // and nothing that stands at the target is replaced unless it is a regular file and --force.
  Result<std::unique_ptr<OutputFile>> out = OutputFile::open(o.output, o.force);
  if (!out) return fail("drop export", out.status());
  Result<drop::ExportStats> stats{drop::ExportStats{}};
  {
    ProgressBar bar("exporting");
    stats = drop::export_drop(
        **s, target->namespace_id, target->aoi, [&](ByteView b) { return (*out)->write(b); },
        [&](const drop::ExportProgress& p) {
          bar.update(p.payload_bytes_done, p.total_payload_bytes);
        });
  }
  if (!stats) return fail("drop export", stats.status());
  if (const Status st = (*out)->commit(); !st) return fail("drop export", st);
  // A drop on standard output leaves the report to standard error.
  std::FILE* report = (*out)->to_stdout() ? stderr : stdout;
  if (o.flags.json) {
    const Json j{{"file", o.output},
                 {"entries", stats->entries},
                 {"payloads", stats->payloads},
                 {"partial_payloads", stats->partial_payloads},
                 {"payload_bytes", stats->payload_bytes},
                 {"partial_payloads_without_slices", stats->partial_skipped},
                 {"bytes", stats->bytes_written}};
    fmt::print(report, "{}\n", j.dump());
    return;
  }
  fmt::print(report, "exported {} and {} ({}) to {} ({})\n",
             count_text(stats->entries, "entry", "entries"),
             count_text(stats->payloads + stats->partial_payloads, "payload", "payloads"),
             size_text(stats->payload_bytes), o.output, size_text(stats->bytes_written));
  if (stats->partial_payloads > 0) {
    fmt::print(report,
               "note: {} of the payloads are partial: the drop holds the bytes this store has\n",
               stats->partial_payloads);
  }
  if (stats->partial_skipped > 0) {
    fmt::print(report,
               "note: {} partial payloads went without their bytes (the store lacks the labels "
               "to prove them)\n",
               stats->partial_skipped);
  }
}

void run_import(const ImportOptions& o) {
  auto n = open_node("drop import", o.flags);
  if (!n) return;
  Result<store::Store*> s = n->store();
  if (!s) return fail("drop import", s.status());
  // "-": the drop comes on standard input (its size unknown to the progress bar).
  std::optional<File> file;
  if (o.file != "-") {
    Result<File> opened = File::open_read(o.file);
    if (!opened) return fail("drop import", opened.status());
    file.emplace(std::move(*opened));
  }
  const std::uint64_t size = file ? file->size() : 0;
  const ByteSource source = file ? file->source() : [](MutableByteView out) -> Result<std::size_t> {
    const std::size_t n = std::fread(out.data(), 1, out.size(), stdin);
    if (n < out.size() && std::ferror(stdin)) return io_error("standard input", errno);
    return n;
  };
  Result<drop::ImportStats> stats{drop::ImportStats{}};
  {
    ProgressBar verifying("verifying");
    EntryProgress ingesting("ingesting");
    drop::ImportOptions opts;
    opts.staging_parent = n->paths().tmp();
    // What killed imports left (kill -9 cannot be caught) goes now; a live import's never.
    (void)drop::remove_stale_staging(opts.staging_parent);
    std::unique_ptr<RemoveOnSignal> cleanup;
    opts.staging_made = [&](const std::string& dir, const std::vector<std::string>& files) {
      cleanup = std::make_unique<RemoveOnSignal>(files, std::vector<std::string>{dir});
    };
    opts.progress = [&](const drop::ImportProgress& p) {
      if (p.phase == drop::ImportProgress::Phase::kVerify) {
        verifying.update(p.drop_bytes, size);
      } else {
        ingesting.update(p.entries, p.total_entries);
      }
    };
    stats = drop::import_drop(**s, source, opts);
  }
  if (!stats)
    return fail("drop import",
                error(stats.status().code(), o.file + ": " + stats.status().message()));
  if (o.flags.json) {
    print_json_line(Json{{"file", o.file},
                         {"entries", stats->entries},
                         {"inserted", stats->inserted},
                         {"already_known", stats->obsolete},
                         {"rejected", stats->rejected},
                         {"pruned", stats->pruned},
                         {"payloads_written", stats->payloads_written},
                         {"partial_payloads_written", stats->partial_payloads_written},
                         {"payload_bytes", stats->payload_bytes},
                         {"slices_not_stored", stats->slices_not_stored}});
    return;
  }
  fmt::print(
      "imported {} ({} new, {} already known or superseded) and {} ({})\n",
      count_text(stats->entries, "entry", "entries"), stats->inserted, stats->obsolete,
      count_text(stats->payloads_written + stats->partial_payloads_written, "payload", "payloads"),
      size_text(stats->payload_bytes));
  if (stats->pruned > 0) {
    fmt::print(
        "pruned {} entr{} this store held before (overwritten or deleted by the drop's entries)\n",
        stats->pruned, stats->pruned == 1 ? "y" : "ies");
  }
  if (stats->partial_payloads_written > 0) {
    fmt::print("note: {} of the payloads are partial: the drop held only their first bytes\n",
               stats->partial_payloads_written);
  }
  if (stats->slices_not_stored > 0) {
    fmt::print(
        "note: {} payload slices were verified but not stored (they do not continue a payload's "
        "first bytes)\n",
        stats->slices_not_stored);
  }
}

}  // namespace

void register_drop(CLI::App& app) {
  CLI::App* drop = app.add_subcommand("drop", "Write and read drops (the Willow Drop Format)");
  drop->require_subcommand(1);

  auto ex = std::make_shared<ExportOptions>();
  CLI::App* e = drop->add_subcommand(
      "export", "Write the entries of an area, with their payloads, to a drop file");
  e->add_option("what", ex->what, "An area URI (willow://...) or a namespace (alias or id)")
      ->required();
  e->add_option("-o,--output", ex->output, "The drop file to write ('-': standard output)")
      ->required();
  e->add_flag("--force", ex->force, "Replace an existing regular file");
  add_node_flags(e, ex->flags);
  e->callback([ex] { run_export(*ex); });

  auto im = std::make_shared<ImportOptions>();
  CLI::App* i = drop->add_subcommand("import", "Verify a drop file completely, then ingest it");
  i->add_option("file", im->file, "The drop file ('-': standard input)")->required();
  add_node_flags(i, im->flags);
  i->callback([im] { run_import(*im); });
}

}  // namespace osier::cli
