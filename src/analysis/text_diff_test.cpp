#include "analysis/text_diff.hpp"

#include <gtest/gtest.h>

#include <random>

namespace fimon {
namespace {

TEST(TextDiff, EqualTextsHaveNoDiff) {
  const auto d = unified_diff("a\nb\n", "a\nb\n");
  EXPECT_TRUE(d.text.empty());
  EXPECT_FALSE(d.truncated);
}

TEST(TextDiff, OneChangedLineWithContext) {
  const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const std::string after = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
  const auto d = unified_diff(before, after);
  EXPECT_EQ(d.text, "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n");
  EXPECT_EQ(d.lines_added, 1u);
  EXPECT_EQ(d.lines_removed, 1u);
}

TEST(TextDiff, SeparateHunksAndMergedOnes) {
  std::string before, after;
  for (int k = 1; k <= 30; ++k) {
    before += std::to_string(k) + "\n";
    after += (k == 2 || k == 25 ? "x" : std::to_string(k)) + "\n";
  }
  const auto far = unified_diff(before, after);
  EXPECT_EQ(far.text.find("@@", 1) != std::string::npos, true);  // two hunks
  EXPECT_NE(far.text.find("@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"), std::string::npos);
  EXPECT_NE(far.text.find("@@ -22,7 +22,7 @@\n"), std::string::npos);
}

TEST(TextDiff, AppendPrependAndMissingNewline) {
  EXPECT_EQ(unified_diff("a\n", "a\nb\n").text, "@@ -1,1 +1,2 @@\n a\n+b\n");
  EXPECT_EQ(unified_diff("b\n", "a\nb\n").text, "@@ -1,1 +1,2 @@\n+a\n b\n");
  EXPECT_EQ(unified_diff("", "new").text, "@@ -0,0 +1,1 @@\n+new\n\\ No newline at end of file\n");
  EXPECT_EQ(unified_diff("old\n", "").text, "@@ -1,1 +0,0 @@\n-old\n");
}

TEST(TextDiff, CappedOnALineBoundary) {
  std::string before, after;
  for (int k = 0; k < 2000; ++k) {
    before += "line " + std::to_string(k) + "\n";
    after += "LINE " + std::to_string(k) + "\n";
  }
  const auto d = unified_diff(before, after, 1024);
  EXPECT_TRUE(d.truncated);
  EXPECT_LE(d.text.size(), 1024u);
  EXPECT_EQ(d.text.back(), '\n');
  EXPECT_EQ(d.lines_added, 2000u);
}

TEST(TextDiff, WholesaleRewritesStayBounded) {
  std::string before, after;
  for (int k = 0; k < 30000; ++k) {  // ~1 MiB each, every line different: past the edit-distance cap
    before += "old line number " + std::to_string(k) + "\n";
    after += "new line number " + std::to_string(k) + "\n";
  }
  const auto d = unified_diff(before, after);
  EXPECT_TRUE(d.truncated);
  EXPECT_EQ(d.lines_removed, 30000u);
  EXPECT_EQ(d.lines_added, 30000u);
  EXPECT_EQ(d.text.rfind("@@ -1,30000 +1,30000 @@\n-old line number 0\n", 0), 0u);
}

// With unlimited context the diff is one hunk from which both texts can be rebuilt.
TEST(TextDiff, RandomEditsRebuildBothSides) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string before, after;
    const int lines = static_cast<int>(rng() % 40);
    for (int k = 0; k < lines; ++k) {
      const std::string line = "l" + std::to_string(rng() % 6) + "\n";
      const unsigned what = rng() % 4;
      if (what != 0) before += line;                          // 0: inserted in after only
      if (what != 1) after += what == 2 ? "x" + line : line;  // 1: deleted; 2: changed
    }
    const auto d = unified_diff(before, after, 1 << 20, 1 << 20);
    std::string rebuilt_before, rebuilt_after;
    std::size_t pos = d.text.find('\n');
    while (pos != std::string::npos && pos + 1 < d.text.size()) {
      const std::size_t end = d.text.find('\n', pos + 1);
      const std::string line = d.text.substr(pos + 2, end - pos - 1);
      if (d.text[pos + 1] != '+') rebuilt_before += line;
      if (d.text[pos + 1] != '-') rebuilt_after += line;
      pos = end;
    }
    if (before != after) {
      EXPECT_EQ(rebuilt_before, before) << "round " << round;
      EXPECT_EQ(rebuilt_after, after) << "round " << round;
    }
  }
}

TEST(TextDiff, TextHeuristic) {
  EXPECT_TRUE(looks_like_text("plain\n"));
  EXPECT_FALSE(looks_like_text(std::string("bin\0ary", 7)));
}

}  // namespace
}  // namespace fimon
