#include "sources/linux/ebpf/ring_cursor.hpp"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "platform/linux/errors.hpp"

namespace fimon {
namespace {
constexpr auto kRewakeEvery = std::chrono::milliseconds(2);
// How much earlier than `since` a write's record may be reserved: fanotify's modify event is made
// inside the write, before the syscall's exit where the record is; a rescan's `since` is the
// file's ctime, stamped at a write's start and coarse (a timer tick). Past this margin the
// analysis waits for the reader as before; a write still running after it can only cost the
// event its written ranges, which then join the file's next event.
constexpr WallTimeNs kRecordAfterSeenMargin = 100'000'000;
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

// The writes behind a change were reserved in the ring before the change was seen (`since`, give
// or take kRecordAfterSeenMargin). A reader pass that started after that and read up to where the
// producer then was has read them: the usual case, as analysis waits for the close-settle time.
// Otherwise the ring is in order, and what the kernel queued before this call is enough.
bool RingCursor::catch_up(WallTimeNs since, std::chrono::milliseconds limit) {
  if (read_all_before_.load(std::memory_order_acquire) >= since + kRecordAfterSeenMargin) return true;
  const unsigned long target = __atomic_load_n(producer_, __ATOMIC_ACQUIRE);
  if (passed(target)) return true;  // nothing queued, nothing to wait for
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

void RingCursor::pass_starting() {
  pass_started_at_ = wall_clock_now();  // first: a record reserved before it is below the target
  pass_target_ = __atomic_load_n(producer_, __ATOMIC_ACQUIRE);
}

void RingCursor::advanced() {
  // Stopped short of the target (a record still being written): the pass proves nothing. The last
  // pass is kept, not the greatest time: a wall clock stepped back is then trusted again at once.
  if (passed(pass_target_)) read_all_before_.store(pass_started_at_, std::memory_order_release);
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
