// How far user space has read the kernel's ring buffer: the positions the kernel publishes in the
// ring's first two pages (consumer, then producer). An analysis asks it to wait until the reader
// has passed every record the kernel had queued when it asked, so the records of a file's writes
// are in the ledger before the file's event is built.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "core/result.hpp"
#include "core/write_ledger.hpp"

namespace fimon {

class RingCursor final : public WriteFeed {
 public:
  // Maps the position pages of the BPF_MAP_TYPE_RINGBUF behind `ring_fd`, read-only.
  static Result<std::shared_ptr<RingCursor>> map(int ring_fd);
  ~RingCursor() override;
  RingCursor(const RingCursor&) = delete;
  RingCursor& operator=(const RingCursor&) = delete;

  bool catch_up(WallTimeNs since, std::chrono::milliseconds limit) override;
  // The kernel does not wake the reader for each record (fimon.bpf.c, submit_flags): a waiting
  // analysis does, through this eventfd, which the reader polls beside the ring.
  int wake_fd() const { return wake_fd_; }
  // The reader calls this after each pass over the ring.
  void advanced();
  // The reader has stopped: waiting for it would be in vain.
  void close();

 private:
  RingCursor(void* pages, std::size_t page_size, int wake_fd);
  bool passed(unsigned long target) const;

  void* pages_;
  std::size_t page_size_;
  const unsigned long* consumer_;
  const unsigned long* producer_;
  int wake_fd_;
  std::mutex mutex_;
  std::condition_variable moved_;
  bool closed_ = false;
};

}  // namespace fimon
