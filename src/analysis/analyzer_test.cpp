#include "analysis/analyzer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/write_ledger.hpp"
#include "platform/fs.hpp"
#include "state/baseline_store.hpp"
#include "state/shadow_store.hpp"

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
  Analyzer analyzer(AnalyzerOptions{{HashAlgo::kSha256, HashAlgo::kMd5}, 1 << 20}, nullptr);
  const FileEvent e = *analyzer.analyse(item(path, Action::kCreated));
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
  Analyzer analyzer(AnalyzerOptions{{HashAlgo::kSha256}, 4096}, nullptr);
  const FileEvent e = *analyzer.analyse(item(path));
  EXPECT_EQ(e.hash_skipped, "too_large");
  EXPECT_TRUE(e.hashes.empty());
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->size, 5000u);
}

TEST_F(AnalyzerTest, VanishedFileIsReportedNotFatal) {
  Analyzer analyzer(AnalyzerOptions{}, nullptr);
  const FileEvent e = *analyzer.analyse(item((dir_ / "never-existed").generic_string(), Action::kCreated));
  EXPECT_EQ(e.hash_skipped, "vanished");
  EXPECT_FALSE(e.meta.has_value());
}

TEST_F(AnalyzerTest, DirectoriesHaveMetadataOnly) {
  fs::create_directories(dir_ / "sub");
  Analyzer analyzer(AnalyzerOptions{}, nullptr);
  const FileEvent e = *analyzer.analyse(item((dir_ / "sub").generic_string(), Action::kCreated));
  ASSERT_TRUE(e.meta.has_value());
  EXPECT_EQ(e.meta->type, FileType::kDir);
  EXPECT_TRUE(e.hashes.empty());
  EXPECT_TRUE(e.hash_skipped.empty());
}

TEST_F(AnalyzerTest, DeletionsAreNotStatted) {
  Analyzer analyzer(AnalyzerOptions{}, nullptr);
  const FileEvent e = *analyzer.analyse(item("/no/such/file", Action::kDeleted));
  EXPECT_EQ(e.action, Action::kDeleted);
  EXPECT_FALSE(e.meta.has_value());
  EXPECT_TRUE(e.hash_skipped.empty());
}

class BaselineAnalyzerTest : public AnalyzerTest {
 protected:
  void SetUp() override {
    AnalyzerTest::SetUp();
    store_ = std::move(BaselineStore::open((dir_ / "state").string()).value());
    shadows_ = std::move(ShadowStore::open((dir_ / "state").string(), 1 << 20).value());
    AnalyzerOptions options;
    options.content_exclude = {"*.secret"};
    options.diff_paths = {"*.conf"};
    analyzer_ = std::make_unique<Analyzer>(options, store_.get(), shadows_.get());
  }
  void TearDown() override {
    analyzer_.reset();
    shadows_.reset();
    store_.reset();
    AnalyzerTest::TearDown();
  }
  // What the first start-up scan on an empty store submits for `path`.
  WorkItem first_baseline(const std::string& path) {
    WorkItem w = item(path, Action::kScanned);
    w.record_only = true;
    return w;
  }
  std::optional<FileEvent> analyse(const std::string& path, Action action, std::string previous_path = {}) {
    WorkItem w = item(path, action);
    w.previous_path = std::move(previous_path);
    return analyzer_->analyse(w);
  }
  static std::string pseudo_random(std::size_t n) {
    std::string s(n, '\0');
    std::uint64_t x = 88172645463325252ULL;
    for (auto& c : s) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<char>(x);
    }
    return s;
  }
  std::unique_ptr<BaselineStore> store_;
  std::unique_ptr<ShadowStore> shadows_;
  std::unique_ptr<Analyzer> analyzer_;
};

TEST_F(BaselineAnalyzerTest, ModificationReportsRangesPreviousStateAndExcerpt) {
  std::string content = pseudo_random(4 << 20);
  const std::string path = write("big.bin", content);
  auto created = analyse(path, Action::kCreated);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->action, Action::kCreated);
  EXPECT_FALSE(created->change.has_value());
  ASSERT_TRUE(created->entropy.has_value());
  EXPECT_GT(*created->entropy, 7.9);

  for (int k = 0; k < 10; ++k) content[1000000 + k] = 'Z';
  write("big.bin", content);
  auto modified = analyse(path, Action::kModified);
  ASSERT_TRUE(modified.has_value());
  EXPECT_EQ(modified->action, Action::kModified);
  ASSERT_TRUE(modified->previous.has_value());
  EXPECT_EQ(modified->previous->hashes[0].hex, created->hashes[0].hex);
  EXPECT_EQ(modified->previous->size, content.size());
  ASSERT_TRUE(modified->change.has_value());
  const auto& ranges = modified->change->ranges;
  ASSERT_FALSE(ranges.empty());
  EXPECT_LE(ranges[0].offset, 1000000u);
  EXPECT_GE(ranges[0].offset + ranges[0].length, 1000010u);
  EXPECT_LE(modified->change->bytes_added, 2u * 65536u);
  // The excerpt is narrowed to the 256-byte block holding the first changed byte.
  const std::uint64_t at = modified->change->excerpt_offset;
  EXPECT_LE(at, 1000000u);
  EXPECT_GT(at + 256, 1000000u);
  EXPECT_EQ(modified->change->excerpt, content.substr(at, 256));
  EXPECT_NE(modified->change->excerpt.find("ZZZZZZZZZZ"), std::string::npos);
}

