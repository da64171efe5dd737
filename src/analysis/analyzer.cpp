#include "analysis/analyzer.hpp"

#include <algorithm>
#include <atomic>

#include "analysis/content_pass.hpp"
#include "analysis/mime_fast_path.hpp"
#include "analysis/range_diff.hpp"
#include "analysis/redact.hpp"
#include "analysis/text_diff.hpp"
#include "core/log.hpp"
#include "core/path_filter.hpp"
#include "core/write_ledger.hpp"
#include "platform/fs.hpp"
#include "platform/mime.hpp"
#include "state/baseline_store.hpp"
#include "state/shadow_store.hpp"

namespace fimon {
namespace {
constexpr std::size_t kReadBufferSize = std::size_t{256} << 10;

PreviousState previous_of(const Baseline& b) {
  PreviousState p;
  p.hashes = b.hashes;
  p.size = b.size;
  p.mtime = b.mtime;
  p.mode = b.mode;
  p.uid = b.uid;
  p.gid = b.gid;
  p.entropy = b.entropy;
  return p;
}

bool same_content(const std::vector<FileHash>& a, const std::vector<FileHash>& b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (x.algo == y.algo) return x.hex == y.hex;
    }
  }
  return false;  // nothing comparable: assume changed
}

// mtime counts for files (touch, or a rewrite with the same bytes, is a change of attributes) but
// not for directories, whose mtime moves with every entry added or removed below them.
bool same_metadata(const FileMeta& m, const Baseline& b) {
  return m.mode == b.mode && m.uid == b.uid && m.gid == b.gid && m.type == b.type &&
         (m.type == FileType::kDir || m.mtime == b.mtime);
}

bool unchanged_since(const FileMeta& m, const Baseline& b) {
  return m.size == b.size && m.mtime == b.mtime && m.ctime == b.ctime && m.inode == b.inode &&
         same_metadata(m, b);
}

void log_store_error(const Status& s) {
  static std::atomic<unsigned long long> failures{0};
  if (!s.ok() && log::should_log_occurrence(++failures)) log::error(s.error().message());
}

}  // namespace

const std::vector<std::string>& default_content_exclude() {
  static const std::vector<std::string> globs = {
      "/etc/shadow*",
      "/etc/gshadow*",
      "/etc/security/opasswd",
      "/etc/ssh/ssh_host_*_key",
      "*.key",
      "*.pem",
      "*.p12",
      "*.pfx",
      "*.jks",
      "*.keystore",
      "*.kdbx",
      "id_rsa*",
      "id_dsa*",
      "id_ecdsa*",
      "id_ed25519*",
      ".netrc",
      ".pgpass",
      ".git-credentials",
      "credentials",
      "credentials.json",
      "*.gpg",
      "secring.*",
      "Login Data",
      "key4.db",
      "logins.json",
      "*.ovpn",
      "krb5.keytab",
      "*.keytab",
  };
  return globs;
}

