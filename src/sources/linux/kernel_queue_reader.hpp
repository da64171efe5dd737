// The reader loop shared by the fd-based Linux sources (fanotify, inotify): waits on the kernel
// queue's fd and on a stop eventfd, and hands each read buffer to a callback. One read per
// wake-up, so stop() is honoured even while events never stop coming (a source watching the
// disk its own log is on would otherwise never leave the inner loop).
#pragma once

#include <functional>
#include <thread>

#include "core/result.hpp"

namespace fimon {

class KernelQueueReader {
 public:
  using Handler = std::function<void(const char* data, std::size_t size)>;

  // `name` prefixes log lines. Does not own `fd`.
  static Result<std::unique_ptr<KernelQueueReader>> create(const char* name, int fd, std::size_t buffer_size);
  ~KernelQueueReader();
  KernelQueueReader(const KernelQueueReader&) = delete;
  KernelQueueReader& operator=(const KernelQueueReader&) = delete;

  void start(Handler handler);
  void stop();  // idempotent; joins the thread

 private:
  KernelQueueReader(const char* name, int fd, int stop_fd, std::size_t buffer_size)
      : name_(name), fd_(fd), stop_fd_(stop_fd), buffer_size_(buffer_size) {}
  void run(const Handler& handler);

  const char* name_;
  int fd_;
  int stop_fd_;
  std::size_t buffer_size_;
  std::thread thread_;
};

}  // namespace fimon
