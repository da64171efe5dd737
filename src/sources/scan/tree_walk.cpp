#include "sources/scan/tree_walk.hpp"

#include <vector>

#include "platform/fs.hpp"

namespace fimon {

WalkStats walk_trees(const PathFilter& filter, const WalkOptions& options,
                     const std::function<bool(const std::string& path, const FileMeta& meta)>& visit) {
  WalkStats stats;
  struct Pending {
    std::string path;
    std::size_t depth;
  };
  for (const auto& root : filter.roots()) {
    std::vector<Pending> stack{{root, 0}};  // explicit stack: deep trees must not exhaust ours
    while (!stack.empty()) {
      Pending dir = std::move(stack.back());
      stack.pop_back();
      auto meta = platform::stat_no_follow(dir.path);
      if (!meta) {
        ++stats.errors;
        continue;
      }
      ++stats.entries;
      if (!filter.is_excluded(dir.path) && !visit(dir.path, *meta)) return stats;
      if (meta->type != FileType::kDir || dir.depth >= options.max_depth) continue;
      if (filter.is_excluded(dir.path) || (options.skip_dir && options.skip_dir(dir.path))) continue;
      auto names = platform::list_directory(dir.path);
      if (!names) {
        ++stats.errors;
        continue;
      }
      for (auto& name : *names) stack.push_back({path_join(dir.path, name), dir.depth + 1});
    }
  }
  return stats;
}

}  // namespace fimon
