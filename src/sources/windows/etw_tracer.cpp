#include "sources/windows/etw_tracer.hpp"

#include <windows.h>
// sddl.h needs windows.h's types first.
#include <sddl.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "platform/identity.hpp"
#include "platform/lifecycle.hpp"
#include "platform/windows/accounts.hpp"
#include "platform/windows/wide.hpp"
#include "sources/windows/etw_session.hpp"
#include "sources/windows/kernel_file_tracker.hpp"

namespace fimon {
namespace {

constexpr wchar_t kSessionName[] = L"fimon-kernel-file";
constexpr auto kCheckEvery = std::chrono::seconds(5);

std::int64_t now_filetime() {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime);
}

}  // namespace

// What the analyzer waits on before it takes a file's writes. The kernel hands each processor's
// buffer over once a second, or when asked to flush; a change seen at time T has its writes in the
// ledger once a flush asked for after T has been delivered whole. A thread of its own asks every
// 200 ms (at once when someone waits) and publishes the time of the last flush that settled, so
// most takes find it already past their change and do not wait at all.
class EtwTracer::Feed final : public WriteFeed {
 public:
  explicit Feed(EtwTracer* tracer)
      : tracer_(tracer), thread_([this] {
          platform::name_current_thread("fimon-etw-flush");
          run();
        }) {}
  ~Feed() override { detach(); }
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  bool catch_up(WallTimeNs since, std::chrono::milliseconds limit) override {
    const std::int64_t wanted = since / 100 + kUnixEpochAsFiletime;
    std::unique_lock lock(mutex_);
    if (settled_ >= wanted || stopping_) return true;
    ++waiting_;
    wake_.notify_all();
    const bool done = woken_.wait_for(lock, limit, [&] { return settled_ >= wanted || stopping_; });
    --waiting_;
    return done;
  }

  // Stops asking; waiting takes return. The tracer is not touched after this returns.
  void detach() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    woken_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static constexpr std::int64_t kUnixEpochAsFiletime = 116444736000000000LL;  // 100 ns since 1601

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_ || waiting_ > 0; });
      if (stopping_) break;
      const std::int64_t asked = now_filetime();
      lock.unlock();
      tracer_->flush_and_settle();
      lock.lock();
      settled_ = asked;
      woken_.notify_all();
    }
  }

  EtwTracer* tracer_;  // used by run() only, which detach() joins
  std::mutex mutex_;
  std::condition_variable wake_;   // the flusher: someone waits
  std::condition_variable woken_;  // the takes: a flush settled
  std::int64_t settled_ = 0;       // FILETIME of the last flush request whose buffers all arrived
  int waiting_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

// Asks the kernel to hand over every processor's partly filled buffer, then waits until they have
// been consumed: buffers arrive one after another, so until none has come for a short while (or,
// if none comes at all, a little longer: there was nothing to hand over).
void EtwTracer::flush_and_settle() {
  std::uint64_t seen = 0;
  {
    std::lock_guard lock(session_mutex_);
    if (!session_) return;
    seen = session_->buffers_delivered();
    session_->flush();
  }
  const auto start = std::chrono::steady_clock::now();
  auto last_change = start;
  bool any = false;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto now = std::chrono::steady_clock::now();
    std::uint64_t delivered = 0;
    {
      std::lock_guard lock(session_mutex_);
      if (!session_) return;
      delivered = session_->buffers_delivered();
    }
    if (delivered != seen) {
      seen = delivered;
      last_change = now;
      any = true;
    }
    if (now - last_change >= (any ? std::chrono::milliseconds(15) : std::chrono::milliseconds(50))) return;
    if (now - start >= std::chrono::milliseconds(400)) return;  // a consumer this far behind: let it be
  }
}

EtwTracer::EtwTracer(const SourceContext& context, SourceStats* stats) : context_(context), stats_(stats) {}

