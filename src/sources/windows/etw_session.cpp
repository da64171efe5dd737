#include "sources/windows/etw_session.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"
#include "sources/windows/kernel_file_records.hpp"

namespace fimon {
namespace {

constexpr ULONGLONG kKeywords =
    kKernelFileKeywordFileIo | kKernelFileKeywordOpEnd | kKernelFileKeywordCreate | kKernelFileKeywordWrite |
    kKernelFileKeywordDeletePath | kKernelFileKeywordRenameSetLinkPath | kKernelFileKeywordCreateNewFile;
constexpr UCHAR kLevelInformational = 4;
// QPC: precise enough that records of different processors sort into the order they happened
// (system time ticks every ~10 ms). ProcessTrace still hands the stamps over as FILETIME.
constexpr ULONG kClientContextQpc = 1;
constexpr std::size_t kNameRoom = 1024;  // characters, for each of the session and log file names
constexpr ULONG kBufferKb = 64;
constexpr ULONG kMinBuffers = 32;
constexpr ULONG kMaxBuffers = 256;  // 16 MiB at most, for bursts the consumer has not caught up with

// Not in mingw-w64's headers (evntprov.h, Windows 8.1 and later).
constexpr ULONG kEventFilterTypeEventId = 0x80000200;
#pragma pack(push, 1)
struct EventIdFilter {
  BOOLEAN filter_in;
  UCHAR reserved;
  USHORT count;
  USHORT events[10];
};
#pragma pack(pop)

// EVENT_TRACE_PROPERTIES followed by room for the session and log file names, as StartTrace and
// ControlTrace want (a query writes both back; short room makes it fail with ERROR_MORE_DATA).
class Properties {
 public:
  explicit Properties(const std::wstring& name)
      : buffer_(sizeof(EVENT_TRACE_PROPERTIES) + 2 * kNameRoom * sizeof(wchar_t)) {
    auto* p = get();
    p->Wnode.BufferSize = static_cast<ULONG>(buffer_.size());
    p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
    p->Wnode.ClientContext = kClientContextQpc;
    p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
    p->BufferSize = kBufferKb;
    p->MinimumBuffers = kMinBuffers;
    p->MaximumBuffers = kMaxBuffers;
    p->FlushTimer = 1;
    p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
    const std::size_t chars = std::min(name.size(), kNameRoom - 1);
    std::memcpy(buffer_.data() + sizeof(EVENT_TRACE_PROPERTIES), name.c_str(), chars * sizeof(wchar_t));
  }
  // For ControlTrace: where a query may write the log file name (real time has none to start).
  Properties& with_log_file_room() {
    get()->LogFileNameOffset =
        static_cast<ULONG>(sizeof(EVENT_TRACE_PROPERTIES) + kNameRoom * sizeof(wchar_t));
    return *this;
  }
  EVENT_TRACE_PROPERTIES* get() { return reinterpret_cast<EVENT_TRACE_PROPERTIES*>(buffer_.data()); }

