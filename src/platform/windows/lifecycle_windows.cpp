// Termination on Windows: Ctrl-C, Ctrl-Break, console close, log-off and shutdown (and, through
// request_termination, a service stop) set one manual-reset event the main loop waits on. The
// console handler runs on a thread of its own and touches nothing but that event.
#include <windows.h>
// shellapi.h needs windows.h's types first.
#include <shellapi.h>

#include <filesystem>

#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

HANDLE termination_event() {
  static const HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  return event;
}

BOOL WINAPI on_console_event(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      SetEvent(termination_event());
      return TRUE;
    default:
      return FALSE;
  }
}

}  // namespace

void prepare_termination_handling() {
  termination_event();  // created before any thread can race for it
  SetConsoleCtrlHandler(on_console_event, TRUE);
}

void request_termination() {
  SetEvent(termination_event());
}

void send_log_to_file(const std::string& path) {
  // The state directory may not exist yet on a first start.
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(to_wide(path)).parent_path(), ignored);
  if (std::FILE* f = _wfopen(to_wide(path).c_str(), L"a")) log::set_output(f);
}

bool wait_for_termination(std::chrono::milliseconds timeout) {
  return WaitForSingleObject(termination_event(), static_cast<DWORD>(timeout.count())) == WAIT_OBJECT_0;
}

long long current_pid() {
  return static_cast<long long>(GetCurrentProcessId());
}

// The state directory's ACL is set when the service is installed (%ProgramData%\fimon: SYSTEM and
// Administrators only); files created inside inherit it. Nothing to do per process.
void restrict_created_files_to_owner() {}

Result<std::string> drop_unneeded_privileges() {
  return std::string("the service account's (not reduced on Windows)");
}

bool lower_current_thread_priority(unsigned steps) {
  if (steps == 0) return true;
  const int priority = steps >= 10 ? THREAD_PRIORITY_LOWEST : THREAD_PRIORITY_BELOW_NORMAL;
  return SetThreadPriority(GetCurrentThread(), priority) != 0;
}

void name_current_thread(const char* name) {
  // SetThreadDescription exists from Windows 10 1607 (and in Wine): looked up, not linked.
  using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
  static const auto set = reinterpret_cast<SetDescription>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "SetThreadDescription")));
  if (set != nullptr) (void)set(GetCurrentThread(), to_wide(name).c_str());
}

bool stderr_is_terminal() {
  DWORD mode = 0;
  return GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode) != 0;
}

// The narrow argv of a Windows program is in the ANSI code page and loses other characters: the
// wide command line is the real one.
std::vector<std::string> command_line_arguments(int, char**) {
  std::vector<std::string> args;
  int count = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &count);
  if (wide == nullptr) return args;
  for (int i = 1; i < count; ++i) args.push_back(to_utf8(wide[i]));
  LocalFree(wide);
  return args;
}

}  // namespace fimon::platform
