// A DocumentQueue in memory, bounded by a document count: nothing survives a restart.
#pragma once

#include <deque>
#include <mutex>

#include "sinks/queue/document_queue.hpp"

namespace fimon {

class MemoryQueue final : public DocumentQueue {
 public:
  explicit MemoryQueue(std::size_t capacity) : capacity_(capacity) {}

  Status append(const Document& doc) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (docs_.size() >= capacity_)
      return exhausted("in-memory queue full (" + std::to_string(capacity_) + ")");
    bytes_ += doc.json.size();
    docs_.push_back(doc);
    return {};
  }
  std::vector<Document> read(std::size_t max_docs, std::size_t max_bytes, QueuePosition* end) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Document> out;
    std::size_t bytes = 0;
    while (read_ < docs_.size() && out.size() < max_docs) {
      const Document& next = docs_[read_];
      if (!out.empty() && bytes + next.json.size() > max_bytes) break;
      bytes += next.json.size();
      out.push_back(next);
      ++read_;
    }
    *end = QueuePosition{0, first_ + read_};
    return out;
  }
  Status acknowledge(QueuePosition end) override {
    std::lock_guard<std::mutex> lock(mutex_);
    while (first_ < end.offset && !docs_.empty()) {
      bytes_ -= docs_.front().json.size();
      docs_.pop_front();
      ++first_;
      if (read_ > 0) --read_;
    }
    return {};
  }
  Status sync() override { return {}; }
  bool durable() const override { return false; }
  std::uint64_t unread() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return docs_.size() - read_;
  }
  std::uint64_t bytes() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<Document> docs_;  // from the first unacknowledged one
  std::uint64_t first_ = 0;    // position of docs_.front()
  std::size_t read_ = 0;       // index in docs_ of the next unread one
  std::uint64_t bytes_ = 0;
};

}  // namespace fimon
