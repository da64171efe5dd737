#include "sources/linux/ebpf/write_tracer.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <glob.h>
#include <linux/types.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <string_view>
#include <tuple>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "fimon.skel.h"  // generated from bpf/fimon.bpf.c at build time
#include "fimon_write_record.h"
#include "platform/lifecycle.hpp"
#include "sources/linux/ebpf/process_cache.hpp"
#include "sources/linux/ebpf/ring_cursor.hpp"
#include "sources/linux/ebpf/superblock_devices.hpp"
#include "sources/linux/mounts.hpp"

namespace fimon {
namespace {
static_assert(sizeof(fimon_write_record) == 96, "fimon_write_record has no padding of old ring bytes");

constexpr int kPollMs = 50;  // how stale the ledger may be when nothing wakes us

// libbpf explains refusals (verifier logs, missing tracepoints) at length: debug level only.
int libbpf_log(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string text(line);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  log::debug("libbpf: ", text);
  return 0;
}

std::string errno_text(int err) {
  return std::strerror(err < 0 ? -err : err);
}

// The kernel's dev_t (major << 20 | minor), as the superblock holds it.
std::uint64_t kernel_dev(dev_t dev) {
  return (static_cast<std::uint64_t>(major(dev)) << 20) | minor(dev);
}
unsigned kernel_major(std::uint64_t dev) {
  return static_cast<unsigned>(dev >> 20);
}
unsigned kernel_minor(std::uint64_t dev) {
  return static_cast<unsigned>(dev & 0xfffff);
}
// As stat() encodes it.
std::uint64_t user_dev(std::uint64_t kernel) {
  return makedev(kernel_major(kernel), kernel_minor(kernel));
}

// Tracepoints attach through tracefs; hosts without systemd may not have mounted it.
Status ensure_tracefs() {
  struct stat st {};
  if (stat("/sys/kernel/tracing/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0)
    return {};
  if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
    return unsupported("tracefs is not mounted and mounting it at /sys/kernel/tracing failed: " +
                       errno_text(errno));
  }
  log::info("ebpf: mounted tracefs at /sys/kernel/tracing (tracepoints attach through it)");
  return {};
}

// `category_and_name` may have a wildcard category ("*/ext4_write_end").
bool tracepoint_exists(const std::string& category_and_name) {
  for (const char* events : {"/sys/kernel/tracing/events/", "/sys/kernel/debug/tracing/events/"}) {
    glob_t found{};
    const bool any = glob((events + category_and_name).c_str(), GLOB_NOSORT, nullptr, &found) == 0;
    globfree(&found);
    if (any) return true;
  }
  return false;
}

// Tracepoints come and go with kernel versions and modules (fchmodat2 is 6.6+, writeback_dirty_folio
// 5.17+, ext4's exist only once ext4 is loaded): a program whose tracepoint this kernel lacks is
// left out rather than failing the whole object.
void skip_missing_tracepoints(bpf_object* object) {
  std::string missing;
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, object) {
    const std::string_view section = bpf_program__section_name(program);
    std::string tracepoint;
    if (section.starts_with("tracepoint/")) {
      tracepoint = section.substr(std::string_view("tracepoint/").size());
    } else if (section.starts_with("tp_btf/")) {
      tracepoint = "*/" + std::string(section.substr(std::string_view("tp_btf/").size()));
    } else {
      continue;
    }
    if (tracepoint_exists(tracepoint)) continue;
    bpf_program__set_autoload(program, false);
    missing += (missing.empty() ? "" : ", ") + tracepoint;
  }
  if (!missing.empty()) log::info("ebpf: not on this kernel, left out: ", missing);
}

// The inode's generation where the kernel read one the agent can compare (fimon_write_record.h).
std::optional<std::uint32_t> generation_of(const fimon_write_record& r) {
  if (!r.generation_known) return std::nullopt;
  return r.generation;
}

}  // namespace

Result<std::unique_ptr<WriteTracer>> WriteTracer::create(const std::vector<std::string>& watched_roots,
                                                         long long own_pid, WriteLedger* ledger,
                                                         WriteTracerOptions options) {
  struct stat st {};
  if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
    return unsupported("the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load");
  }
  if (auto s = ensure_tracefs(); !s) return s.error();
  libbpf_set_print(libbpf_log);

