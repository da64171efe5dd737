#include "state/shadow_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

namespace fimon {
namespace {

namespace fs = std::filesystem;

class ShadowStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fimon_shadow_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ShadowStoreTest, RoundTripsRenamesAndRemoves) {
  auto store = std::move(ShadowStore::open(dir_.string(), 1 << 20).value());
  EXPECT_FALSE(store->get("/etc/hosts").has_value());
  ASSERT_TRUE(store->put("/etc/hosts", "127.0.0.1 localhost\n").ok());
  EXPECT_EQ(store->get("/etc/hosts"), "127.0.0.1 localhost\n");
  ASSERT_TRUE(store->put("/etc/hosts", "").ok());
  EXPECT_EQ(store->get("/etc/hosts"), "");
  store->rename("/etc/hosts", "/etc/hosts.bak");
  EXPECT_FALSE(store->get("/etc/hosts").has_value());
  EXPECT_EQ(store->get("/etc/hosts.bak"), "");
  store->remove("/etc/hosts.bak");
  EXPECT_FALSE(store->get("/etc/hosts.bak").has_value());
}

TEST_F(ShadowStoreTest, QuotaEvictsTheLeastRecentlyChanged) {
  auto store = std::move(ShadowStore::open(dir_.string(), std::uint64_t{64} << 10).value());
  std::mt19937 rng(1);
  auto incompressible = [&] {
    std::string s(std::size_t{16} << 10, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  for (int k = 0; k < 8; ++k) {
    ASSERT_TRUE(store->put("/f" + std::to_string(k), incompressible()).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct modification times
  }
  EXPECT_LE(store->bytes(), std::uint64_t{64} << 10);
  EXPECT_GT(store->evicted(), 0u);
  EXPECT_FALSE(store->get("/f0").has_value());
  EXPECT_TRUE(store->get("/f7").has_value());
}

TEST_F(ShadowStoreTest, CorruptCopyIsIgnored) {
  auto store = std::move(ShadowStore::open(dir_.string(), 1 << 20).value());
  ASSERT_TRUE(store->put("/x", "content").ok());
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (e.is_regular_file()) fs::resize_file(e.path(), 5);
  }
  EXPECT_FALSE(store->get("/x").has_value());
}

}  // namespace
}  // namespace fimon
