#include "core/write_ledger.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>

namespace fimon {
namespace {
constexpr auto kForgetAfter = std::chrono::minutes(1);  // longer than any event's max-delay
// How long an analysis waits for a feed that is behind; past it, the writes join a later event.
constexpr auto kCatchUpLimit = std::chrono::milliseconds(500);
}  // namespace

void WriteLedger::merge(Entry& e, ChangedRange range) const {
  if (range.length == 0) return;
  std::uint64_t start = range.offset;
  std::uint64_t end = range.offset + range.length;
  // Absorb every range that overlaps or touches [start, end).
  auto it = e.ranges.upper_bound(start);
  if (it != e.ranges.begin() && std::prev(it)->second >= start) --it;
  while (it != e.ranges.end() && it->first <= end) {
    start = std::min(start, it->first);
    end = std::max(end, it->second);
    it = e.ranges.erase(it);
  }
  e.ranges.emplace(start, end);
  // Over the cap: join the two closest neighbours at the end, and say so.
  while (e.ranges.size() > limits_.max_ranges) {
    auto last = std::prev(e.ranges.end());
    auto before = std::prev(last);
    before->second = std::max(before->second, last->second);
    e.ranges.erase(last);
    e.truncated = true;
  }
}

bool WriteLedger::add(std::uint64_t device, std::uint64_t inode, ChangedRange range,
                      const ProcessInfo& writer, SteadyTime now, std::string_view captured) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(Key{device, inode});
  if (it == entries_.end()) {
    if (entries_.size() >= limits_.max_files && now - last_sweep_ >= std::chrono::seconds(1)) {
      last_sweep_ = now;  // a full sweep at most once a second: a full ledger must not stall the tracer
      std::erase_if(entries_, [&](const auto& e) { return now - e.second.updated > kForgetAfter; });
    }
    if (entries_.size() >= limits_.max_files) {
      ++refused_;
      return false;
    }
    it = entries_.emplace(Key{device, inode}, Entry{}).first;
  }
  it->second.updated = now;
  merge(it->second, range);
  if (!captured.empty() && it->second.captured.size() < limits_.max_captures) {
    it->second.captured.push_back(CapturedWrite{range.offset, std::string(captured)});
  }
  auto& writers = it->second.writers;
  const bool known = std::any_of(writers.begin(), writers.end(), [&](const ProcessInfo& w) {
    return w.pid == writer.pid && w.entity_id == writer.entity_id;
  });
  if (!known && writers.size() < limits_.max_writers) writers.push_back(writer);
  return true;
}

void WriteLedger::set_feed(std::shared_ptr<WriteFeed> feed) {
  std::lock_guard lock(mutex_);
  feed_ = std::move(feed);
}

std::optional<KernelWrites> WriteLedger::take(std::uint64_t device, std::uint64_t inode) {
  std::shared_ptr<WriteFeed> feed;
  {
    std::lock_guard lock(mutex_);
    feed = feed_;
  }
  if (feed) feed->catch_up(kCatchUpLimit);  // outside the lock: the feed adds while we wait
  std::lock_guard lock(mutex_);
  auto it = entries_.find(Key{device, inode});
  if (it == entries_.end()) return std::nullopt;
  KernelWrites out;
  for (const auto& [start, end] : it->second.ranges) out.ranges.push_back({start, end - start});
  out.ranges_truncated = it->second.truncated;
  out.writers = std::move(it->second.writers);
  out.captured = std::move(it->second.captured);
  entries_.erase(it);
  return out;
}

std::size_t WriteLedger::files() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t WriteLedger::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

}  // namespace fimon
