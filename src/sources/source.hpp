// A source observes one OS mechanism and translates its records into RawChanges. It never hashes,
// never blocks its kernel feed on anything slow, and never does network I/O. It owns its reader
// thread between start() and stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/path_filter.hpp"
#include "core/result.hpp"
#include "core/write_ledger.hpp"

namespace fimon {

struct SourceStats {
  std::atomic<std::uint64_t> events{0};          // kernel records read
  std::atomic<std::uint64_t> changes{0};         // RawChanges handed on (inside the watched trees)
  std::atomic<std::uint64_t> overflows{0};       // kernel queue overflows (events lost in the kernel)
  std::atomic<std::uint64_t> unresolved{0};      // records whose path could not be resolved
  std::atomic<std::uint64_t> refused{0};         // changes the pipeline could not hold
  std::atomic<std::uint64_t> rescans{0};         // reconciliation scans run after a loss
  std::atomic<std::uint64_t> traced_writes{0};   // write records from the kernel tracer (eBPF)
  std::atomic<std::uint64_t> traced_dropped{0};  // ...that the agent could not keep (ledger full)
  std::atomic<std::uint64_t> traced_lost{0};     // tracer records the kernel lost (ETW events, buffers)
  std::atomic<std::uint64_t> tracer_blinded{0};  // times the tracer was stopped, disabled or went silent
};

// Receives changes from source threads; must be thread-safe and fast. Returns false when the change
// could not be held (the source counts it and rescans).
class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual bool on_change(RawChange&& change) = 0;
};

struct SourceContext {
  const PathFilter* filter = nullptr;             // borrowed: outlives the source
  ChangeSink* sink = nullptr;                     // borrowed: outlives the source
  long long own_pid = 0;                          // the agent's own writes are never events
  WriteLedger* ledger = nullptr;                  // borrowed: where a write tracer records (may be null)
  std::uint64_t trace_buffer_bytes = 8ULL << 20;  // the write tracer's kernel queue
  std::uint64_t trace_capture_bytes = 0;          // first bytes of each write it copies (0: none)
  std::string state_dir;                          // where a source may keep a cursor (Windows: USN)
};

class Source {
 public:
  virtual ~Source() = default;
  virtual const char* name() const = 0;
  virtual Status start() = 0;
  virtual void stop() = 0;
  const SourceStats& stats() const { return stats_; }

 protected:
  SourceStats stats_;
};

// Picks the best available mechanism for `backend` ("auto" or a name), explaining in the log why
// better ones were skipped. Implemented per OS.
Result<std::unique_ptr<Source>> make_source(const std::string& backend, const SourceContext& context);

// Directories no source or scan enters on this OS (Linux: pseudo filesystems such as /proc and
// /sys, whose files may block or have side effects when read). Implemented per OS.
std::function<bool(const std::string&)> make_unmonitorable_dir_predicate();

}  // namespace fimon
