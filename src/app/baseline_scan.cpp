#include "app/baseline_scan.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "platform/fs.hpp"
#include "sources/scan/tree_walk.hpp"

namespace fimon {

ScanSummary scan_against_baseline(const PathFilter& filter, BaselineStore& store,
                                  const std::function<void(WorkItem)>& submit, const std::atomic<bool>& stop,
                                  const ScanOptions& options) {
  ScanSummary summary;
  auto stored = store.count();
  summary.first_baseline = stored.ok() && *stored == 0;

  ScanProgress progress;
  progress.expected_entries = stored.ok() ? *stored : 0;
  const SteadyTime start = steady_now();
  SteadyTime next_report = start + std::chrono::seconds(1);
  const auto elapsed = [&] { return std::chrono::duration<double>(steady_now() - start).count(); };

  WalkOptions walk;
  walk.skip_dir = options.skip_dir;
  const WalkStats walked = walk_trees(filter, walk, [&](const std::string& path, const FileMeta& meta) {
    ++progress.entries;
    if (meta.type == FileType::kFile) progress.bytes += meta.size;
    // Rate limit: never run ahead of rate x elapsed. Sizes are what a read would cost; unchanged
    // files are then skipped unread, so the real I/O is at most this.
    if (options.rate_bytes_per_second > 0) {
      const double due =
          static_cast<double>(progress.bytes) / static_cast<double>(options.rate_bytes_per_second);
      while (!stop && elapsed() < due) {
        const auto wait_ms = static_cast<long long>((due - elapsed()) * 1000) + 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long long>(100, wait_ms)));
      }
    }
    if (options.on_progress && steady_now() >= next_report) {
      progress.seconds = elapsed();
      options.on_progress(progress);
      next_report = steady_now() + std::chrono::seconds(1);
    }
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
    if (stop) break;
    WorkItem item;
    item.action = Action::kDeleted;
    item.path = std::move(path);
    item.time = wall_clock_now();
    item.source = "scan";
    submit(std::move(item));
  }
  summary.vanished = gone.size();
  if (options.on_progress) {
    progress.seconds = elapsed();
    progress.done = true;
    options.on_progress(progress);
  }
  return summary;
}

std::function<void(const ScanProgress&)> progress_reporter(const char* what, bool terminal) {
  auto last_log = std::make_shared<double>(0.0);
  return [what, terminal, last_log](const ScanProgress& p) {
    const double secs = p.seconds > 0 ? p.seconds : 1e-9;
    const double files_per_s = static_cast<double>(p.entries) / secs;
    const double mb_per_s = static_cast<double>(p.bytes) / secs / 1e6;
    std::string line = std::string(what) + ": " + std::to_string(p.entries);
    if (p.expected_entries > 0) line += "/" + std::to_string(p.expected_entries);
    char rates[96];
    std::snprintf(rates, sizeof rates, " entries, %.0f files/s, %.1f MB/s", files_per_s, mb_per_s);
    line += rates;
    if (!p.done && p.expected_entries > p.entries && files_per_s > 0) {
      std::snprintf(rates, sizeof rates, ", ETA %.0f s",
                    static_cast<double>(p.expected_entries - p.entries) / files_per_s);
      line += rates;
    }
    if (terminal) {
      std::fprintf(stderr, "\r%-100s%s", line.c_str(), p.done ? "\n" : "");
      std::fflush(stderr);
    } else if (p.done || p.seconds - *last_log >= 10) {
      *last_log = p.seconds;
      log::info(line);
    }
  };
}

}  // namespace fimon
