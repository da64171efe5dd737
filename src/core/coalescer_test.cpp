#include "core/coalescer.hpp"

#include <gtest/gtest.h>

namespace fimon {
namespace {

using std::chrono::milliseconds;

class CoalescerTest : public ::testing::Test {
 protected:
  CoalescerTest()
      : coalescer_(CoalescerTiming{milliseconds(200), milliseconds(2000), milliseconds(30000)}, 100) {}

  void add(ChangeKind kind, const std::string& path, std::int64_t pid = 0, std::string old_path = {},
           std::uint32_t cookie = 0, bool is_dir = false) {
    RawChange c;
    c.kind = kind;
    c.path = path;
    c.old_path = std::move(old_path);
    c.cookie = cookie;
    c.is_dir = is_dir;
    c.time = 1;
    c.source = "test";
    if (pid != 0) {
      ProcessInfo p;
      p.pid = pid;
      p.executable = "/bin/" + std::to_string(pid);
      c.process = std::make_shared<const ProcessInfo>(p);
    }
    EXPECT_TRUE(coalescer_.add(c, now_));
  }
  std::vector<WorkItem> ready() { return coalescer_.take_ready(now_, 1000); }
  void advance(int ms) { now_ += milliseconds(ms); }

  Coalescer coalescer_;
  SteadyTime now_{};
};

TEST_F(CoalescerTest, CreateWriteCloseIsOneCreatedEventAfterTheSettleTime) {
  add(ChangeKind::kCreated, "/d/a", 7);
  for (int k = 0; k < 50; ++k) add(ChangeKind::kModified, "/d/a", 7);
  add(ChangeKind::kClosedWrite, "/d/a", 7);
  EXPECT_TRUE(ready().empty());
  advance(250);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].action, Action::kCreated);
  EXPECT_EQ(items[0].path, "/d/a");
  ASSERT_EQ(items[0].writers.size(), 1u);
  EXPECT_EQ(items[0].writers[0]->pid, 7);
  EXPECT_EQ(coalescer_.pending(), 0u);
}

TEST_F(CoalescerTest, WritesAfterCloseRestartTheWait) {
  add(ChangeKind::kModified, "/d/log");
  add(ChangeKind::kClosedWrite, "/d/log");
  advance(150);
  add(ChangeKind::kModified, "/d/log");  // reopened and appended
  advance(150);
  EXPECT_TRUE(ready().empty());
  add(ChangeKind::kClosedWrite, "/d/log");
  advance(200);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].action, Action::kModified);
}

TEST_F(CoalescerTest, FileHeldOpenIsReportedAfterTheQuietPeriodOrMaxDelay) {
  add(ChangeKind::kModified, "/d/held");
  advance(1999);
  EXPECT_TRUE(ready().empty());
  advance(1);
  EXPECT_EQ(ready().size(), 1u);

  for (int k = 0; k < 40; ++k) {  // a write every second for 40 s: never quiet
    add(ChangeKind::kModified, "/d/busy");
    advance(1000);
    if (!ready().empty()) {
      EXPECT_GE(k, 29);
      return;
    }
  }
  FAIL() << "max_delay never released the busy file";
}

TEST_F(CoalescerTest, CloseWithoutWriteIsNoEvent) {
  add(ChangeKind::kClosedWrite, "/d/untouched");
  advance(5000);
  EXPECT_TRUE(ready().empty());
}

TEST_F(CoalescerTest, AttributesOnlyIsAttributesModified) {
  add(ChangeKind::kAttributes, "/d/a", 3);
  advance(200);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].action, Action::kAttributesModified);
}

TEST_F(CoalescerTest, DeletionFlushesPendingAndKeepsOrder) {
  add(ChangeKind::kCreated, "/d/tmp", 5);
  add(ChangeKind::kModified, "/d/tmp", 5);
  add(ChangeKind::kDeleted, "/d/tmp", 5);
  auto items = ready();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].action, Action::kCreated);
  EXPECT_EQ(items[1].action, Action::kDeleted);
  EXPECT_EQ(coalescer_.pending(), 0u);
}

