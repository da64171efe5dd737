// Content-defined chunking: splits a byte stream into chunks whose boundaries depend on the bytes
// around them, not on their offsets, so an insertion or deletion moves only the boundaries next to
// it and the chunks after it keep their digests. That is what lets a changed file be compared with
// its previous chunk manifest and report "bytes 1,000,000..1,008,191 changed" instead of "everything
// after the edit".
//
// Gear rolling hash with normalised chunking (the FastCDC idea): a boundary is declared where the
// top bits of the rolling fingerprint are zero, with a stricter mask before the target size and a
// looser one after it, which narrows the size distribution around the target. Sizes: min 2 KiB,
// target 8 KiB, max 64 KiB. Each chunk is digested with XXH3-64 as it streams.
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

class Chunker {
 public:
  // `on_chunk` is called for each completed chunk with its bytes (valid during the call only;
  // a chunk's bytes can span input buffers, so they are handed over in pieces: see ChunkBytes).
  struct ChunkBytes {
    const unsigned char* first;  // the chunk's first up-to-`excerpt_capacity` bytes, contiguous
    std::size_t first_size;
    const std::uint32_t* histogram;  // byte-value counts of the whole chunk (256 entries)
  };
  using OnChunk = std::function<void(const Chunk&, const ChunkBytes&)>;

  explicit Chunker(OnChunk on_chunk, ChunkerSizes sizes = {}, std::size_t excerpt_capacity = 256);
  ~Chunker();
  Chunker(const Chunker&) = delete;
  Chunker& operator=(const Chunker&) = delete;

  void update(const void* data, std::size_t size);
  void finish();  // emits the last, possibly short, chunk

 private:
  void consume(const unsigned char* p, std::size_t n);
  void end_chunk();

  OnChunk on_chunk_;
  ChunkerSizes sizes_;
  std::uint64_t mask_strict_;
  std::uint64_t mask_loose_;
  std::uint64_t fingerprint_ = 0;
  std::uint64_t chunk_offset_ = 0;
  std::uint32_t chunk_length_ = 0;
  struct State;
  std::unique_ptr<State> state_;  // XXH3 streaming state, excerpt buffer, histogram
};

// Splits a whole buffer; convenience for tests and small inputs.
std::vector<Chunk> chunk_buffer(const void* data, std::size_t size, ChunkerSizes sizes = {});

}  // namespace fimon
