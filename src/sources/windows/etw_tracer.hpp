// The ETW backend's kernel half: a Microsoft-Windows-Kernel-File session whose records fill the
// write ledger (ranges, writers, streams; see kernel_file_tracker.hpp), beside ReadDirectoryChangesW,
// which keeps naming files. A watchdog checks every few seconds that nobody has blinded it: the
// session stopped (`logman stop`, another tool reusing the name), the provider disabled in it, or
// no records while files kept changing. Each is an error in the log and a tracer_blinded count;
// the session is restarted or the provider re-enabled, and names keep coming from
// ReadDirectoryChangesW meanwhile. Lost events and buffers are counted as traced_lost.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/result.hpp"
#include "sources/source.hpp"
#include "sources/windows/etw_watchdog.hpp"

namespace fimon {

class KernelFileSession;
class KernelFileTracker;

class EtwTracer {
 public:
  // Starts the session (the consumer delivers at once). Fails without an elevated token.
  static Result<std::unique_ptr<EtwTracer>> start(const SourceContext& context, SourceStats* stats);
  ~EtwTracer();
  void stop();

 private:
  class Feed;
  EtwTracer(const SourceContext& context, SourceStats* stats);
  Status open_session();
  void flush_and_settle();
  void watch();
  void check();

  SourceContext context_;
  SourceStats* stats_;
  std::unique_ptr<KernelFileTracker> tracker_;
  std::mutex session_mutex_;  // the watchdog replaces the session; the feed flushes it
  std::unique_ptr<KernelFileSession> session_;
  std::shared_ptr<Feed> feed_;
  std::atomic<std::uint64_t> records_{0};
  std::uint64_t undecoded_ = 0;  // consumer thread only
  // Watchdog state.
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watch_thread_;
  EtwWatchdog watchdog_;
  std::uint64_t blinded_checks_ = 0;
  std::uint64_t restart_failures_ = 0;
};

}  // namespace fimon
