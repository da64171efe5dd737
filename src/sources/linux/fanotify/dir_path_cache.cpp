#include "sources/linux/fanotify/dir_path_cache.hpp"

namespace fimon {

void DirPathCache::expire(SteadyTime now) {
  if (!paths_.empty() && now - filled_since_ >= kLifetime) paths_.clear();
  if (paths_.empty()) filled_since_ = now;
}

std::optional<std::string> DirPathCache::find(std::string_view key) const {
  const auto it = paths_.find(std::string(key));
  if (it == paths_.end()) return std::nullopt;
  return it->second;
}

void DirPathCache::put(std::string_view key, const std::string& path) {
  if (paths_.size() >= kMaxEntries) return;  // a tree of many directories: resolve the rest each time
  paths_.emplace(std::string(key), path);
}

}  // namespace fimon