  fimon_bpf* skel = fimon_bpf__open();
  if (!skel) return unsupported("cannot open the eBPF object: " + errno_text(errno));
  skel->rodata->own_tgid = static_cast<__u32>(own_pid);
  skel->rodata->capture_bytes = static_cast<__u32>(std::min(options.capture_bytes, kMaxKernelCapture));
  // The program finds the write syscalls at the raw sys_exit tracepoint, by this architecture's numbers.
  skel->rodata->nr_write = SYS_write;
  skel->rodata->nr_pwrite64 = SYS_pwrite64;
  skel->rodata->nr_writev = SYS_writev;
  skel->rodata->nr_pwritev = SYS_pwritev;
  skel->rodata->nr_pwritev2 = SYS_pwritev2;
  bpf_map__set_max_entries(skel->maps.records, static_cast<__u32>(options.ring_bytes));
  skip_missing_tracepoints(skel->obj);
  if (int err = fimon_bpf__load(skel); err != 0) {
    fimon_bpf__destroy(skel);
    return unsupported("the kernel refused the eBPF programs: " + errno_text(err) +
                       (err == -EPERM ? " (needs root, or CAP_BPF and CAP_PERFMON)" : ""));
  }
  if (int err = fimon_bpf__attach(skel); err != 0) {
    fimon_bpf__destroy(skel);
    return unsupported("cannot attach the eBPF programs: " + errno_text(err));
  }
  std::unique_ptr<WriteTracer> tracer(new WriteTracer(skel, ledger, watched_roots));
  tracer->watch_roots();
  return tracer;
}

WriteTracer::WriteTracer(fimon_bpf* skeleton, WriteLedger* ledger, std::vector<std::string> roots)
    : skeleton_(skeleton),
      ledger_(ledger),
      processes_(std::make_unique<ProcessCache>()),
      roots_(std::move(roots)),
      actor_processes_(std::make_unique<ProcessCache>()),
      devices_(std::make_unique<SuperblockDevices>()) {}

// The kernel filters by the roots' inodes: a root deleted and made again is a new inode, so the
// roots are looked up again now and then (old entries stay: an inode number reused for another
// directory would only widen what is traced, and the agent filters by path after).
void WriteTracer::watch_roots() {
  for (const auto& root : roots_) {
    struct stat st {};
    if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;  // reported by the names source
    struct {
      __u64 dev;
      __u64 ino;
    } key{kernel_dev(devices_->of(root, st.st_dev)), st.st_ino};
    const __u8 one = 1;
    if (bpf_map__update_elem(skeleton_->maps.watched_dirs, &key, sizeof key, &one, sizeof one, BPF_ANY) !=
        0) {
      log::warn("ebpf: cannot watch ", root, ": ", errno_text(errno));
    }
  }
}

WriteTracer::~WriteTracer() {
  stop();
  if (ring_) ring_buffer__free(ring_);
  fimon_bpf__destroy(skeleton_);
}

void WriteTracer::start(WriteTracerCallbacks callbacks, SourceStats* stats) {
  callbacks_ = std::move(callbacks);
  stats_ = stats;
  drops_reported_ = kernel_drops();
  ring_ = ring_buffer__new(
      bpf_map__fd(skeleton_->maps.records),
      [](void* self, void* data, std::size_t size) {
        static_cast<WriteTracer*>(self)->on_record(data, size);
        return 0;
      },
      this, nullptr);
  if (!ring_) {
    log::error("ebpf: cannot read the ring buffer: ", errno_text(errno), "; written ranges are not recorded");
    return;
  }
  if (auto cursor = RingCursor::map(bpf_map__fd(skeleton_->maps.records))) {
    cursor_ = std::move(cursor.value());
    // It outlives the tracer in the ledger: once closed, it waits for nothing.
    ledger_->set_feed(cursor_);
  } else {
    // Without it an event may be analysed before its writes are read: they join a later one.
    log::warn("ebpf: ", cursor.error().message());
  }
  thread_ = std::thread([this] {
    platform::name_current_thread("fimon-ebpf");
    run();
  });
}

