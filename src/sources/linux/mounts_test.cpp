#include "sources/linux/mounts.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

TEST(Mounts, UnescapesOctalFields) {
  EXPECT_EQ(unescape_mount_field("/mnt/with\\040space"), "/mnt/with space");
  EXPECT_EQ(unescape_mount_field("/plain"), "/plain");
  EXPECT_EQ(unescape_mount_field("/trailing\\04"), "/trailing\\04");
}

TEST(Mounts, KnowsPseudoFilesystems) {
  EXPECT_TRUE(is_pseudo_filesystem("proc"));
  EXPECT_TRUE(is_pseudo_filesystem("cgroup2"));
  EXPECT_FALSE(is_pseudo_filesystem("ext4"));
  EXPECT_FALSE(is_pseudo_filesystem("tmpfs"));  // /dev/shm, /tmp: real files, attackers' favourite
}

TEST(Mounts, ReadsThisMachinesTable) {
  const auto mounts = read_mounts();
  ASSERT_FALSE(mounts.empty());
  bool root = false, proc = false;
  for (const auto& m : mounts) {
    root = root || m.mount_point == "/";
    proc = proc || (m.mount_point == "/proc" && m.fs_type == "proc");
  }
  EXPECT_TRUE(root);
  EXPECT_TRUE(proc);
  const auto pseudo = pseudo_mount_points(mounts);
  EXPECT_NE(std::find(pseudo.begin(), pseudo.end(), "/proc"), pseudo.end());
}

TEST(Mounts, FindsThePseudoFilesystemHoldingAPath) {
  const std::vector<Mount> mounts = {
      {"/", "ext4", false},
      {"/proc", "proc", false},
      {"/proc/sys/fs/binfmt_misc", "binfmt_misc", false},
      {"/sys", "sysfs", false},
      {"/sys/fs/cgroup", "cgroup2", false},
      {"/srv", "xfs", false},
      {"/proc2", "ext4", false},
  };
  EXPECT_EQ(pseudo_filesystem_holding(mounts, "/proc"), "proc");
  EXPECT_EQ(pseudo_filesystem_holding(mounts, "/proc/sys/kernel"),
            "proc");  // inside, not only the mount point
  EXPECT_EQ(pseudo_filesystem_holding(mounts, "/sys/fs/cgroup/user.slice"), "cgroup2");
  EXPECT_EQ(pseudo_filesystem_holding(mounts, "/proc2/data"), std::nullopt);  // a prefix is not a parent
  EXPECT_EQ(pseudo_filesystem_holding(mounts, "/srv/data"), std::nullopt);
  EXPECT_EQ(pseudo_filesystem_holding(mounts, "/etc"), std::nullopt);
}

}  // namespace
}  // namespace fimon
