#include "sources/windows/rdcw_source.hpp"

#include <windows.h>

#include <algorithm>
#include <chrono>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"
#include "sources/windows/etw_tracer.hpp"
#include "sources/windows/nt_paths.hpp"
#include "sources/windows/usn_catch_up.hpp"
#include "sources/windows/usn_journal.hpp"

namespace fimon {
namespace {

constexpr DWORD kBufferBytes = 64 * 1024;  // the most a network share accepts per call
constexpr DWORD kNotifyFilter = FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME |
                                FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_SIZE |
                                FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SECURITY |
                                FILE_NOTIFY_CHANGE_CREATION;
// Named data streams (alternate data streams): ntifs.h's FILE_NOTIFY_CHANGE_STREAM_* and
// FILE_ACTION_*_STREAM. NTFS reports them for "file:stream"; a filesystem that refuses the flags
// is watched without them.
constexpr DWORD kNotifyStreams = 0x200 | 0x400 | 0x800;
constexpr DWORD kActionAddedStream = 6;
constexpr DWORD kActionRemovedStream = 7;
constexpr DWORD kActionModifiedStream = 8;
constexpr ULONG_PTR kWakeKey = ~ULONG_PTR{0};
// Changes already in flight when a batch was lost may be a little older than the loss.
constexpr WallTimeNs kGapSlackNs = 2'000'000'000LL;

// "sub\\name.txt" relative to the root, in fimon's '/' form.
std::string relative_name(const FILE_NOTIFY_INFORMATION* info) {
  std::string name =
      platform::to_utf8(std::wstring_view(info->FileName, info->FileNameLength / sizeof(WCHAR)));
  for (auto& c : name) {
    if (c == '\\') c = '/';
  }
  return name;
}

bool is_directory(const std::string& path) {
  const DWORD attributes = GetFileAttributesW(platform::to_wide(path).c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) &&
         !(attributes & FILE_ATTRIBUTE_REPARSE_POINT);
}

}  // namespace

struct RdcwSource::Watch {
  std::string root;
  HANDLE directory = INVALID_HANDLE_VALUE;
  OVERLAPPED overlapped{};
  // DWORD-aligned, as ReadDirectoryChangesW requires.
  alignas(DWORD) unsigned char buffer[kBufferBytes];
  std::string pending_old_name;  // FILE_ACTION_RENAMED_OLD_NAME waiting for its new name
  WallTimeNs last_batch = 0;
  DWORD filter = kNotifyFilter | kNotifyStreams;
  bool lost = false;  // the root is gone: looked for again every second
};

Result<std::unique_ptr<Source>> RdcwSource::create(const SourceContext& context, bool etw) {
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (port == nullptr) return platform::win32_error(GetLastError(), "rdcw: cannot create a completion port");
  std::unique_ptr<RdcwSource> source(new RdcwSource(context, port));
  for (const auto& root : context.filter->roots()) {
    auto watch = std::make_unique<Watch>();
    watch->root = root;
    source->watches_.push_back(std::move(watch));
  }
  if (etw) {
    auto tracer = EtwTracer::start(context, &source->stats_);
    if (!tracer) return tracer.error();
    source->tracer_ = std::move(tracer.value());
  }
  return std::unique_ptr<Source>(std::move(source));
}

RdcwSource::RdcwSource(const SourceContext& context, void* port) : context_(context), port_(port) {}

RdcwSource::~RdcwSource() {
  stop();
  for (auto& w : watches_) close_watch(*w);
  CloseHandle(port_);
}

bool RdcwSource::open_watch(Watch& w) {
  w.directory = CreateFileW(platform::to_wide(w.root).c_str(), FILE_LIST_DIRECTORY,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                            FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, nullptr);
  if (w.directory == INVALID_HANDLE_VALUE) return false;
  if (CreateIoCompletionPort(w.directory, port_, reinterpret_cast<ULONG_PTR>(&w), 1) == nullptr) {
    close_watch(w);
    return false;
  }
  return arm(w);
}

bool RdcwSource::arm(Watch& w) {
  w.overlapped = OVERLAPPED{};
  if (ReadDirectoryChangesW(w.directory, w.buffer, kBufferBytes, TRUE, w.filter, nullptr, &w.overlapped,
                            nullptr)) {
    return true;
  }
  if (GetLastError() == ERROR_INVALID_PARAMETER && (w.filter & kNotifyStreams)) {
    log::info("rdcw: ", w.root, ": its filesystem reports no named data streams; watching without them");
    w.filter = kNotifyFilter;
    return arm(w);
  }
  log::warn("rdcw: cannot watch ", w.root, ": ",
            platform::win32_error(GetLastError(), "ReadDirectoryChangesW").message());
  close_watch(w);
  return false;
}

void RdcwSource::close_watch(Watch& w) {
  if (w.directory != INVALID_HANDLE_VALUE) CloseHandle(w.directory);
  w.directory = INVALID_HANDLE_VALUE;
}

Status RdcwSource::start() {
  WalkOptions walk;
  walk.skip_dir = make_unmonitorable_dir_predicate();
  reconciler_ = std::make_unique<Reconciler>(context_, std::move(walk), &stats_);
  for (auto& w : watches_) {
    w->last_batch = wall_clock_now();
    if (!open_watch(*w)) {
      w->lost = true;
      log::warn("rdcw: ", w->root, " cannot be watched yet (",
                platform::win32_error(GetLastError(), "open").message(), "); looking for it every second");
    }
  }
  thread_ = std::thread([this] {
    platform::name_current_thread("fimon-rdcw");
    run();
  });
  return {};
}

void RdcwSource::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& w : watches_) {
    if (w->directory != INVALID_HANDLE_VALUE) CancelIoEx(w->directory, &w->overlapped);
  }
  PostQueuedCompletionStatus(port_, 0, kWakeKey, nullptr);
  if (thread_.joinable()) thread_.join();
  save_journal_cursors();
  reconciler_.reset();
  if (tracer_) tracer_->stop();
}

