#include "sources/windows/kernel_file_tracker.hpp"

#include <algorithm>
#include <chrono>

namespace fimon {
namespace {

constexpr std::size_t kMaxOpenFiles = 65536;
constexpr std::size_t kMaxPending = 65536;
constexpr std::size_t kMaxProcesses = 4096;
constexpr std::size_t kEarlyEnds = 1024;
constexpr std::uint32_t kSystemPid = 4;
constexpr std::uint32_t kStatusSuccess = 0;
constexpr std::uint32_t kFileSupersede = 0;  // the create disposition FILE_SUPERSEDE
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
                                     PathMapSource paths, std::uint32_t own_pid, SourceStats* stats,
                                     AccountNamer name_account)
    : filter_(filter),
      ledger_(ledger),
      resolve_(std::move(resolve)),
      path_source_(std::move(paths)),
      name_account_(std::move(name_account)),
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
  if (!name) {
    ++stats_.unmapped_names;
    ++source_stats_->unresolved;  // published: a name the agent could not place
  }
  return name;
}

ProcessRef KernelFileTracker::writer(std::uint32_t pid, const std::string& user_sid) {
  const SteadyTime now = steady_now();
  auto it = processes_.find(pid);
  if (it == processes_.end() || now - it->second.looked_up > kProcessFresh) {
    if (processes_.size() >= kMaxProcesses) processes_.clear();
    it = processes_.insert_or_assign(pid, CachedProcess{resolve_(pid), now}).first;
  }
  const ProcessRef& process = it->second.info;
  if (user_sid.empty() || user_sid == process->user_sid) return process;  // shared by its writes
  // The thread's token at the time (impersonation included) says who did it, not the process's.
  auto p = std::make_shared<ProcessInfo>(*process);
  p->user_sid = user_sid;
  auto known = account_names_.find(user_sid);
  if (known == account_names_.end()) {
    if (account_names_.size() >= kMaxProcesses) account_names_.clear();
    known = account_names_.emplace(user_sid, name_account_ ? name_account_(user_sid) : std::string()).first;
  }
  p->user_name = known->second;
  return p;
}

// Pending operations older than this (in the records' 100 ns units) never got their end: a lost
// buffer, or an operation completed without one.
constexpr std::int64_t kPendingLifetime = 30LL * 10'000'000;
constexpr std::int64_t kEarlyEndWindow = 10'000'000;        // an end is at most 1 s ahead of its start
constexpr std::int64_t kClosedLifetime = 2LL * 10'000'000;  // a cleaned-up file object kept 2 s
constexpr std::int64_t kSweepEvery = 10'000'000;

std::size_t KernelFileTracker::open_files() const {
  return static_cast<std::size_t>(
      std::count_if(files_.begin(), files_.end(), [](const auto& f) { return f.second.closed == 0; }));
}

void KernelFileTracker::forget_stale() {
  const std::size_t before = pending_.size();
  std::erase_if(pending_, [&](const auto& p) { return newest_ - p.second.started > kPendingLifetime; });
  if (pending_.size() >= kMaxPending) pending_.clear();  // all recent: a flood; start over
  const std::size_t forgotten = before - pending_.size();
  stats_.forgotten_irps += forgotten;
  source_stats_->traced_lost += forgotten;  // their ends (and so their ranges) were lost
  std::erase_if(files_, [&](const auto& f) {
    return f.second.closed != 0 && newest_ - f.second.closed > kClosedLifetime;
  });
  last_sweep_ = newest_;
}

void KernelFileTracker::expect_end(std::uint64_t irp, Pending pending) {
  // Its end may have come first, from another processor's buffer: it is no older than the start.
  for (auto& end : early_ends_) {
    if (end.irp == irp && end.time >= pending.started && end.time - pending.started <= kEarlyEndWindow) {
      end.irp = 0;
      ++stats_.early_ends;
      complete(std::move(pending), end.information, end.status);
      return;
    }
  }
  if (pending_.size() >= kMaxPending) forget_stale();
  pending_.insert_or_assign(irp, std::move(pending));
}

