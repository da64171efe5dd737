#include "analysis/content_pass.hpp"

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/bounded_queue.hpp"
#include "platform/crypto.hpp"
#include "platform/fs.hpp"
#include "platform/lifecycle.hpp"
#include "platform/mime.hpp"  // kMimeSniffBytes

namespace fimon {
namespace {
// The whole-file entropy is estimated from every 4th byte, or every 16th in files big enough to be
// chunked in parallel (still at least 256 Ki samples: the estimate moves by under 0.001 bit/byte).
constexpr std::size_t kEntropySampleStride = 4;
constexpr std::size_t kLargeFileEntropySampleStride = 16;
constexpr std::uint64_t kParallelChunkingMinSize = 4ULL << 20;
constexpr std::size_t kParallelBuffers = 8;

// Hands read buffers to the chunker: in the calling thread (one buffer, the caller's), or to a
// second thread through a small ring of buffers. Chunk callbacks then run on that thread; the
// caller must not touch what they write until finish() returns.
class ChunkFeed {
 public:
  ChunkFeed(Chunker& chunker, std::vector<unsigned char>* inline_buffer)
      : chunker_(chunker), inline_(inline_buffer), free_(kParallelBuffers), full_(kParallelBuffers) {
    if (inline_ != nullptr) return;
    const std::size_t size = std::size_t{64} << 10;
    for (std::size_t k = 0; k < kParallelBuffers; ++k) free_.push(std::vector<unsigned char>(size));
    thread_ = std::thread([this] {
      platform::name_current_thread("fimon-chunk");
      while (auto filled = full_.pop()) {
        chunker_.update(filled->first.data(), filled->second);
        free_.push(std::move(filled->first));
      }
    });
  }
  ~ChunkFeed() { stop(); }
  ChunkFeed(const ChunkFeed&) = delete;
  ChunkFeed& operator=(const ChunkFeed&) = delete;

  std::vector<unsigned char>& next_buffer() {
    if (inline_ != nullptr) return *inline_;
    current_ = *free_.pop();  // never empty: buffers come back as soon as they are chunked
    return current_;
  }
  void submit(std::size_t n) {
    if (inline_ != nullptr) {
      chunker_.update(inline_->data(), n);
      return;
    }
    full_.push({std::move(current_), n});
  }
  void finish() {
    stop();
    chunker_.finish();
  }

 private:
  void stop() {
    full_.close();
    if (thread_.joinable()) thread_.join();
  }

  Chunker& chunker_;
  std::vector<unsigned char>* inline_;
  BoundedQueue<std::vector<unsigned char>> free_;
  BoundedQueue<std::pair<std::vector<unsigned char>, std::size_t>> full_;
  std::vector<unsigned char> current_;
  std::thread thread_;
};
}  // namespace

const char* skip_reason(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kNotFound:
      return "vanished";
    case ErrorKind::kPermission:
      return "permission_denied";
    case ErrorKind::kUnsupported:
      return "not_regular_file";
    default:
      return "read_error";
  }
}

