#include "sources/linux/fanotify/fanotify_source.hpp"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "core/log.hpp"
#include "platform/identity.hpp"
#include "platform/linux/errors.hpp"
#include "sources/linux/fanotify/fanotify_marks.hpp"
#include "sources/linux/mounts.hpp"

namespace fimon {
namespace {

constexpr WallTimeNs kGapSlackNs = 2'000'000'000;

// A renamed directory moves every path below it: cached directory paths are stale from then on.
bool renames_a_directory(std::uint64_t mask) {
  return (mask & FAN_ONDIR) && (mask & (FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO));
}

// The longest mount point that holds `path`.
const Mount* mount_of(const std::vector<Mount>& mounts, const std::string& path) {
  const Mount* best = nullptr;
  for (const auto& m : mounts) {
    if (path_is_within(path, m.mount_point) &&
        (best == nullptr || m.mount_point.size() >= best->mount_point.size())) {
      best = &m;
    }
  }
  return best;
}

// Whether a directory entry exists (a symlink's own), whatever it is.
bool name_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Result<std::unique_ptr<Source>> FanotifySource::create(const SourceContext& context,
                                                       std::unique_ptr<WriteTracer> tracer) {
  // Richest reporting first; older kernels refuse flags they do not know with EINVAL.
  const unsigned int base = fanotify_marks::kInitFlags;
  const unsigned int attempts[] = {base | fanotify_marks::kPidfdFlag, base};
  int fd = -1;
  int err = 0;
  for (const unsigned int flags : attempts) {
    fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (fd >= 0) {
      if ((flags & FAN_REPORT_PIDFD) == 0) log::info("fanotify: pidfd reporting unavailable (kernel < 5.15)");
      break;
    }
    err = errno;
    if (err != EINVAL) break;
  }
  if (fd < 0)
    return platform::errno_error(err, "fanotify_init (FID mode needs kernel >= 5.9 and CAP_SYS_ADMIN)");

  auto reader = KernelQueueReader::create("fanotify", fd, fanotify_marks::kReadBufferSize);
  if (!reader) {
    close(fd);
    return reader.error();
  }
  std::unique_ptr<FanotifySource> source(
      new FanotifySource(context, fd, std::move(reader.value()), std::move(tracer)));
  if (auto s = source->mark_filesystems(); !s) return s.error();
  return std::unique_ptr<Source>(std::move(source));
}

FanotifySource::FanotifySource(const SourceContext& context, int fan_fd,
                               std::unique_ptr<KernelQueueReader> reader, std::unique_ptr<WriteTracer> tracer)
    : context_(context), fan_fd_(fan_fd), tracer_(std::move(tracer)), reader_(std::move(reader)) {}

FanotifySource::~FanotifySource() {
  stop();
  for (auto& [fsid, fd] : mount_fds_) close(fd);
  close(fan_fd_);
}

Status FanotifySource::mark_filesystems() {
  const std::vector<Mount> mounts = read_mounts();
  std::vector<std::string> candidates;
  for (const auto& root : context_.filter->roots()) {
    candidates.push_back(root);
    for (const auto& m : mounts) {
      if (m.mount_point != root && path_is_within(m.mount_point, root)) candidates.push_back(m.mount_point);
    }
  }
  std::set<dev_t> marked_devices;
  for (const auto& path : candidates) {
    const Mount* mount = mount_of(mounts, path);
    if (mount != nullptr && is_pseudo_filesystem(mount->fs_type)) {
      skipped_mounts_.push_back(mount->mount_point);
      continue;
    }
    struct stat st {};
    struct statfs sfs {};
    if (stat(path.c_str(), &st) != 0 || statfs(path.c_str(), &sfs) != 0) {
      log::warn("fanotify: cannot watch ", path, ": ", std::strerror(errno));
      continue;
    }
    if (!marked_devices.insert(st.st_dev).second) continue;
    if (!mark_filesystem(path)) {
      log::warn("fanotify: cannot mark the ", mount ? mount->fs_type : "?", " filesystem at ", path, ": ",
                std::strerror(errno), " (changes there are not seen)");
      continue;
    }
    // open_by_handle_at refuses O_PATH descriptors (EBADF): open the directory for reading.
    const std::string dir = S_ISDIR(st.st_mode) ? path : std::string(path_dirname(path));
    const int mount_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mount_fd < 0) continue;
    Fsid fsid{sfs.f_fsid.__val[0], sfs.f_fsid.__val[1]};
    if (!mount_fds_.emplace(fsid, mount_fd).second) close(mount_fd);
    log::info("fanotify: watching the ", mount ? mount->fs_type : "?", " filesystem holding ", path);
  }
  if (mount_fds_.empty()) return unsupported("fanotify: no watched filesystem could be marked");
  return {};
}

// FAN_RENAME (one event with both names) where the kernel has it (5.17), else the two halves.
bool FanotifySource::mark_filesystem(const std::string& path) {
  const auto mark = [&](std::uint64_t moves) {
    return fanotify_mark(fan_fd_, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, fanotify_marks::kEventMask | moves,
                         AT_FDCWD, path.c_str()) == 0;
  };
  if (has_rename_) {
    if (mark(fanotify_marks::kRenameEvent)) return true;
    if (errno != EINVAL || !mark(fanotify_marks::kMoveEvents)) return false;
    has_rename_ = false;  // refused for FAN_RENAME alone: this kernel does not have it
    return true;
  }
  return mark(fanotify_marks::kMoveEvents);
}

Status FanotifySource::start() {
  WalkOptions walk;
  walk.skip_dir = pseudo_filesystem_skipper();
  reconciler_ = std::make_unique<Reconciler>(context_, std::move(walk), &stats_);
  last_read_ = wall_clock_now();
  reader_->start([this](const char* data, std::size_t size) {
    handle_buffer(data, size);
    last_read_ = wall_clock_now();
  });
  if (tracer_) start_tracer();
  return {};
}

void FanotifySource::start_tracer() {
  WriteTracerCallbacks callbacks;
  callbacks.on_lost = [this, episodes = std::uint64_t{0}](std::uint64_t lost) mutable {
    // Written ranges and writers were lost; a store through a mapping may have gone unseen.
    const auto count = stats_.overflows += lost;
    if (log::should_log_occurrence(++episodes)) {
      log::warn("ebpf: the ring buffer was full: ", lost, " write records lost (", count,
                " so far); rescanning");
    }
    reconciler_->request(wall_clock_now() - kGapSlackNs - 2'000'000'000LL);
  };
  callbacks.on_mapped_write = [this](RawChange&& change) {
    ++stats_.changes;
    if (!context_.filter->accepts(change.path)) return;
    if (!context_.sink->on_change(std::move(change))) ++stats_.refused;
  };
  tracer_->start(std::move(callbacks), &stats_);
}

void FanotifySource::stop() {
  if (tracer_) tracer_->stop();
  reader_->stop();
  reconciler_.reset();
}

bool FanotifySource::resolve_dir(const Fsid& fsid, void* handle, std::string* path) {
  auto it = mount_fds_.find(fsid);
  if (it == mount_fds_.end()) return false;
  const auto* fh = static_cast<const file_handle*>(handle);
  std::string key(reinterpret_cast<const char*>(&fsid), sizeof fsid);
  key.append(reinterpret_cast<const char*>(&fh->handle_type), sizeof fh->handle_type);
  key.append(reinterpret_cast<const char*>(fh->f_handle), fh->handle_bytes);
  if (auto cached = dir_paths_.find(key)) {
    *path = std::move(*cached);
    return true;
  }
  const int fd = open_by_handle_at(it->second, static_cast<file_handle*>(handle), O_PATH | O_CLOEXEC);
  if (fd < 0) return false;  // directory gone since (ESTALE)
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  std::string target(4096, '\0');
  const ssize_t n = readlink(link, target.data(), target.size());
  close(fd);
  if (n <= 0 || static_cast<std::size_t>(n) >= target.size()) return false;
  target.resize(static_cast<std::size_t>(n));
  if (target.size() > 10 && target.compare(target.size() - 10, 10, " (deleted)") == 0) return false;
  dir_paths_.put(key, target);
  *path = std::move(target);
  return true;
}

// Who made a change. The kernel's record (the eBPF tracer's) outlasts the process; /proc does not.
ProcessRef FanotifySource::process_of(std::int32_t pid, bool gone) {
  if (tracer_) {
    if (auto recorded = tracer_->actor(static_cast<std::uint32_t>(pid))) return recorded;
  }
  if (gone) {
    auto bare = std::make_shared<ProcessInfo>();
    bare->pid = pid;
    return bare;
  }
  return platform::lookup_process(pid);  // shared by a run of one process's events
}

void FanotifySource::emit(ChangeKind kind, std::string path, bool is_dir, const ProcessRef& process,
                          WallTimeNs now, std::string old_path) {
  RawChange change;
  change.kind = kind;
  change.path = std::move(path);
  change.old_path = std::move(old_path);
  change.is_dir = is_dir;
  change.time = now;
  change.process = process;
  change.source = "fanotify";
  ++stats_.changes;
  if (!context_.sink->on_change(std::move(change))) {
    if (log::should_log_occurrence(++stats_.refused)) {
      log::warn("pipeline full: ", stats_.refused.load(), " changes not held; rescanning");
    }
    reconciler_->request(now - kGapSlackNs);
  }
}

void FanotifySource::handle_buffer(const char* buffer, std::size_t length) {
  const WallTimeNs now = wall_clock_now();
  dir_paths_.expire(steady_now());
  // Records carrying file handles are only 4-byte aligned and the metadata holds a u64, so each
  // metadata header is copied out rather than read in place (UBSan: misaligned access).
  std::size_t offset = 0;
  while (length - offset >= sizeof(fanotify_event_metadata)) {
    fanotify_event_metadata copy{};
    std::memcpy(&copy, buffer + offset, sizeof copy);
    if (copy.event_len < sizeof copy || copy.event_len > length - offset) break;
    const char* event = buffer + offset;
    const fanotify_event_metadata* meta = &copy;
    offset += copy.event_len;
    ++stats_.events;
    if (meta->vers != FANOTIFY_METADATA_VERSION) {
      log::error("fanotify: unexpected metadata version ", static_cast<int>(meta->vers));
      return;
    }
    if (meta->fd >= 0) close(meta->fd);
    if (meta->pid == context_.own_pid) {  // the agent's own writes (state, logs): never events
      fanotify_marks::close_pidfd_of(event, copy);
      if (renames_a_directory(meta->mask)) dir_paths_.clear();  // still a rename: paths below it moved
      continue;
    }
    if (meta->mask & FAN_Q_OVERFLOW) {
      const auto count = ++stats_.overflows;
      if (log::should_log_occurrence(count)) {
        log::warn("fanotify: kernel queue overflowed (", count,
                  " times so far): events were lost; rescanning");
      }
      reconciler_->request(last_read_ - kGapSlackNs);
      dir_paths_.clear();  // a directory rename may be among the lost events
      continue;
    }

    std::string path, old_path, new_path;
    bool have_path = false, have_old = false, have_new = false, unresolved = false;
    int pidfd = -1;
    bool process_gone = false;
    const char* p = event + meta->metadata_len;
    const char* end = event + meta->event_len;
    while (p + sizeof(fanotify_event_info_header) <= end) {
      const auto* header = reinterpret_cast<const fanotify_event_info_header*>(p);
      if (header->len == 0 || p + header->len > end) break;
      switch (header->info_type) {
        case FAN_EVENT_INFO_TYPE_DFID_NAME:
        case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
        case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: {
          const auto* fid = reinterpret_cast<const fanotify_event_info_fid*>(p);
          auto* handle = reinterpret_cast<file_handle*>(const_cast<unsigned char*>(fid->handle));
          const char* name = reinterpret_cast<const char*>(handle->f_handle) + handle->handle_bytes;
          std::string dir;
          if (!resolve_dir(Fsid{fid->fsid.val[0], fid->fsid.val[1]}, handle, &dir)) {
            unresolved = true;
            break;
          }
          std::string full = std::strcmp(name, ".") == 0 ? dir : path_join(dir, name);
          if (header->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
            path = std::move(full);
            have_path = true;
          } else if (header->info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME) {
            old_path = std::move(full);
            have_old = true;
          } else {
            new_path = std::move(full);
            have_new = true;
          }
          break;
        }
        case FAN_EVENT_INFO_TYPE_PIDFD: {
          const auto* info = reinterpret_cast<const fanotify_event_info_pidfd*>(p);
          pidfd = info->pidfd;
          process_gone = pidfd == FAN_NOPIDFD || pidfd == FAN_EPIDFD;
          break;
        }
        default:
          break;  // FID of the object itself: identity comes from stat at analysis time
      }
      p += header->len;
    }
    if (pidfd >= 0) close(pidfd);
    if (renames_a_directory(meta->mask))  // resolve afresh from the next event on
      dir_paths_.clear();

    if (unresolved && !have_path && !have_old && !have_new) {
      if (log::should_log_occurrence(++stats_.unresolved)) {
        log::debug("fanotify: ", stats_.unresolved.load(), " events whose directory was already gone");
      }
      continue;
    }
    const bool is_dir = (meta->mask & FAN_ONDIR) != 0;
    const bool path_ok = have_path && context_.filter->accepts(path);
    const bool old_ok = have_old && context_.filter->accepts(old_path);
    const bool new_ok = have_new && context_.filter->accepts(new_path);
    if (!path_ok && !old_ok && !new_ok) continue;

    const ProcessRef process = meta->pid > 0 ? process_of(meta->pid, process_gone) : nullptr;

    // Several bits may be merged into one record: replay them in the order they can happen. The
    // kernel merges a removal and an addition of one name too (no handle of the object tells the two
    // files apart), and their order is lost: a name that exists now was replaced (unlink, then
    // create: tar, install, git checkout), and its removal goes first; otherwise it was a temporary
    // file, added, then removed.
    const std::uint64_t mask = meta->mask;
    const auto emit_removal = [&] {
      if (mask & FAN_MOVED_FROM) emit(ChangeKind::kMovedFrom, path, is_dir, process, now);
      if (mask & FAN_DELETE) emit(ChangeKind::kDeleted, path, is_dir, process, now);
    };
    const bool replaced = path_ok && (mask & (FAN_DELETE | FAN_MOVED_FROM)) &&
                          (mask & (FAN_CREATE | FAN_MOVED_TO)) && name_exists(path);
    if (replaced) emit_removal();
    if (path_ok) {
      if (mask & FAN_CREATE) emit(ChangeKind::kCreated, path, is_dir, process, now);
      if (mask & FAN_MOVED_TO) {
        emit(ChangeKind::kMovedTo, path, is_dir, process, now);
        if (is_dir) reconciler_->request_subtree(path);
      }
      if (mask & FAN_MODIFY) emit(ChangeKind::kModified, path, is_dir, process, now);
      if (mask & FAN_ATTRIB) emit(ChangeKind::kAttributes, path, is_dir, process, now);
      if (mask & FAN_CLOSE_WRITE) emit(ChangeKind::kClosedWrite, path, is_dir, process, now);
      if (!replaced) emit_removal();
    }
    if (mask & FAN_RENAME) {
      if (old_ok && new_ok)
        emit(ChangeKind::kRenamed, new_path, is_dir, process, now, old_path);
      else if (new_ok) {  // moved into the trees: its content is new to us too
        emit(ChangeKind::kMovedTo, new_path, is_dir, process, now);
        if (is_dir) reconciler_->request_subtree(new_path);
      } else if (old_ok)
        emit(ChangeKind::kDeleted, old_path, is_dir, process, now);  // moved out of them
    }
  }
}

}  // namespace fimon
