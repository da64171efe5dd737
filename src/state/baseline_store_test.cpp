#include "state/baseline_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace fimon {
namespace {

namespace fs = std::filesystem;

class BaselineStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fimon_store_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<BaselineStore> open() {
    auto store = BaselineStore::open(dir_.string());
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message());
    return std::move(store.value());
  }
  static Baseline sample(std::uint64_t size) {
    Baseline b;
    b.type = FileType::kFile;
    b.size = size;
    b.mtime = 123456789012345678LL;
    b.ctime = 5;
    b.inode = 42;
    b.device = 2049;
    b.mode = 0640;
    b.uid = 1000;
    b.gid = 100;
    b.hashes = {{HashAlgo::kSha256, "ab12"}, {HashAlgo::kMd5, "cd34"}};
    b.entropy = 7.5;
    b.manifest = {{0, 4096, 0xFFFFFFFFFFFFFFFFULL}, {4096, 100, 7}};
    b.generation = 3;
    return b;
  }
  fs::path dir_;
};

TEST_F(BaselineStoreTest, RoundTripsEveryField) {
  auto store = open();
  const std::string path = std::string("/srv/bad\xFF\nname", 14);
  ASSERT_TRUE(store->put(path, sample(4196)).ok());
  auto got = store->get(path);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  const Baseline& b = **got;
  EXPECT_EQ(b.size, 4196u);
  EXPECT_EQ(b.mtime, 123456789012345678LL);
  EXPECT_EQ(b.mode, 0640u);
  EXPECT_EQ(b.hashes.size(), 2u);
  EXPECT_EQ(b.hashes[0].hex, "ab12");
  EXPECT_EQ(*b.entropy, 7.5);
  EXPECT_EQ(b.manifest, sample(0).manifest);
  EXPECT_EQ(b.generation, 3u);
  EXPECT_FALSE(store->get("/srv/other")->has_value());
}

TEST_F(BaselineStoreTest, SurvivesReopen) {
  { ASSERT_TRUE(open()->put("/a", sample(1)).ok()); }
  EXPECT_TRUE(open()->get("/a")->has_value());
}

TEST_F(BaselineStoreTest, TreeOperationsRespectComponentBoundaries) {
  auto store = open();
  for (const char* p : {"/d", "/d/x", "/d/sub/y", "/dz", "/d0", "/e"})
    ASSERT_TRUE(store->put(p, sample(1)).ok());
  ASSERT_TRUE(store->rename_tree("/d", "/moved").ok());
  EXPECT_TRUE(store->get("/moved/x")->has_value());
  EXPECT_TRUE(store->get("/moved/sub/y")->has_value());
  EXPECT_TRUE(store->get("/moved")->has_value());
  EXPECT_FALSE(store->get("/d/x")->has_value());
  EXPECT_TRUE(store->get("/dz")->has_value());
  EXPECT_TRUE(store->get("/d0")->has_value());

  std::vector<std::string> seen;
  ASSERT_TRUE(store
                  ->for_each_under("/moved",
                                   [&](const std::string& p, const Baseline&) {
                                     seen.push_back(p);
                                     return true;
                                   })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"/moved", "/moved/sub/y", "/moved/x"}));

  ASSERT_TRUE(store->remove_tree("/moved").ok());
  EXPECT_EQ(*store->count(), 3u);
  std::size_t all = 0;
  ASSERT_TRUE(
      store->for_each_under("/", [&](const std::string&, const Baseline&) { return ++all > 0; }).ok());
  EXPECT_EQ(all, 3u);
}

TEST_F(BaselineStoreTest, CorruptStoreIsMovedAsideAndRebuilt) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "baseline.db", std::ios::binary) << std::string(8192, 'x');
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->put("/a", sample(1)).ok());
  bool aside = false;
  for (const auto& e : fs::directory_iterator(dir_)) {
    aside = aside || e.path().filename().string().rfind("baseline.db.broken-", 0) == 0;
  }
  EXPECT_TRUE(aside);
}

TEST_F(BaselineStoreTest, ForeignDatabaseIsNotTrusted) {
  fs::create_directories(dir_);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "baseline.db").string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(
          db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('app','other')",
          nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->count(), 0u);
}

TEST(ManifestPacking, RoundTripsAndDerivesOffsets) {
  const std::vector<Chunk> m = {{0, 10, 1}, {10, 65536, 0x8000000000000001ULL}, {65546, 3, 0}};
  EXPECT_EQ(BaselineStore::unpack_manifest(BaselineStore::pack_manifest(m)), m);
  EXPECT_TRUE(BaselineStore::unpack_manifest("short").empty());
}

}  // namespace
}  // namespace fimon
