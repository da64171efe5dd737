#include "sinks/console/console_sink.hpp"

#include <cstdio>

namespace fimon {

bool ConsoleSink::submit(Document doc) {
  ++stats_.submitted;
  doc.json += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(doc.json.data(), 1, doc.json.size(), stdout);
  std::fflush(stdout);
  ++stats_.delivered;
  return true;
}

void ConsoleSink::close(std::uint64_t /*deadline_ms*/) {
  std::fflush(stdout);
}

}  // namespace fimon
