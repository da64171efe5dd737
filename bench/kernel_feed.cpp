// The kernel's price of fimon's event feeds, with no agent behind them (bench/kernel_floor.py): the
// feeds are set up as the agent sets them up for a watched ROOT (the same fanotify flags, mask and
// reader; the agent's own write tracer), and everything they deliver is read and dropped. A
// writer's slowdown beside this process is what the kernel itself charges for the feed, the floor
// under any agent built on it.
//   fimon_bench_kernel_feed ROOT [--fanotify=names|all] [--ebpf]
//     --fanotify=names  fanotify with name and attribute events only (no modify, no close_write)
//     --fanotify=all    fanotify with the agent's own mask (the fanotify and ebpf backends)
//     --ebpf            the agent's eBPF write tracer, its records filed in a ledger
// Prints "ready" once the feeds are on, then runs until SIGINT or SIGTERM (or its parent dies)
// and prints what it read and what the kernel lost.
#include <fcntl.h>
#include <signal.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "core/write_ledger.hpp"
#include "sources/linux/ebpf/write_tracer.hpp"
#include "sources/linux/fanotify/fanotify_marks.hpp"
#include "sources/linux/kernel_queue_reader.hpp"

namespace {

int usage(const char* self) {
  fprintf(stderr, "usage: %s ROOT [--fanotify=names|all] [--ebpf]\n", self);
  return 2;
}

namespace marks = fimon::fanotify_marks;

// The agent's fanotify group (pidfds where the kernel has them), one filesystem mark on ROOT's
// filesystem with `mask` and the renames as the agent asks for them.
int open_fanotify(const char* root, std::uint64_t mask) {
  int fd = fanotify_init(marks::kInitFlags | marks::kPidfdFlag, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL) fd = fanotify_init(marks::kInitFlags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "kernel_feed: fanotify_init: %s\n", strerror(errno));
    return -1;
  }
  const auto mark = [&](std::uint64_t moves) {
    return fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask | moves, AT_FDCWD, root) == 0;
  };
  if (!mark(marks::kRenameEvent) && (errno != EINVAL || !mark(marks::kMoveEvents))) {
    fprintf(stderr, "kernel_feed: fanotify_mark %s: %s\n", root, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

// Closes the pidfds the kernel opened for us, as the agent does, and counts queue overflows.
void drop_events(const char* data, std::size_t size, std::atomic<std::uint64_t>* overflows) {
  std::size_t at = 0;
  while (size - at >= sizeof(fanotify_event_metadata)) {
    fanotify_event_metadata event{};  // copied: the buffer gives no alignment guarantee
    memcpy(&event, data + at, sizeof event);
    if (event.event_len < sizeof event || event.event_len > size - at) break;
    if (event.mask & FAN_Q_OVERFLOW) ++*overflows;
    marks::close_pidfd_of(data + at, event);
    at += event.event_len;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(argv[0]);
  const char* root = argv[1];
  std::uint64_t fanotify_mask = 0;
  bool ebpf = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--fanotify=names") {
      fanotify_mask = fimon::fanotify_marks::kNameEvents;
    } else if (arg == "--fanotify=all") {
      fanotify_mask = fimon::fanotify_marks::kEventMask;
    } else if (arg == "--ebpf") {
      ebpf = true;
    } else {
      return usage(argv[0]);
    }
  }

  // Blocked before any thread starts, so every thread leaves them to sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // A harness killed before it could stop us must not leave the programs attached.
  prctl(PR_SET_PDEATHSIG, SIGTERM);

  fimon::WriteLedger ledger;
  fimon::SourceStats stats;
  std::atomic<std::uint64_t> traced_lost{0};
  std::unique_ptr<fimon::WriteTracer> tracer;
  if (ebpf) {
    auto created = fimon::WriteTracer::create({root}, getpid(), &ledger, {});
    if (!created) {
      fprintf(stderr, "kernel_feed: %s\n", created.error().message().c_str());
      return 1;
    }
    tracer = std::move(created.value());
    tracer->start({.on_lost = [&](std::uint64_t lost) { traced_lost += lost; }, .on_mapped_write = {}},
                  &stats);
  }

  int fan_fd = -1;
  std::unique_ptr<fimon::KernelQueueReader> reader;
  std::atomic<std::uint64_t> fanotify_bytes{0};
  std::atomic<std::uint64_t> overflows{0};
  if (fanotify_mask != 0) {
    fan_fd = open_fanotify(root, fanotify_mask);
    if (fan_fd < 0) return 1;
    // The agent's reader: the same buffer and the same pause after a partial read.
    auto created = fimon::KernelQueueReader::create("fanotify", fan_fd, marks::kReadBufferSize);
    if (!created) {
      fprintf(stderr, "kernel_feed: %s\n", created.error().message().c_str());
      return 1;
    }
    reader = std::move(created.value());
    reader->start([&](const char* data, std::size_t size) {
      drop_events(data, size, &overflows);
      fanotify_bytes += size;
    });
  }

  printf("ready\n");
  fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  // Long enough for the readers to take what was queued before the writer ended and for the
  // tracer's once-a-second check of the kernel's drop counter to have run.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  if (reader) reader->stop();
  if (tracer) tracer->stop();
  if (fan_fd >= 0) close(fan_fd);
  printf("fanotify bytes %llu, overflows %llu, traced writes %llu, lost %llu\n",
         static_cast<unsigned long long>(fanotify_bytes.load()),
         static_cast<unsigned long long>(overflows.load()),
         static_cast<unsigned long long>(stats.traced_writes.load()),
         static_cast<unsigned long long>(traced_lost.load()));
  return 0;
}
