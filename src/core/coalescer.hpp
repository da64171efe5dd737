// Turns a storm of kernel changes into one analysis per file per quiet period.
//
// A file is ready for analysis when a writer closed it and nothing was written for `close_settle`
// since, when it has been silent for `quiet_period` (files held open, e.g. logs), or at the latest
// `max_delay` after its first pending change. Deletions flush what was pending for the path and are
// ready at once, so the order created → deleted is kept. Renames carry pending state to the new name.
//
// Memory is bounded by the number of distinct pending paths (`max_pending`), not by the number of
// kernel events: past the bound add() refuses and counts, and the caller must reconcile by scanning.
// Thread-safe: sources call add() from their threads, the pipeline calls take_ready().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace fimon {

struct CoalescerTiming {
  std::chrono::milliseconds close_settle{200};
  std::chrono::milliseconds quiet_period{2000};
  std::chrono::milliseconds max_delay{30000};
};

class Coalescer {
 public:
  Coalescer(CoalescerTiming timing, std::size_t max_pending);

  // False when the change could not be held (bound reached): the caller counts it and rescans.
  bool add(const RawChange& change, SteadyTime now);
  // Items ready at `now`, oldest first, at most `max`.
  std::vector<WorkItem> take_ready(SteadyTime now, std::size_t max);
  // Everything pending, ready or not (shutdown).
  std::vector<WorkItem> take_all();

  std::size_t pending() const;
  std::uint64_t refused() const;

 private:
  struct Pending {
    bool created = false;
    bool content = false;
    bool attributes = false;
    bool closed = false;
    bool is_dir = false;
    std::string previous_path;  // set when renamed within the window
    SteadyTime first{};
    SteadyTime last{};
    WallTimeNs time = 0;
    std::vector<ProcessRef> writers;
    std::vector<std::string> streams;
    const char* source = "";
  };
  struct HalfRename {
    std::string path;
    bool is_dir = false;
    SteadyTime at{};
    WallTimeNs time = 0;
    const char* source = "";
  };

  // The pending entry for the change's path, created if needed; nullptr when the bound is reached.
  Pending* touch(const RawChange& change, SteadyTime now);
  void flush_path_locked(const std::string& path);
  void rename_locked(const std::string& from, const std::string& to, bool is_dir, const RawChange& change,
                     SteadyTime now);
  void expire_half_renames_locked(SteadyTime now);
  bool is_ready(const Pending& p, SteadyTime now) const;
  static bool to_work_item(const std::string& path, Pending&& p, WorkItem* out);

  const CoalescerTiming timing_;
  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::map<std::string, Pending> pending_;          // ordered: directory renames move a key range
  std::deque<WorkItem> ready_;                      // deletions and flushed items, in order
  std::map<std::uint32_t, HalfRename> moved_from_;  // inotify rename halves by cookie
  std::uint64_t refused_ = 0;
};

}  // namespace fimon
