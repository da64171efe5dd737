#include "analysis/range_diff.hpp"

namespace fimon {

std::unordered_set<std::uint64_t> chunk_digests(const std::vector<Chunk>& manifest) {
  std::unordered_set<std::uint64_t> digests;
  digests.reserve(manifest.size());
  for (const auto& c : manifest) digests.insert(c.digest);
  return digests;
}

void append_range(std::vector<ByteRange>& ranges, std::uint64_t offset, std::uint64_t length) {
  if (!ranges.empty() && ranges.back().offset + ranges.back().length == offset) {
    ranges.back().length += length;
  } else {
    ranges.push_back({offset, length});
  }
}

RangeDiff diff_manifests(const std::vector<Chunk>& old_manifest, const std::vector<Chunk>& new_manifest,
                         std::size_t max_ranges) {
  const auto old_digests = chunk_digests(old_manifest);
  const auto new_digests = chunk_digests(new_manifest);
  RangeDiff diff;
  std::vector<ByteRange> all;
  for (const auto& c : new_manifest) {
    if (old_digests.count(c.digest)) continue;
    diff.bytes_added += c.length;
    append_range(all, c.offset, c.length);
  }
  for (const auto& c : old_manifest) {
    if (!new_digests.count(c.digest)) diff.bytes_removed += c.length;
  }
  diff.ranges_truncated = all.size() > max_ranges;
  if (diff.ranges_truncated) all.resize(max_ranges);
  diff.ranges = std::move(all);
  return diff;
}

}  // namespace fimon
