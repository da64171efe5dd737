// Writes each document as one line of NDJSON to stdout (--output console): for debugging and pipes.
#pragma once

#include <mutex>

#include "sinks/sink.hpp"

namespace fimon {

class ConsoleSink final : public Sink {
 public:
  bool submit(Document doc) override;
  void close(std::uint64_t deadline_ms) override;
  const SinkStats& stats() const override { return stats_; }

 private:
  std::mutex mutex_;
  SinkStats stats_;
};

}  // namespace fimon
