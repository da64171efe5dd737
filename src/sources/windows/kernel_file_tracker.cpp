#include "sources/windows/kernel_file_tracker.hpp"

#include <chrono>

namespace fimon {
namespace {

constexpr std::size_t kMaxOpenFiles = 65536;
constexpr std::size_t kMaxPending = 65536;
constexpr std::size_t kMaxProcesses = 4096;
constexpr auto kProcessFresh = std::chrono::seconds(10);
constexpr auto kPathMapRebuild = std::chrono::seconds(10);

// FILE_INFORMATION_CLASS values that change a file's size.
constexpr std::uint32_t kFileAllocationInformation = 19;
constexpr std::uint32_t kFileEndOfFileInformation = 20;
constexpr std::uint32_t kFileValidDataLengthInformation = 39;
// IoStatus.Information of a successful create.
constexpr std::uint64_t kFileSuperseded = 0;
constexpr std::uint64_t kFileCreated = 2;
constexpr std::uint64_t kFileOverwritten = 3;

bool nt_success(std::uint32_t status) {
  return status < 0x80000000U;
}

}  // namespace

KernelFileTracker::KernelFileTracker(const PathFilter& filter, WriteLedger& ledger, Resolver resolve,
                                     PathMapSource paths, std::uint32_t own_pid, SourceStats* stats)
    : filter_(filter),
      ledger_(ledger),
      resolve_(std::move(resolve)),
      path_source_(std::move(paths)),
      own_pid_(own_pid),
      source_stats_(stats) {}

std::optional<DriveFile> KernelFileTracker::name_of(const std::wstring& nt_path) {
  auto name = paths_.to_drive_path(nt_path);
  const SteadyTime now = steady_now();
  if (!name && path_source_ && (paths_.empty() || now - paths_built_ >= kPathMapRebuild)) {
    paths_ = path_source_();  // a volume mounted since: look again
    paths_built_ = now;
    name = paths_.to_drive_path(nt_path);
  }
  if (!name) ++stats_.unmapped_names;
  return name;
}

ProcessInfo KernelFileTracker::writer(std::uint32_t pid, const std::string& user_sid) {
  const SteadyTime now = steady_now();
  auto it = processes_.find(pid);
  if (it == processes_.end() || now - it->second.looked_up > kProcessFresh) {
    if (processes_.size() >= kMaxProcesses) processes_.clear();
    it = processes_.insert_or_assign(pid, CachedProcess{resolve_(pid), now}).first;
  }
  ProcessInfo p = it->second.info;
  if (!user_sid.empty() && user_sid != p.user_sid) {
    // The thread's token at the time (impersonation included) says who did it, not the process's.
    p.user_sid = user_sid;
    p.user_name.clear();
  }
  return p;
}

void KernelFileTracker::expect_end(std::uint64_t irp, Pending pending) {
  if (pending_.size() >= kMaxPending) {
    stats_.forgotten_irps += pending_.size();
    pending_.clear();  // ends that never came (a lost buffer): start over rather than grow
  }
  pending_.insert_or_assign(irp, std::move(pending));
}

void KernelFileTracker::on_record(const KernelFileRecord& r) {
  if (r.process_id == own_pid_ && r.op != KernelFileOp::kOperationEnd) return;
  switch (r.op) {
    case KernelFileOp::kCreate:
    case KernelFileOp::kCreateNewFile: {
      files_.erase(r.file_object);  // a file object's address is reused once it is freed
      auto name = name_of(r.name);
      if (!name || !filter_.accepts(name->path)) return;
      if (files_.size() >= kMaxOpenFiles) {
        ++source_stats_->unresolved;
        return;
      }
      files_.insert_or_assign(r.file_object, OpenFile{name->path, name->stream});
      expect_end(r.irp, Pending{PendingKind::kCreate, name->path, name->stream, 0, r.process_id, r.user_sid});
      return;
    }
    case KernelFileOp::kWrite: {
      auto it = files_.find(r.file_object);
      if (it == files_.end()) return;  // outside the watched trees, or opened before we started
      ++source_stats_->traced_writes;
      if (r.io_flags & kIrpPagingIo) {
        ++stats_.paging_writes;  // the user write it flushes was seen (or was a store to a mapped view)
        return;
      }
      expect_end(r.irp, Pending{PendingKind::kWrite, it->second.path, it->second.stream, r.byte_offset,
                                r.process_id, r.user_sid});
      return;
    }
    case KernelFileOp::kSetInformation: {
      if (r.info_class != kFileEndOfFileInformation && r.info_class != kFileAllocationInformation &&
          r.info_class != kFileValidDataLengthInformation) {
        return;  // renames, links and deletes come as their own *Path events
      }
      auto it = files_.find(r.file_object);
      if (it == files_.end()) return;
      expect_end(r.irp, Pending{PendingKind::kResize, it->second.path, it->second.stream, 0, r.process_id,
                                r.user_sid});
      return;
    }
    case KernelFileOp::kDeletePath:
    case KernelFileOp::kRenamePath:
    case KernelFileOp::kSetLinkPath: {
      auto name = name_of(r.name);
      if (!name || !filter_.accepts(name->path)) return;
      expect_end(r.irp, Pending{PendingKind::kNamed, name->path, name->stream, 0, r.process_id, r.user_sid});
      return;
    }
    case KernelFileOp::kCleanup:
    case KernelFileOp::kClose:
      files_.erase(r.file_object);  // paging writes may follow a cleanup, and are skipped anyway
      return;
    case KernelFileOp::kOperationEnd:
      on_end(r);
      return;
  }
}

void KernelFileTracker::on_end(const KernelFileRecord& r) {
  auto it = pending_.find(r.irp);
  if (it == pending_.end()) return;  // an operation on a file we do not follow
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (!nt_success(r.status)) return;  // refused, failed: nothing changed
  ChangedRange range;                 // empty: a writer without bytes (who created, renamed, ...)
  switch (p.kind) {
    case PendingKind::kCreate:
      if (r.extra_information != kFileCreated && r.extra_information != kFileOverwritten &&
          r.extra_information != kFileSuperseded) {
        return;  // opened an existing file: a writer only if it writes
      }
      break;
    case PendingKind::kWrite:
      if (p.offset == kWriteToEndOfFile) {
        ++stats_.appends;
      } else {
        range = ChangedRange{p.offset, r.extra_information};  // the bytes that were written
      }
      break;
    case PendingKind::kNamed:
    case PendingKind::kResize:
      break;
  }
  if (!ledger_.add_path(p.path, range, writer(p.pid, p.user_sid), steady_now(), p.stream)) {
    ++source_stats_->traced_dropped;
  }
}

}  // namespace fimon
