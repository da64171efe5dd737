// A bounded multi-producer multi-consumer queue. push() blocks while full (backpressure instead of
// loss); blocked producers are woken together once consumers have drained it to half, not for each
// item taken, which would cost a context switch per item on both sides when producers are faster.
// Woken, each producer gets in while there is room, so two producers take turns. pop() blocks while
// empty; close() wakes everyone, after which push() refuses and pop() drains what is left and then
// returns nullopt.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace fimon {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  bool push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (items_.size() >= capacity_) {
      ++blocked_producers_;
      not_full_.wait(lock, [this] { return items_.size() < capacity_ || closed_; });
      --blocked_producers_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [this] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    if (items_.size() == low_water()) not_full_.notify_all();
    return item;
  }

  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }

  // Producers waiting in push() for room.
  std::size_t blocked_producers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return blocked_producers_;
  }

 private:
  std::size_t low_water() const { return capacity_ / 2; }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  std::size_t blocked_producers_ = 0;
  bool closed_ = false;
};

}  // namespace fimon
