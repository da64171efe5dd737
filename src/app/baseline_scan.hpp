// One pass that reconciles the watched trees with the baseline store: every entry becomes a
// `scanned` work item (the analyzer skips the read when size, mtime, ctime and inode match the
// baseline, and reports created / modified / attributes_modified otherwise), and every stored
// path that no longer exists becomes a deletion. Used by `fimon scan` and by `fimon run` at start
// to catch up on what changed while the agent was not running. When the store is empty, the pass
// only records the first baseline (no flood of `created` events).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "core/event.hpp"
#include "core/path_filter.hpp"
#include "state/baseline_store.hpp"

namespace fimon {

struct ScanProgress {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;             // sizes of the regular files submitted
  std::uint64_t expected_entries = 0;  // what the baseline held at the start (0: unknown)
  double seconds = 0;
  bool done = false;
};

struct ScanOptions {
  std::uint64_t rate_bytes_per_second = 0;               // 0: as fast as the disk goes
  std::function<void(const ScanProgress&)> on_progress;  // about once a second, and at the end
  std::function<bool(const std::string&)> skip_dir;      // directories never entered (pseudo filesystems)
};

struct ScanSummary {
  std::uint64_t entries = 0;
  std::uint64_t unreadable = 0;
  std::uint64_t vanished = 0;  // stored paths found missing: reported as deleted
  bool first_baseline = false;
};

ScanSummary scan_against_baseline(const PathFilter& filter, BaselineStore& store,
                                  const std::function<void(WorkItem)>& submit, const std::atomic<bool>& stop,
                                  const ScanOptions& options = {});

// Shows progress: a self-updating line on a terminal, a log line every 10 s otherwise.
std::function<void(const ScanProgress&)> progress_reporter(const char* what, bool terminal);

}  // namespace fimon
