// Process lifecycle: waiting for a termination request (SIGINT/SIGTERM, console close / service
// stop on Windows) without any handler touching program state.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace fimon::platform {

// Call first thing in main, before any thread starts, so that every thread inherits the setup.
void prepare_termination_handling();
// True once a termination request arrived; waits up to `timeout` for one.
bool wait_for_termination(std::chrono::milliseconds timeout);
// This process's id.
long long current_pid();
// Everything the agent creates (state, spool, shadows, status, dead letters) is owner-only,
// whatever the caller's umask: it may hold file contents and paths of a whole host.
void restrict_created_files_to_owner();
// Gives up every privilege the agent never uses. Linux: all capabilities but CAP_SYS_ADMIN
// (fanotify), CAP_DAC_READ_SEARCH (read any file, resolve file handles) and CAP_SYS_PTRACE (name
// other users' processes); the bounding set shrinks too and no_new_privs is set, so nothing can be
// regained. Capabilities belong to each thread: call it before any thread starts, so all inherit
// the reduced set. Returns what was kept, for the log.
Result<std::string> drop_unneeded_privileges();
// Lowers the calling thread's scheduling priority by `steps` nice levels (at most to 19), so that
// analysis gives way to the agent's kernel-queue readers (and, outside a CPU-limited cgroup, to
// the host's other work). Linux: the thread's own nice value, inherited by threads it starts;
// Windows: below normal (lowest from 10 steps), not inherited. False when refused.
bool lower_current_thread_priority(unsigned steps);
// Names the calling thread for top -H, perf, ps and debuggers ("fimon-work"...). Linux keeps the
// first 15 bytes; Windows sets the thread's description where the system has one. Best effort.
void name_current_thread(const char* name);
// True when standard error is a terminal (progress lines redraw themselves there).
bool stderr_is_terminal();
// The program's arguments after its name, in UTF-8 (Windows: from the wide command line).
std::vector<std::string> command_line_arguments(int argc, char** argv);
// From now on the log (standard error) is appended to `path` (a service has no console).
void send_log_to_file(const std::string& path);
// Makes wait_for_termination return true, as a termination signal would (a service stop).
void request_termination();

}  // namespace fimon::platform
