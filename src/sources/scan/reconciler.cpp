#include "sources/scan/reconciler.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "platform/lifecycle.hpp"

namespace fimon {

Reconciler::Reconciler(const SourceContext& context, WalkOptions walk, SourceStats* stats)
    : context_(context), walk_(std::move(walk)), stats_(stats) {
  thread_ = std::thread([this] {
    platform::name_current_thread("fimon-reconcile");
    run();
  });
}

Reconciler::~Reconciler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Reconciler::request(WallTimeNs since) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requested_since_ = pending_ ? std::min(requested_since_, since) : since;
    pending_ = true;
  }
  wake_.notify_all();
}

void Reconciler::request_subtree(const std::string& dir) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    subtrees_.push_back(dir);
  }
  wake_.notify_all();
}

void Reconciler::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return pending_ || !subtrees_.empty() || stopping_; });
    if (stopping_) return;
    std::vector<std::string> subtrees;
    subtrees.swap(subtrees_);
    const bool full = pending_;
    const WallTimeNs since = requested_since_;
    pending_ = false;
    lock.unlock();
    for (const auto& dir : subtrees) report_subtree(dir);
    if (full) reconcile(since);
    lock.lock();
  }
}

void Reconciler::report_subtree(const std::string& dir) {
  PathFilter subtree({dir}, {}, {});
  walk_trees(subtree, walk_, [&](const std::string& path, const FileMeta& meta) {
    if (path == dir || !context_.filter->accepts(path)) return !stopping_;
    RawChange created;
    created.kind = ChangeKind::kCreated;
    created.path = path;
    created.is_dir = meta.type == FileType::kDir;
    created.time = wall_clock_now();
    created.source = "scan";
    RawChange closed = created;
    closed.kind = ChangeKind::kClosedWrite;
    if (!context_.sink->on_change(std::move(created)) || !context_.sink->on_change(std::move(closed))) {
      ++stats_->refused;
    }
    return !stopping_;
  });
}

void Reconciler::reconcile(WallTimeNs since) {
  ++stats_->rescans;
  std::uint64_t reported = 0;
  const WalkStats walked =
      walk_trees(*context_.filter, walk_, [&](const std::string& path, const FileMeta& meta) {
        if (meta.ctime < since) return !stopping_;
        const bool born = meta.btime && *meta.btime >= since;
        RawChange change;
        // Entries that existed before the gap changed content (files) or attributes (the rest).
        if (born)
          change.kind = ChangeKind::kCreated;
        else if (meta.type == FileType::kFile)
          change.kind = ChangeKind::kModified;
        else
          change.kind = ChangeKind::kAttributes;
        change.path = path;
        change.is_dir = meta.type == FileType::kDir;
        change.time = meta.ctime;
        change.source = "scan";
        RawChange closed{ChangeKind::kClosedWrite, path, "", change.is_dir, 0, change.time, nullptr, "scan"};
        const bool held =
            context_.sink->on_change(std::move(change)) && context_.sink->on_change(std::move(closed));
        if (!held) ++stats_->refused;
        ++reported;
        return !stopping_;
      });
  log::info("rescan after event loss: ", walked.entries, " entries walked, ", reported,
            " changed since the gap began, ", walked.errors, " unreadable");
}

}  // namespace fimon
