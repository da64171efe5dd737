// The mount table, for deciding which filesystems to mark and which trees are pseudo filesystems
// (proc, sysfs, cgroup...) that hold no files worth monitoring.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fimon {

struct Mount {
  std::string mount_point;  // unescaped
  std::string fs_type;
  bool read_only = false;
  unsigned major = 0;  // the filesystem's device
  unsigned minor = 0;
  std::string root;      // the directory of that filesystem mounted here ("/" for its root)
  std::uint64_t id = 0;  // as statx's stx_mnt_id
};

// Where the root of the filesystem on device major:minor is mounted; empty when it is not.
std::string filesystem_root_mount_point(const std::vector<Mount>& mounts, unsigned major, unsigned minor);

std::vector<Mount> read_mounts();  // /proc/self/mountinfo
bool is_pseudo_filesystem(const std::string& fs_type);
// Mount points of pseudo filesystems (for skipping them in walks and filters).
std::vector<std::string> pseudo_mount_points(const std::vector<Mount>& mounts);
// The type of the pseudo filesystem holding `path` (its innermost mount), if it is one.
std::optional<std::string> pseudo_filesystem_holding(const std::vector<Mount>& mounts,
                                                     const std::string& path);
// A predicate for WalkOptions::skip_dir: true for directories on pseudo filesystems (/proc,
// /sys...), whose files are never read (some block, some have side effects).
std::function<bool(const std::string&)> pseudo_filesystem_skipper();
// Unescapes mountinfo's octal escapes (\040 for space, ...).
std::string unescape_mount_field(const std::string& field);

}  // namespace fimon
