#include "analysis/content_pass.hpp"

#include <algorithm>

#include "platform/crypto.hpp"
#include "platform/fs.hpp"
#include "platform/mime.hpp"

namespace fimon {

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
  // whose bytes feed the change entropy and (the first one) the excerpt.
  Chunker chunker(
      [&](const Chunk& chunk, const Chunker::ChunkBytes& bytes) {
        out.manifest.push_back(chunk);
        for (int b = 0; b < 256; ++b) out.whole[b] += bytes.histogram[b];
        if (options.known_chunks == nullptr || options.known_chunks->count(chunk.digest)) return;
        out.any_changed_chunk = true;
        for (int b = 0; b < 256; ++b) out.changed[b] += bytes.histogram[b];
        if (options.excerpt_bytes > 0 && out.excerpt.empty()) {
          out.excerpt.assign(reinterpret_cast<const char*>(bytes.first), bytes.first_size);
          out.excerpt_offset = chunk.offset;
        }
      },
      ChunkerSizes{}, options.excerpt_bytes);

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
