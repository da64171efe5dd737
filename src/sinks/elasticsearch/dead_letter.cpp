#include "sinks/elasticsearch/dead_letter.hpp"

#include <filesystem>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/log.hpp"

namespace fimon {

bool DeadLetterFile::add(const Document& doc, int status, const std::string& reason) {
  JsonWriter w;
  w.begin_object();
  w.field("@timestamp", format_rfc3339(wall_clock_now()));
  w.field("_id", doc.id);
  w.field("status", status);
  w.field("reason", reason);
  // The document goes in as it is (it is already one JSON object), not as a string.
  const std::string line = w.take() + ",\"document\":" + doc.json + "}\n";

  std::lock_guard<std::mutex> lock(mutex_);
  if (!size_) {
    std::error_code ec;
    const auto existing = std::filesystem::file_size(path_, ec);
    size_ = ec ? 0 : static_cast<std::uint64_t>(existing);
  }
  if (*size_ + line.size() > max_bytes_) return false;
  if (!file_) {
    auto opened = platform::AppendFile::open(path_);
    if (!opened) {
      log::error("dead-letter file: ", opened.error().message());
      return false;
    }
    file_ = std::move(opened.value());
  }
  if (auto s = file_->write(line.data(), line.size()); !s) {
    log::error("dead-letter file ", path_, ": ", s.error().message());
    return false;
  }
  *size_ += line.size();
  return true;
}

}  // namespace fimon
