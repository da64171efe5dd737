// The kernel's price of fimon's event feeds, with no agent behind them (bench/kernel_floor.py): the
// feeds are set up on ROOT's filesystem exactly as the agent sets them up, and everything they
// deliver is read and dropped. A writer's slowdown beside this process is what the kernel itself
// charges for the feed, the floor under any agent built on it.
//   fimon_bench_kernel_feed ROOT [--fanotify=names|all] [--ebpf]
//     --fanotify=names  fanotify with name and attribute events only (no modify, no close_write)
//     --fanotify=all    fanotify with the agent's own mask (the fanotify and ebpf backends)
//     --ebpf            the agent's eBPF write tracer, its records filed in a ledger
// Prints "ready" once the feeds are on, then runs until SIGINT or SIGTERM and prints what it read.
#include <fcntl.h>
#include <signal.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "core/write_ledger.hpp"
#include "sources/linux/ebpf/write_tracer.hpp"
#include "sources/linux/fanotify/fanotify_marks.hpp"
#include "sources/linux/kernel_queue_reader.hpp"

namespace {

int usage(const char* self) {
  fprintf(stderr, "usage: %s ROOT [--fanotify=names|all] [--ebpf]\n", self);
  return 2;
}

// The agent's fanotify group (pidfds where the kernel has them), one filesystem mark on ROOT.
int open_fanotify(const char* root, std::uint64_t mask) {
  namespace marks = fimon::fanotify_marks;
  int fd = fanotify_init(marks::kInitFlags | marks::kPidfdFlag, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL) fd = fanotify_init(marks::kInitFlags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "kernel_feed: fanotify_init: %s\n", strerror(errno));
    return -1;
  }
  if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, root) != 0) {
    fprintf(stderr, "kernel_feed: fanotify_mark %s: %s\n", root, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
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

  fimon::WriteLedger ledger;
  fimon::SourceStats stats;
  std::unique_ptr<fimon::WriteTracer> tracer;
  if (ebpf) {
    auto created = fimon::WriteTracer::create({root}, getpid(), &ledger, {});
    if (!created) {
      fprintf(stderr, "kernel_feed: %s\n", created.error().message().c_str());
      return 1;
    }
    tracer = std::move(created.value());
    tracer->start({}, &stats);
  }

  int fan_fd = -1;
  std::unique_ptr<fimon::KernelQueueReader> reader;
  std::atomic<std::uint64_t> fanotify_bytes{0};
  if (fanotify_mask != 0) {
    fan_fd = open_fanotify(root, fanotify_mask);
    if (fan_fd < 0) return 1;
    // The agent's reader: the same buffer and the same pause after a partial read.
    auto created = fimon::KernelQueueReader::create("fanotify", fan_fd, std::size_t{256} << 10);
    if (!created) {
      fprintf(stderr, "kernel_feed: %s\n", created.error().message().c_str());
      return 1;
    }
    reader = std::move(created.value());
    reader->start([&](const char* data, std::size_t size) {
      // The pidfds are the reader's to close, as the agent does.
      for (std::size_t at = 0; at + sizeof(fanotify_event_metadata) <= size;) {
        const auto* event = reinterpret_cast<const fanotify_event_metadata*>(data + at);
        if (event->event_len < sizeof *event) break;
        for (std::size_t info = sizeof *event;
             info + sizeof(fanotify_event_info_header) <= event->event_len;) {
          const auto* header = reinterpret_cast<const fanotify_event_info_header*>(data + at + info);
          if (header->len == 0) break;
          if (header->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
            const auto* pidfd = reinterpret_cast<const fanotify_event_info_pidfd*>(header);
            if (pidfd->pidfd >= 0) close(pidfd->pidfd);
          }
          info += header->len;
        }
        at += event->event_len;
      }
      fanotify_bytes += size;
    });
  }

  printf("ready\n");
  fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (reader) reader->stop();
  if (tracer) tracer->stop();
  if (fan_fd >= 0) close(fan_fd);
  printf("fanotify bytes %llu, traced writes %llu\n", static_cast<unsigned long long>(fanotify_bytes.load()),
         static_cast<unsigned long long>(stats.traced_writes.load()));
  return 0;
}