// What changed while the agent was down, from each volume's change journal since the cursor saved
// at the last stop (needs administrator rights and NTFS/ReFS; otherwise the start-up scan, which
// runs anyway, covers the gap).
void RdcwSource::catch_up_from_journals() {
  std::vector<std::string> seen;
  for (const auto& w : watches_) {
    auto journal = UsnJournal::open(w->root);
    if (!journal) {
      log::info(journal.error().message(),
                "; the start-up scan covers what changed while the agent was down");
      continue;
    }
    const std::string volume = (*journal)->volume();
    if (std::find(seen.begin(), seen.end(), volume) != seen.end()) continue;
    seen.push_back(volume);
    auto now = (*journal)->current();
    if (!now) {
      log::info(now.error().message(), "; the start-up scan covers what changed while the agent was down");
      continue;
    }
    journal_volumes_.push_back(volume);
    auto saved = load_usn_cursor(context_.state_dir, volume);
    if (!saved) {
      log::info("usn: first start on ", volume, "; replaying its change journal from the next start on");
      continue;
    }
    auto records = (*journal)->read_since(*saved);
    if (!records) {
      log::warn(records.error().message(), "; the start-up scan covers the gap");
      continue;
    }
    UsnCatchUp catch_up;
    for (const auto& r : *records) catch_up.add(r);
    std::size_t reported = 0;
    for (auto& c :
         catch_up.changes([&](const UsnFileId& id) { return (*journal)->path_of(id); }, wall_clock_now())) {
      if (hand_on(std::move(c))) ++reported;
    }
    log::info("usn: ", volume, ": ", records->size(), " journal records since the last stop, ",
              catch_up.files(), " files, ", reported, " changes in the watched trees");
  }
}

// Where the next start replays from. Saved at a clean stop only: after a crash the next start
// replays from the stop before, which re-reports some changes (the baseline drops those that
// are not changes) rather than missing any.
void RdcwSource::save_journal_cursors() {
  for (const auto& w : watches_) {
    auto journal = UsnJournal::open(w->root);
    if (!journal) continue;
    const std::string volume = (*journal)->volume();
    auto known = std::find(journal_volumes_.begin(), journal_volumes_.end(), volume);
    if (known == journal_volumes_.end()) continue;
    journal_volumes_.erase(known);
    auto now = (*journal)->current();
    if (!now) continue;
    if (auto s = save_usn_cursor(context_.state_dir, volume, *now); !s) log::warn(s.error().message());
  }
}

