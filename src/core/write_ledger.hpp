// What the kernel saw written to each file since its last event: byte ranges and writers, keyed by
// (device, inode), filled by a source that traces writes (eBPF on Linux, ETW on Windows) and
// taken by the analyzer when it reports the file. Thread-safe; bounded in files, ranges and writers.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace fimon {

struct KernelWrites {
  std::vector<ChangedRange> ranges;  // merged, ascending
  bool ranges_truncated = false;     // more disjoint ranges than the cap: the last one absorbs the rest
  std::vector<ProcessInfo> writers;  // distinct processes, first first
};

class WriteLedger {
 public:
  struct Limits {
    std::size_t max_files = 65536;
    std::size_t max_ranges = 64;
    std::size_t max_writers = 8;
  };
  WriteLedger() = default;
  explicit WriteLedger(Limits limits) : limits_(limits) {}

  // Returns false when the ledger is full and `file` is not in it yet (counted in refused()). A full
  // ledger first forgets files not written for a minute: their event is not coming (an excluded
  // path, a deleted file), and one that does comes without fim.writes.
  bool add(std::uint64_t device, std::uint64_t inode, ChangedRange range, const ProcessInfo& writer,
           SteadyTime now = steady_now());
  // Everything recorded for the file since the last take, and forgets it.
  std::optional<KernelWrites> take(std::uint64_t device, std::uint64_t inode);

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
    SteadyTime updated{};
  };
  void merge(Entry& e, ChangedRange range) const;

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::uint64_t refused_ = 0;
  SteadyTime last_sweep_{};
};

}  // namespace fimon
