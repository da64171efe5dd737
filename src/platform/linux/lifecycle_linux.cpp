// Termination via a blocked signal set: SIGINT/SIGTERM are blocked in every thread (set before any
// thread starts) and collected with sigtimedwait, so no async handler ever runs.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "platform/lifecycle.hpp"

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

long long current_pid() {
  return static_cast<long long>(::getpid());
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

void restrict_created_files_to_owner() {
  ::umask(077);
}

}  // namespace fimon::platform
