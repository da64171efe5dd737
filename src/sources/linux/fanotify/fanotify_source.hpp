// fanotify in FID mode: one FAN_MARK_FILESYSTEM mark per filesystem holding a watched path, events
// reported as (directory handle, name) and resolved to paths with open_by_handle_at, then filtered
// to the watched trees in user space. Needs CAP_SYS_ADMIN (marks) and CAP_DAC_READ_SEARCH
// (open_by_handle_at), kernel >= 5.9 for FAN_REPORT_DFID_NAME; uses FAN_RENAME (one event with
// both names) on >= 5.17 and pidfds on >= 5.15 where available.
#pragma once

#include <map>
#include <memory>
#include <utility>

#include "sources/linux/ebpf/write_tracer.hpp"
#include "sources/linux/fanotify/dir_path_cache.hpp"
#include "sources/linux/kernel_queue_reader.hpp"
#include "sources/scan/reconciler.hpp"
#include "sources/source.hpp"

namespace fimon {

class FanotifySource final : public Source {
 public:
  // With `tracer`, the source is the eBPF backend: fanotify for names, the tracer for written
  // ranges, shared-mapping stores and full writer identity.
  static Result<std::unique_ptr<Source>> create(const SourceContext& context,
                                                std::unique_ptr<WriteTracer> tracer = nullptr);
  ~FanotifySource() override;

  const char* name() const override { return tracer_ ? "ebpf" : "fanotify"; }
  Status start() override;
  void stop() override;

 private:
  struct Fsid {
    int a = 0, b = 0;
    bool operator<(const Fsid& o) const { return std::pair(a, b) < std::pair(o.a, o.b); }
  };

  FanotifySource(const SourceContext& context, int fan_fd, std::unique_ptr<KernelQueueReader> reader,
                 std::unique_ptr<WriteTracer> tracer);
  void start_tracer();
  Status mark_filesystems();
  bool mark_filesystem(const std::string& path);  // false with errno set
  void handle_buffer(const char* buffer, std::size_t length);
  bool resolve_dir(const Fsid& fsid, void* file_handle, std::string* path);
  ProcessRef process_of(std::int32_t pid, bool gone);
  void emit(ChangeKind kind, std::string path, bool is_dir, const ProcessRef& process, WallTimeNs now,
            std::string old_path = {});

  SourceContext context_;
  int fan_fd_;
  bool has_rename_ = true;         // until a mark with FAN_RENAME is refused (kernel < 5.17)
  std::map<Fsid, int> mount_fds_;  // one open directory per marked filesystem, for open_by_handle_at
  DirPathCache dir_paths_;         // reader thread only
  std::vector<std::string> skipped_mounts_;
  std::unique_ptr<Reconciler> reconciler_;
  WallTimeNs last_read_ = 0;
  std::unique_ptr<WriteTracer> tracer_;
  std::unique_ptr<KernelQueueReader> reader_;  // declared last: stopped before the rest goes
};

}  // namespace fimon
