#include "sources/linux/ebpf/ring_cursor.hpp"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "core/log.hpp"
#include "platform/linux/errors.hpp"

namespace fimon {
namespace {
constexpr auto kRewakeEvery = std::chrono::milliseconds(2);
}  // namespace

Result<std::shared_ptr<RingCursor>> RingCursor::map(int ring_fd) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  // The kernel lets only the consumer page be mapped writable; reading both is all we need. The
  // mapping holds its own reference to the ring, so it outlives the map's file descriptor.
  void* pages = mmap(nullptr, 2 * page, PROT_READ, MAP_SHARED, ring_fd, 0);
  if (pages == MAP_FAILED) return platform::errno_error(errno, "cannot map the ring buffer's positions");
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    const int err = errno;
    munmap(pages, 2 * page);
    return platform::errno_error(err, "eventfd for the ring reader");
  }
  return std::shared_ptr<RingCursor>(new RingCursor(pages, page, wake_fd));
}

RingCursor::RingCursor(void* pages, std::size_t page_size, int wake_fd)
    : pages_(pages),
      page_size_(page_size),
      consumer_(static_cast<const unsigned long*>(pages)),
      producer_(reinterpret_cast<const unsigned long*>(static_cast<const char*>(pages) + page_size)),
      wake_fd_(wake_fd) {}

RingCursor::~RingCursor() {
  munmap(pages_, 2 * page_size_);
  ::close(wake_fd_);
}

bool RingCursor::passed(unsigned long target) const {
  // Positions only grow (64-bit byte counts); libbpf stores the consumer's after each record.
  return __atomic_load_n(consumer_, __ATOMIC_ACQUIRE) >= target;
}

// The ring is in order: what the kernel queued before the call is all the event needs (`since`
// is earlier still).
bool RingCursor::catch_up(WallTimeNs /*since*/, std::chrono::milliseconds limit) {
  const unsigned long target = __atomic_load_n(producer_, __ATOMIC_ACQUIRE);
  if (passed(target)) return true;  // the usual case: nothing queued, nothing to wait for
  // Woken without a wakeup of its own, the reader may also stop short of a record still being
  // written (reserved, not yet submitted) and then sleep its whole poll interval: wake it again
  // every few milliseconds until it has passed. (Unwoken when the eventfd's counter is full, it
  // still passes within its poll interval.)
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::unique_lock lock(mutex_);
  for (;;) {
    const std::uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    const auto slice = std::min<std::chrono::steady_clock::duration>(
        kRewakeEvery, deadline - std::chrono::steady_clock::now());
    if (moved_.wait_for(lock, slice, [&] { return closed_ || passed(target); })) return true;
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  static std::uint64_t late = 0;  // under mutex_
  if (log::should_log_occurrence(++late)) {
    log::warn("ebpf: the ring reader is more than ", limit.count(),
              " ms behind the kernel; an event goes out without its written ranges, which join the "
              "file's next event (",
              late, " so far)");
  }
  return false;
}

void RingCursor::advanced() {
  { std::lock_guard lock(mutex_); }  // a waiter between its check and its wait must not miss this
  moved_.notify_all();
}

void RingCursor::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  moved_.notify_all();
}

}  // namespace fimon