 private:
  std::vector<unsigned char> buffer_;  // operator new aligns it for the struct
};

// Control goes by name, not by handle: once someone else stops the session its handle is stale,
// and its logger id may already belong to another tool's session.
ULONG control(const std::wstring& name, ULONG code) {
  Properties props(name);
  return ControlTraceW(0, name.c_str(), props.with_log_file_room().get(), code);
}

ULONG enable(TRACEHANDLE session, bool with_filter) {
  EventIdFilter ids{};
  ids.filter_in = TRUE;
  const KernelFileOp wanted[] = {KernelFileOp::kCreate,         KernelFileOp::kCleanup,
                                 KernelFileOp::kClose,          KernelFileOp::kWrite,
                                 KernelFileOp::kSetInformation, KernelFileOp::kOperationEnd,
                                 KernelFileOp::kDeletePath,     KernelFileOp::kRenamePath,
                                 KernelFileOp::kSetLinkPath,    KernelFileOp::kCreateNewFile};
  for (auto op : wanted) ids.events[ids.count++] = static_cast<USHORT>(op);
  EVENT_FILTER_DESCRIPTOR filter{};
  filter.Ptr = reinterpret_cast<ULONGLONG>(&ids);
  filter.Size = static_cast<ULONG>(offsetof(EventIdFilter, events) + ids.count * sizeof(USHORT));
  filter.Type = kEventFilterTypeEventId;

  ENABLE_TRACE_PARAMETERS params{};
  params.Version = ENABLE_TRACE_PARAMETERS_VERSION_2;
  params.EnableProperty = EVENT_ENABLE_PROPERTY_SID;
  if (with_filter) {
    params.EnableFilterDesc = &filter;
    params.FilterDescCount = 1;
  }
  return EnableTraceEx2(session, &kernel_file_provider(), EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                        kLevelInformational, kKeywords, 0, 0, &params);
}

}  // namespace

KernelFileSession::KernelFileSession(std::wstring name, Callback on_record)
    : name_(std::move(name)), on_record_(std::move(on_record)) {}

Result<std::unique_ptr<KernelFileSession>> KernelFileSession::start(const std::wstring& name,
                                                                    Callback on_record) {
  std::unique_ptr<KernelFileSession> s(new KernelFileSession(name, std::move(on_record)));
  Properties props(name);
  ULONG rc = StartTraceW(&s->session_, name.c_str(), props.get());
  if (rc == ERROR_ALREADY_EXISTS) {
    // Left by a run that did not stop cleanly (a crash, a kill): its buffers fill with nobody
    // reading them. Ours now.
    control(name, EVENT_TRACE_CONTROL_STOP);
    log::warn("etw: stopped a session named ", platform::to_utf8(name), " left by an earlier run");
    Properties again(name);
    rc = StartTraceW(&s->session_, name.c_str(), again.get());
  }
  if (rc != ERROR_SUCCESS) {
    return platform::win32_error(
        rc, rc == ERROR_ACCESS_DENIED ? "etw: StartTrace (needs an elevated token)" : "etw: StartTrace");
  }
  rc = enable(s->session_, true);
  if (rc == ERROR_NOT_SUPPORTED || rc == ERROR_INVALID_PARAMETER) {
    log::warn("etw: this Windows cannot filter Kernel-File events by id; all file I/O events will be read");
    rc = enable(s->session_, false);
  }
  if (rc != ERROR_SUCCESS) {
    s->stop();
    return platform::win32_error(rc, "etw: EnableTraceEx2(Microsoft-Windows-Kernel-File)");
  }

  EVENT_TRACE_LOGFILEW logfile{};
  logfile.LoggerName = const_cast<wchar_t*>(s->name_.c_str());
  logfile.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
  logfile.EventRecordCallback = &KernelFileSession::on_event;
  logfile.BufferCallback = &KernelFileSession::on_buffer;
  logfile.Context = s.get();
  s->consumer_ = OpenTraceW(&logfile);
  if (s->consumer_ == INVALID_PROCESSTRACE_HANDLE) {
    const DWORD error = GetLastError();
    s->stop();
    return platform::win32_error(error,
                                 error == ERROR_ACCESS_DENIED
                                     ? "etw: OpenTrace (needs an elevated token, or Wine, which has no ETW)"
                                     : "etw: OpenTrace");
  }
  s->consuming_ = true;
  KernelFileSession* self = s.get();
  s->thread_ = std::thread([self] {
    platform::name_current_thread("fimon-etw");
    const ULONG result = ProcessTrace(&self->consumer_, 1, nullptr, nullptr);
    self->consuming_ = false;
    if (!self->stopping_ && result != ERROR_SUCCESS && result != ERROR_CANCELLED) {
      log::error("etw: ProcessTrace ended: ", platform::win32_error(result, "ProcessTrace").message());
    }
  });
  return s;
}

KernelFileSession::~KernelFileSession() {
  stop();
}

void KernelFileSession::stop() {
  stopping_ = true;
  if (session_ != 0) {
    control(name_, EVENT_TRACE_CONTROL_STOP);
    session_ = 0;
  }
  if (consumer_ != INVALID_PROCESSTRACE_HANDLE) {
    CloseTrace(consumer_);  // ProcessTrace returns once the buffers it holds are delivered
    consumer_ = INVALID_PROCESSTRACE_HANDLE;
  }
  if (thread_.joinable()) thread_.join();
}

void WINAPI KernelFileSession::on_event(PEVENT_RECORD record) {
  auto* self = static_cast<KernelFileSession*>(record->UserContext);
  self->on_record_(*record);
}

ULONG WINAPI KernelFileSession::on_buffer(PEVENT_TRACE_LOGFILEW logfile) {
  auto* self = static_cast<KernelFileSession*>(logfile->Context);
  self->buffers_.fetch_add(1, std::memory_order_release);
  return self->stopping_ ? FALSE : TRUE;  // FALSE ends ProcessTrace
}

KernelFileSession::State KernelFileSession::query() const {
  State state;
  Properties props(name_);
  const ULONG queried =
      ControlTraceW(0, name_.c_str(), props.with_log_file_room().get(), EVENT_TRACE_CONTROL_QUERY);
  if (queried != ERROR_SUCCESS && queried != ERROR_MORE_DATA) return state;  // MORE_DATA: a name was cut
  state.running = true;
  state.handle = props.get()->Wnode.HistoricalContext;  // the session holding our name now
  state.events_lost = props.get()->EventsLost;
  state.buffers_lost = props.get()->RealTimeBuffersLost;

  // Who the provider is enabled for: our session must be among them, with our keywords.
  std::vector<unsigned char> info(4096);
  ULONG needed = 0;
  GUID provider = kernel_file_provider();
  ULONG rc;
  while ((rc = EnumerateTraceGuidsEx(TraceGuidQueryInfo, &provider, sizeof(provider), info.data(),
                                     static_cast<ULONG>(info.size()), &needed)) ==
             ERROR_INSUFFICIENT_BUFFER &&
         needed > info.size()) {
    info.resize(needed);
  }
  if (rc != ERROR_SUCCESS || needed < sizeof(TRACE_GUID_INFO)) return state;  // unknown, not disabled
  state.provider = Provider::kDisabled;
  const auto* guid_info = reinterpret_cast<const TRACE_GUID_INFO*>(info.data());
  std::size_t offset = sizeof(TRACE_GUID_INFO);
  const auto logger_id = static_cast<USHORT>(state.handle & 0xFFFF);  // a TRACEHANDLE's low 16 bits
  for (ULONG i = 0; i < guid_info->InstanceCount && offset + sizeof(TRACE_PROVIDER_INSTANCE_INFO) <= needed;
       ++i) {
    const auto* instance = reinterpret_cast<const TRACE_PROVIDER_INSTANCE_INFO*>(info.data() + offset);
    const auto* enables = reinterpret_cast<const TRACE_ENABLE_INFO*>(instance + 1);
    for (ULONG e = 0; e < instance->EnableCount; ++e) {
      if (reinterpret_cast<const unsigned char*>(enables + e + 1) > info.data() + needed) break;
      if (enables[e].LoggerId == logger_id && enables[e].IsEnabled &&
          (enables[e].MatchAnyKeyword & kKeywords) == kKeywords) {
        state.provider = Provider::kEnabled;
      }
    }
    if (instance->NextOffset == 0) break;
    offset += instance->NextOffset;
  }
  return state;
}

bool KernelFileSession::enable_provider() const {
  const State state = query();
  return state.running && enable(state.handle, true) == ERROR_SUCCESS;
}

void KernelFileSession::flush() const {
  control(name_, EVENT_TRACE_CONTROL_FLUSH);
}

}  // namespace fimon