TEST_F(BaselineAnalyzerTest, NothingChangedIsNoEventAndMetadataOnlyIsAttributes) {
  const std::string path = write("conf", "key=value\n");
  ASSERT_TRUE(analyse(path, Action::kCreated).has_value());
  EXPECT_FALSE(analyse(path, Action::kModified).has_value());  // same bytes, same metadata
  fs::permissions(path, fs::perms::owner_read);
  auto attrs = analyse(path, Action::kModified);
  ASSERT_TRUE(attrs.has_value());
  EXPECT_EQ(attrs->action, Action::kAttributesModified);
  EXPECT_FALSE(attrs->change.has_value());
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(BaselineAnalyzerTest, SaveByRenameOverTheTargetIsModified) {
  const std::string target = write("app.conf", "port=80\n");
  ASSERT_TRUE(analyse(target, Action::kCreated).has_value());
  const std::string temp = write(".app.conf.swx", "port=8080\n");
  fs::rename(temp, target);
  auto saved = analyse(target, Action::kCreated, temp);  // what the coalescer makes of create+rename
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->action, Action::kModified);
  EXPECT_TRUE(saved->previous_path.empty());
  ASSERT_TRUE(saved->previous.has_value());
  EXPECT_EQ(saved->previous->size, 8u);
  ASSERT_TRUE(saved->change.has_value());
  EXPECT_EQ(saved->change->excerpt, "port=8080\n");
}

TEST_F(BaselineAnalyzerTest, TextFilesUnderDiffPathsGetAUnifiedDiffWithSecretsScrubbed) {
  const std::string path = write("db.conf", "host=a\nuser=app\npassword=old-one\nport=5432\n");
  ASSERT_TRUE(analyse(path, Action::kCreated).has_value());
  write("db.conf", "host=b\nuser=app\npassword=new-one\nport=5432\n");
  auto modified = analyse(path, Action::kModified);
  ASSERT_TRUE(modified.has_value());
  ASSERT_TRUE(modified->change.has_value());
  EXPECT_EQ(modified->change->diff,
            "@@ -1,4 +1,4 @@\n-host=a\n+host=b\n user=app\n-password=<redacted>\n+password=<redacted>\n "
            "port=5432\n");
  EXPECT_EQ(modified->change->excerpt, "host=b\nuser=app\npassword=<redacted>\nport=5432\n");
  EXPECT_EQ(modified->change->redactions, 3u);
  // Not under diff-paths: ranges and excerpt, no diff.
  const std::string other = write("notes.txt", "a\n");
  ASSERT_TRUE(analyse(other, Action::kCreated).has_value());
  write("notes.txt", "b\n");
  auto plain = analyse(other, Action::kModified);
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->change->diff.empty());
  EXPECT_EQ(plain->change->excerpt, "b\n");
}

TEST_F(BaselineAnalyzerTest, RenameCarriesTheBaselineAndDeletionReportsIt) {
  const std::string a = write("a", "alpha");
  ASSERT_TRUE(analyse(a, Action::kCreated).has_value());
  const std::string b = (dir_ / "b").generic_string();
  fs::rename(a, b);
  auto renamed = analyse(b, Action::kRenamed, a);
  ASSERT_TRUE(renamed.has_value());
  EXPECT_EQ(renamed->action, Action::kRenamed);
  EXPECT_EQ(renamed->previous_path, a);
  ASSERT_TRUE(renamed->previous.has_value());
  EXPECT_FALSE(store_->get(a)->has_value());
  EXPECT_TRUE(store_->get(b)->has_value());
  fs::remove(b);
  auto deleted = analyse(b, Action::kDeleted);
  ASSERT_TRUE(deleted.has_value());
  ASSERT_TRUE(deleted->previous.has_value());
  EXPECT_EQ(deleted->previous->size, 5u);
  EXPECT_FALSE(store_->get(b)->has_value());
}

TEST_F(BaselineAnalyzerTest, SecretBearingFilesGetRangesButNoExcerpt) {
  for (const char* name : {"db.secret", "server.key", "id_ed25519"}) {
    const std::string path = write(name, "one");
    ASSERT_TRUE(analyse(path, Action::kCreated).has_value());
    write(name, "two");
    auto modified = analyse(path, Action::kModified);
    ASSERT_TRUE(modified.has_value()) << name;
    ASSERT_TRUE(modified->change.has_value()) << name;
    EXPECT_TRUE(modified->change->excerpt.empty()) << name;
    EXPECT_TRUE(modified->change->content_capture_excluded) << name;
    EXPECT_EQ(modified->change->bytes_added, 3u) << name;
  }
}

