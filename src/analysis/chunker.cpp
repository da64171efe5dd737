#include "analysis/chunker.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace fimon {
namespace {

// 256 pseudo-random 64-bit values, generated at compile time with splitmix64 from a fixed seed:
// the manifests stored on disk depend on this table, so it must never change.
constexpr std::array<std::uint64_t, 256> make_gear_table() {
  std::array<std::uint64_t, 256> table{};
  std::uint64_t state = 0x66696d6f6e676561ULL;  // "fimongea"
  for (auto& value : table) {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    value = z ^ (z >> 31);
  }
  return table;
}
constexpr std::array<std::uint64_t, 256> kGear = make_gear_table();

// A mask of `bits` ones at the top of the word: the top bits of a gear fingerprint depend on the
// last 64 bytes, the bottom ones only on the last few.
constexpr std::uint64_t top_bits(unsigned bits) {
  return bits == 0 ? 0 : ~0ULL << (64 - bits);
}

unsigned log2_of(std::uint32_t v) {
  unsigned bits = 0;
  while ((1U << (bits + 1)) <= v) ++bits;
  return bits;
}

// Rolls the fingerprint over p[take, end) and stops after the first byte where (fp & mask) == 0.
// Four bytes per step: the fingerprint after k bytes is (fp << k) plus a sum of shifted gear values
// that does not depend on fp, so the loop-carried chain is one shift and one add per four bytes, and
// one branch tests all four intermediate fingerprints. Boundaries are exactly those of one byte a step.
// Works on local copies: `take` and `fp` are references, and since unsigned char may alias them the
// compiler would otherwise keep them in memory, putting a store and a load on the loop-carried chain.
bool scan_local(const unsigned char* p, std::size_t& take_out, std::size_t end, std::uint64_t mask,
                std::uint64_t& fp_out) {
  std::size_t take = take_out;
  std::uint64_t fp = fp_out;
  bool cut = false;
  while (take + 4 <= end) {
    const std::uint64_t a = kGear[p[take]];
    const std::uint64_t b = kGear[p[take + 1]];
    const std::uint64_t c = kGear[p[take + 2]];
    const std::uint64_t d = kGear[p[take + 3]];
    const std::uint64_t ab = (a << 1) + b;
    const std::uint64_t abc = (ab << 1) + c;
    const std::uint64_t abcd = (abc << 1) + d;
    const std::uint64_t f1 = (fp << 1) + a;
    const std::uint64_t f2 = (fp << 2) + ab;
    const std::uint64_t f3 = (fp << 3) + abc;
    const std::uint64_t f4 = (fp << 4) + abcd;
    const bool any_cut = ((f1 & mask) == 0) | ((f2 & mask) == 0) | ((f3 & mask) == 0) | ((f4 & mask) == 0);
    if (any_cut) break;  // the byte-at-a-time tail below finds which one
    fp = f4;
    take += 4;
  }
  while (take < end) {
    fp = (fp << 1) + kGear[p[take]];
    take += 1;
    if ((fp & mask) == 0) {
      cut = true;
      break;
    }
  }
  take_out = take;
  fp_out = fp;
  return cut;
}

}  // namespace

struct Chunker::State {
  std::vector<unsigned char> spill;  // bytes of the current chunk from earlier inputs
  std::vector<std::uint32_t> blocks;
};

Chunker::Chunker(OnChunk on_chunk, ChunkerSizes sizes, bool block_digests)
    : on_chunk_(std::move(on_chunk)),
      sizes_(sizes),
      block_digests_(block_digests),
      state_(std::make_unique<State>()) {
  // Normalised chunking, level 2: two bits stricter before the target, two looser after it.
  const unsigned bits = log2_of(sizes_.target);
  mask_strict_ = top_bits(bits + 2);
  mask_loose_ = top_bits(bits >= 2 ? bits - 2 : 0);
  state_->spill.reserve(sizes_.max);
}

Chunker::~Chunker() = default;

void Chunker::update(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* chunk_begin = p;  // the current chunk's first byte within this input
  while (size > 0) {
    std::size_t take = 0;
    bool cut = false;
    if (chunk_length_ < sizes_.min) {
      // No boundary can fall before the minimum size: no rolling hash needed here.
      take = std::min<std::size_t>(size, sizes_.min - chunk_length_);
    } else {
      // Tight scans, strict mask up to the target size and loose after it, stopping at the max.
      const std::size_t limit = std::min<std::size_t>(size, sizes_.max - chunk_length_);
      const std::size_t strict_end =
          chunk_length_ < sizes_.target ? std::min<std::size_t>(limit, sizes_.target - chunk_length_) : 0;
      std::uint64_t fp = fingerprint_;
      cut = scan_local(p, take, strict_end, mask_strict_, fp) || scan_local(p, take, limit, mask_loose_, fp);
      fingerprint_ = fp;
    }
    chunk_length_ += static_cast<std::uint32_t>(take);
    p += take;
    size -= take;
    if (cut || chunk_length_ >= sizes_.max) {
      end_chunk(chunk_begin, static_cast<std::size_t>(p - chunk_begin));
      chunk_begin = p;
    }
  }
  // The unfinished chunk's bytes must outlive this input: keep a copy of them.
  state_->spill.insert(state_->spill.end(), chunk_begin, p);
}

void Chunker::finish() {
  if (chunk_length_ > 0) end_chunk(nullptr, 0);
}

void Chunker::end_chunk(const unsigned char* tail, std::size_t tail_size) {
  // Usually the whole chunk lies in the current input and is used in place; otherwise its earlier
  // part was spilled and the rest joins it.
  const unsigned char* bytes = tail;
  std::size_t size = tail_size;
  if (!state_->spill.empty()) {
    state_->spill.insert(state_->spill.end(), tail, tail + tail_size);
    bytes = state_->spill.data();
    size = state_->spill.size();
  }
  state_->blocks.clear();
  if (block_digests_) {
    for (std::size_t off = 0; off < size; off += kBlockSize) {
      const std::size_t len = std::min(kBlockSize, size - off);
      state_->blocks.push_back(static_cast<std::uint32_t>(XXH3_64bits(bytes + off, len)));
    }
  }
  const Chunk chunk{chunk_offset_, chunk_length_, XXH3_64bits(bytes, size)};
  on_chunk_(chunk, ChunkBytes{bytes, size, state_->blocks.data(), state_->blocks.size()});
  chunk_offset_ += chunk_length_;
  chunk_length_ = 0;
  fingerprint_ = 0;
  state_->spill.clear();
}

std::vector<Chunk> chunk_buffer(const void* data, std::size_t size, ChunkerSizes sizes) {
  std::vector<Chunk> chunks;
  Chunker chunker([&](const Chunk& c, const Chunker::ChunkBytes&) { chunks.push_back(c); }, sizes);
  chunker.update(data, size);
  chunker.finish();
  return chunks;
}

}  // namespace fimon
