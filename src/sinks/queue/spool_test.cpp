#include "sinks/queue/spool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sinks/queue/memory_queue.hpp"

namespace fimon {
namespace {

namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fimon_spool_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<Spool> open(std::uint64_t max_bytes = 1 << 20, std::uint64_t segment_bytes = 4096) {
    auto spool = Spool::open({dir_.string(), max_bytes, segment_bytes, 0});
    EXPECT_TRUE(spool.ok()) << (spool.ok() ? "" : spool.error().message());
    return std::move(spool.value());
  }
  static Document doc(int n) { return {"id-" + std::to_string(n), "{\"n\":" + std::to_string(n) + "}"}; }
  static std::vector<std::string> ids(const std::vector<Document>& docs) {
    std::vector<std::string> out;
    out.reserve(docs.size());
    for (const auto& d : docs) out.push_back(d.id);
    return out;
  }
  std::vector<fs::path> segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().rfind("seg-", 0) == 0) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(SpoolTest, ReadsInOrderAcrossSegmentsAndDeletesAcknowledgedOnes) {
  auto spool = open();
  for (int n = 0; n < 300; ++n) ASSERT_TRUE(spool->append(doc(n)).ok());
  EXPECT_GT(segments().size(), 2U);  // 4 KiB segments
  EXPECT_EQ(spool->unread(), 300U);
  QueuePosition end;
  std::vector<std::string> seen;
  for (;;) {
    auto batch = spool->read(64, 1 << 20, &end);
    if (batch.empty()) break;
    for (const auto& id : ids(batch)) seen.push_back(id);
    ASSERT_TRUE(spool->acknowledge(end).ok());
  }
  ASSERT_EQ(seen.size(), 300U);
  for (int n = 0; n < 300; ++n) EXPECT_EQ(seen[n], "id-" + std::to_string(n));
  EXPECT_EQ(segments().size(), 1U);  // only the one being written
  EXPECT_EQ(spool->read(64, 1 << 20, &end).size(), 0U);
}

TEST_F(SpoolTest, ReplaysWhatWasNotAcknowledgedAfterARestart) {
  {
    auto spool = open();
    for (int n = 0; n < 10; ++n) ASSERT_TRUE(spool->append(doc(n)).ok());
    QueuePosition end;
    ASSERT_EQ(spool->read(4, 1 << 20, &end).size(), 4U);
    ASSERT_TRUE(spool->acknowledge(end).ok());
    ASSERT_EQ(spool->read(3, 1 << 20, &end).size(), 3U);  // read, never acknowledged: sent again
  }
  auto spool = open();
  EXPECT_EQ(spool->stats().replayed.load(), 6U);
  ASSERT_TRUE(spool->append(doc(10)).ok());
  QueuePosition end;
  auto batch = spool->read(100, 1 << 20, &end);
  EXPECT_EQ(ids(batch), (std::vector<std::string>{"id-4", "id-5", "id-6", "id-7", "id-8", "id-9", "id-10"}));
}

TEST_F(SpoolTest, CutsATornTailAndStopsAtACorruptRecord) {
  {
    auto spool = open(1 << 20, 1 << 20);
    for (int n = 0; n < 5; ++n) ASSERT_TRUE(spool->append(doc(n)).ok());
  }
  const fs::path segment = segments().front();
  {
    std::ofstream(segment, std::ios::binary | std::ios::app) << "FSR1\x40";  // a crash mid-append
  }
  {
    auto spool = open(1 << 20, 1 << 20);
    EXPECT_EQ(spool->stats().replayed.load(), 5U);
    EXPECT_EQ(spool->stats().torn_bytes.load(), 5U);
  }
  {
    std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(70);  // inside the third record's payload (27-byte records)
    f.put('X');
  }
  auto spool = open(1 << 20, 1 << 20);
  EXPECT_EQ(spool->stats().corrupt_records.load(), 1U);
  QueuePosition end;
  EXPECT_LT(spool->read(100, 1 << 20, &end).size(), 5U);
}

TEST_F(SpoolTest, RefusesWhenFullAndTakesMoreOnceAcknowledged) {
  auto spool = open(2048, 1024);
  int n = 0;
  Status s;
  while ((s = spool->append(doc(n))).ok()) ++n;
  EXPECT_EQ(s.error().kind(), ErrorKind::kExhausted);
  EXPECT_LE(spool->bytes(), 2048U);
  QueuePosition end;
  while (!spool->read(100, 1 << 20, &end).empty()) ASSERT_TRUE(spool->acknowledge(end).ok());
  EXPECT_TRUE(spool->append(doc(n)).ok());
}

TEST_F(SpoolTest, AcknowledgedBytesStopCountingAgainstTheCapBeforeTheirSegmentGoes) {
  auto spool = open(2048, 1 << 20);  // one segment far larger than the cap
  int n = 0;
  while (spool->append(doc(n)).ok()) ++n;
  QueuePosition end;
  ASSERT_FALSE(spool->read(1000, 1 << 20, &end).empty());
  ASSERT_TRUE(spool->acknowledge(end).ok());
  EXPECT_EQ(spool->bytes(), 0U);
  EXPECT_TRUE(spool->append(doc(n)).ok());  // room again although the segment is still on disk
}

TEST_F(SpoolTest, KeepsARecordThatDoesNotFitTheBatchForTheNext) {
  auto spool = open();
  for (int n = 0; n < 5; ++n) ASSERT_TRUE(spool->append(doc(n)).ok());
  QueuePosition end;
  EXPECT_EQ(ids(spool->read(100, 15, &end)), (std::vector<std::string>{"id-0", "id-1"}));  // 7 bytes each
  EXPECT_EQ(spool->unread(), 3U);
  EXPECT_EQ(ids(spool->read(100, 1 << 20, &end)), (std::vector<std::string>{"id-2", "id-3", "id-4"}));
}

TEST(MemoryQueue, BoundedByCountAndForgetsWhatIsAcknowledged) {
  MemoryQueue q(3);
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(q.append({"id", "{}"}).ok());
  EXPECT_EQ(q.append({"id", "{}"}).error().kind(), ErrorKind::kExhausted);
  QueuePosition end;
  EXPECT_EQ(q.read(2, 1 << 20, &end).size(), 2U);
  EXPECT_EQ(q.unread(), 1U);
  ASSERT_TRUE(q.acknowledge(end).ok());
  EXPECT_TRUE(q.append({"id", "{}"}).ok());
  EXPECT_EQ(q.read(10, 1 << 20, &end).size(), 2U);
}

}  // namespace
}  // namespace fimon
