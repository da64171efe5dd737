// After a source lost events (kernel queue overflow), finds what changed in the gap by walking the
// watched trees on its own thread, so the source keeps draining its kernel queue meanwhile.
//
// Without a baseline store the best evidence is time: entries whose ctime (which, unlike mtime,
// user space cannot set back) is at or after the start of the gap are reported as modified, or as
// created when their birth time is in the gap. Deletions in the gap are invisible to this pass; the
// baseline store (issue 3) closes that hole.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "sources/scan/tree_walk.hpp"
#include "sources/source.hpp"

namespace fimon {

class Reconciler {
 public:
  Reconciler(const SourceContext& context, WalkOptions walk, SourceStats* stats);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Asks for a pass covering changes since `since`; requests made while one runs are merged.
  void request(WallTimeNs since);
  // Reports every entry below `dir` as created: a directory that appeared with content (moved in
  // from outside the watched trees, or created before a watch on it existed).
  void request_subtree(const std::string& dir);

 private:
  void run();
  void reconcile(WallTimeNs since);
  void report_subtree(const std::string& dir);

  SourceContext context_;
  WalkOptions walk_;
  SourceStats* stats_;
  std::mutex mutex_;
  std::condition_variable wake_;
  WallTimeNs requested_since_ = 0;
  bool pending_ = false;
  std::vector<std::string> subtrees_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace fimon