TEST_F(CoalescerTest, RenameOfSettledFileIsRenamed) {
  add(ChangeKind::kRenamed, "/d/new", 9, "/d/old");
  advance(200);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].action, Action::kRenamed);
  EXPECT_EQ(items[0].path, "/d/new");
  EXPECT_EQ(items[0].previous_path, "/d/old");
}

TEST_F(CoalescerTest, CreatedThenRenamedIsCreatedUnderTheFinalName) {
  add(ChangeKind::kCreated, "/d/.tmp123", 4);
  add(ChangeKind::kModified, "/d/.tmp123", 4);
  add(ChangeKind::kClosedWrite, "/d/.tmp123", 4);
  add(ChangeKind::kRenamed, "/d/final", 4, "/d/.tmp123");
  advance(250);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].action, Action::kCreated);
  EXPECT_EQ(items[0].path, "/d/final");
  EXPECT_EQ(items[0].previous_path, "/d/.tmp123");
}

TEST_F(CoalescerTest, DirectoryRenameCarriesPendingChildren) {
  add(ChangeKind::kModified, "/d/sub/x");
  add(ChangeKind::kRenamed, "/d/moved", 0, "/d/sub", 0, /*is_dir=*/true);
  advance(2000);
  auto items = ready();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].path, "/d/moved");
  EXPECT_EQ(items[1].path, "/d/moved/x");
}

TEST_F(CoalescerTest, InotifyRenameHalvesPairByCookie) {
  add(ChangeKind::kMovedFrom, "/d/a", 0, {}, 42);
  add(ChangeKind::kMovedTo, "/d/b", 0, {}, 42);
  advance(200);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].action, Action::kRenamed);
  EXPECT_EQ(items[0].previous_path, "/d/a");
}

TEST_F(CoalescerTest, UnpairedMoveOutIsDeletionAndMoveInIsCreation) {
  add(ChangeKind::kMovedFrom, "/d/gone", 0, {}, 7);
  add(ChangeKind::kMovedTo, "/d/arrived", 0, {}, 8);
  advance(200);
  auto items = ready();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].action, Action::kDeleted);
  EXPECT_EQ(items[0].path, "/d/gone");
  EXPECT_EQ(items[1].action, Action::kCreated);
  EXPECT_EQ(items[1].path, "/d/arrived");
}

TEST_F(CoalescerTest, DistinctWritersAreAllKept) {
  add(ChangeKind::kModified, "/d/shared", 1);
  add(ChangeKind::kModified, "/d/shared", 2);
  add(ChangeKind::kModified, "/d/shared", 1);
  advance(2000);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].writers.size(), 2u);
}

TEST(Coalescer, RefusesPastItsBoundAndCountsIt) {
  Coalescer c(CoalescerTiming{}, 2);
  RawChange change;
  change.kind = ChangeKind::kModified;
  change.path = "/a";
  EXPECT_TRUE(c.add(change, SteadyTime{}));
  change.path = "/b";
  EXPECT_TRUE(c.add(change, SteadyTime{}));
  change.path = "/c";
  EXPECT_FALSE(c.add(change, SteadyTime{}));
  change.path = "/a";  // already pending: always held
  EXPECT_TRUE(c.add(change, SteadyTime{}));
  EXPECT_EQ(c.refused(), 1u);
  EXPECT_EQ(c.take_all().size(), 2u);
}

TEST_F(CoalescerTest, NamedStreamsWrittenAreCollectedForTheFile) {
  for (const char* stream : {"Zone.Identifier", "hidden", "Zone.Identifier", ""}) {
    RawChange c;
    c.kind = ChangeKind::kModified;
    c.path = "C:/d/a.txt";
    c.stream = stream;
    c.source = "test";
    EXPECT_TRUE(coalescer_.add(c, now_));
  }
  advance(2100);
  auto items = ready();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].streams, (std::vector<std::string>{"Zone.Identifier", "hidden"}));
}

}  // namespace
}  // namespace fimon
