// Directory file handle -> path, for fanotify's (directory handle, name) events.
//
// Resolving a handle costs open_by_handle_at + readlink(/proc/self/fd/N) + close, and a burst
// names the same few directories thousands of times. A directory's path changes only when it or
// an ancestor is renamed: the source clears the cache on every directory rename it sees and on a
// queue overflow (a rename may have been lost), and entries live one second at most, which bounds
// what a rename the source cannot see (an ancestor on an unwatched filesystem) can leave stale.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace fimon {

class DirPathCache {
 public:
  static constexpr std::chrono::seconds kLifetime{1};
  static constexpr std::size_t kMaxEntries = 4096;

  // Drops everything once the oldest entry may be older than kLifetime (a steady clock: a
  // stepped wall clock must not keep entries forever).
  void expire(SteadyTime now);
  std::optional<std::string> find(std::string_view key) const;
  void put(std::string_view key, const std::string& path);
  void clear() { paths_.clear(); }
  std::size_t size() const { return paths_.size(); }

 private:
  std::unordered_map<std::string, std::string> paths_;
  SteadyTime filled_since_{};  // when the first entry after the last clear went in
};

}  // namespace fimon
