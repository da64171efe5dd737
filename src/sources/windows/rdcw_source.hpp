// ReadDirectoryChangesW: the Windows source that needs no privilege. One recursive watch per
// watched root, overlapped on an I/O completion port, 64 KiB buffers re-armed as soon as a batch
// arrives. It names files, not writers: its changes carry no process. A lost batch (the buffer
// overflowed: 0 bytes, or ERROR_NOTIFY_ENUM_DIR) rescans the root for what changed since; a root
// that is deleted (or whose volume goes away) is looked for again every second and rescanned
// whole when it is back.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sources/scan/reconciler.hpp"
#include "sources/source.hpp"

namespace fimon {

class EtwTracer;

class RdcwSource final : public Source {
 public:
  // With `etw`, the source is the ETW backend: this source names files, a Kernel-File session
  // (started here: it fails without an elevated token) says who wrote which bytes.
  static Result<std::unique_ptr<Source>> create(const SourceContext& context, bool etw = false);
  ~RdcwSource() override;

  const char* name() const override { return tracer_ ? "etw" : "rdcw"; }
  Status start() override;
  void stop() override;

 private:
  struct Watch;
  RdcwSource(const SourceContext& context, void* port);
  bool open_watch(Watch& watch);
  bool arm(Watch& watch);
  void close_watch(Watch& watch);
  void run();
  void handle_batch(Watch& watch, std::size_t bytes);
  void emit(ChangeKind kind, const std::string& path, const std::string& old_path, WallTimeNs now,
            const std::string& stream = {});
  bool hand_on(RawChange&& change);  // false when neither name is watched
  void catch_up_from_journals();
  void save_journal_cursors();

  SourceContext context_;
  void* port_;  // HANDLE of the completion port
  std::vector<std::unique_ptr<Watch>> watches_;
  std::vector<std::string> journal_volumes_;  // volumes whose change journal was replayed at start
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<EtwTracer> tracer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace fimon
