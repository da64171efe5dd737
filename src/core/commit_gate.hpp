// Lets the analysis workers run side by side while, now and then, one thread needs them all out
// of the way: workers hold the gate shared while they analyse and queue one change; the committer
// holds it alone while it makes the spool durable and then commits the baseline. So the baseline
// never records a change whose event is not safely queued (a crash in between would lose the event
// for good: the next catch-up scan would find nothing to report).
//
// A waiting committer holds off new workers (std::shared_mutex may starve it under steady load).
#pragma once

#include <condition_variable>
#include <mutex>

namespace fimon {

class CommitGate {
 public:
  void enter() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return committers_ == 0; });
    ++inside_;
  }
  void leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--inside_ == 0) changed_.notify_all();
  }
  // Runs `commit` with no worker inside; committers take turns.
  template <class F>
  void alone(F&& commit) {
    std::unique_lock<std::mutex> lock(mutex_);
    ++committers_;
    changed_.wait(lock, [this] { return inside_ == 0 && !committing_; });
    committing_ = true;
    lock.unlock();
    commit();
    lock.lock();
    committing_ = false;
    --committers_;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  int committers_ = 0;  // waiting or committing
  bool committing_ = false;
};

// Holds the gate shared for a scope.
class CommitGateEntry {
 public:
  explicit CommitGateEntry(CommitGate& gate) : gate_(gate) { gate_.enter(); }
  ~CommitGateEntry() { gate_.leave(); }
  CommitGateEntry(const CommitGateEntry&) = delete;
  CommitGateEntry& operator=(const CommitGateEntry&) = delete;

 private:
  CommitGate& gate_;
};

}  // namespace fimon