namespace {
constexpr std::size_t kMaxTracedWriters = 8;  // as the coalescer keeps

// What the tracer filed under the event's file, taken before its content is read.
// `seen`: when the change was seen, after the writes that made it (WriteLedger::kNoWait for scans).
std::optional<KernelWrites> take_kernel_writes(WriteLedger& ledger, const FileEvent& event, WallTimeNs seen) {
  return event.meta
             ? ledger.take(event.meta->device, event.meta->inode, {event.path, event.previous_path}, seen)
             : ledger.take_path(event.path, seen);
}

// The tracer's view joins the event: exact written ranges, and writers with their full identity
// (replacing the thinner record of the same process, or added after the others).
void attach_kernel_writes(const WriteLedger& ledger, FileEvent& event, KernelWrites&& traced,
                          bool may_quote) {
  for (auto& s : traced.streams) {
    if (std::find(event.streams.begin(), event.streams.end(), s) == event.streams.end())
      event.streams.push_back(std::move(s));
  }
  event.writes = std::move(traced.ranges);
  event.writes_truncated = traced.ranges_truncated;
  if (may_quote) {  // the kernel copied them for any path; content-exclude paths never show them
    event.captured_writes = std::move(traced.captured);
    for (auto& c : event.captured_writes) c.redactions = redact_secrets(c.bytes);
  }
  for (const auto& traced_writer : traced.writers) {
    ProcessInfo w = *traced_writer;
    auto same = std::find_if(event.writers.begin(), event.writers.end(),
                             [&](const ProcessInfo& p) { return p.pid == w.pid; });
    if (same != event.writers.end()) {
      // The kernel's identity wins; what /proc told fanotify earlier fills what is missing.
      if (w.executable.empty()) w.executable = same->executable;
      if (w.name.empty()) w.name = same->name;
      if (w.user_name.empty()) w.user_name = same->user_name;
      w.resolved = w.resolved || same->resolved;
      *same = std::move(w);
      // The coalescer may hold one pid twice (looked up while alive, then after it exited): the
      // kernel's record stands for both.
      const std::int64_t pid = same->pid;
      event.writers.erase(
          std::remove_if(same + 1, event.writers.end(), [&](const ProcessInfo& p) { return p.pid == pid; }),
          event.writers.end());
    } else if (event.writers.size() < kMaxTracedWriters) {
      event.writers.push_back(std::move(w));
    }
  }
  event.source = ledger.tracer_name();
}
}  // namespace

Analyzer::Analyzer(AnalyzerOptions options, BaselineStore* store, ShadowStore* shadows, WriteLedger* ledger)
    : options_(std::move(options)),
      store_(store),
      shadows_(shadows),
      ledger_(ledger),
      buffer_(kReadBufferSize) {
  never_quoted_ = default_content_exclude();
  never_quoted_.insert(never_quoted_.end(), options_.content_exclude.begin(), options_.content_exclude.end());
}

bool Analyzer::capture_allowed(const std::string& path) const {
  return !any_glob_matches(never_quoted_, path);
}

bool Analyzer::diff_wanted(const std::string& path) const {
  return shadows_ != nullptr && any_glob_matches(options_.diff_paths, path) && capture_allowed(path);
}

