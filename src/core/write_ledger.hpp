// What the kernel saw written to each file since its last event: byte ranges and writers, keyed by
// (device, inode), filled by a source that traces writes (eBPF on Linux, ETW on Windows) and
// taken by the analyzer when it reports the file. Thread-safe; bounded in files, ranges and writers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace fimon {

struct KernelWrites {
  std::vector<ChangedRange> ranges;     // merged, ascending
  bool ranges_truncated = false;        // more disjoint ranges than the cap: the last one absorbs the rest
  std::vector<ProcessInfo> writers;     // distinct processes, first first
  std::vector<CapturedWrite> captured;  // the first writes' first bytes, when the feed copies them
};

// A source that fills the ledger from a queue of its own (the eBPF ring) says how to wait for it:
// an event must not be analysed before the writes the kernel queued ahead of it are in the ledger.
class WriteFeed {
 public:
  virtual ~WriteFeed() = default;
  // Returns true once everything queued before the call is in the ledger; false after `limit`.
  virtual bool catch_up(std::chrono::milliseconds limit) = 0;
};

class WriteLedger {
 public:
  struct Limits {
    std::size_t max_files = 65536;
    std::size_t max_ranges = 64;
    std::size_t max_writers = 8;
    std::size_t max_captures = 4;
  };
  WriteLedger() = default;
  explicit WriteLedger(Limits limits) : limits_(limits) {}

  // Returns false when the ledger is full and `file` is not in it yet (counted in refused()). A full
  // ledger first forgets files not written for a minute: their event is not coming (an excluded
  // path, a deleted file), and one that does comes without fim.writes.
  bool add(std::uint64_t device, std::uint64_t inode, ChangedRange range, const ProcessInfo& writer,
           SteadyTime now = steady_now(), std::string_view captured = {});
  // Everything recorded for the file (stat()'s device and inode) since the last take, and
  // forgets it. Waits (bounded) for the feed, if any, to hand over what it has queued.
  std::optional<KernelWrites> take(std::uint64_t device, std::uint64_t inode);
  // Null when the feed stops.
  void set_feed(std::shared_ptr<WriteFeed> feed);

  std::size_t files() const;
  std::uint64_t refused() const;

 private:
  struct Key {
    std::uint64_t device;
    std::uint64_t inode;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return std::hash<std::uint64_t>()(k.inode * 31 + k.device); }
  };
  struct Entry {
    std::map<std::uint64_t, std::uint64_t> ranges;  // start -> end, disjoint and not touching
    bool truncated = false;
    std::vector<ProcessInfo> writers;
    std::vector<CapturedWrite> captured;
    SteadyTime updated{};
  };
  void merge(Entry& e, ChangedRange range) const;

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::uint64_t refused_ = 0;
  std::shared_ptr<WriteFeed> feed_;
  SteadyTime last_sweep_{};
};

}  // namespace fimon
