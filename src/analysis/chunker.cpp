#include "analysis/chunker.hpp"

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

}  // namespace

struct Chunker::State {
  XXH3_state_t hash;
  std::vector<unsigned char> excerpt;
  std::size_t excerpt_capacity;
  std::array<std::uint32_t, 256> histogram{};
};

Chunker::Chunker(OnChunk on_chunk, ChunkerSizes sizes, std::size_t excerpt_capacity)
    : on_chunk_(std::move(on_chunk)), sizes_(sizes), state_(std::make_unique<State>()) {
  // Normalised chunking, level 2: two bits stricter before the target, two looser after it.
  const unsigned bits = log2_of(sizes_.target);
  mask_strict_ = top_bits(bits + 2);
  mask_loose_ = top_bits(bits >= 2 ? bits - 2 : 0);
  state_->excerpt_capacity = excerpt_capacity;
  state_->excerpt.reserve(excerpt_capacity);
  XXH3_64bits_reset(&state_->hash);
}

Chunker::~Chunker() = default;

void Chunker::update(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::size_t start = 0;  // first byte of `bytes` not yet hashed into the current chunk
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char b = bytes[i];
    ++state_->histogram[b];
    if (state_->excerpt.size() < state_->excerpt_capacity) state_->excerpt.push_back(b);
    ++chunk_length_;
    if (chunk_length_ < sizes_.min) continue;  // no boundary can fall here: skip the hash update
    fingerprint_ = (fingerprint_ << 1) + kGear[b];
    const std::uint64_t mask = chunk_length_ < sizes_.target ? mask_strict_ : mask_loose_;
    if ((fingerprint_ & mask) == 0 || chunk_length_ >= sizes_.max) {
      XXH3_64bits_update(&state_->hash, bytes + start, i + 1 - start);
      start = i + 1;
      end_chunk();
    }
  }
  if (start < size) XXH3_64bits_update(&state_->hash, bytes + start, size - start);
}

void Chunker::finish() {
  if (chunk_length_ > 0) end_chunk();
}

void Chunker::end_chunk() {
  const Chunk chunk{chunk_offset_, chunk_length_, XXH3_64bits_digest(&state_->hash)};
  on_chunk_(chunk, ChunkBytes{state_->excerpt.data(), state_->excerpt.size(), state_->histogram.data()});
  chunk_offset_ += chunk_length_;
  chunk_length_ = 0;
  fingerprint_ = 0;
  state_->excerpt.clear();
  state_->histogram.fill(0);
  XXH3_64bits_reset(&state_->hash);
}

std::vector<Chunk> chunk_buffer(const void* data, std::size_t size, ChunkerSizes sizes) {
  std::vector<Chunk> chunks;
  Chunker chunker([&](const Chunk& c, const Chunker::ChunkBytes&) { chunks.push_back(c); }, sizes, 0);
  chunker.update(data, size);
  chunker.finish();
  return chunks;
}

}  // namespace fimon
