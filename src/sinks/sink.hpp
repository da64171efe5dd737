// Where encoded documents go. A sink owns its own thread(s); submit() may block when the sink is
// saturated (backpressure reaches the analysis workers and then the coalescer, never the kernel
// feed). close() delivers what it can before returning.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace fimon {

struct Document {
  std::string id;    // deterministic, see ecs_document.hpp
  std::string json;  // one line
};

struct SinkStats {
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> delivered{0};   // incl. 409 duplicates of a retried batch
  std::atomic<std::uint64_t> duplicates{0};  // 409s
  std::atomic<std::uint64_t> retried{0};     // documents sent again after a retryable failure
  std::atomic<std::uint64_t> rejected{0};    // refused permanently (mapping error, 400)
  std::atomic<std::uint64_t> dropped{0};     // given up at shutdown
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void submit(Document doc) = 0;
  // Delivers what is queued (trying at most until `deadline_ms` from now), then stops.
  virtual void close(std::uint64_t deadline_ms) = 0;
  virtual const SinkStats& stats() const = 0;
};

}  // namespace fimon
