// Turns a WorkItem into a FileEvent: metadata, and every selected hash from one read of the file.
// Stateless apart from its options and one read buffer, so each analysis worker owns one Analyzer.
#pragma once

#include <cstdint>
#include <vector>

#include "core/event.hpp"

namespace fimon {

struct AnalyzerOptions {
  std::vector<HashAlgo> hashes{HashAlgo::kSha256};
  std::uint64_t max_file_size = 1ULL << 30;
};

class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options);
  FileEvent analyse(const WorkItem& item);

 private:
  void hash_file(const std::string& path, FileEvent& event);
  AnalyzerOptions options_;
  std::vector<unsigned char> buffer_;
};

}  // namespace fimon
