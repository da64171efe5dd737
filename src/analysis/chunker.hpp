// Content-defined chunking: splits a byte stream into chunks whose boundaries depend on the bytes
// around them, not on their offsets, so an insertion or deletion moves only the boundaries next to
// it and the chunks after it keep their digests. That is what lets a changed file be compared with
// its previous chunk manifest and report "bytes 1,000,000..1,008,191 changed" instead of "everything
// after the edit".
//
// Gear rolling hash with normalised chunking (the FastCDC idea): a boundary is declared where the
// top bits of the rolling fingerprint are zero, with a stricter mask before the target size and a
// looser one after it, which narrows the size distribution around the target. Sizes: min 2 KiB,
// target 8 KiB, max 64 KiB. Each chunk is digested with XXH3-64.
//
// Streaming: feed the file in buffers of any size; chunks are reported as they complete. Not
// thread-safe; one per analysis.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace fimon {

struct Chunk {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint64_t digest = 0;  // XXH3-64 of the chunk's bytes
  bool operator==(const Chunk&) const = default;
};

struct ChunkerSizes {
  std::uint32_t min = 2 * 1024;
  std::uint32_t target = 8 * 1024;  // a power of two
  std::uint32_t max = 64 * 1024;
};

// Chunks are also cut into fixed blocks from their start, each with a 32-bit digest: comparing a
// changed chunk's blocks with its old counterpart's narrows "this 8 KiB chunk changed" to "from
// this 256-byte block on".
inline constexpr std::size_t kBlockSize = 256;

class Chunker {
 public:
  // `on_chunk` is called for each completed chunk with its bytes, all valid during the call only.
  struct ChunkBytes {
    const unsigned char* data;  // the whole chunk, contiguous
    std::size_t size;
    const std::uint32_t* blocks;  // block digests (block_count entries; none unless asked for)
    std::size_t block_count;
  };
  using OnChunk = std::function<void(const Chunk&, const ChunkBytes&)>;

  explicit Chunker(OnChunk on_chunk, ChunkerSizes sizes = {}, bool block_digests = false);
  ~Chunker();
  Chunker(const Chunker&) = delete;
  Chunker& operator=(const Chunker&) = delete;

  void update(const void* data, std::size_t size);
  void finish();  // emits the last, possibly short, chunk

 private:
  void end_chunk(const unsigned char* tail, std::size_t tail_size);

  OnChunk on_chunk_;
  ChunkerSizes sizes_;
  std::uint64_t mask_strict_;
  std::uint64_t mask_loose_;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t chunk_offset_ = 0;
  std::uint32_t chunk_length_ = 0;
  struct State;
  bool block_digests_;
  std::unique_ptr<State> state_;  // spilled bytes, block digests
};

// Splits a whole buffer; convenience for tests and small inputs.
std::vector<Chunk> chunk_buffer(const void* data, std::size_t size, ChunkerSizes sizes = {});

}  // namespace fimon
