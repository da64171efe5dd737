// One read of a regular file that computes everything analysis needs from its bytes: every
// selected hash, the chunk manifest, byte histograms (whole content, and the chunks a previous
// manifest lacks), the first changed bytes (excerpt), and — for small text files opted in to diffs
// — the content itself. Nothing here reads the file twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "analysis/chunker.hpp"
#include "analysis/entropy.hpp"
#include "core/event.hpp"
#include "core/result.hpp"

namespace fimon {

struct ContentPassOptions {
  std::vector<HashAlgo> hashes;
  std::uint64_t max_file_size = 1ULL << 30;
  const std::vector<Chunk>* old_manifest = nullptr;        // the previous content's chunks, if known
  const std::vector<std::uint32_t>* old_blocks = nullptr;  // and their block digests (may be empty)
  bool block_digests = false;                              // compute block digests for this content
  std::size_t excerpt_bytes = 0;                           // 0: capture no excerpt
  std::uint64_t keep_content_up_to = 0;  // keep the bytes when the file is at most this large (0: never)
  bool inode_generation = false;         // read it into meta (one more syscall): traced writes need it
};

struct ContentPass {
  bool complete = false;         // read and hashed to the end
  std::string skipped;           // why not: too_large | vanished | permission_denied | ...
  std::optional<FileMeta> meta;  // of the open file (the bytes hashed are exactly this file's)
  std::vector<FileHash> hashes;
  std::vector<Chunk> manifest;
  std::vector<std::uint32_t> blocks;  // when asked for: per chunk, its blocks' digests
  ByteHistogram whole{};
  ByteHistogram changed{};
  bool any_changed_chunk = false;
  std::string excerpt;
  std::uint64_t excerpt_offset = 0;
  std::optional<std::string> content;
  std::string head;  // the first bytes read, for the MIME type (sniffed only if an event is reported)
};

// Why a file could not be read, as fim.hash_skipped says it: vanished | permission_denied | ...
const char* skip_reason(const Error& error);

// Files up to this size keep block digests in the baseline (4 bytes per 256, ~1.6%), so excerpts
// of their next change start at the changed block; larger files' excerpts start at the chunk.
inline constexpr std::uint64_t kBlockDigestMaxFileSize = 16ULL << 20;

// `buffer` is the caller's reusable read buffer.
ContentPass read_content(const std::string& path, const ContentPassOptions& options,
                         std::vector<unsigned char>& buffer);

}  // namespace fimon
