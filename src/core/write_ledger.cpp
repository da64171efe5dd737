#include "core/write_ledger.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iterator>
#include <string>

#include "core/path_filter.hpp"

namespace fimon {
namespace {
constexpr auto kForgetAfter = std::chrono::minutes(1);  // longer than any event's max-delay
// How long an analysis waits for a feed that is behind; past it, the writes join a later event.
constexpr auto kCatchUpLimit = std::chrono::milliseconds(500);
constexpr std::size_t kMaxStreams = 8;

bool known_writer(const std::vector<ProcessRef>& writers, const ProcessInfo& p) {
  return std::any_of(writers.begin(), writers.end(), [&](const ProcessRef& w) {
    return w.get() == &p || (w->pid == p.pid && w->entity_id == p.entity_id);
  });
}
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

namespace {
// The key a path is filed under: Windows names ignore case (ASCII, as the path filter does).
std::string path_key(std::string_view path) {
  std::string key(path);
  if (is_drive_path(key)) {
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}
}  // namespace

template <typename Map, typename K>
WriteLedger::Entry* WriteLedger::find_or_insert(Map& map, K&& key, SteadyTime now) {
  auto it = map.find(key);
  if (it != map.end()) return &it->second;
  if (entries_.size() + by_path_.size() >= limits_.max_files &&
      now - last_sweep_ >= std::chrono::seconds(1)) {
    last_sweep_ = now;  // a full sweep at most once a second: a full ledger must not stall the tracer
    const auto stale = [&](const auto& e) { return now - e.second.updated > kForgetAfter; };
    std::erase_if(entries_, stale);
    std::erase_if(by_path_, stale);
  }
  if (entries_.size() + by_path_.size() >= limits_.max_files) {
    ++refused_;
    return nullptr;
  }
  return &map.emplace(std::forward<K>(key), Entry{}).first->second;
}

void WriteLedger::record(Entry& e, ChangedRange range, const ProcessRef& writer, std::string_view captured,
                         std::string_view stream, SteadyTime now) const {
  e.updated = now;
  merge(e, range);
  if (!captured.empty() && e.captured.size() < limits_.max_captures) {
    e.captured.push_back(CapturedWrite{range.offset, std::string(captured)});
  }
  if (!stream.empty() && e.streams.size() < kMaxStreams &&
      std::find(e.streams.begin(), e.streams.end(), stream) == e.streams.end()) {
    e.streams.emplace_back(stream);
  }
  if (!writer) return;
  if (!known_writer(e.writers, *writer) && e.writers.size() < limits_.max_writers)
    e.writers.push_back(writer);
}

bool WriteLedger::add(std::uint64_t device, std::uint64_t inode, ChangedRange range, const ProcessRef& writer,
                      SteadyTime now, std::string_view captured, std::optional<std::uint32_t> generation) {
  std::lock_guard lock(mutex_);
  Entry* e = find_or_insert(entries_, Key{device, inode}, now);
  if (e == nullptr) return false;
  if (other_generation(e->generation, generation)) {
    *e = Entry{};  // a deleted file's writes, whose event never came
    ++superseded_;
  }
  if (generation) e->generation = generation;
  record(*e, range, writer, captured, {}, now);
  return true;
}

bool WriteLedger::add_path(std::string_view path, ChangedRange range, const ProcessRef& writer,
                           SteadyTime now, std::string_view stream) {
  std::lock_guard lock(mutex_);
  Entry* e = find_or_insert(by_path_, path_key(path), now);
  if (e == nullptr) return false;
  record(*e, range, writer, {}, stream, now);
  return true;
}

void WriteLedger::set_feed(std::shared_ptr<WriteFeed> feed) {
  std::lock_guard lock(mutex_);
  feed_ = std::move(feed);
}

void WriteLedger::set_tracer(const char* name, bool keys_by_path) {
  std::lock_guard lock(mutex_);
  tracer_name_ = name;
  keys_by_path_ = keys_by_path;
}

const char* WriteLedger::tracer_name() const {
  std::lock_guard lock(mutex_);
  return tracer_name_;
}

void WriteLedger::wait_for_feed(WallTimeNs since) {
  if (since == kNoWait) return;
  std::shared_ptr<WriteFeed> feed;
  {
    std::lock_guard lock(mutex_);
    feed = feed_;
  }
  if (feed) feed->catch_up(since != 0 ? since : wall_clock_now(), kCatchUpLimit);  // unlocked: it adds
}

// Folds one entry into `out`: a file known under several keys (its inode and a name) is one file.
void WriteLedger::absorb(KernelWrites& out, Entry&& e) const {
  if (!out.generation) out.generation = e.generation;                      // names' entries have none
  if (out.ranges.empty() && out.writers.empty() && out.streams.empty()) {  // the first (often only) one
    for (const auto& [start, end] : e.ranges) out.ranges.push_back({start, end - start});
    out.ranges_truncated = e.truncated;
    out.writers = std::move(e.writers);
    out.captured = std::move(e.captured);
    out.streams = std::move(e.streams);
    return;
  }
  Entry merged;
  for (const auto& r : out.ranges) merged.ranges.emplace(r.offset, r.offset + r.length);
  for (const auto& [start, end] : e.ranges) merge(merged, {start, end - start});
  out.ranges.clear();
  for (const auto& [start, end] : merged.ranges) out.ranges.push_back({start, end - start});
  out.ranges_truncated = out.ranges_truncated || e.truncated || merged.truncated;
  for (auto& w : e.writers) {
    if (!known_writer(out.writers, *w) && out.writers.size() < limits_.max_writers)
      out.writers.push_back(std::move(w));
  }
  for (auto& c : e.captured) {
    if (out.captured.size() < limits_.max_captures) out.captured.push_back(std::move(c));
  }
  for (auto& s : e.streams) {
    if (std::find(out.streams.begin(), out.streams.end(), s) == out.streams.end())
      out.streams.push_back(std::move(s));
  }
}

std::optional<KernelWrites> WriteLedger::take(std::uint64_t device, std::uint64_t inode,
                                              std::initializer_list<std::string_view> paths,
                                              WallTimeNs since) {
  wait_for_feed(since);
  std::lock_guard lock(mutex_);
  std::optional<KernelWrites> out;
  if (auto it = entries_.find(Key{device, inode}); it != entries_.end()) {
    absorb(out.emplace(), std::move(it->second));
    entries_.erase(it);
  }
  if (!by_path_.empty()) {
    for (auto path : paths) {
      if (path.empty()) continue;
      auto it = by_path_.find(path_key(path));
      if (it == by_path_.end()) continue;
      if (steady_now() - it->second.updated <= kForgetAfter)
        absorb(out ? *out : out.emplace(), std::move(it->second));
      by_path_.erase(it);  // older: a name's change whose event never came (not this one's)
    }
  }
  return out;
}

std::optional<KernelWrites> WriteLedger::take_path(std::string_view path, WallTimeNs since) {
  {
    std::lock_guard lock(mutex_);
    if (!keys_by_path_ && by_path_.empty()) return std::nullopt;  // eBPF: a name alone finds nothing
  }
  wait_for_feed(since);
  std::lock_guard lock(mutex_);
  auto it = by_path_.find(path_key(path));
  if (it == by_path_.end()) return std::nullopt;
  std::optional<KernelWrites> out;
  if (steady_now() - it->second.updated <= kForgetAfter) absorb(out.emplace(), std::move(it->second));
  by_path_.erase(it);
  return out;
}

std::size_t WriteLedger::files() const {
  std::lock_guard lock(mutex_);
  return entries_.size() + by_path_.size();
}

std::uint64_t WriteLedger::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

std::uint64_t WriteLedger::superseded() const {
  std::lock_guard lock(mutex_);
  return superseded_;
}

}  // namespace fimon
