#include "analysis/chunker.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/entropy.hpp"
#include "analysis/range_diff.hpp"

namespace fimon {
namespace {

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<Chunk> chunks_of(const std::string& s) {
  return chunk_buffer(s.data(), s.size());
}

TEST(Chunker, CoversTheInputWithinSizeBounds) {
  const std::string data = random_bytes(1 << 20, 1);
  const auto chunks = chunks_of(data);
  ASSERT_FALSE(chunks.empty());
  std::uint64_t expected_offset = 0;
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    EXPECT_EQ(chunks[k].offset, expected_offset);
    if (k + 1 < chunks.size()) {
      EXPECT_GE(chunks[k].length, 2048u);
      EXPECT_LE(chunks[k].length, 65536u);
    }
    expected_offset += chunks[k].length;
  }
  EXPECT_EQ(expected_offset, data.size());
  // Normalised chunking keeps the average near the 8 KiB target.
  const double average = static_cast<double>(data.size()) / static_cast<double>(chunks.size());
  EXPECT_GT(average, 6 * 1024);
  EXPECT_LT(average, 14 * 1024);
}

TEST(Chunker, StreamingInAnyPiecesGivesTheSameChunks) {
  const std::string data = random_bytes(300000, 2);
  const auto whole = chunks_of(data);
  for (std::size_t piece : {1u, 7u, 4096u, 65537u}) {
    std::vector<Chunk> streamed;
    Chunker chunker([&](const Chunk& c, const Chunker::ChunkBytes&) { streamed.push_back(c); });
    for (std::size_t off = 0; off < data.size(); off += piece) {
      chunker.update(data.data() + off, std::min(piece, data.size() - off));
    }
    chunker.finish();
    EXPECT_EQ(streamed, whole) << "piece size " << piece;
  }
}

TEST(Chunker, ZerosAndEmptyInput) {
  EXPECT_TRUE(chunk_buffer("", 0).empty());
  const std::string zeros(200000, '\0');
  const auto chunks = chunks_of(zeros);
  for (std::size_t k = 0; k + 1 < chunks.size(); ++k)
    EXPECT_EQ(chunks[k].length, 65536u);  // no boundary: max
}

TEST(Chunker, HandsOverBytesAndBlocks) {
  const std::string data = std::string(600, 'a') + "hello world";
  bool called = false;
  Chunker chunker(
      [&](const Chunk& c, const Chunker::ChunkBytes& bytes) {
        called = true;
        EXPECT_EQ(c.length, data.size());
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data), bytes.size), data);
        ASSERT_EQ(bytes.block_count, 3u);             // 256 + 256 + 99 bytes
        EXPECT_EQ(bytes.blocks[0], bytes.blocks[1]);  // same bytes, same digest
        EXPECT_NE(bytes.blocks[1], bytes.blocks[2]);
      },
      ChunkerSizes{}, /*block_digests=*/true);
  chunker.update(data.data(), data.size());
  chunker.finish();
  EXPECT_TRUE(called);
}

TEST(RangeDiff, OverwriteInTheMiddleIsOneSmallRange) {
  std::string data = random_bytes(4 << 20, 3);
  const auto before = chunks_of(data);
  for (int k = 0; k < 10; ++k) data[1000000 + k] = static_cast<char>(~data[1000000 + k]);
  const auto diff = diff_manifests(before, chunks_of(data));
  ASSERT_GE(diff.ranges.size(), 1u);
  ASSERT_LE(diff.ranges.size(), 2u);
  const ByteRange& r = diff.ranges.front();
  EXPECT_LE(r.offset, 1000000u);
  EXPECT_GE(r.offset + r.length, 1000010u);
  EXPECT_LE(diff.bytes_added, 2u * 65536u);
}

TEST(RangeDiff, PrependShiftsOnlyTheFirstChunks) {
  const std::string data = random_bytes(4 << 20, 4);
  const auto before = chunks_of(data);
  const auto after = chunks_of(random_bytes(100, 5) + data);
  const auto diff = diff_manifests(before, after);
  EXPECT_LE(diff.bytes_added, 65536u);
  EXPECT_EQ(diff.ranges.front().offset, 0u);
  EXPECT_LE(diff.bytes_removed, 65536u);
}

TEST(RangeDiff, AppendTruncateAndIdenticalRewrite) {
  const std::string data = random_bytes(1 << 20, 6);
  const auto before = chunks_of(data);
  const auto appended = diff_manifests(before, chunks_of(data + random_bytes(5000, 7)));
  ASSERT_EQ(appended.ranges.size(), 1u);
  EXPECT_GE(appended.ranges[0].offset + appended.ranges[0].length, data.size() + 5000);
  EXPECT_LE(appended.bytes_added, 5000u + 65536u);

  const auto truncated = diff_manifests(before, chunks_of(data.substr(0, data.size() / 2)));
  EXPECT_LE(truncated.bytes_added, 65536u);
  EXPECT_GE(truncated.bytes_removed, data.size() / 2 - 65536);

  const auto same = diff_manifests(before, chunks_of(data));
  EXPECT_TRUE(same.ranges.empty());
  EXPECT_EQ(same.bytes_added, 0u);
  EXPECT_EQ(same.bytes_removed, 0u);
}

TEST(RangeDiff, RangesAreCapped) {
  std::vector<Chunk> after;
  for (std::uint64_t k = 0; k < 100; ++k)
    after.push_back({k * 2 * 4096, 4096, k + 1});  // 100 disjoint chunks
  const auto diff = diff_manifests({}, after, 64);
  EXPECT_EQ(diff.ranges.size(), 64u);
  EXPECT_TRUE(diff.ranges_truncated);
  EXPECT_EQ(diff.bytes_added, 100u * 4096u);
}

TEST(Entropy, CountingAndSampling) {
  const std::string text = "abcabcabcabc";
  ByteHistogram all{};
  count_bytes(all, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  EXPECT_EQ(all['a'], 4u);
  EXPECT_NEAR(shannon_entropy(all), std::log2(3.0), 1e-9);
  const std::string data = random_bytes(1 << 20, 9);
  ByteHistogram full{}, sampled{};
  count_bytes(full, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  count_bytes_sampled(sampled, reinterpret_cast<const unsigned char*>(data.data()), data.size(), 4);
  EXPECT_NEAR(shannon_entropy(sampled), shannon_entropy(full), 0.01);
}

TEST(Entropy, Extremes) {
  ByteHistogram h{};
  EXPECT_EQ(shannon_entropy(h), 0.0);
  h[65] = 1000;
  EXPECT_EQ(shannon_entropy(h), 0.0);
  for (auto& n : h) n = 10;
  EXPECT_NEAR(shannon_entropy(h), 8.0, 1e-9);
  ByteHistogram two{};
  two[0] = two[1] = 5;
  EXPECT_NEAR(shannon_entropy(two), 1.0, 1e-9);
}

}  // namespace
}  // namespace fimon
