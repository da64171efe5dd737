#include "analysis/analyzer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fimon {
namespace {

namespace fs = std::filesystem;

class AnalyzerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fimon_analyzer_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.generic_string();
  }
  WorkItem item(const std::string& path, Action action = Action::kModified) {
    WorkItem w;
    w.action = action;
    w.path = path;
    w.source = "test";
    return w;
  }

  fs::path dir_;
};

TEST_F(AnalyzerTest, HashesEverySelectedAlgorithmInOnePass) {
  const std::string path = write("a", "hi\n");
  Analyzer analyzer(AnalyzerOptions{{HashAlgo::kSha256, HashAlgo::kMd5}, 1 << 20});
  const FileEvent e = analyzer.analyse(item(path, Action::kCreated));
  EXPECT_EQ(e.action, Action::kCreated);
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->type, FileType::kFile);
  EXPECT_EQ(e.meta->size, 3u);
  ASSERT_EQ(e.hashes.size(), 2u);
  EXPECT_EQ(e.hashes[0].hex, "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4");
  EXPECT_EQ(e.hashes[1].hex, "764efa883dda1e11db47671c4a3bbd9e");
  EXPECT_TRUE(e.hash_skipped.empty());
}

TEST_F(AnalyzerTest, LargeFilesGetMetadataButNoHash) {
  const std::string path = write("big", std::string(5000, 'x'));
  Analyzer analyzer(AnalyzerOptions{{HashAlgo::kSha256}, 4096});
  const FileEvent e = analyzer.analyse(item(path));
  EXPECT_EQ(e.hash_skipped, "too_large");
  EXPECT_TRUE(e.hashes.empty());
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->size, 5000u);
}

TEST_F(AnalyzerTest, VanishedFileIsReportedNotFatal) {
  Analyzer analyzer(AnalyzerOptions{});
  const FileEvent e = analyzer.analyse(item((dir_ / "never-existed").generic_string(), Action::kCreated));
  EXPECT_EQ(e.hash_skipped, "vanished");
  EXPECT_FALSE(e.meta.has_value());
}

TEST_F(AnalyzerTest, DirectoriesHaveMetadataOnly) {
  fs::create_directories(dir_ / "sub");
  Analyzer analyzer(AnalyzerOptions{});
  const FileEvent e = analyzer.analyse(item((dir_ / "sub").generic_string(), Action::kCreated));
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->type, FileType::kDir);
  EXPECT_TRUE(e.hashes.empty());
  EXPECT_TRUE(e.hash_skipped.empty());
}

TEST_F(AnalyzerTest, DeletionsAreNotStatted) {
  Analyzer analyzer(AnalyzerOptions{});
  const FileEvent e = analyzer.analyse(item("/no/such/file", Action::kDeleted));
  EXPECT_EQ(e.action, Action::kDeleted);
  EXPECT_FALSE(e.meta.has_value());
  EXPECT_TRUE(e.hash_skipped.empty());
}

}  // namespace
}  // namespace fimon
