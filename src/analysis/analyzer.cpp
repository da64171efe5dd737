#include "analysis/analyzer.hpp"

#include "platform/crypto.hpp"
#include "platform/fs.hpp"

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
}  // namespace

Analyzer::Analyzer(AnalyzerOptions options) : options_(std::move(options)), buffer_(kReadBufferSize) {}

FileEvent Analyzer::analyse(const WorkItem& item) {
  FileEvent event;
  event.sequence = item.sequence;
  event.action = item.action;
  event.time = item.time;
  event.path = item.path;
  event.previous_path = item.previous_path;
  event.writers = item.writers;
  event.source = item.source;
  if (item.action == Action::kDeleted) return event;

  auto meta = platform::stat_no_follow(item.path);
  if (!meta) {
    event.hash_skipped = skip_reason(meta.error());
    return event;
  }
  event.meta = std::move(meta.value());
  switch (event.meta->type) {
    case FileType::kFile:
      break;
    case FileType::kDir:
      return event;  // directories have no content to hash
    case FileType::kSymlink:
      event.hash_skipped = "symlink";  // never followed
      return event;
    default:
      event.hash_skipped = "not_regular_file";  // FIFOs, sockets, devices: never opened
      return event;
  }
  if (event.meta->size > options_.max_file_size) {
    event.hash_skipped = "too_large";
    return event;
  }
  hash_file(item.path, event);
  return event;
}

void Analyzer::hash_file(const std::string& path, FileEvent& event) {
  auto file = platform::ReadableFile::open(path);
  if (!file) {
    event.hash_skipped = skip_reason(file.error());
    return;
  }
  // The metadata reported is that of the file whose bytes we hash, not of the name's earlier target.
  if (auto opened = file->stat(); opened) {
    if (opened->size > options_.max_file_size) {
      event.meta = std::move(opened.value());
      event.hash_skipped = "too_large";
      return;
    }
    opened->symlink_target.clear();
    event.meta = std::move(opened.value());
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
  }
  for (std::size_t k = 0; k < hashers.size(); ++k) {
    event.hashes.push_back(FileHash{options_.hashes[k], hashers[k]->finish_hex()});
  }
  if (event.meta) event.meta->size = total;  // what was hashed, even if it changed since fstat
}

}  // namespace fimon
