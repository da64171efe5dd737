// Compressed copies of small text files' last content (state-dir/shadow/, zstd), so the next
// modification can be shown as a unified diff. Only for paths opted in to diffs and never for
// secret-bearing files (the analyzer decides). Files are 0600 in a 0700 directory: root only.
//
// A disk quota bounds the whole: past it, the least recently changed copies are evicted (their next
// change is reported without a diff). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace fimon {

class ShadowStore {
 public:
  static Result<std::unique_ptr<ShadowStore>> open(const std::string& state_dir, std::uint64_t quota_bytes);

  std::optional<std::string> get(const std::string& path);
  Status put(const std::string& path, std::string_view content);
  void remove(const std::string& path);
  void rename(const std::string& from, const std::string& to);
  std::uint64_t bytes() const;
  std::uint64_t evicted() const;

 private:
  ShadowStore(std::string dir, std::uint64_t quota) : dir_(std::move(dir)), quota_(quota) {}
  std::string file_for(const std::string& path) const;
  void evict_locked();

  const std::string dir_;
  const std::uint64_t quota_;
  mutable std::mutex mutex_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evicted_ = 0;
  // Order of writes in this run: file times can be too coarse to order puts a few ms apart (seen
  // under Wine), and copies written before this run are older than any of these anyway.
  std::unordered_map<std::string, std::uint64_t> write_order_;
  std::uint64_t writes_ = 0;
};

}  // namespace fimon
