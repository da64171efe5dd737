// Compares two chunk manifests of one file (before and after a change) and says which byte ranges of
// the new content are not in the old one. Granularity is the chunk (2-64 KiB, content-defined), so
// an edit of a few bytes is reported as the chunk holding it; unchanged chunks are recognised
// wherever they moved, so an insertion does not mark the rest of the file as changed.
#pragma once

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "analysis/chunker.hpp"

namespace fimon {

struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

struct RangeDiff {
  std::vector<ByteRange> ranges;  // merged, ascending, at most max_ranges
  bool ranges_truncated = false;
  std::uint64_t bytes_added = 0;    // bytes of the new file in chunks the old file did not have
  std::uint64_t bytes_removed = 0;  // bytes of the old file in chunks the new file does not have
};

// Digests of a manifest, for classifying chunks while they stream.
std::unordered_set<std::uint64_t> chunk_digests(const std::vector<Chunk>& manifest);

RangeDiff diff_manifests(const std::vector<Chunk>& old_manifest, const std::vector<Chunk>& new_manifest,
                         std::size_t max_ranges = 64);

// Adds [offset, offset+length) to `ranges`, merging with the last range when adjacent.
void append_range(std::vector<ByteRange>& ranges, std::uint64_t offset, std::uint64_t length);

}  // namespace fimon
