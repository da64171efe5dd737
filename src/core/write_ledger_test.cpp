#include "core/write_ledger.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace fimon {
namespace {

ProcessRef writer(std::int64_t pid) {
  auto p = std::make_shared<ProcessInfo>();
  p->pid = pid;
  p->entity_id = "e" + std::to_string(pid);
  return p;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> spans(const KernelWrites& w) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& r : w.ranges) out.emplace_back(r.offset, r.length);
  return out;
}

TEST(WriteLedger, FilesWrittenByOneProcessShareItsDescription) {
  WriteLedger ledger;
  const ProcessRef process = writer(7);
  for (std::uint64_t inode = 1; inode <= 3; ++inode) ledger.add(1, inode, {0, 10}, process);
  for (std::uint64_t inode = 1; inode <= 3; ++inode) {
    auto w = ledger.take(1, inode);
    ASSERT_TRUE(w);
    ASSERT_EQ(w->writers.size(), 1U);
    EXPECT_EQ(w->writers[0].get(), process.get()) << "a reference, not a copy per file";
  }
}

TEST(WriteLedger, MergesOverlappingAndTouchingRanges) {
  WriteLedger ledger;
  ledger.add(1, 2, {4096, 10}, writer(7));
  ledger.add(1, 2, {0, 5}, writer(7));
  ledger.add(1, 2, {5, 5}, writer(7));       // touches [0,5)
  ledger.add(1, 2, {4100, 100}, writer(7));  // overlaps [4096,4106)
  auto w = ledger.take(1, 2);
  ASSERT_TRUE(w);
  EXPECT_EQ(spans(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 10}, {4096, 104}}));
  EXPECT_FALSE(w->ranges_truncated);
  EXPECT_EQ(w->writers.size(), 1U);
  EXPECT_FALSE(ledger.take(1, 2)) << "taken means forgotten";
}

TEST(WriteLedger, FilesAreKeptApartByDeviceAndInode) {
  WriteLedger ledger;
  ledger.add(1, 2, {0, 1}, writer(1));
  ledger.add(3, 2, {10, 1}, writer(2));
  EXPECT_EQ(spans(*ledger.take(3, 2)).front().first, 10U);
  EXPECT_EQ(spans(*ledger.take(1, 2)).front().first, 0U);
}

TEST(WriteLedger, CapsRangesWritersAndFiles) {
  WriteLedger ledger(WriteLedger::Limits{2, 3, 2});
  for (std::uint64_t k = 0; k < 10; ++k) ledger.add(1, 1, {k * 100, 1}, writer(static_cast<std::int64_t>(k)));
  auto w = ledger.take(1, 1);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->ranges.size(), 3U);
  EXPECT_TRUE(w->ranges_truncated);
  EXPECT_EQ(w->ranges.back().offset + w->ranges.back().length, 901U) << "the last range covers the rest";
  EXPECT_EQ(w->writers.size(), 2U);
  EXPECT_TRUE(ledger.add(1, 1, {0, 1}, writer(1)));
  EXPECT_TRUE(ledger.add(1, 2, {0, 1}, writer(1)));
  EXPECT_FALSE(ledger.add(1, 3, {0, 1}, writer(1)));
  EXPECT_EQ(ledger.refused(), 1U);
}

TEST(WriteLedger, AFullLedgerForgetsFilesWhoseEventNeverCame) {
  WriteLedger ledger(WriteLedger::Limits{2, 4, 4});
  const SteadyTime start = steady_now();
  ledger.add(1, 1, {0, 1}, writer(1), start);
  ledger.add(1, 2, {0, 1}, writer(1), start + std::chrono::seconds(50));
  EXPECT_TRUE(ledger.add(1, 3, {0, 1}, writer(1), start + std::chrono::seconds(90)));
  EXPECT_FALSE(ledger.take(1, 1)) << "not written for over a minute: forgotten";
  EXPECT_TRUE(ledger.take(1, 2));
  EXPECT_EQ(ledger.refused(), 0U);
}

TEST(WriteLedger, KeepsTheFirstWritesCapturedBytes) {
  WriteLedger ledger(WriteLedger::Limits{8, 64, 8, 2});
  const SteadyTime now = steady_now();
  ledger.add(1, 1, {0, 5}, writer(1), now, "hello");
  ledger.add(1, 1, {5, 1}, writer(1), now);  // nothing copied for this one
  ledger.add(1, 1, {6, 5}, writer(1), now, "world");
  ledger.add(1, 1, {11, 5}, writer(1), now, "extra");
  auto w = ledger.take(1, 1);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->captured.size(), 2U) << "capped";
  EXPECT_EQ(w->captured[0].offset, 0U);
  EXPECT_EQ(w->captured[0].bytes, "hello");
  EXPECT_EQ(w->captured[1].offset, 6U);
  EXPECT_EQ(w->ranges.size(), 1U) << "the ranges still merge";
}

// A feed whose records are still queued when the analysis asks: they are handed over first.
class QueuedWrites final : public WriteFeed {
 public:
  explicit QueuedWrites(WriteLedger* ledger) : ledger_(ledger) {}
  bool catch_up(WallTimeNs, std::chrono::milliseconds) override {
    ++calls;
    ledger_->add(7, 8, {4096, 10}, writer(42));
    return true;
  }
  int calls = 0;

 private:
  WriteLedger* ledger_;
};