void RdcwSource::run() {
  catch_up_from_journals();  // the live watches are armed: nothing falls between the two
  auto next_retry = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!stopping_) {
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED* overlapped = nullptr;
    const BOOL ok = GetQueuedCompletionStatus(port_, &bytes, &key, &overlapped, 500);
    const DWORD error = ok ? ERROR_SUCCESS : GetLastError();
    if (stopping_) break;
    if (overlapped != nullptr && key != kWakeKey) {
      auto& w = *reinterpret_cast<Watch*>(key);
      const WallTimeNs now = wall_clock_now();
      if (error == ERROR_SUCCESS && bytes > 0) {
        handle_batch(w, bytes);
        w.last_batch = now;
        if (!arm(w)) w.lost = true;
      } else if (error == ERROR_SUCCESS || error == ERROR_NOTIFY_ENUM_DIR) {
        // The kernel's buffer overflowed: this batch is lost. Rescan what changed since.
        const auto count = ++stats_.overflows;
        if (log::should_log_occurrence(count)) {
          log::warn("rdcw: changes under ", w.root, " were lost (buffer overflow, ", count,
                    " so far); rescanning");
        }
        reconciler_->request(w.last_batch - kGapSlackNs);
        w.last_batch = now;
        if (!arm(w)) w.lost = true;
      } else {
        // ERROR_ACCESS_DENIED / ERROR_INVALID_HANDLE...: the directory was deleted or its volume left.
        log::warn("rdcw: lost the watch on ", w.root, " (", platform::win32_error(error, "read").message(),
                  "); looking for it every second");
        close_watch(w);
        w.lost = true;
      }
    }
    if (std::chrono::steady_clock::now() >= next_retry) {
      next_retry = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      for (auto& w : watches_) {
        if (!w->lost || !open_watch(*w)) continue;
        w->lost = false;
        w->last_batch = wall_clock_now();
        log::info("rdcw: watching ", w->root, " again; reporting what it holds");
        reconciler_->request_subtree(w->root);
      }
    }
  }
}

void RdcwSource::handle_batch(Watch& w, std::size_t bytes) {
  const WallTimeNs now = wall_clock_now();
  std::size_t offset = 0;
  while (offset + sizeof(FILE_NOTIFY_INFORMATION) <= bytes) {
    const auto* info = reinterpret_cast<const FILE_NOTIFY_INFORMATION*>(w.buffer + offset);
    if (offset + offsetof(FILE_NOTIFY_INFORMATION, FileName) + info->FileNameLength > bytes) break;
    ++stats_.events;
    auto [path, stream] = split_stream(w.root + (w.root.back() == '/' ? "" : "/") + relative_name(info));
    // "file:stream" is a named stream of the file, whatever the action: a change of that file.
    // (NTFS reports it with FILE_ACTION_*_STREAM; Wine, which keeps a stream as a file of that
    // name, with the plain actions.)
    const DWORD action = stream.empty() ? info->Action : kActionModifiedStream;
    switch (action) {
      case kActionAddedStream:
      case kActionRemovedStream:
      case kActionModifiedStream:
        emit(ChangeKind::kModified, path, {}, now, stream);
        break;
      case FILE_ACTION_ADDED:
        emit(ChangeKind::kCreated, path, {}, now);
        // A directory moved in brings its content without any event for it.
        if (is_directory(path)) reconciler_->request_subtree(path);
        break;
      case FILE_ACTION_REMOVED:
        emit(ChangeKind::kDeleted, path, {}, now);
        break;
      case FILE_ACTION_MODIFIED:
        emit(ChangeKind::kModified, path, {}, now);
        break;
      case FILE_ACTION_RENAMED_OLD_NAME:
        if (!w.pending_old_name.empty()) emit(ChangeKind::kDeleted, w.pending_old_name, {}, now);
        w.pending_old_name = path;
        break;
      case FILE_ACTION_RENAMED_NEW_NAME:
        if (w.pending_old_name.empty()) {
          emit(ChangeKind::kCreated, path, {}, now);
        } else {
          emit(ChangeKind::kRenamed, path, w.pending_old_name, now);
          w.pending_old_name.clear();
        }
        if (is_directory(path)) reconciler_->request_subtree(path);
        break;
      default:
        break;
    }
    if (info->NextEntryOffset == 0) break;
    offset += info->NextEntryOffset;
  }
}

void RdcwSource::emit(ChangeKind kind, const std::string& path, const std::string& old_path, WallTimeNs now,
                      const std::string& stream) {
  RawChange change;
  change.kind = kind;
  change.path = path;
  change.old_path = old_path;
  change.stream = stream;
  change.time = now;
  change.source = "rdcw";
  hand_on(std::move(change));
}

// Live or caught up from the journal: into the pipeline if either name is watched.
bool RdcwSource::hand_on(RawChange&& change) {
  if (!context_.filter->accepts(change.path) &&
      (change.old_path.empty() || !context_.filter->accepts(change.old_path))) {
    return false;
  }
  ++stats_.changes;
  if (!context_.sink->on_change(std::move(change))) ++stats_.refused;
  return true;
}

}  // namespace fimon
