// Directory file handle -> path, for fanotify's (directory handle, name) events.
//
// Resolving a handle costs open_by_handle_at + readlink(/proc/self/fd/N) + close, and a burst
// names the same few directories thousands of times. A directory's path changes only when it or
// an ancestor is renamed: the source clears the cache on every directory rename it sees and on a
// queue overflow (a rename may have been lost), and entries live one second at most, which bounds
// what a rename the source cannot see (an ancestor on an unwatched filesystem) can leave stale.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace fimon {

class DirPathCache {
 public:
  static constexpr WallTimeNs kLifetimeNs = 1'000'000'000;
  static constexpr std::size_t kMaxEntries = 4096;

  // Drops everything once the oldest entry may be older than kLifetimeNs.
  void expire(WallTimeNs now);
  std::optional<std::string> find(std::string_view key) const;
  void put(std::string_view key, const std::string& path);
  void clear() { paths_.clear(); }
  std::size_t size() const { return paths_.size(); }

 private:
  std::unordered_map<std::string, std::string> paths_;
  WallTimeNs filled_since_ = 0;  // when the first entry after the last clear went in
};

}  // namespace fimon
