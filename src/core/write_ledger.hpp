// What the kernel saw written to each file since its last event: byte ranges and writers, filled
// by a source that traces writes and taken by the analyzer when it reports the file. eBPF (Linux)
// keys files by (device, inode); ETW (Windows) knows only names, so it keys them by path (drive
// paths ignoring ASCII case, as Windows does). Thread-safe; bounded in files, ranges and writers.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace fimon {

struct KernelWrites {
  std::vector<ChangedRange> ranges;     // merged, ascending
  bool ranges_truncated = false;        // more disjoint ranges than the cap: the last one absorbs the rest
  std::vector<ProcessRef> writers;      // distinct processes, first first
  std::vector<CapturedWrite> captured;  // the first writes' first bytes, when the feed copies them
  std::vector<std::string> streams;     // Windows: named data streams written (alternate data streams)
  // Of the inode written, where the tracer knows it: the analyzer compares it with the open file's
  // (a file given a deleted file's inode number, and never written itself, would get its writes).
  std::optional<std::uint32_t> generation;
};

// Two known generations of one inode number that differ: the number went to another file in between.
inline bool other_generation(std::optional<std::uint32_t> a, std::optional<std::uint32_t> b) {
  return a && b && *a != *b;
}

// A source that fills the ledger from a queue of its own (the eBPF ring) says how to wait for it:
// an event must not be analysed before the writes the kernel queued ahead of it are in the ledger.
class WriteFeed {
 public:
  virtual ~WriteFeed() = default;
  // Returns true once all writes done before `since` (when the event being analysed was seen) are
  // in the ledger; false after `limit`.
  virtual bool catch_up(WallTimeNs since, std::chrono::milliseconds limit) = 0;
};

class WriteLedger {
 public:
  static constexpr WallTimeNs kNoWait = -1;
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
  // path, a deleted file), and one that does comes without fim.writes. `generation`, when the tracer
  // knows it: writes filed under another generation of the same inode number were a deleted
  // file's, whose event never came, and are forgotten (counted in superseded()).
  bool add(std::uint64_t device, std::uint64_t inode, ChangedRange range, const ProcessRef& writer,
           SteadyTime now = steady_now(), std::string_view captured = {},
           std::optional<std::uint32_t> generation = std::nullopt);
  // The same, for a tracer that names files by path. `writer` alone (an empty range) records who
  // created, renamed or deleted the name; `stream` names the alternate data stream written.
  bool add_path(std::string_view path, ChangedRange range, const ProcessRef& writer,
                SteadyTime now = steady_now(), std::string_view stream = {});
  // Everything recorded for the file (stat()'s device and inode, and any of `paths`) since the
  // last take, merged, and forgets it. Waits (bounded) for the feed, if any, to hand over what it
  // has queued.
  // `since`: when the change being analysed was seen (0: now; kNoWait: take what is there, as a
  // scan does: it reports files, not a moment's writes).
  std::optional<KernelWrites> take(std::uint64_t device, std::uint64_t inode,
                                   std::initializer_list<std::string_view> paths = {}, WallTimeNs since = 0);
  // By path only: a file that no longer exists (deleted) has no device and inode.
  std::optional<KernelWrites> take_path(std::string_view path, WallTimeNs since = 0);
  // Null when the feed stops.
  void set_feed(std::shared_ptr<WriteFeed> feed);
  // What events enriched from this ledger name as their source ("ebpf", "etw"), and whether that
  // tracer files writes by path (take_path() is then worth a wait for the feed).
  void set_tracer(const char* name, bool keys_by_path);
  const char* tracer_name() const;

  std::size_t files() const;
  std::uint64_t refused() const;
  std::uint64_t superseded() const;

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
    std::vector<ProcessRef> writers;
    std::vector<CapturedWrite> captured;
    std::vector<std::string> streams;
    SteadyTime updated{};
    std::optional<std::uint32_t> generation;  // of the inode the writes went to, where known
  };
  void merge(Entry& e, ChangedRange range) const;
  template <typename Map, typename K>
  Entry* find_or_insert(Map& map, K&& key, SteadyTime now);  // null when full (counted)
  void record(Entry& e, ChangedRange range, const ProcessRef& writer, std::string_view captured,
              std::string_view stream, SteadyTime now) const;
  void absorb(KernelWrites& out, Entry&& e) const;
  void wait_for_feed(WallTimeNs since);

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::unordered_map<std::string, Entry> by_path_;
  const char* tracer_name_ = "ebpf";
  bool keys_by_path_ = false;
  std::uint64_t refused_ = 0;
  std::uint64_t superseded_ = 0;
  std::shared_ptr<WriteFeed> feed_;
  SteadyTime last_sweep_{};
};

}  // namespace fimon
