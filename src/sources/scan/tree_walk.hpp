// Walks watched trees without following symlinks, for scans and for reconciling after a source lost
// events. Portable: it only uses platform/fs.hpp.
#pragma once

#include <functional>
#include <string>

#include "core/event.hpp"
#include "core/path_filter.hpp"

namespace fimon {

struct WalkOptions {
  // Directories for which this returns true are not entered (e.g. pseudo filesystems).
  std::function<bool(const std::string& dir)> skip_dir;
  std::size_t max_depth = 4096;
};

struct WalkStats {
  std::uint64_t entries = 0;
  std::uint64_t errors = 0;  // unreadable directories, vanished entries
};

// Calls `visit` for every accepted entry below each root (roots included). Returns when done or when
// `visit` returns false.
WalkStats walk_trees(const PathFilter& filter, const WalkOptions& options,
                     const std::function<bool(const std::string& path, const FileMeta& meta)>& visit);

}  // namespace fimon