ContentPass read_content(const std::string& path, const ContentPassOptions& options,
                         std::vector<unsigned char>& buffer) {
  ContentPass out;
  auto file = platform::ReadableFile::open(path);
  if (!file) {
    out.skipped = skip_reason(file.error());
    return out;
  }
  if (auto opened = file->stat(); opened) {
    out.meta = std::move(opened.value());
    if (options.inode_generation) out.meta->inode_generation = file->inode_generation();
    if (out.meta->size > options.max_file_size) {
      out.skipped = "too_large";
      return out;
    }
  }
  std::vector<std::unique_ptr<platform::Hasher>> hashers;
  for (HashAlgo algo : options.hashes) {
    auto h = platform::make_hasher(algo);
    if (!h) {
      out.skipped = "hash_unavailable";
      return out;
    }
    hashers.push_back(std::move(h.value()));
  }
  const bool keep = out.meta && out.meta->size <= options.keep_content_up_to;
  if (keep) out.content.emplace().reserve(static_cast<std::size_t>(out.meta->size));

  // Chunks are classified as they complete: one the previous manifest lacks is changed content,
  // whose bytes feed the change entropy and (the first one) the excerpt. An unchanged chunk also
  // tells where we are in the old content, so the first changed chunk can be set against its old
  // counterpart (the chunk after the last one that matched) block by block.
  std::unordered_map<std::uint64_t, std::size_t> old_index;
  std::vector<std::size_t> old_block_start;  // per old chunk, index of its first block digest
  if (options.old_manifest != nullptr) {
    const auto& old = *options.old_manifest;
    for (std::size_t i = 0; i < old.size(); ++i) old_index.emplace(old[i].digest, i);
    std::size_t blocks = 0;
    for (const auto& c : old) {
      old_block_start.push_back(blocks);
      blocks += (c.length + kBlockSize - 1) / kBlockSize;
    }
    old_block_start.push_back(blocks);
    if (options.old_blocks == nullptr || options.old_blocks->size() != blocks) old_block_start.clear();
  }
  std::ptrdiff_t last_matched_old = -1;
  const bool parallel = out.meta && out.meta->size >= kParallelChunkingMinSize;
  const std::size_t sample_stride = parallel ? kLargeFileEntropySampleStride : kEntropySampleStride;
  Chunker chunker(
      [&](const Chunk& chunk, const Chunker::ChunkBytes& bytes) {
        out.manifest.push_back(chunk);
        out.blocks.insert(out.blocks.end(), bytes.blocks, bytes.blocks + bytes.block_count);
        count_bytes_sampled(out.whole, bytes.data, bytes.size, sample_stride);
        if (options.old_manifest == nullptr) return;
        if (auto match = old_index.find(chunk.digest); match != old_index.end()) {
          last_matched_old = static_cast<std::ptrdiff_t>(match->second);
          return;
        }
        out.any_changed_chunk = true;
        count_bytes(out.changed, bytes.data, bytes.size);
        if (options.excerpt_bytes == 0 || !out.excerpt.empty()) return;
        std::size_t start = 0;  // first byte of the chunk that differs from its old counterpart
        const auto counterpart = static_cast<std::size_t>(last_matched_old + 1);
        if (!old_block_start.empty() && counterpart + 1 < old_block_start.size() && bytes.block_count > 0) {
          const std::uint32_t* old_blocks = options.old_blocks->data() + old_block_start[counterpart];
          const std::size_t old_count = old_block_start[counterpart + 1] - old_block_start[counterpart];
          std::size_t k = 0;
          while (k < bytes.block_count && k < old_count && bytes.blocks[k] == old_blocks[k]) ++k;
          start = std::min(k * kBlockSize, bytes.size);
        }
        const std::size_t len = std::min(options.excerpt_bytes, bytes.size - start);
        out.excerpt.assign(reinterpret_cast<const char*>(bytes.data) + start, len);
        out.excerpt_offset = chunk.offset + start;
      },
      ChunkerSizes{}, options.block_digests);

  // Large files: the chunker runs on a second thread over the same buffers while this one reads
  // and hashes, so with a free core the pass costs about what hashing alone does.
  ChunkFeed feed(chunker, parallel ? nullptr : &buffer);
  std::uint64_t total = 0;
  for (;;) {
    std::vector<unsigned char>& in = feed.next_buffer();
    auto n = file->read(in.data(), in.size());
    if (!n) {
      out.skipped = skip_reason(n.error());
      return out;
    }
    if (*n == 0) break;
    total += *n;
    if (total > options.max_file_size) {  // grew while we read it
      out.skipped = "too_large";
      return out;
    }
    if (total == *n)
      out.head.assign(reinterpret_cast<const char*>(in.data()), std::min(*n, platform::kMimeSniffBytes));
    for (auto& h : hashers) h->update(in.data(), *n);
    if (out.content) {
      if (total <= options.keep_content_up_to)
        out.content->append(reinterpret_cast<const char*>(in.data()), *n);
      else
        out.content.reset();  // grew past the limit while we read it
    }
    feed.submit(*n);  // the buffer now belongs to the chunker until it comes back
  }
  feed.finish();
  for (std::size_t k = 0; k < hashers.size(); ++k) {
    out.hashes.push_back(FileHash{options.hashes[k], hashers[k]->finish_hex()});
  }
  if (out.meta) out.meta->size = total;  // what was hashed, even if it changed since fstat
  out.complete = true;
  return out;
}

}  // namespace fimon
