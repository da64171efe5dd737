// A real-time ETW session with Microsoft-Windows-Kernel-File enabled in it, consumed on a thread of
// its own (advapi32 and nothing else: KrabsETW needs MSVC). Needs an elevated token. A session of
// the same name left by a crashed run is stopped and replaced. Events carry the writer's SID and
// system-time stamps; an event-id filter keeps the provider's reads, queries and directory
// enumerations in the kernel.
#pragma once

#include <windows.h>
// The ETW headers need windows.h's types first.
#include <evntcons.h>
#include <evntrace.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "sources/windows/etw_watchdog.hpp"

namespace fimon {

class KernelFileSession {
 public:
  using Callback = std::function<void(const EVENT_RECORD&)>;

  static Result<std::unique_ptr<KernelFileSession>> start(const std::wstring& name, Callback on_record);
  ~KernelFileSession();
  void stop();

  using Provider = SessionObservation::Provider;
  struct State {
    bool running = false;                    // the session exists (nobody stopped it)
    Provider provider = Provider::kUnknown;  // Kernel-File still enabled in it, with our keywords
    TRACEHANDLE handle = 0;                  // of the session holding our name now
    std::uint64_t events_lost = 0;           // since the session started, as the kernel counts
    std::uint64_t buffers_lost = 0;
  };
  State query() const;
  // Enables the provider again (someone disabled it). False when that fails too.
  bool enable_provider() const;
  // Asks the kernel to hand over its partly filled buffers now.
  void flush() const;
  bool consuming() const { return consuming_.load(); }  // ProcessTrace still running
  std::uint64_t buffers_delivered() const { return buffers_.load(); }

 private:
  KernelFileSession(std::wstring name, Callback on_record);
  static void WINAPI on_event(PEVENT_RECORD record);
  static ULONG WINAPI on_buffer(PEVENT_TRACE_LOGFILEW logfile);

  std::wstring name_;
  Callback on_record_;
  TRACEHANDLE session_ = 0;
  TRACEHANDLE consumer_ = INVALID_PROCESSTRACE_HANDLE;
  std::thread thread_;
  std::atomic<bool> consuming_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> buffers_{0};
};

}  // namespace fimon