std::optional<FileEvent> Analyzer::analyse(const WorkItem& item) {
  FileEvent event;
  event.action = item.action;
  event.time = item.time;
  event.path = item.path;
  event.previous_path = item.previous_path;
  event.writers.reserve(item.writers.size());
  for (const auto& w : item.writers) event.writers.push_back(*w);
  event.streams = item.streams;
  event.source = item.source;

  // The state before: the path's own baseline, or for a rename onto a new name the old name's.
  std::optional<Baseline> before;
  bool replaced_existing = false;  // something with a baseline stood at this path already
  if (store_ != nullptr) {
    auto own = store_->get(item.path);
    if (own.ok() && own->has_value()) {
      before = std::move(own.value());
      replaced_existing = true;
    } else if (!item.previous_path.empty()) {
      auto old = store_->get(item.previous_path);
      if (old.ok() && old->has_value()) before = std::move(old.value());
    }
  }
  if (before) event.previous = previous_of(*before);
  event.generation = before ? before->generation + 1 : 1;  // what remember() stores

  if (item.action == Action::kDeleted) {
    if (store_ != nullptr) log_store_error(store_->remove_tree(item.path));
    if (shadows_ != nullptr) shadows_->remove(item.path);
    if (ledger_ != nullptr) {  // who deleted it (ETW)
      if (auto traced = take_kernel_writes(*ledger_, event, event.time))
        attach_kernel_writes(*ledger_, event, std::move(*traced), false);
    }
    return event;
  }
  if (!item.previous_path.empty() && !replaced_existing) {
    if (store_ != nullptr) log_store_error(store_->rename_tree(item.previous_path, item.path));
    if (shadows_ != nullptr) shadows_->rename(item.previous_path, item.path);
  }

  auto meta = platform::stat_no_follow(item.path);
  if (!meta) {
    event.hash_skipped = skip_reason(meta.error());
    return event;
  }
  event.meta = std::move(meta.value());
  // The first baseline reports a file it meets for the first time silently: writes it took would
  // be lost to the live event that follows (a file written while the first start-up scan walks
  // the tree). One a live event recorded meanwhile, it compares and may report, with the writes.
  std::optional<KernelWrites> traced;
  if (ledger_ != nullptr && (!item.record_only || before.has_value())) {
    traced = take_kernel_writes(*ledger_, event,
                                item.action == Action::kScanned ? WriteLedger::kNoWait : event.time);
  }
  if (item.action == Action::kScanned && before && unchanged_since(*event.meta, *before)) {
    return std::nullopt;  // a scan trusts ctime, which user space cannot set back, and skips the read
  }

  ContentPass pass;
  bool opened_the_stated_file = false;  // the file opened is the one the path's stat (and the writes) named
  if (event.meta->type == FileType::kFile && event.meta->size > options_.max_file_size) {
    event.hash_skipped = "too_large";
  } else if (event.meta->type == FileType::kFile) {
    ContentPassOptions o;
    o.hashes = options_.hashes;
    o.max_file_size = options_.max_file_size;
    o.old_manifest = before && !before->manifest.empty() ? &before->manifest : nullptr;
    o.old_blocks = before ? &before->blocks : nullptr;
    o.block_digests = event.meta->size <= kBlockDigestMaxFileSize;
    o.excerpt_bytes = capture_allowed(item.path) ? options_.excerpt_bytes : 0;
    o.keep_content_up_to = diff_wanted(item.path) ? options_.diff_max_file_size : 0;
    o.inode_generation = traced && traced->generation;
    pass = read_content(item.path, o, buffer_);
    if (pass.meta) {
      // The owner as the path's stat described it: on Windows the open file's stat reads none, and
      // a uid of 0 in the baseline made every later scan re-read the file. (Not from a file the
      // name pointed at before it was replaced.)
      opened_the_stated_file =
          pass.meta->inode == event.meta->inode && pass.meta->device == event.meta->device;
      if (opened_the_stated_file) {
        pass.meta->uid = event.meta->uid;
        pass.meta->gid = event.meta->gid;
      }
      pass.meta->owner = event.meta->owner;
      pass.meta->owner_id = event.meta->owner_id;
      pass.meta->group = event.meta->group;
      event.meta = std::move(*pass.meta);  // the metadata of exactly the bytes hashed
    }
    event.hash_skipped = pass.skipped;
    event.hashes = pass.hashes;
    if (pass.complete) event.entropy = shannon_entropy(pass.whole);
  } else if (event.meta->type == FileType::kSymlink) {
    event.hash_skipped = "symlink";  // never followed
  } else if (event.meta->type != FileType::kDir) {
    event.hash_skipped = "not_regular_file";  // FIFOs, sockets, devices: never opened
  }
  // Writes to another file that had this inode number are not this file's: a temporary file written
  // and deleted before its event came (the coalescer cancels the pair). Only the open file tells
  // its generation, so this is decided after the content pass.
  if (traced &&
      !(opened_the_stated_file && other_generation(traced->generation, event.meta->inode_generation)))
    attach_kernel_writes(*ledger_, event, std::move(*traced), capture_allowed(item.path));

  // Decide what this is, now that the before and after are both known. A name the kernel saw
  // created is reported as created even when a baseline exists for it (the start-up scan may have
  // recorded it a moment earlier); only a rename onto a file we knew is a modification of it.
  if (replaced_existing && !item.previous_path.empty()) {
    event.action = Action::kModified;
    event.previous_path.clear();
  }
  if (before && event.action != Action::kRenamed && event.action != Action::kCreated) {
    const bool content_same =
        event.meta->type != FileType::kFile || (pass.complete && same_content(event.hashes, before->hashes));
    // A named stream written (Windows) changed the file, though the main one (hashed) is the same.
    const bool stream_written = !event.streams.empty();
    if (content_same && !stream_written) {
      if (same_metadata(*event.meta, *before)) {
        remember(item.path, event, &*before, pass);  // ctime moved: keep the fast path of scans fast
        return std::nullopt;                         // nothing changed: no event
      }
      event.action = Action::kAttributesModified;
    } else if (stream_written || event.action == Action::kAttributesModified ||
               event.action == Action::kScanned) {
      event.action = Action::kModified;
    }
  } else if (!before && event.action == Action::kScanned) {
    event.action = Action::kCreated;  // a file the baseline has never seen
  }

  if (before && event.action == Action::kModified && pass.complete)
    describe_change(item.path, *before, pass, event);
  remember(item.path, event, before ? &*before : nullptr, pass);
  if (item.record_only && event.action == Action::kCreated) return std::nullopt;
  // Sniffed last: libmagic costs more than hashing a small file, and most reads (baseline
  // building, unchanged rewrites) report nothing.
  if (!pass.head.empty()) {
    const bool whole_file = event.meta && pass.head.size() >= event.meta->size;
    auto plain = plain_text_mime_type(pass.head, whole_file);  // value_or would sniff anyway
    event.mime_type =
        plain ? std::move(*plain) : platform::sniff_mime_type(pass.head.data(), pass.head.size());
  }
  return event;
}

