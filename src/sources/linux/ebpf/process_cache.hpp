// Who a traced writer is, looked up once per process (pid + start time, so a reused pid is another
// process): executable, command line, user and group names, and an entity id that stays unique
// across pid reuse and reboots (boot id, pid, start time).
#pragma once

#include <cstdint>
#include <map>
#include <string>
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
};

class ProcessCache {
 public:
  ProcessCache();
  const ProcessInfo& lookup(const KernelWriter& writer);

 private:
  std::string boot_id_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, ProcessInfo> known_;
};

// The path under which `tgid` maps the file (device major:minor, inode), from /proc/<tgid>/maps;
// empty when the mapping or the process is gone.
std::string mapped_file_path(std::uint32_t tgid, unsigned major, unsigned minor, std::uint64_t inode);

}  // namespace fimon
