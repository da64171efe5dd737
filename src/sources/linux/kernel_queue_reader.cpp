#include "sources/linux/kernel_queue_reader.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "platform/linux/errors.hpp"

namespace fimon {
namespace {
// Short beside the close-settle wait (200 ms); a queue of 16,384 events does not fill in it.
constexpr auto kGatherPause = std::chrono::milliseconds(10);
constexpr long kQueueRoomForPause = 16384;  // the kernel's default max_queued_events

// A kernel queue shrunk below its default (/proc/sys/fs/<name>/max_queued_events) may fill during
// a pause with events the agent itself causes (its state on a marked filesystem): no pause then.
bool queue_has_room_for_pause(const char* name) {
  std::FILE* f = std::fopen((std::string("/proc/sys/fs/") + name + "/max_queued_events").c_str(), "re");
  if (f == nullptr) return false;
  long limit = 0;
  const bool read = std::fscanf(f, "%ld", &limit) == 1;
  std::fclose(f);
  return read && limit >= kQueueRoomForPause;
}
}  // namespace

Result<std::unique_ptr<KernelQueueReader>> KernelQueueReader::create(const char* name, int fd,
                                                                     std::size_t buffer_size) {
  const int stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) return platform::errno_error(errno, "eventfd");
  return std::unique_ptr<KernelQueueReader>(new KernelQueueReader(name, fd, stop_fd, buffer_size));
}

KernelQueueReader::~KernelQueueReader() {
  stop();
  close(stop_fd_);
}

void KernelQueueReader::start(Handler handler) {
  thread_ = std::thread([this, handler = std::move(handler)] {
    platform::name_current_thread((std::string("fimon-") + name_).c_str());
    run(handler);
  });
}

void KernelQueueReader::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  if (write(stop_fd_, &one, sizeof one) < 0)
    log::warn(name_, ": cannot wake the reader: ", std::strerror(errno));
  thread_.join();
}

void KernelQueueReader::run(const Handler& handler) {
  // Aligned for the kernel's event structs, which the handler reads in place.
  std::vector<std::uint64_t> storage((buffer_size_ + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
  char* buffer = reinterpret_cast<char*>(storage.data());
  pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  const bool pause = queue_has_room_for_pause(name_);
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log::error(name_, ": poll failed: ", std::strerror(errno), "; the source stops");
      return;
    }
    if (fds[1].revents != 0) return;
    const ssize_t n = read(fd_, buffer, buffer_size_);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      log::error(name_, ": read failed: ", std::strerror(errno), "; the source stops");
      return;
    }
    handler(buffer, static_cast<std::size_t>(n));
    // The kernel wakes a waiting reader for every event, an interprocessor interrupt the writer
    // pays for (an eighth of a small-file writer's time measured here). Not waiting for a while
    // lets a burst's events gather instead: one wakeup per pause rather than per event.
    if (pause && static_cast<std::size_t>(n) < buffer_size_ / 2) std::this_thread::sleep_for(kGatherPause);
  }
}

}  // namespace fimon