void WriteTracer::stop() {
  stopping_ = true;
  if (cursor_) cursor_->close();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t WriteTracer::kernel_drops() const {
  const __u32 zero = 0;
  __u64 value = 0;
  bpf_map__lookup_elem(skeleton_->maps.dropped, &zero, sizeof zero, &value, sizeof value, 0);
  return value;
}

// The kernel wakes the ring's epoll set only for a process's first record, a mapping record or a
// ring an eighth full (fimon.bpf.c, submit_flags); an analysis waiting for the ledger wakes us
// through the cursor's eventfd; otherwise each pass ends at the poll interval. Every pass consumes
// whatever is queued.
int WriteTracer::wait_and_consume() {
  if (!cursor_) {
    const int n = ring_buffer__poll(ring_, kPollMs);
    return n < 0 ? n : ring_buffer__consume(ring_);
  }
  pollfd fds[2] = {{ring_buffer__epoll_fd(ring_), POLLIN, 0}, {cursor_->wake_fd(), POLLIN, 0}};
  if (poll(fds, 2, kPollMs) < 0 && errno != EINTR) return -errno;
  if (fds[1].revents & POLLIN) {
    std::uint64_t count = 0;
    (void)!read(cursor_->wake_fd(), &count, sizeof count);
  }
  return ring_buffer__consume(ring_);
}

void WriteTracer::run() {
  auto next_drop_check = steady_now();
  while (!stopping_) {
    const int n = wait_and_consume();
    if (n < 0 && n != -EINTR) {
      log::error("ebpf: reading the ring buffer failed: ", errno_text(n));
      if (cursor_) cursor_->close();
      return;
    }
    if (cursor_) cursor_->advanced();
    if (steady_now() >= next_drop_check) {
      next_drop_check = steady_now() + std::chrono::seconds(1);
      watch_roots();
      const std::uint64_t drops = kernel_drops();
      if (drops > drops_reported_) {
        const std::uint64_t lost = drops - drops_reported_;
        drops_reported_ = drops;
        if (callbacks_.on_lost) callbacks_.on_lost(lost);
      }
    }
  }
}

std::string WriteTracer::mapping_path(const void* data, std::size_t size, unsigned maj, unsigned min) {
  if (size < sizeof(fimon_mapping_record)) return {};
  const auto* m = static_cast<const fimon_mapping_record*>(data);
  const std::size_t start = m->path_start;
  if (!m->path_complete || start >= FIMON_PATH_WINDOW - 1) return {};
  const std::string below_root(m->path + start, strnlen(m->path + start, FIMON_PATH_WINDOW - 1 - start));
  const std::string where = mount_point(maj, min);
  if (where.empty()) return {};  // the filesystem's root is not mounted: no full path to give
  return where == "/" ? below_root : where + below_root;
}

std::string WriteTracer::mount_point(unsigned maj, unsigned min) {
  std::lock_guard lock(mounts_mutex_);
  auto it = mount_points_.find({maj, min});
  if (it == mount_points_.end()) {
    std::string where = filesystem_root_mount_point(read_mounts(), maj, min);
    if (where.empty()) return {};  // looked up again next time: it may be mounted by then
    it = mount_points_.emplace(std::make_pair(maj, min), std::move(where)).first;
  }
  return it->second;
}

bool WriteTracer::recorded_actor(std::uint32_t pid, KernelWriter* w) {
  fimon_actor a{};
  if (bpf_map__lookup_elem(skeleton_->maps.actors, &pid, sizeof pid, &a, sizeof a, 0) != 0 || a.stale) {
    return false;
  }
  *w = KernelWriter{a.tgid, a.ppid,           a.uid,
                    a.gid,  a.start_boottime, std::string(a.comm, strnlen(a.comm, sizeof a.comm))};
  if (a.exe_complete && a.exe_start < FIMON_EXE_WINDOW - 1) {
    const std::string below_root(a.exe + a.exe_start,
                                 strnlen(a.exe + a.exe_start, FIMON_EXE_WINDOW - 1 - a.exe_start));
    const std::string where = mount_point(kernel_major(a.exe_dev), kernel_minor(a.exe_dev));
    if (!below_root.empty() && !where.empty()) w->executable = where == "/" ? below_root : where + below_root;
  }
  const std::size_t args = std::min<std::size_t>(a.cmdline_len, sizeof a.cmdline);
  w->command_line = command_line_from_args(std::string(a.cmdline, args));
  if (a.cmdline_truncated && !w->command_line.empty()) w->command_line += "...";
  return true;
}

ProcessRef WriteTracer::actor(std::uint32_t pid) {
  KernelWriter w;
  if (!recorded_actor(pid, &w)) return nullptr;
  std::lock_guard lock(actors_mutex_);
  return actor_processes_->lookup(w);
}

// A writer gone before /proc could be read may still be named by the record of the open that
// created or truncated the file.
const ProcessRef& WriteTracer::writer_of(const fimon_write_record& r) {
  KernelWriter writer{r.tgid, r.ppid,           r.uid,
                      r.gid,  r.start_boottime, std::string(r.comm, strnlen(r.comm, sizeof r.comm))};
  return processes_->lookup(writer, [&](KernelWriter* gone) {
    KernelWriter recorded;
    if (!recorded_actor(r.tgid, &recorded) || recorded.start_boottime != r.start_boottime) return;
    gone->executable = std::move(recorded.executable);
    gone->command_line = std::move(recorded.command_line);
  });
}

void WriteTracer::on_record(const void* data, std::size_t size) {
  if (size < sizeof(fimon_write_record)) return;
  fimon_write_record r{};
  std::memcpy(&r, data, sizeof r);
  ++stats_->traced_writes;
  if (r.kind == FIMON_WRITE_MAPPING) {
    on_mapping(r, data, size);
    return;
  }
  if (r.offset < 0 || r.length <= 0) return;
  const ProcessRef process = writer_of(r);  // a copy: the cache may be cleared by a later lookup
  const unsigned maj = kernel_major(r.sb_dev);
  const unsigned min = kernel_minor(r.sb_dev);
  std::string_view captured;
  if (r.kind == FIMON_WRITE_SYSCALL && size >= sizeof(fimon_capture_record)) {
    const auto* c = static_cast<const fimon_capture_record*>(data);
    captured = std::string_view(c->bytes, std::min<std::size_t>(c->captured, sizeof c->bytes));
  }
  if (!ledger_->add(user_dev(r.dev), r.ino,
                    ChangedRange{static_cast<std::uint64_t>(r.offset), static_cast<std::uint64_t>(r.length)},
                    process, steady_now(), captured, generation_of(r))) {
    ++stats_->traced_dropped;
  }
  if (r.kind != FIMON_WRITE_MAPPED || !callbacks_.on_mapped_write) return;
  // No other source sees stores through a mapping: report the file as modified. Its name comes from
  // the writer's own mappings, remembered briefly (a store dirties many pages in a row).
  const auto key = std::make_tuple(r.tgid, r.dev, r.ino);
  const auto now = steady_now();
  if (mapped_paths_.size() > 1024 && !mapped_paths_.count(key))
    mapped_paths_.clear();  // before any reference
  auto& [remembered, until] = mapped_paths_[key];
  if (now >= until) {
    remembered = mapped_file_path(r.tgid, maj, min, r.ino);
    until = now + std::chrono::seconds(1);
  }
  const std::string path = remembered;
  if (path.empty()) return;
  RawChange change;
  change.kind = ChangeKind::kModified;
  change.path = path;
  change.time = wall_clock_now();
  change.process = process;
  change.source = "ebpf";
  callbacks_.on_mapped_write(std::move(change));
}

// A shared writable mapping: the file may change without any write syscall, and pages already
// dirty when stored to raise no further tracepoint. Report it now (with its writer); the analysis
// after the quiet period sees what the mapping changed.
void WriteTracer::on_mapping(const fimon_write_record& r, const void* data, std::size_t size) {
  const ProcessRef process = writer_of(r);
  const unsigned maj = kernel_major(r.sb_dev);
  const unsigned min = kernel_minor(r.sb_dev);
  std::string path = mapping_path(data, size, maj, min);
  if (path.empty()) path = mapped_file_path(r.tgid, maj, min, r.ino);  // too deep: ask /proc
  if (path.empty()) {
    ++stats_->unresolved;
    return;
  }
  ledger_->add(user_dev(r.dev), r.ino, ChangedRange{}, process, steady_now(), {},
               generation_of(r));  // the writer, no bytes yet
  if (!callbacks_.on_mapped_write) return;
  RawChange change;
  change.kind = ChangeKind::kModified;
  change.path = std::move(path);
  change.time = wall_clock_now();
  change.process = process;
  change.source = "ebpf";
  callbacks_.on_mapped_write(std::move(change));
}

}  // namespace fimon
