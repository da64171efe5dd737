// The kernel write tracer (bpf/fimon.bpf.c, loaded from its libbpf skeleton): for each write into a
// watched tree, the bytes it covered and the writer, into a WriteLedger the analyzer reads. Writes
// through shared mappings, which no other source sees, are also handed on as changes. Records the
// kernel could not queue are counted and reported as losses (the caller rescans).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/write_ledger.hpp"
#include "sources/source.hpp"

struct fimon_bpf;
struct fimon_write_record;
struct ring_buffer;

namespace fimon {

class ProcessCache;
struct KernelWriter;
class RingCursor;
class SuperblockDevices;

struct WriteTracerCallbacks {
  std::function<void(std::uint64_t lost)> on_lost;          // records the kernel dropped
  std::function<void(RawChange&& change)> on_mapped_write;  // a page dirtied through a mapping
};

struct WriteTracerOptions {
  std::uint64_t ring_bytes = 8ULL << 20;
  std::uint64_t capture_bytes = 0;  // of each write, copied in the kernel (at most kMaxKernelCapture)
};

class WriteTracer {
 public:
  // Loads and attaches the programs; errors say why (no BTF, not permitted, tracefs missing...).
  static Result<std::unique_ptr<WriteTracer>> create(const std::vector<std::string>& watched_roots,
                                                     long long own_pid, WriteLedger* ledger,
                                                     WriteTracerOptions options);
  ~WriteTracer();
  WriteTracer(const WriteTracer&) = delete;
  WriteTracer& operator=(const WriteTracer&) = delete;

  // `stats` (borrowed) counts the records read in traced_writes.
  void start(WriteTracerCallbacks callbacks, SourceStats* stats);
  void stop();

  // The process `pid` as the kernel saw it at its last name or attribute change (create, unlink,
  // rename, chmod...), even if it has exited since; null when unknown or when it has run
  // execve since. Called from the names source's thread.
  ProcessRef actor(std::uint32_t pid);

 private:
  WriteTracer(fimon_bpf* skeleton, WriteLedger* ledger, std::vector<std::string> roots);
  void watch_roots();
  void run();
  void on_record(const void* data, std::size_t size);
  void on_mapping(const fimon_write_record& record, const void* data, std::size_t size);
  bool recorded_actor(std::uint32_t pid, KernelWriter* writer);
  const ProcessRef& writer_of(const fimon_write_record& record);
  std::string mapping_path(const void* data, std::size_t size, unsigned major, unsigned minor);
  // Where the filesystem's root is mounted; empty when it is not. Any thread.
  std::string mount_point(unsigned major, unsigned minor);
  std::uint64_t kernel_drops() const;

  fimon_bpf* skeleton_;
  int wait_and_consume();  // one pass of the reader: records consumed, or -errno
  ring_buffer* ring_ = nullptr;
  std::shared_ptr<RingCursor> cursor_;  // shared with the ledger, which waits on it
  WriteLedger* ledger_;
  std::unique_ptr<ProcessCache> processes_;
  WriteTracerCallbacks callbacks_;
  SourceStats* stats_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::uint64_t drops_reported_ = 0;
  // Where a mapped file lives, by (process, device, inode), and until when to trust that.
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint64_t>, std::pair<std::string, SteadyTime>>
      mapped_paths_;
  std::vector<std::string> roots_;
  std::mutex mounts_mutex_;
  std::map<std::pair<unsigned, unsigned>, std::string> mount_points_;  // device -> its root's mount point
  std::mutex actors_mutex_;
  std::unique_ptr<ProcessCache> actor_processes_;  // the names source's, apart from the ring reader's
  std::unique_ptr<SuperblockDevices> devices_;     // for the kernel filter's keys
  std::thread thread_;
};

}  // namespace fimon
