// Recursive inotify: the fallback where fanotify is unavailable (old kernel, no CAP_SYS_ADMIN).
// One watch per directory; new directories are watched as they appear and scanned, so files created
// in them before the watch existed are still reported. inotify gives no pid: events carry no writer.
// Watches are limited by fs.inotify.max_user_watches; directories beyond it are counted and logged.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "sources/linux/kernel_queue_reader.hpp"
#include "sources/scan/reconciler.hpp"
#include "sources/source.hpp"

namespace fimon {

class InotifySource final : public Source {
 public:
  static Result<std::unique_ptr<Source>> create(const SourceContext& context);
  ~InotifySource() override;

  const char* name() const override { return "inotify"; }
  Status start() override;
  void stop() override;

 private:
  InotifySource(const SourceContext& context, int fd, std::unique_ptr<KernelQueueReader> reader);
  void watch_tree(const std::string& root);
  bool add_watch(const std::string& dir);
  void rename_watched(const std::string& from, const std::string& to);
  void handle_buffer(const char* buffer, std::size_t length);
  void emit(ChangeKind kind, const std::string& path, bool is_dir, std::uint32_t cookie, WallTimeNs now);

  SourceContext context_;
  int fd_;
  WalkOptions walk_;
  std::unordered_map<int, std::string> dirs_;  // wd -> directory path
  std::map<std::string, int> wds_;             // directory path -> wd (ordered: renames move ranges)
  std::unordered_map<std::uint32_t, std::string> moved_dirs_;  // cookie -> old path of a moving directory
  std::uint64_t watch_failures_ = 0;
  std::unique_ptr<Reconciler> reconciler_;
  WallTimeNs last_read_ = 0;
  std::unique_ptr<KernelQueueReader> reader_;  // declared last: stopped before the rest goes
};

}  // namespace fimon
