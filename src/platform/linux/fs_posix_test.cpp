#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "analysis/analyzer.hpp"
#include "platform/fs.hpp"

namespace fimon {
namespace {

namespace fs = std::filesystem;

class PosixFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fimon_fs_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  FileEvent analyse(const fs::path& p) {
    WorkItem w;
    w.action = Action::kModified;
    w.path = p.string();
    return *Analyzer(AnalyzerOptions{}, nullptr).analyse(w);
  }
  fs::path dir_;
};

TEST_F(PosixFsTest, AppendFileIsOwnerOnlyAndAppends) {
  const fs::path file = dir_ / "segment";
  const mode_t old_umask = ::umask(0);  // even a permissive umask gives 0600
  {
    auto f = platform::AppendFile::open(file.string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->write("ab", 2).ok());
    ASSERT_TRUE(f->sync().ok());
  }
  {
    auto f = platform::AppendFile::open(file.string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->write("cd", 2).ok());
  }
  ::umask(old_umask);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream in(file);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "abcd");
}

TEST_F(PosixFsTest, AppendFileRefusesASymlink) {
  fs::create_symlink("/etc/passwd", dir_ / "link");
  EXPECT_FALSE(platform::AppendFile::open((dir_ / "link").string()).ok());
}

TEST_F(PosixFsTest, FifoIsNeverOpened) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO for reading with no writer would block forever: the test would hang.
  const FileEvent e = analyse(fifo);
  EXPECT_EQ(e.hash_skipped, "not_regular_file");
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->type, FileType::kFifo);
  auto open = platform::ReadableFile::open(fifo.string());
  EXPECT_FALSE(open.ok());
}

TEST_F(PosixFsTest, SocketAndDeviceAreNotRead) {
  const fs::path sock = dir_ / "sock";
  const int s = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(analyse(sock).meta->type, FileType::kSocket);
  EXPECT_EQ(analyse(sock).hash_skipped, "not_regular_file");
  close(s);
  const FileEvent dev = analyse("/dev/zero");  // reading it would never end
  EXPECT_EQ(dev.meta->type, FileType::kCharDevice);
  EXPECT_EQ(dev.hash_skipped, "not_regular_file");
}

TEST_F(PosixFsTest, SymlinksAreReportedNeverFollowed) {
  std::ofstream(dir_ / "target") << "secret";
  fs::create_symlink(dir_ / "target", dir_ / "link");
  const FileEvent e = analyse(dir_ / "link");
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->type, FileType::kSymlink);
  EXPECT_EQ(e.meta->symlink_target, (dir_ / "target").string());
  EXPECT_EQ(e.hash_skipped, "symlink");
  EXPECT_TRUE(e.hashes.empty());
  EXPECT_FALSE(platform::ReadableFile::open((dir_ / "link").string()).ok());
}

TEST_F(PosixFsTest, SymlinkLoopIsHarmless) {
  fs::create_symlink(dir_ / "b", dir_ / "a");
  fs::create_symlink(dir_ / "a", dir_ / "b");
  EXPECT_EQ(analyse(dir_ / "a").meta->type, FileType::kSymlink);
}

TEST_F(PosixFsTest, PermissionDeniedIsReported) {
  if (geteuid() == 0) {
    // root reads anything; check the mapping through a dropped capability instead is out of scope:
    // the errno mapping itself is covered by the fact that open() errors become kPermission.
    const auto e = platform::ReadableFile::open("/proc/1/mem");
    EXPECT_FALSE(e.ok());
    return;
  }
  std::ofstream(dir_ / "locked") << "x";
  fs::permissions(dir_ / "locked", fs::perms::none);
  EXPECT_EQ(analyse(dir_ / "locked").hash_skipped, "permission_denied");
}

TEST_F(PosixFsTest, MetadataNamesOwnerAndMode) {
  std::ofstream(dir_ / "f") << "x";
  fs::permissions(dir_ / "f", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto meta = platform::stat_no_follow((dir_ / "f").string());
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->mode, 0640u);
  EXPECT_EQ(meta->uid, geteuid());
  EXPECT_FALSE(meta->owner.empty());
  EXPECT_GT(meta->inode, 0u);
}

TEST_F(PosixFsTest, NonUtf8NamesWork) {
  const std::string name = std::string("bad\xFF\nname");
  std::ofstream(dir_ / name) << "hi\n";
  const FileEvent e = analyse(dir_ / name);
  ASSERT_EQ(e.hashes.size(), 1u);
  EXPECT_EQ(e.hashes[0].hex, "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4");
}

}  // namespace
}  // namespace fimon