void KernelFileTracker::on_record(const KernelFileRecord& r) {
  newest_ = std::max(newest_, r.timestamp);
  if (newest_ - last_sweep_ >= kSweepEvery) forget_stale();
  if (r.process_id == own_pid_ && r.op != KernelFileOp::kOperationEnd) return;
  Pending p;
  p.pid = r.process_id;
  p.user_sid = r.user_sid;
  p.started = r.timestamp;
  p.file_object = r.file_object;
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
      p.kind = PendingKind::kCreate;
      p.path = std::move(name->path);
      p.stream = std::move(name->stream);
      p.disposition = r.create_options >> 24;
      expect_end(r.irp, std::move(p));
      return;
    }
    case KernelFileOp::kWrite: {
      auto it = files_.find(r.file_object);
      if (it == files_.end()) return;  // outside the watched trees, or opened before we started
      if (it->second.closed != 0 && r.timestamp > it->second.closed) return;  // after its cleanup
      ++source_stats_->traced_writes;
      if (r.io_flags & kIrpPagingIo) {
        ++stats_.paging_writes;  // the user write it flushes was seen (or was a store to a mapped view)
        return;
      }
      p.kind = PendingKind::kWrite;
      p.path = it->second.path;
      p.stream = it->second.stream;
      p.offset = r.byte_offset;
      expect_end(r.irp, std::move(p));
      return;
    }
    case KernelFileOp::kSetInformation: {
      if (r.info_class != kFileEndOfFileInformation && r.info_class != kFileAllocationInformation &&
          r.info_class != kFileValidDataLengthInformation) {
        return;  // renames, links and deletes come as their own *Path events
      }
      if (r.process_id == kSystemPid) return;  // the cache manager settling sizes, nobody's change
      auto it = files_.find(r.file_object);
      if (it == files_.end()) return;
      p.kind = PendingKind::kResize;
      p.path = it->second.path;
      p.stream = it->second.stream;
      expect_end(r.irp, std::move(p));
      return;
    }
    case KernelFileOp::kDeletePath:
    case KernelFileOp::kRenamePath:
    case KernelFileOp::kSetLinkPath: {
      auto name = name_of(r.name);
      if (!name) return;
      // Which name FilePath is (the file's, or the new one) is not documented: the file object
      // says which name the file had, so a different one is the new name.
      std::string known;
      if (auto it = files_.find(r.file_object); it != files_.end() && it->second.path != name->path) {
        known = it->second.path;
      }
      if (!filter_.accepts(name->path) && (known.empty() || !filter_.accepts(known))) return;
      p.kind = PendingKind::kNamed;
      p.path = std::move(name->path);
      p.stream = std::move(name->stream);
      p.other_path = std::move(known);
      p.renames = r.op == KernelFileOp::kRenamePath;
      expect_end(r.irp, std::move(p));
      return;
    }
    case KernelFileOp::kCleanup:
    case KernelFileOp::kClose: {
      // Kept a moment: a write made before the cleanup may still come from another processor's
      // buffer. Paging writes after it are skipped anyway.
      auto it = files_.find(r.file_object);
      if (it != files_.end() && it->second.closed == 0)
        it->second.closed = std::max<std::int64_t>(r.timestamp, 1);
      return;
    }
    case KernelFileOp::kOperationEnd:
      on_end(r);
      return;
  }
}

void KernelFileTracker::on_end(const KernelFileRecord& r) {
  auto it = pending_.find(r.irp);
  if (it == pending_.end()) {
    // Most are operations on files we do not follow; a few are ends whose start is still in another
    // processor's buffer. Kept a moment in a small ring.
    if (early_ends_.size() < kEarlyEnds) {
      early_ends_.push_back({r.irp, r.extra_information, r.status, r.timestamp});
    } else {
      early_ends_[early_next_] = {r.irp, r.extra_information, r.status, r.timestamp};
      early_next_ = (early_next_ + 1) % kEarlyEnds;
    }
    return;
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (r.timestamp - p.started > kPendingLifetime) {
    ++stats_.forgotten_irps;  // this IRP's own end was lost: the address now serves another operation
    ++source_stats_->traced_lost;
    return;
  }
  complete(std::move(p), r.extra_information, r.status);
}

void KernelFileTracker::complete(Pending&& p, std::uint64_t information, std::uint32_t status) {
  ChangedRange range;  // empty: a writer without bytes (who created, renamed, ...)
  switch (p.kind) {
    case PendingKind::kCreate: {
      // Only STATUS_SUCCESS opened the file (STATUS_REPARSE and the like are successes that did not).
      const bool created =
          status == kStatusSuccess && (information == kFileCreated || information == kFileOverwritten ||
                                       (information == kFileSuperseded && p.disposition == kFileSupersede));
      if (status != kStatusSuccess) {
        auto f = files_.find(p.file_object);
        if (f != files_.end() && f->second.path == p.path) files_.erase(f);  // never opened
      }
      if (!created) return;  // opened an existing file: a writer only if it writes
      break;
    }
    case PendingKind::kWrite:
      if (!nt_success(status)) return;
      if (p.offset == kWriteToEndOfFile) {
        ++stats_.appends;
      } else {
        range = ChangedRange{p.offset, information};  // the bytes that were written
      }
      break;
    case PendingKind::kNamed:
      if (!nt_success(status)) return;
      if (!p.other_path.empty() && p.renames) {
        // FilePath was the new name: the old one changed too, and the file object now has the new.
        // (A new link leaves the original name as it was.)
        if (filter_.accepts(p.other_path) &&
            !ledger_.add_path(p.other_path, {}, writer(p.pid, p.user_sid), steady_now(), p.stream)) {
          ++source_stats_->traced_dropped;
        }
        auto f = files_.find(p.file_object);
        if (f != files_.end() && f->second.path == p.other_path) f->second.path = p.path;
      }
      if (!filter_.accepts(p.path)) return;
      break;
    case PendingKind::kResize:
      if (!nt_success(status)) return;
      break;
  }
  if (!ledger_.add_path(p.path, range, writer(p.pid, p.user_sid), steady_now(), p.stream)) {
    ++source_stats_->traced_dropped;
  }
}

}  // namespace fimon