TEST_F(BaselineAnalyzerTest, FirstBaselineIsRecordedSilentlyThenScansCompare) {
  const std::string path = write("f", "v1");
  const WorkItem first = first_baseline(path);
  EXPECT_FALSE(analyzer_->analyse(first).has_value());
  EXPECT_FALSE(analyse(path, Action::kScanned).has_value());  // unchanged: not even read
  write("f", "v2 longer");
  auto changed = analyse(path, Action::kScanned);
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->action, Action::kModified);
  const std::string fresh = write("g", "new");
  auto created = analyse(fresh, Action::kScanned);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->action, Action::kCreated);
}

TEST_F(BaselineAnalyzerTest, FirstBaselineLeavesTracedWritesToTheLiveEvent) {
  const std::string path = write("f", "v1");
  const FileMeta meta = platform::stat_no_follow(path).value();
  WriteLedger ledger;
  ledger.add(meta.device, meta.inode, {0, 2}, std::make_shared<ProcessInfo>());
  Analyzer analyzer(AnalyzerOptions{}, store_.get(), shadows_.get(), &ledger);
  const WorkItem first = first_baseline(path);
  EXPECT_FALSE(analyzer.analyse(first).has_value());
  auto live = analyzer.analyse(item(path, Action::kCreated));  // the live feed saw it made
  ASSERT_TRUE(live.has_value());
  ASSERT_EQ(live->writes.size(), 1U) << "the scan took the write the kernel traced";
  EXPECT_EQ(live->writes[0].length, 2U);
}

TEST_F(BaselineAnalyzerTest, FirstBaselineTakesTheWritesOfAChangeItReports) {
  const std::string path = write("f", "v1");
  WriteLedger ledger;
  Analyzer analyzer(AnalyzerOptions{}, store_.get(), shadows_.get(), &ledger);
  ASSERT_TRUE(analyzer.analyse(item(path, Action::kCreated)).has_value());  // live, during the scan
  write("f", "v2 longer");
  const FileMeta meta = platform::stat_no_follow(path).value();
  ledger.add(meta.device, meta.inode, {0, 9}, std::make_shared<ProcessInfo>());
  const WorkItem scanned = first_baseline(path);
  auto reported = analyzer.analyse(scanned);
  ASSERT_TRUE(reported.has_value());
  EXPECT_EQ(reported->action, Action::kModified);
  ASSERT_EQ(reported->writes.size(), 1U);
  EXPECT_EQ(reported->writes[0].length, 9U);
}

TEST_F(BaselineAnalyzerTest, WritesToAnotherGenerationOfTheInodeAreNotTheFilesOwn) {
  // A temporary file written and deleted before its event came left its writes under the inode
  // number the filesystem then gave to this file, which was created and never written.
  const std::string path = write("f", "");
  auto opened = platform::ReadableFile::open(path);
  ASSERT_TRUE(opened.ok());
  const FileMeta meta = opened.value().stat().value();
  const std::optional<std::uint32_t> generation = opened.value().inode_generation();
  WriteLedger ledger;
  Analyzer analyzer(AnalyzerOptions{}, store_.get(), shadows_.get(), &ledger);
  const std::uint32_t deleted_files = generation.value_or(0) + 1;
  ledger.add(meta.device, meta.inode, {0, 5000}, std::make_shared<ProcessInfo>(), steady_now(), {},
             deleted_files);
  auto created = analyzer.analyse(item(path, Action::kCreated));
  ASSERT_TRUE(created.has_value());
  if (generation) {
    EXPECT_TRUE(created->writes.empty()) << "the deleted file's writes";
  } else {
    EXPECT_EQ(created->writes.size(), 1U) << "no generation to tell them apart (Windows): taken as before";
  }
  write("f", "own");
  ledger.add(meta.device, meta.inode, {0, 3}, std::make_shared<ProcessInfo>(), steady_now(), {}, generation);
  auto modified = analyzer.analyse(item(path, Action::kModified));
  ASSERT_TRUE(modified.has_value());
  ASSERT_EQ(modified->writes.size(), 1U) << "its own writes are kept";
  EXPECT_EQ(modified->writes[0].length, 3U);
}

TEST_F(BaselineAnalyzerTest, TheBaselineKeepsTheOwnerTheStatSaw) {
  // Scans compare the stat with the baseline (unchanged_since): a uid the open file's stat lacks
  // (Windows: the owner SID's fingerprint) would make every scan re-read the file.
  const std::string path = write("f", "v1");
  const WorkItem first = first_baseline(path);
  ASSERT_FALSE(analyzer_->analyse(first).has_value());
  const FileMeta now = platform::stat_no_follow(path).value();
  if (!now.posix_ids) {
    ASSERT_FALSE(now.owner_id.empty()) << "no owner read: the test would prove nothing";
  }
  const Baseline stored = store_->get(path).value().value();
  EXPECT_EQ(stored.uid, now.uid);
  EXPECT_EQ(stored.gid, now.gid);
}

}  // namespace
}  // namespace fimon
