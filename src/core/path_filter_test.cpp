#include "core/path_filter.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

TEST(Glob, StarStaysInComponentDoubleStarCrosses) {
  EXPECT_TRUE(glob_match("*.swp", ".a.swp"));
  EXPECT_TRUE(glob_match("/var/log/*", "/var/log/syslog"));
  EXPECT_FALSE(glob_match("/var/log/*", "/var/log/apt/history.log"));
  EXPECT_TRUE(glob_match("/var/log/**", "/var/log/apt/history.log"));
  EXPECT_TRUE(glob_match("/home/**/.cache/*", "/home/u/x/.cache/f"));
  EXPECT_TRUE(glob_match("file?.txt", "file1.txt"));
  EXPECT_FALSE(glob_match("file?.txt", "file10.txt"));
  EXPECT_FALSE(glob_match("a?b", "a/b"));
  EXPECT_TRUE(glob_match("*", ""));
}

TEST(PathWithin, RespectsComponentBoundaries) {
  EXPECT_TRUE(path_is_within("/etc/passwd", "/etc"));
  EXPECT_TRUE(path_is_within("/etc", "/etc"));
  EXPECT_FALSE(path_is_within("/etcetera", "/etc"));
  EXPECT_TRUE(path_is_within("/anything", "/"));
}

TEST(NormalizePath, CollapsesDotsAndSlashes) {
  EXPECT_EQ(normalize_path("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(normalize_path("/a/b/../c"), "/a/c");
  EXPECT_EQ(normalize_path("/../.."), "/");
  EXPECT_EQ(normalize_path("relative"), "relative");
  // Windows paths in fimon's form: the drive stays, the rest normalises like a rooted path.
  EXPECT_EQ(normalize_path("c:/Data/./x/../y"), "C:/Data/y");
  EXPECT_EQ(normalize_path("C:/"), "C:/");
  EXPECT_TRUE(path_is_within("C:/Data/y", "C:/Data"));
  EXPECT_TRUE(path_is_within("C:/Data", "C:/"));
  EXPECT_FALSE(path_is_within("D:/Data", "C:/"));
  EXPECT_EQ(shown_path("C:/Data/y"), "C:\\Data\\y");
  EXPECT_EQ(shown_path("/etc/passwd"), "/etc/passwd");
  // Windows names ignore case; Linux names do not.
  EXPECT_TRUE(path_is_within("C:/DATA/Reports/q3.xlsx", "C:/Data"));
  EXPECT_FALSE(path_is_within("/DATA/x", "/data"));
  EXPECT_TRUE(any_glob_matches({"*.TMP"}, "C:/Data/x.tmp"));
  EXPECT_FALSE(any_glob_matches({"*.TMP"}, "/data/x.tmp"));
}

TEST(PathFilter, WatchesRootsMinusExclusionsAndOwnState) {
  const PathFilter f({"/srv/data/", "/etc"}, {"*.swp", "/srv/data/tmp/**"}, {"/srv/data/.fimon"});
  EXPECT_TRUE(f.accepts("/srv/data/a.txt"));
  EXPECT_TRUE(f.accepts("/etc/hosts"));
  EXPECT_FALSE(f.accepts("/srv/database"));
  EXPECT_FALSE(f.accepts("/srv/data/.a.txt.swp"));
  EXPECT_FALSE(f.accepts("/srv/data/tmp/x/y"));
  EXPECT_FALSE(f.accepts("/srv/data/.fimon/agent-id"));
  EXPECT_FALSE(f.accepts("/var/log/x"));
}

TEST(PathHelpers, SplitAndJoin) {
  EXPECT_EQ(path_basename("/a/b.txt"), "b.txt");
  EXPECT_EQ(path_dirname("/a/b.txt"), "/a");
  EXPECT_EQ(path_dirname("/b"), "/");
  using Prefixes = std::vector<std::string_view>;
  EXPECT_EQ(path_prefixes("/etc/ssh/sshd_config", 8), (Prefixes{"/etc", "/etc/ssh"}));
  EXPECT_EQ(path_prefixes("/a/b/c/d", 2), (Prefixes{"/a", "/a/b"}));
  EXPECT_EQ(path_prefixes("/file", 8), Prefixes{});
  EXPECT_EQ(path_prefixes("C:/Windows/System32/x.dll", 8),
            (Prefixes{"C:", "C:/Windows", "C:/Windows/System32"}));
  EXPECT_EQ(path_join("/", "x"), "/x");
  EXPECT_EQ(path_join("/a", "x"), "/a/x");
}

}  // namespace
}  // namespace fimon
