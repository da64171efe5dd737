#include "core/coalescer.hpp"

#include <algorithm>

#include "core/path_filter.hpp"

namespace fimon {
namespace {
constexpr std::size_t kMaxWritersPerEvent = 8;
constexpr std::size_t kMaxStreamsPerEvent = 8;

void add_writer(std::vector<ProcessRef>& writers, const ProcessRef& p) {
  if (!p) return;
  for (const auto& w : writers) {
    if (w == p || (w->pid == p->pid && w->executable == p->executable)) return;
  }
  if (writers.size() < kMaxWritersPerEvent) writers.push_back(p);
}

void add_stream(std::vector<std::string>& streams, const std::string& stream) {
  if (stream.empty() || streams.size() >= kMaxStreamsPerEvent) return;
  if (std::find(streams.begin(), streams.end(), stream) == streams.end()) streams.push_back(stream);
}

WorkItem deletion(const std::string& path, bool is_dir, WallTimeNs time, const char* source,
                  const ProcessRef& process) {
  WorkItem item;
  item.action = Action::kDeleted;
  item.path = path;
  item.is_dir = is_dir;
  item.time = time;
  item.source = source;
  add_writer(item.writers, process);
  return item;
}
}  // namespace

Coalescer::Coalescer(CoalescerTiming timing, std::size_t max_pending)
    : timing_(timing), max_pending_(max_pending) {}

Coalescer::Pending* Coalescer::touch(const RawChange& change, SteadyTime now) {
  auto it = pending_.find(change.path);
  if (it == pending_.end()) {
    if (pending_.size() >= max_pending_) return nullptr;
    it = pending_.emplace(change.path, Pending{}).first;
    it->second.first = now;
  }
  Pending& p = it->second;
  p.last = now;
  p.time = std::max(p.time, change.time);
  p.is_dir = p.is_dir || change.is_dir;
  p.source = change.source;
  add_writer(p.writers, change.process);
  add_stream(p.streams, change.stream);
  return &p;
}

bool Coalescer::add(const RawChange& change, SteadyTime now) {
  std::lock_guard<std::mutex> lock(mutex_);
  bool refused = false;
  // Marks the path's pending entry, or notes that the bound refused a new one.
  const auto mark = [&](auto&& update) {
    if (Pending* p = touch(change, now))
      update(*p);
    else
      refused = true;
  };
  switch (change.kind) {
    case ChangeKind::kCreated:
      mark([](Pending& p) { p.created = true; });
      break;
    case ChangeKind::kModified:
      mark([](Pending& p) {
        p.content = true;
        p.closed = false;
      });
      break;
    case ChangeKind::kClosedWrite: {
      // A close without a recorded write changes nothing: only mark what is pending.
      auto it = pending_.find(change.path);
      if (it != pending_.end()) {
        it->second.closed = true;
        it->second.last = now;
        add_writer(it->second.writers, change.process);
      }
      break;
    }
    case ChangeKind::kAttributes:
      mark([](Pending& p) { p.attributes = true; });
      break;
    case ChangeKind::kDeleted:
      flush_path_locked(change.path);
      ready_.push_back(deletion(change.path, change.is_dir, change.time, change.source, change.process));
      break;
    case ChangeKind::kRenamed:
      rename_locked(change.old_path, change.path, change.is_dir, change, now);
      break;
    case ChangeKind::kMovedFrom:
      moved_from_[change.cookie] = HalfRename{change.path, change.is_dir, now, change.time, change.source};
      break;
    case ChangeKind::kMovedTo: {
      auto half = moved_from_.find(change.cookie);
      if (change.cookie != 0 && half != moved_from_.end()) {
        const std::string from = half->second.path;
        moved_from_.erase(half);
        rename_locked(from, change.path, change.is_dir, change, now);
      } else {
        mark([](Pending& p) { p.created = true; });  // moved in from outside the watched trees
      }
      break;
    }
    case ChangeKind::kRescan:
      break;  // handled by the source's scanner, never reaches here
  }
  expire_half_renames_locked(now);
  if (refused) ++refused_;
  return !refused;
}

void Coalescer::rename_locked(const std::string& from, const std::string& to, bool is_dir,
                              const RawChange& change, SteadyTime now) {
  // Whatever was pending for the target is superseded by the file renamed over it.
  flush_path_locked(to);
  Pending moved;
  bool had_pending = false;
  if (auto it = pending_.find(from); it != pending_.end()) {
    moved = std::move(it->second);
    pending_.erase(it);
    had_pending = true;
  }
  if (is_dir) {
    // Pending changes inside a renamed directory now live under the new name.
    const std::string prefix = from + "/";
    std::vector<std::pair<std::string, Pending>> children;
    for (auto it = pending_.lower_bound(prefix);
         it != pending_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
      children.emplace_back(to + it->first.substr(from.size()), std::move(it->second));
      it = pending_.erase(it);
    }
    for (auto& [path, p] : children) pending_[path] = std::move(p);
  }
  if (!had_pending) moved.first = now;
  // Kept even for a file created within the window: analysis needs to know the name arrived by
  // rename to recognise a save over an existing file (write to a temporary, rename over the target).
  if (moved.previous_path.empty()) moved.previous_path = from;
  moved.last = now;
  moved.time = std::max(moved.time, change.time);
  moved.is_dir = moved.is_dir || is_dir;
  moved.source = change.source;
  add_writer(moved.writers, change.process);
  pending_[to] = std::move(moved);
}

void Coalescer::flush_path_locked(const std::string& path) {
  auto it = pending_.find(path);
  if (it == pending_.end()) return;
  WorkItem item;
  if (to_work_item(it->first, std::move(it->second), &item)) ready_.push_back(std::move(item));
  pending_.erase(it);
}

void Coalescer::expire_half_renames_locked(SteadyTime now) {
  // A rename half whose partner never came was a move out of the watched trees: a deletion.
  for (auto it = moved_from_.begin(); it != moved_from_.end();) {
    if (now - it->second.at >= timing_.close_settle) {
      flush_path_locked(it->second.path);
      ready_.push_back(
          deletion(it->second.path, it->second.is_dir, it->second.time, it->second.source, nullptr));
      it = moved_from_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Coalescer::is_ready(const Pending& p, SteadyTime now) const {
  if (p.closed && now - p.last >= timing_.close_settle) return true;
  if (!p.content && now - p.last >= timing_.close_settle) return true;  // metadata, renames, mkdir
  return now - p.last >= timing_.quiet_period || now - p.first >= timing_.max_delay;
}

bool Coalescer::to_work_item(const std::string& path, Pending&& p, WorkItem* out) {
  if (p.created)
    out->action = Action::kCreated;
  else if (!p.previous_path.empty())
    out->action = Action::kRenamed;
  else if (p.content)
    out->action = Action::kModified;
  else if (p.attributes)
    out->action = Action::kAttributesModified;
  else
    return false;
  out->path = path;
  out->previous_path = std::move(p.previous_path);
  out->is_dir = p.is_dir;
  out->time = p.time;
  out->writers = std::move(p.writers);
  out->streams = std::move(p.streams);
  out->source = p.source;
  return true;
}

std::vector<WorkItem> Coalescer::take_ready(SteadyTime now, std::size_t max) {
  std::lock_guard<std::mutex> lock(mutex_);
  expire_half_renames_locked(now);
  std::vector<WorkItem> out;
  while (!ready_.empty() && out.size() < max) {
    out.push_back(std::move(ready_.front()));
    ready_.pop_front();
  }
  for (auto it = pending_.begin(); it != pending_.end() && out.size() < max;) {
    if (!is_ready(it->second, now)) {
      ++it;
      continue;
    }
    WorkItem item;
    if (to_work_item(it->first, std::move(it->second), &item)) out.push_back(std::move(item));
    it = pending_.erase(it);
  }
  return out;
}

std::vector<WorkItem> Coalescer::take_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [cookie, half] : moved_from_) {
    flush_path_locked(half.path);
    ready_.push_back(deletion(half.path, half.is_dir, half.time, half.source, nullptr));
  }
  moved_from_.clear();
  std::vector<WorkItem> out(std::make_move_iterator(ready_.begin()), std::make_move_iterator(ready_.end()));
  ready_.clear();
  for (auto& [path, p] : pending_) {
    WorkItem item;
    if (to_work_item(path, std::move(p), &item)) out.push_back(std::move(item));
  }
  pending_.clear();
  return out;
}

std::size_t Coalescer::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.size() + ready_.size();
}

std::uint64_t Coalescer::refused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refused_;
}

}  // namespace fimon
