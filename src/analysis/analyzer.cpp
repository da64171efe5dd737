#include "analysis/analyzer.hpp"

#include <atomic>
#include <unordered_set>

#include "analysis/chunker.hpp"
#include "analysis/entropy.hpp"
#include "analysis/range_diff.hpp"
#include "core/log.hpp"
#include "platform/crypto.hpp"
#include "platform/fs.hpp"
#include "state/baseline_store.hpp"

namespace fimon {
namespace {
constexpr std::size_t kReadBufferSize = std::size_t{256} << 10;

const char* skip_reason(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kNotFound:
      return "vanished";
    case ErrorKind::kPermission:
      return "permission_denied";
    case ErrorKind::kUnsupported:
      return "not_regular_file";
    default:
      return "read_error";
  }
}

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

struct Analyzer::ReadResult {
  std::vector<Chunk> manifest;
  ByteHistogram whole{};
  ByteHistogram changed{};
  bool any_changed_chunk = false;
  bool complete = false;  // the whole file was read and hashed
};

Analyzer::Analyzer(AnalyzerOptions options, BaselineStore* store)
    : options_(std::move(options)),
      store_(store),
      content_exclude_({"/"},
                       [this] {
                         std::vector<std::string> globs = default_content_exclude();
                         globs.insert(globs.end(), options_.content_exclude.begin(),
                                      options_.content_exclude.end());
                         return globs;
                       }()),
      buffer_(kReadBufferSize) {}

bool Analyzer::content_capture_allowed(const std::string& path) const {
  return options_.excerpt_bytes > 0 && !content_exclude_.is_excluded(path);
}

std::optional<FileEvent> Analyzer::analyse(const WorkItem& item) {
  FileEvent event;
  event.action = item.action;
  event.time = item.time;
  event.path = item.path;
  event.previous_path = item.previous_path;
  event.writers = item.writers;
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

  if (item.action == Action::kDeleted) {
    if (store_ != nullptr) log_store_error(store_->remove_tree(item.path));
    return event;
  }
  if (store_ != nullptr && !item.previous_path.empty() && !replaced_existing) {
    log_store_error(store_->rename_tree(item.previous_path, item.path));
  }

  auto meta = platform::stat_no_follow(item.path);
  if (!meta) {
    event.hash_skipped = skip_reason(meta.error());
    return event;
  }
  event.meta = std::move(meta.value());
  if (item.action == Action::kScanned && before && unchanged_since(*event.meta, *before)) {
    return std::nullopt;  // a scan trusts ctime, which user space cannot set back, and skips the read
  }

  ReadResult read;
  if (event.meta->type == FileType::kFile) {
    if (event.meta->size > options_.max_file_size) {
      event.hash_skipped = "too_large";
    } else {
      read_content(item.path, before ? &*before : nullptr, event, read);
    }
  } else if (event.meta->type == FileType::kSymlink) {
    event.hash_skipped = "symlink";  // never followed
  } else if (event.meta->type != FileType::kDir) {
    event.hash_skipped = "not_regular_file";  // FIFOs, sockets, devices: never opened
  }
  if (read.complete) event.entropy = shannon_entropy(read.whole);

  // Decide what this is, now that the before and after are both known.
  // A name the kernel saw created is reported as created even when a baseline exists for it (the
  // start-up scan may have recorded it a moment earlier); only a rename onto a file we knew is a
  // modification of that file (an editor's or sed -i's save).
  const bool replaced_by_rename = replaced_existing && !item.previous_path.empty();
  if (replaced_by_rename) {
    event.action = Action::kModified;
    event.previous_path.clear();
  }
  const bool content_known = before && read.complete && !before->hashes.empty();
  if (before && event.action != Action::kRenamed && event.action != Action::kCreated) {
    const bool content_same =
        event.meta->type != FileType::kFile || (content_known && same_content(event.hashes, before->hashes));
    if (content_same) {
      if (same_metadata(*event.meta, *before)) {
        return std::nullopt;  // nothing changed: no event (the baseline is already right)
      }
      event.action = Action::kAttributesModified;
    } else if (event.action == Action::kAttributesModified || event.action == Action::kScanned) {
      event.action = Action::kModified;
    }
  } else if (!before && event.action == Action::kScanned) {
    event.action = Action::kCreated;  // a file the baseline has never seen
  }

  if (event.action != Action::kModified) event.change.reset();  // excerpts describe modifications only
  if (read.complete && before && event.action == Action::kModified) {
    const RangeDiff diff = diff_manifests(before->manifest, read.manifest, options_.max_ranges);
    ContentChange& change = event.change ? *event.change : event.change.emplace();
    for (const auto& r : diff.ranges) change.ranges.push_back({r.offset, r.length});
    change.ranges_truncated = diff.ranges_truncated;
    change.bytes_added = diff.bytes_added;
    change.bytes_removed = diff.bytes_removed;
    if (read.any_changed_chunk) change.entropy = shannon_entropy(read.changed);
    change.content_capture_excluded = !content_capture_allowed(item.path);
    if (change.content_capture_excluded || options_.excerpt_bytes == 0) change.excerpt.clear();
  }

  if (store_ != nullptr) {
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
    next.manifest = std::move(read.manifest);
    next.generation = before ? before->generation + 1 : 1;
    log_store_error(store_->put(item.path, next));
  }
  if (item.record_only && event.action == Action::kCreated) return std::nullopt;
  return event;
}

void Analyzer::read_content(const std::string& path, const Baseline* previous, FileEvent& event,
                            ReadResult& out) {
  auto file = platform::ReadableFile::open(path);
  if (!file) {
    event.hash_skipped = skip_reason(file.error());
    return;
  }
  // The metadata reported is that of the file whose bytes we hash, not of the name's earlier target.
  if (auto opened = file->stat(); opened) {
    opened->owner = event.meta->owner;
    opened->group = event.meta->group;
    event.meta = std::move(opened.value());
    if (event.meta->size > options_.max_file_size) {
      event.hash_skipped = "too_large";
      return;
    }
  }
  std::vector<std::unique_ptr<platform::Hasher>> hashers;
  for (HashAlgo algo : options_.hashes) {
    auto h = platform::make_hasher(algo);
    if (!h) {
      event.hash_skipped = "hash_unavailable";
      return;
    }
    hashers.push_back(std::move(h.value()));
  }

  // Chunks are classified as they complete: a chunk the previous manifest lacks is changed content,
  // whose bytes feed the change entropy and (the first one) the excerpt.
  const std::unordered_set<std::uint64_t> known =
      previous ? chunk_digests(previous->manifest) : std::unordered_set<std::uint64_t>{};
  const bool capture = previous != nullptr && !previous->manifest.empty() && content_capture_allowed(path);
  std::string excerpt;
  std::uint64_t excerpt_offset = 0;
  Chunker chunker(
      [&](const Chunk& chunk, const Chunker::ChunkBytes& bytes) {
        out.manifest.push_back(chunk);
        for (int b = 0; b < 256; ++b) out.whole[b] += bytes.histogram[b];
        if (previous == nullptr || known.count(chunk.digest)) return;
        out.any_changed_chunk = true;
        for (int b = 0; b < 256; ++b) out.changed[b] += bytes.histogram[b];
        if (capture && excerpt.empty()) {
          excerpt.assign(reinterpret_cast<const char*>(bytes.first), bytes.first_size);
          excerpt_offset = chunk.offset;
        }
      },
      ChunkerSizes{}, options_.excerpt_bytes);

  std::uint64_t total = 0;
  for (;;) {
    auto n = file->read(buffer_.data(), buffer_.size());
    if (!n) {
      event.hash_skipped = skip_reason(n.error());
      return;
    }
    if (*n == 0) break;
    total += *n;
    if (total > options_.max_file_size) {  // grew while we read it
      event.hash_skipped = "too_large";
      return;
    }
    for (auto& h : hashers) h->update(buffer_.data(), *n);
    chunker.update(buffer_.data(), *n);
  }
  chunker.finish();
  for (std::size_t k = 0; k < hashers.size(); ++k) {
    event.hashes.push_back(FileHash{options_.hashes[k], hashers[k]->finish_hex()});
  }
  event.meta->size = total;  // what was hashed, even if it changed since fstat
  out.complete = true;
  if (!excerpt.empty()) {
    ContentChange& change = event.change.emplace();
    change.excerpt = std::move(excerpt);
    change.excerpt_offset = excerpt_offset;
  }
}

}  // namespace fimon