Result<std::unique_ptr<EtwTracer>> EtwTracer::start(const SourceContext& context, SourceStats* stats) {
  if (context.ledger == nullptr) return invalid_argument("etw: no write ledger to fill");
  std::unique_ptr<EtwTracer> t(new EtwTracer(context, stats));
  t->tracker_ = std::make_unique<KernelFileTracker>(
      *context.filter, *context.ledger, [](std::uint32_t pid) { return platform::lookup_process(pid); },
      [] { return NtPathMap::from_system(); }, static_cast<std::uint32_t>(context.own_pid), stats,
      [](const std::string& sid) {
        PSID binary = nullptr;
        if (!ConvertStringSidToSidW(platform::to_wide(sid).c_str(), &binary)) return std::string();
        std::string name = platform::account_of(binary).name;
        LocalFree(binary);
        return name;
      });
  if (auto s = t->open_session(); !s) return s.error();  // no other thread yet: no lock needed
  t->feed_ = std::make_shared<Feed>(t.get());
  context.ledger->set_tracer("etw", true);
  context.ledger->set_feed(t->feed_);
  t->watch_thread_ = std::thread([self = t.get()] {
    platform::name_current_thread("fimon-etw-watch");
    self->watch();
  });
  return t;
}

EtwTracer::~EtwTracer() {
  stop();
}

void EtwTracer::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (watch_thread_.joinable()) watch_thread_.join();
  if (context_.ledger != nullptr) context_.ledger->set_feed(nullptr);
  if (feed_) feed_->detach();  // a take still holding the feed returns at once
  std::unique_ptr<KernelFileSession> session;
  {
    std::lock_guard lock(session_mutex_);
    session = std::move(session_);
  }
  session.reset();  // joins the consumer thread: no callback runs after this
}

// Called with session_mutex_ held, or before the watchdog starts.
Status EtwTracer::open_session() {
  auto session = KernelFileSession::start(kSessionName, [this](const EVENT_RECORD& record) {
    ++stats_->events;
    records_.fetch_add(1, std::memory_order_relaxed);
    KernelFileRecord r;
    switch (decode_kernel_file(record, r)) {
      case DecodeResult::kDecoded:
        tracker_->on_record(r);
        break;
      case DecodeResult::kOldVersion:
      case DecodeResult::kTruncated:
        if (log::should_log_occurrence(++undecoded_)) {
          log::warn("etw: a Kernel-File event (id ", record.EventHeader.EventDescriptor.Id, ", version ",
                    static_cast<int>(record.EventHeader.EventDescriptor.Version), ") could not be read (",
                    undecoded_, " so far)");
        }
        ++stats_->unresolved;
        break;
      case DecodeResult::kNotOurs:
        break;
    }
  });
  if (!session) return session.error();
  session_ = std::move(session.value());
  watchdog_.session_restarted();
  return {};
}

void EtwTracer::watch() {
  std::unique_lock lock(wake_mutex_);
  while (!wake_.wait_for(lock, kCheckEvery, [this] { return stopping_; })) {
    lock.unlock();
    check();
    lock.lock();
  }
}

void EtwTracer::check() {
  std::lock_guard lock(session_mutex_);
  SessionObservation seen;
  seen.consuming = session_ && session_->consuming();
  if (session_) {
    const auto state = session_->query();
    seen.running = state.running;
    seen.provider = state.provider;
    seen.events_lost = state.events_lost;
    seen.buffers_lost = state.buffers_lost;
  }
  seen.records = records_.load();
  seen.changes = stats_->changes.load();
  const WatchVerdict v = watchdog_.check(seen);

  if (v.lost > 0) {
    const auto total = stats_->traced_lost += v.lost;
    if (log::should_log_occurrence(total)) {
      log::warn("etw: the kernel lost ", v.lost, " Kernel-File events or buffers (", total,
                " so far): the consumer fell behind or was starved of buffers");
    }
  }
  if (!v.blinded) return;
  if (v.new_episode) ++stats_->tracer_blinded;  // shipped at once (see verb_run's alarm)
  if (v.new_episode || log::should_log_occurrence(++blinded_checks_)) {
    log::error("etw: ", v.why,
               "; writes lack fim.writes and writers until it recovers (names still come from "
               "ReadDirectoryChangesW)");
  }
  if (v.action == WatchVerdict::Action::kRestartSession) {
    session_.reset();
    if (auto s = open_session(); !s && log::should_log_occurrence(++restart_failures_)) {
      log::error(s.error().message(), " (", restart_failures_, " failed restarts)");
    }
  } else if (v.action == WatchVerdict::Action::kEnableProvider && !session_->enable_provider()) {
    log::error("etw: cannot enable Microsoft-Windows-Kernel-File again");
  }
}

}  // namespace fimon
