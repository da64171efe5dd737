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
  std::atomic<std::uint64_t> delivered{0};      // incl. 409 duplicates of a retried batch
  std::atomic<std::uint64_t> duplicates{0};     // 409s
  std::atomic<std::uint64_t> retried{0};        // documents sent again after a retryable failure
  std::atomic<std::uint64_t> rejected{0};       // refused permanently (mapping error, 400)
  std::atomic<std::uint64_t> dead_lettered{0};  // of those, kept in the dead-letter file
  std::atomic<std::uint64_t> dropped{0};        // lost: given up at shutdown with no spool
  std::atomic<std::uint64_t> queue_full{0};     // times the queue filled and analysis had to wait
  std::atomic<std::uint64_t> queue_errors{0};   // failed appends or syncs (disk full...), retried
  std::atomic<std::uint64_t> requests{0};       // requests to the destination
  std::atomic<std::uint64_t> latency_ms_total{0};
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Queues a document, waiting while the queue is full. False when it was not queued (the queue
  // stayed full after begin_shutdown()): the caller must then not record the change as reported.
  virtual bool submit(Document doc) = 0;
  // Queues a document only if there is room now (health reports: never worth blocking for).
  virtual bool offer(Document doc) { return submit(std::move(doc)); }
  // Shutdown has begun: submit() stops waiting for room that may never come (Elasticsearch down,
  // spool full) and answers false instead.
  virtual void begin_shutdown() {}
  // Makes what was submitted durable, where the sink can (the spool); called before the baseline
  // commits, so no recorded change lacks its queued event.
  // True when it is durable (or the sink cannot do better); false: do not rely on it yet.
  virtual bool sync() { return true; }
  // Delivers what is queued (trying at most until `deadline_ms` from now), then stops.
  virtual void close(std::uint64_t deadline_ms) = 0;
  virtual const SinkStats& stats() const = 0;
  // What waits to be delivered (for status and health reports).
  virtual std::uint64_t queued_documents() const { return 0; }
  virtual std::uint64_t queued_bytes() const { return 0; }
};

}  // namespace fimon
