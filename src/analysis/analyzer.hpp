// Turns a WorkItem into a FileEvent. It reads the file once (content_pass.hpp), compares with the
// baseline store, and decides the final action: a file replaced by rename over a known file (an
// editor's or sed -i's save) is `modified`, identical content with new metadata is
// `attributes_modified`, and nothing changed at all is no event. Modifications carry the previous
// state, the changed byte ranges, an excerpt of the changed bytes and, for small text files opted in
// to diffs, a unified diff against a shadow copy — with secrets scrubbed, and nothing quoted at all
// for secret-bearing paths (content-exclude).
//
// One Analyzer per worker thread (it owns its read buffer); the stores are shared and thread-safe.
// Items for one path must reach the same worker in order (the pipeline partitions by path).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"

namespace fimon {

class BaselineStore;
class ShadowStore;
class WriteLedger;
struct Baseline;

struct AnalyzerOptions {
  std::vector<HashAlgo> hashes{HashAlgo::kSha256};
  std::uint64_t max_file_size = 1ULL << 30;
  std::size_t excerpt_bytes = 256;  // 0: no excerpts
  std::size_t max_ranges = 64;
  std::vector<std::string> content_exclude;  // added to default_content_exclude()
  std::vector<std::string> diff_paths;       // text files matching these get unified diffs
  std::uint64_t diff_max_file_size = 1ULL << 20;
  std::size_t diff_max_bytes = std::size_t{16} << 10;
};

// Files whose bytes are secrets: never quoted, whatever the configuration adds.
const std::vector<std::string>& default_content_exclude();

class Analyzer {
 public:
  // `store` may be null (no baseline: every event stands alone), `shadows` too (no text diffs).
  // Both are borrowed and outlive the analyzer.
  // `ledger` (may be null): what a write tracer saw written, taken for each reported file.
  Analyzer(AnalyzerOptions options, BaselineStore* store, ShadowStore* shadows = nullptr,
           WriteLedger* ledger = nullptr);
  // nullopt: nothing changed since the baseline, so there is nothing to report.
  std::optional<FileEvent> analyse(const WorkItem& item);

 private:
  bool capture_allowed(const std::string& path) const;
  bool diff_wanted(const std::string& path) const;
  void describe_change(const std::string& path, const Baseline& before, struct ContentPass& pass,
                       FileEvent& event) const;
  void remember(const std::string& path, const FileEvent& event, const Baseline* before,
                struct ContentPass& pass);

  AnalyzerOptions options_;
  BaselineStore* store_;
  ShadowStore* shadows_;
  WriteLedger* ledger_;
  std::vector<std::string> never_quoted_;  // default_content_exclude() + options.content_exclude
  std::vector<unsigned char> buffer_;
};

}  // namespace fimon