TEST(WriteLedger, TakeWaitsForWhatTheFeedHasQueued) {
  WriteLedger ledger;
  auto feed = std::make_shared<QueuedWrites>(&ledger);
  ledger.set_feed(feed);
  auto w = ledger.take(7, 8);
  ASSERT_TRUE(w) << "the queued write reached the ledger before the take";
  EXPECT_EQ(w->ranges.front().offset, 4096U);
  EXPECT_EQ(feed->calls, 1);
  ledger.set_feed(nullptr);
  EXPECT_FALSE(ledger.take(7, 9));
  EXPECT_EQ(feed->calls, 1) << "a stopped feed is not waited for";
}

TEST(WriteLedger, PathKeyedFilesIgnoreCaseOnlyOnDrivePaths) {
  WriteLedger ledger;
  ledger.set_tracer("etw", true);
  ledger.add_path("C:/Data/Report.TXT", {0, 4}, writer(1));
  ledger.add_path("c:/data/report.txt", {10, 2}, writer(2), steady_now(), "Zone.Identifier");
  ledger.add_path("/data/Report", {0, 1}, writer(3));
  auto w = ledger.take_path("C:/DATA/report.txt");
  ASSERT_TRUE(w);
  EXPECT_EQ(spans(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 4}, {10, 2}}));
  EXPECT_EQ(w->writers.size(), 2U);
  EXPECT_EQ(w->streams, std::vector<std::string>{"Zone.Identifier"});
  EXPECT_FALSE(ledger.take_path("/data/report")) << "POSIX names keep their case";
  EXPECT_TRUE(ledger.take_path("/data/Report"));
}

TEST(WriteLedger, AFileKnownByInodeAndByNamesIsTakenAsOne) {
  WriteLedger ledger;
  ledger.add(1, 2, {0, 10}, writer(1));
  ledger.add_path("C:/new.txt", {5, 10}, writer(2));
  ledger.add_path("C:/old.txt", {}, writer(3));  // who renamed it: a writer without a range
  auto w = ledger.take(1, 2, {"C:/new.txt", "C:/old.txt"});
  ASSERT_TRUE(w);
  EXPECT_EQ(spans(*w), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 15}}));
  ASSERT_EQ(w->writers.size(), 3U);
  EXPECT_EQ(w->writers[2]->pid, 3);
  EXPECT_EQ(ledger.files(), 0U);
  EXPECT_FALSE(ledger.take(9, 9, {"C:/new.txt"}));
}

TEST(WriteLedger, AScanTakesWithoutWaitingForTheFeed) {
  WriteLedger ledger;
  auto feed = std::make_shared<QueuedWrites>(&ledger);
  ledger.set_feed(feed);
  EXPECT_FALSE(ledger.take(7, 8, {}, WriteLedger::kNoWait));
  EXPECT_EQ(feed->calls, 0);
  EXPECT_TRUE(ledger.take(7, 8, {}, wall_clock_now()));
  EXPECT_EQ(feed->calls, 1);
  ledger.set_feed(nullptr);
}

TEST(WriteLedger, ANamesEntryOlderThanAMinuteIsNotThisEvents) {
  WriteLedger ledger;
  ledger.set_tracer("etw", true);
  ledger.add_path("C:/a.txt", {0, 1}, writer(1), steady_now() - std::chrono::minutes(2));
  EXPECT_FALSE(ledger.take_path("C:/a.txt"));
  EXPECT_EQ(ledger.files(), 0U) << "and it is dropped";
}

TEST(WriteLedger, AReusedInodeNumbersNewFileDoesNotInheritTheDeletedFilesWrites) {
  // A temporary file written and deleted before its event came (the coalescer cancels the pair)
  // leaves its writes behind; the filesystem gives its inode number to the next file.
  WriteLedger ledger;
  ledger.add(1, 2, {0, 5000}, writer(1), steady_now(), {}, 7);
  ledger.add(1, 2, {0, 10}, writer(2), steady_now(), {}, 8);  // the new file written
  auto got = ledger.take(1, 2, {}, WriteLedger::kNoWait);
  ASSERT_TRUE(got);
  EXPECT_EQ(spans(*got), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 10}}));
  ASSERT_EQ(got->writers.size(), 1U);
  EXPECT_EQ(got->writers[0]->pid, 2);
  EXPECT_EQ(got->generation, 8U);
  EXPECT_EQ(ledger.superseded(), 1U);
}

TEST(WriteLedger, WritesSayWhichGenerationOfTheInodeTheyWentTo) {
  // The new file never written: the analyzer compares the open file's generation with this one.
  WriteLedger ledger;
  ledger.add(1, 3, {0, 5000}, writer(1), steady_now(), {}, 7);
  auto got = ledger.take(1, 3, {}, WriteLedger::kNoWait);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->generation, 7U);
  ledger.add(1, 3, {0, 10}, writer(1));  // a tracer that does not know it
  ledger.add(1, 3, {10, 10}, writer(1), steady_now(), {}, 7);
  got = ledger.take(1, 3, {}, WriteLedger::kNoWait);
  ASSERT_TRUE(got);
  EXPECT_EQ(spans(*got), (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 20}}));
  EXPECT_EQ(got->generation, 7U);
  EXPECT_EQ(ledger.superseded(), 0U);
}

TEST(WriteLedger, NamesCountTowardsTheFileCap) {
  WriteLedger ledger(WriteLedger::Limits{2, 4, 4});
  EXPECT_TRUE(ledger.add(1, 1, {0, 1}, writer(1)));
  EXPECT_TRUE(ledger.add_path("C:/a", {0, 1}, writer(1)));
  EXPECT_FALSE(ledger.add_path("C:/b", {0, 1}, writer(1)));
  EXPECT_EQ(ledger.refused(), 1U);
}

}  // namespace
}  // namespace fimon
