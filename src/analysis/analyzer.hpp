// Turns a WorkItem into a FileEvent: metadata, every selected hash, the chunk manifest, entropy, and
// — against the baseline store — what the file was before and which bytes changed, all from one
// read of the file. Decides the final action with the baseline: a file replaced by rename (editor
// save) is `modified`, identical content with new metadata is `attributes_modified`, and nothing
// changed at all is no event.
//
// One Analyzer per worker thread (it owns its read buffer); the store is shared and thread-safe.
// Items for one path must reach the same worker in order (the pipeline partitions by path).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/event.hpp"
#include "core/path_filter.hpp"

namespace fimon {

class BaselineStore;

struct AnalyzerOptions {
  std::vector<HashAlgo> hashes{HashAlgo::kSha256};
  std::uint64_t max_file_size = 1ULL << 30;
  std::size_t excerpt_bytes = 256;  // 0: no excerpts
  std::size_t max_ranges = 64;
  std::vector<std::string> content_exclude;  // globs: never capture content of these paths
};

class Analyzer {
 public:
  // `store` may be null (no baseline: every event stands alone). Borrowed; outlives the analyzer.
  Analyzer(AnalyzerOptions options, BaselineStore* store);
  // nullopt: nothing changed since the baseline, so there is nothing to report.
  std::optional<FileEvent> analyse(const WorkItem& item);

 private:
  struct ReadResult;
  void read_content(const std::string& path, const struct Baseline* previous, FileEvent& event,
                    ReadResult& out);
  bool content_capture_allowed(const std::string& path) const;

  AnalyzerOptions options_;
  BaselineStore* store_;
  PathFilter content_exclude_;
  std::vector<unsigned char> buffer_;
};

// The content_exclude globs used when none are configured: files whose bytes are secrets.
const std::vector<std::string>& default_content_exclude();

}  // namespace fimon
