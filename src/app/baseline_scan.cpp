#include "app/baseline_scan.hpp"

#include <vector>

#include "core/log.hpp"
#include "platform/fs.hpp"
#include "sources/scan/tree_walk.hpp"

namespace fimon {

ScanSummary scan_against_baseline(const PathFilter& filter, BaselineStore& store,
                                  const std::function<void(WorkItem)>& submit,
                                  const std::atomic<bool>& stop) {
  ScanSummary summary;
  auto stored = store.count();
  summary.first_baseline = stored.ok() && *stored == 0;

  WalkOptions walk;
  const WalkStats walked = walk_trees(filter, walk, [&](const std::string& path, const FileMeta& meta) {
    WorkItem item;
    item.action = Action::kScanned;
    item.path = path;
    item.is_dir = meta.type == FileType::kDir;
    item.time = wall_clock_now();
    item.source = "scan";
    item.record_only = summary.first_baseline;
    submit(std::move(item));
    return !stop;
  });
  summary.entries = walked.entries;
  summary.unreadable = walked.errors;
  if (stop) return summary;

  // Paths the baseline knows that are gone now. Collected first: the store is busy while it lists.
  std::vector<std::string> gone;
  for (const auto& root : filter.roots()) {
    auto listed = store.for_each_under(root, [&](const std::string& path, const Baseline&) {
      if (!filter.accepts(path)) return !stop;
      auto now = platform::stat_no_follow(path);
      if (!now && now.error().kind() == ErrorKind::kNotFound) gone.push_back(path);
      return !stop;
    });
    if (!listed) log::error(listed.error().message());
  }
  for (auto& path : gone) {
    WorkItem item;
    item.action = Action::kDeleted;
    item.path = std::move(path);
    item.time = wall_clock_now();
    item.source = "scan";
    submit(std::move(item));
  }
  summary.vanished = gone.size();
  return summary;
}

}  // namespace fimon
