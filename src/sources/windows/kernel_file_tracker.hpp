// Follows Microsoft-Windows-Kernel-File's records through their I/O request packets and fills the
// write ledger, by path: which bytes each process wrote (Write, with the size the operation-end
// says completed) and who created, overwrote, truncated, renamed, linked or deleted each name.
// Names come from the Create that opened the file object; only files inside the watched trees are
// followed. It never touches the disk: it runs on the ETW consumer thread, which must keep up (a
// process or account is looked up once and cached).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.hpp"
#include "core/path_filter.hpp"
#include "core/write_ledger.hpp"
#include "sources/source.hpp"
#include "sources/windows/kernel_file_records.hpp"
#include "sources/windows/nt_paths.hpp"

namespace fimon {

struct KernelFileTrackerStats {
  std::uint64_t paging_writes = 0;   // cache or mapped-page flushes (System): not a writer's range
  std::uint64_t appends = 0;         // writes at end of file: writer kept, offset unknown
  std::uint64_t unmapped_names = 0;  // names on no drive letter
  std::uint64_t forgotten_irps = 0;  // operations whose end never came (30 s, or the cap)
  std::uint64_t early_ends = 0;      // operation-ends delivered before their start (other CPU)
};

class KernelFileTracker {
 public:
  using Resolver = std::function<ProcessRef(std::uint32_t pid)>;  // never null
  using PathMapSource = std::function<NtPathMap()>;
  using AccountNamer = std::function<std::string(const std::string& sid)>;  // "DOMAIN\\name" or empty

  // `resolve` names a process (cached here); `paths` rebuilds the device map when a name's volume
  // is unknown (at most every 10 s). Records of `own_pid` are skipped: the agent's own reads.
  KernelFileTracker(const PathFilter& filter, WriteLedger& ledger, Resolver resolve, PathMapSource paths,
                    std::uint32_t own_pid, SourceStats* stats, AccountNamer name_account = {});

  void on_record(const KernelFileRecord& record);
  const KernelFileTrackerStats& stats() const { return stats_; }
  std::size_t open_files() const;  // followed and not yet cleaned up
  std::size_t pending_operations() const { return pending_.size(); }

 private:
  struct OpenFile {
    std::string path;
    std::string stream;
    std::int64_t closed = 0;  // the Cleanup's timestamp, once cleaned up
  };
  enum class PendingKind : std::uint8_t { kCreate, kWrite, kNamed, kResize };
  struct Pending {
    PendingKind kind;
    std::string path;
    std::string stream;
    std::uint64_t offset = 0;
    std::uint32_t pid = 0;
    std::string user_sid;
    std::uint64_t file_object = 0;
    std::uint32_t disposition = 0;  // a create's (CreateOptions >> 24)
    std::string other_path;         // a rename's or link's other name, when known
    bool renames = false;           // RenamePath (the file object takes the new name)
    std::int64_t started = 0;       // the start's timestamp
  };
  // An operation-end that came before its start: per-CPU buffers are delivered one at a time.
  struct EarlyEnd {
    std::uint64_t irp = 0;
    std::uint64_t information = 0;
    std::uint32_t status = 0;
    std::int64_t time = 0;
  };

  std::optional<DriveFile> name_of(const std::wstring& nt_path);
  ProcessRef writer(std::uint32_t pid, const std::string& user_sid);
  void expect_end(std::uint64_t irp, Pending pending);
  void on_end(const KernelFileRecord& record);
  void complete(Pending&& pending, std::uint64_t information, std::uint32_t status);
  void forget_stale();

  const PathFilter& filter_;
  WriteLedger& ledger_;
  Resolver resolve_;
  PathMapSource path_source_;
  AccountNamer name_account_;
  std::unordered_map<std::string, std::string> account_names_;  // by SID, for impersonating threads
  NtPathMap paths_;
  SteadyTime paths_built_{};
  std::uint32_t own_pid_;
  SourceStats* source_stats_;
  KernelFileTrackerStats stats_;
  std::unordered_map<std::uint64_t, OpenFile> files_;   // by FileObject, from its Create to Cleanup
  std::unordered_map<std::uint64_t, Pending> pending_;  // by Irp, until its OperationEnd
  std::vector<EarlyEnd> early_ends_;                    // a ring of recent unmatched ends
  std::size_t early_next_ = 0;
  std::int64_t newest_ = 0;      // the latest record timestamp seen
  std::int64_t last_sweep_ = 0;  // of stale operations and cleaned-up file objects
  struct CachedProcess {
    ProcessRef info;
    SteadyTime looked_up;
  };
  std::unordered_map<std::uint32_t, CachedProcess> processes_;
};

}  // namespace fimon
