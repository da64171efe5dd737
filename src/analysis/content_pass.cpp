#include "analysis/content_pass.hpp"

#include <algorithm>
#include <unordered_map>

#include "platform/crypto.hpp"
#include "platform/fs.hpp"
#include "platform/mime.hpp"

namespace fimon {
namespace {
constexpr std::size_t kEntropySampleStride = 4;
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
  Chunker chunker(
      [&](const Chunk& chunk, const Chunker::ChunkBytes& bytes) {
        out.manifest.push_back(chunk);
        out.blocks.insert(out.blocks.end(), bytes.blocks, bytes.blocks + bytes.block_count);
        count_bytes_sampled(out.whole, bytes.data, bytes.size, kEntropySampleStride);
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

  std::uint64_t total = 0;
  for (;;) {
    auto n = file->read(buffer.data(), buffer.size());
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
      out.mime_type = platform::sniff_mime_type(buffer.data(), std::min(*n, platform::kMimeSniffBytes));
    for (auto& h : hashers) h->update(buffer.data(), *n);
    chunker.update(buffer.data(), *n);
    if (out.content) {
      if (total <= options.keep_content_up_to)
        out.content->append(reinterpret_cast<const char*>(buffer.data()), *n);
      else
        out.content.reset();  // grew past the limit while we read it
    }
  }
  chunker.finish();
  for (std::size_t k = 0; k < hashers.size(); ++k) {
    out.hashes.push_back(FileHash{options.hashes[k], hashers[k]->finish_hex()});
  }
  if (out.meta) out.meta->size = total;  // what was hashed, even if it changed since fstat
  out.complete = true;
  return out;
}

}  // namespace fimon
