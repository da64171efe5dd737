// Who a traced writer is, looked up once per process (pid + start time, so a reused pid is another
// process): executable, command line, user and group names, and an entity id that stays unique
// across pid reuse and reboots (boot id, pid, start time).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "core/event.hpp"

namespace fimon {

struct KernelWriter {
  std::uint32_t tgid = 0;
  std::uint32_t ppid = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t start_boottime = 0;  // ns since boot
  std::string comm;
  // When the kernel recorded them (the process may be gone); otherwise read from /proc.
  std::string executable;
  std::string command_line;
};

class ProcessCache {
 public:
  ProcessCache();
  // Not thread-safe: one cache per reading thread. When /proc no longer has the process,
  // `if_gone` may fill in its executable and command line from elsewhere.
  const ProcessRef& lookup(const KernelWriter& writer,
                           const std::function<void(KernelWriter* gone)>& if_gone = {});

 private:
  std::string boot_id_;
  // (pid, start time, name): an exec keeps the first two but usually changes the name.
  std::map<std::tuple<std::uint32_t, std::uint64_t, std::string>, ProcessRef> known_;
};

// NUL-separated arguments (as /proc/<pid>/cmdline holds them), shown separated by spaces.
std::string command_line_from_args(std::string args);

// The path under which `tgid` maps the file (device major:minor, inode), from /proc/<tgid>/maps;
// empty when the mapping or the process is gone.
std::string mapped_file_path(std::uint32_t tgid, unsigned major, unsigned minor, std::uint64_t inode);

}  // namespace fimon
