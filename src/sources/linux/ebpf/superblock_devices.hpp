// stat()'s st_dev is not always the superblock's device, which the kernel filter walks with
// (inode->i_sb->s_dev): btrfs gives every subvolume an anonymous device of its own. The mount a
// path is on (statx's STATX_MNT_ID) names the superblock's device in /proc/self/mountinfo; one
// st_dev always belongs to one superblock, so it is cached.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fimon {

class SuperblockDevices {
 public:
  // The superblock device (a dev_t) of `path`, whose stat() gave `stat_device`; `stat_device`
  // itself when the path or its mount cannot be found. Thread-safe.
  std::uint64_t of(const std::string& path, std::uint64_t stat_device);

 private:
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::uint64_t> by_stat_device_;
};

}  // namespace fimon