void Analyzer::describe_change(const std::string& path, const Baseline& before, ContentPass& pass,
                               FileEvent& event) const {
  const RangeDiff diff = diff_manifests(before.manifest, pass.manifest, options_.max_ranges);
  ContentChange& change = event.change.emplace();
  for (const auto& r : diff.ranges) change.ranges.push_back({r.offset, r.length});
  change.ranges_truncated = diff.ranges_truncated;
  change.bytes_added = diff.bytes_added;
  change.bytes_removed = diff.bytes_removed;
  if (pass.any_changed_chunk) change.entropy = shannon_entropy(pass.changed);
  change.content_capture_excluded = !capture_allowed(path);
  if (change.content_capture_excluded) return;
  change.excerpt = std::move(pass.excerpt);
  change.excerpt_offset = pass.excerpt_offset;
  change.redactions += redact_secrets(change.excerpt);
  if (pass.content && looks_like_text(*pass.content) && shadows_ != nullptr) {
    if (auto old = shadows_->get(path)) {
      UnifiedDiff text = unified_diff(*old, *pass.content, options_.diff_max_bytes);
      change.redactions += redact_secrets(text.text);
      change.diff = std::move(text.text);
      change.diff_truncated = text.truncated;
    }
  }
}

void Analyzer::remember(const std::string& path, const FileEvent& event, const Baseline* before,
                        ContentPass& pass) {
  // The shadow copy is rewritten only when the content moved on (or there was no baseline yet).
  const bool content_changed = before == nullptr || !same_content(event.hashes, before->hashes);
  if (shadows_ != nullptr && diff_wanted(path) && content_changed) {
    if (pass.content && looks_like_text(*pass.content)) {
      log_store_error(shadows_->put(path, *pass.content));
    } else if (pass.complete) {
      shadows_->remove(path);  // became binary or too large: an old copy would mislead
    }
  }
  if (store_ == nullptr || !event.meta) return;
  Baseline next;
  next.type = event.meta->type;
  next.size = event.meta->size;
  next.mtime = event.meta->mtime;
  next.ctime = event.meta->ctime;
  next.inode = event.meta->inode;
  next.device = event.meta->device;
  next.mode = event.meta->mode;
  next.uid = event.meta->uid;
  next.gid = event.meta->gid;
  next.hashes = event.hashes;
  next.entropy = event.entropy;
  next.manifest = std::move(pass.manifest);
  next.blocks = std::move(pass.blocks);
  if (!pass.complete && before != nullptr && event.hashes.empty()) next.manifest = before->manifest;
  next.generation = before ? before->generation + 1 : 1;
  log_store_error(store_->put(path, next));
}

}  // namespace fimon
