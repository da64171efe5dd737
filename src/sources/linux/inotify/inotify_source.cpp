#include "sources/linux/inotify/inotify_source.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "platform/linux/errors.hpp"
#include "sources/linux/mounts.hpp"

namespace fimon {
namespace {
constexpr std::uint32_t kWatchMask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE |
                                     IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW |
                                     IN_EXCL_UNLINK;
constexpr WallTimeNs kGapSlackNs = 2'000'000'000;
}  // namespace

Result<std::unique_ptr<Source>> InotifySource::create(const SourceContext& context) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return platform::errno_error(errno, "inotify_init1");
  auto reader =
      KernelQueueReader::create("inotify", fd, 64 * sizeof(inotify_event) + 64 * std::size_t{NAME_MAX + 1});
  if (!reader) {
    close(fd);
    return reader.error();
  }
  return std::unique_ptr<Source>(new InotifySource(context, fd, std::move(reader.value())));
}

InotifySource::InotifySource(const SourceContext& context, int fd, std::unique_ptr<KernelQueueReader> reader)
    : context_(context), fd_(fd), reader_(std::move(reader)) {
  walk_.skip_dir = pseudo_filesystem_skipper();
}

InotifySource::~InotifySource() {
  stop();
  close(fd_);
}

bool InotifySource::add_watch(const std::string& dir) {
  const int wd = inotify_add_watch(fd_, dir.c_str(), kWatchMask);
  if (wd < 0) {
    if (log::should_log_occurrence(++watch_failures_)) {
      log::warn("inotify: cannot watch ", dir, ": ", std::strerror(errno),
                errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "", " [", watch_failures_,
                " directories unwatched]");
    }
    return false;
  }
  if (auto old = dirs_.find(wd); old != dirs_.end()) wds_.erase(old->second);
  dirs_[wd] = dir;
  wds_[dir] = wd;
  return true;
}

void InotifySource::watch_tree(const std::string& root) {
  PathFilter tree({root}, {}, {});
  walk_trees(tree, walk_, [&](const std::string& path, const FileMeta& meta) {
    if (meta.type == FileType::kDir && !context_.filter->is_excluded(path)) add_watch(path);
    return true;
  });
}

void InotifySource::rename_watched(const std::string& from, const std::string& to) {
  std::vector<std::pair<std::string, int>> moved;
  for (auto it = wds_.lower_bound(from); it != wds_.end() && path_is_within(it->first, from);) {
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = wds_.erase(it);
  }
  for (auto& [path, wd] : moved) {
    dirs_[wd] = path;
    wds_[path] = wd;
  }
}

Status InotifySource::start() {
  for (const auto& root : context_.filter->roots()) watch_tree(root);
  if (dirs_.empty()) return unsupported("inotify: no watched directory could be watched");
  log::info("inotify: watching ", dirs_.size(), " directories");
  reconciler_ = std::make_unique<Reconciler>(context_, walk_, &stats_);
  last_read_ = wall_clock_now();
  reader_->start([this](const char* data, std::size_t size) {
    handle_buffer(data, size);
    last_read_ = wall_clock_now();
  });
  return {};
}

void InotifySource::stop() {
  reader_->stop();
  reconciler_.reset();
}

void InotifySource::emit(ChangeKind kind, const std::string& path, bool is_dir, std::uint32_t cookie,
                         WallTimeNs now) {
  RawChange change;
  change.kind = kind;
  change.path = path;
  change.is_dir = is_dir;
  change.cookie = cookie;
  change.time = now;
  change.source = "inotify";
  ++stats_.changes;
  if (!context_.sink->on_change(std::move(change))) {
    if (log::should_log_occurrence(++stats_.refused))
      log::warn("pipeline full: changes not held; rescanning");
    reconciler_->request(now - kGapSlackNs);
  }
}

void InotifySource::handle_buffer(const char* buffer, std::size_t length) {
  const WallTimeNs now = wall_clock_now();
  for (std::size_t offset = 0; offset + sizeof(inotify_event) <= length;) {
    const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
    offset += sizeof(inotify_event) + event->len;
    ++stats_.events;
    if (event->mask & IN_Q_OVERFLOW) {
      const auto count = ++stats_.overflows;
      if (log::should_log_occurrence(count)) log::warn("inotify: kernel queue overflowed; rescanning");
      reconciler_->request(last_read_ - kGapSlackNs);
      continue;
    }
    auto dir = dirs_.find(event->wd);
    if (dir == dirs_.end()) continue;
    if (event->mask & IN_IGNORED) {
      wds_.erase(dir->second);
      dirs_.erase(dir);
      continue;
    }
    if (event->len == 0) continue;  // events on the directory itself are reported by its parent
    const std::string path = path_join(dir->second, event->name);
    const bool is_dir = (event->mask & IN_ISDIR) != 0;
    if (is_dir && (event->mask & IN_MOVED_FROM)) moved_dirs_[event->cookie] = path;
    if (is_dir && (event->mask & (IN_CREATE | IN_MOVED_TO)) && !context_.filter->is_excluded(path)) {
      auto moved = moved_dirs_.find(event->cookie);
      if ((event->mask & IN_MOVED_TO) && moved != moved_dirs_.end()) {
        rename_watched(moved->second, path);  // same watches, new names
        moved_dirs_.erase(moved);
      } else {
        watch_tree(path);
        reconciler_->request_subtree(path);  // content written before the watch existed
      }
    }
    if (!context_.filter->accepts(path)) continue;
    const std::uint32_t m = event->mask;
    if (m & IN_CREATE) emit(ChangeKind::kCreated, path, is_dir, 0, now);
    if (m & IN_MOVED_TO) emit(ChangeKind::kMovedTo, path, is_dir, event->cookie, now);
    if (m & IN_MODIFY) emit(ChangeKind::kModified, path, is_dir, 0, now);
    if (m & IN_ATTRIB) emit(ChangeKind::kAttributes, path, is_dir, 0, now);
    if (m & IN_CLOSE_WRITE) emit(ChangeKind::kClosedWrite, path, is_dir, 0, now);
    if (m & IN_MOVED_FROM) emit(ChangeKind::kMovedFrom, path, is_dir, event->cookie, now);
    if (m & IN_DELETE) emit(ChangeKind::kDeleted, path, is_dir, 0, now);
  }
}

}  // namespace fimon
