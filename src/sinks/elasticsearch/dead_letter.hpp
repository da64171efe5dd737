// Documents Elasticsearch refused for good (mapping errors, 400s): kept, not lost. One NDJSON line
// each in `<state-dir>/dead-letter.ndjson` (0600): time, _id, HTTP status, Elasticsearch's reason
// and the document itself, so an operator can fix the cause and re-send them. The file stops
// growing at `max_bytes`; what does not fit is still counted and logged.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "platform/fs.hpp"
#include "sinks/sink.hpp"

namespace fimon {

class DeadLetterFile {
 public:
  DeadLetterFile(std::string path, std::uint64_t max_bytes) : path_(std::move(path)), max_bytes_(max_bytes) {}

  // Records one refused document; false when it could not be written (full, I/O error).
  bool add(const Document& doc, int status, const std::string& reason);
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  const std::uint64_t max_bytes_;
  std::mutex mutex_;
  std::optional<platform::AppendFile> file_;
  std::optional<std::uint64_t> size_;
};

}  // namespace fimon
