#include "sources/linux/ebpf/superblock_devices.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sources/linux/mounts.hpp"

namespace fimon {

std::uint64_t SuperblockDevices::of(const std::string& path, std::uint64_t stat_device) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = by_stat_device_.find(stat_device); it != by_stat_device_.end()) return it->second;
  }
  struct statx sx {};
  if (statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) != 0 ||
      !(sx.stx_mask & STATX_MNT_ID) || makedev(sx.stx_dev_major, sx.stx_dev_minor) != stat_device) {
    return stat_device;  // gone, replaced, or a kernel before 5.8: try again next time
  }
  std::uint64_t device = stat_device;
  for (const auto& m : read_mounts()) {
    if (m.id == sx.stx_mnt_id) {
      device = makedev(m.major, m.minor);
      break;
    }
  }
  std::lock_guard lock(mutex_);
  if (by_stat_device_.size() >= 4096) by_stat_device_.clear();  // subvolumes come and go
  by_stat_device_[stat_device] = device;
  return device;
}

}  // namespace fimon
