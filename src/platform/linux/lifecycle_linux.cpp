// Termination via a blocked signal set: SIGINT/SIGTERM are blocked in every thread (set before any
// thread starts) and collected with sigtimedwait, so no async handler ever runs.
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "platform/linux/errors.hpp"

namespace fimon::platform {
namespace {
sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

void prepare_termination_handling() {
  sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a dropped HTTP connection must not kill the agent
}

bool wait_for_termination(std::chrono::milliseconds timeout) {
  sigset_t set = termination_signals();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000) * 1000000;
  for (;;) {
    const int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return true;
    if (errno == EINTR) continue;
    return false;
  }
}

std::vector<std::string> command_line_arguments(int argc, char** argv) {
  return std::vector<std::string>(argv + 1, argv + argc);
}

void request_termination() {
  kill(getpid(), SIGTERM);
}

void send_log_to_file(const std::string& path) {
  std::error_code ignored;  // the state directory may not exist yet on a first start
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  if (std::FILE* f = std::fopen(path.c_str(), "a")) log::set_output(f);
}

long long current_pid() {
  return static_cast<long long>(::getpid());
}

bool lower_current_thread_priority(unsigned steps) {
  if (steps == 0) return true;
  // On Linux a thread id names one thread for PRIO_PROCESS: the nice value is per thread.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, tid);
  if (current == -1 && errno != 0) return false;
  const int target =
      static_cast<int>(std::min<long>(19, static_cast<long>(current) + static_cast<long>(steps)));
  return ::setpriority(PRIO_PROCESS, tid, target) == 0;
}

void name_current_thread(const char* name) {
  (void)::prctl(PR_SET_NAME, name);  // the kernel copies at most 15 bytes and terminates them
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

void restrict_created_files_to_owner() {
  ::umask(077);
}

Result<std::string> drop_unneeded_privileges() {
  constexpr int kKeep[] = {CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE};
  const auto kept = [&](int cap) {
    return std::find(std::begin(kKeep), std::end(kKeep), cap) != std::end(kKeep);
  };
  // The bounding set first: shrinking it needs CAP_SETPCAP, which the capset below gives up.
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (!kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM)
      return errno_error(errno, "prctl(PR_CAPBSET_DROP)");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return errno_error(errno, "capget");
  __user_cap_data_struct next[_LINUX_CAPABILITY_U32S_3] = {};
  std::string names;
  for (const int cap : kKeep) {
    const auto bit = 1U << (cap % 32);
    if ((data[cap / 32].permitted & bit) == 0) continue;  // never had it (not root): nothing to keep
    next[cap / 32].permitted |= bit;
    next[cap / 32].effective |= bit;
    names += names.empty() ? "" : ", ";
    names += cap == CAP_SYS_ADMIN         ? "CAP_SYS_ADMIN"
             : cap == CAP_DAC_READ_SEARCH ? "CAP_DAC_READ_SEARCH"
                                          : "CAP_SYS_PTRACE";
  }
  if (syscall(SYS_capset, &header, next) != 0) return errno_error(errno, "capset");
  (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  return names.empty() ? std::string("none") : names;
}

}  // namespace fimon::platform
