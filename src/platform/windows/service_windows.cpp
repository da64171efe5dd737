// fimon as a Windows service: installed to run "fimon.exe service-run <options>" as LocalSystem,
// started automatically, restarted by the Service Control Manager after a failure (5 s, 10 s,
// then every 60 s). In the service process, a stop or shutdown request is turned into the same
// termination event Ctrl-C sets, so the agent flushes and exits as it does in a console.
#include <windows.h>

#include <chrono>
#include <memory>
#include <thread>

#include "platform/fs.hpp"
#include "platform/lifecycle.hpp"
#include "platform/service.hpp"
#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

constexpr wchar_t kName[] = L"fimon";
constexpr wchar_t kDisplayName[] = L"fimon file activity monitor";

struct ScHandle {
  SC_HANDLE h = nullptr;
  ~ScHandle() {
    if (h) CloseServiceHandle(h);
  }
};

// One argument as CommandLineToArgvW will read it back.
std::wstring quote(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\"") == std::wstring::npos) return arg;
  std::wstring out = L"\"";
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? 2 * backslashes + 1 : backslashes, L'\\');
    backslashes = 0;
    out += c;
  }
  out.append(2 * backslashes, L'\\');
  return out + L"\"";
}

Result<std::unique_ptr<ScHandle>> open_service(DWORD access) {
  auto manager = std::make_unique<ScHandle>();
  manager->h = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (!manager->h)
    return win32_error(GetLastError(), "service: the Service Control Manager (administrators only)");
  auto service = std::make_unique<ScHandle>();
  service->h = OpenServiceW(manager->h, kName, access);
  if (!service->h) return win32_error(GetLastError(), "service: fimon is not installed or not accessible");
  return service;
}

DWORD state_of(SC_HANDLE service) {
  SERVICE_STATUS status{};
  return QueryServiceStatus(service, &status) ? status.dwCurrentState : 0;
}

bool wait_for_state(SC_HANDLE service, DWORD wanted, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (state_of(service) != wanted) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

// The service process's side.
SERVICE_STATUS_HANDLE g_status_handle = nullptr;
const std::function<int()>* g_agent = nullptr;
int g_exit_code = 0;

void report(DWORD state, DWORD exit_code = NO_ERROR) {
  SERVICE_STATUS s{};
  s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.dwCurrentState = state;
  s.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  s.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  s.dwServiceSpecificExitCode = exit_code;
  s.dwWaitHint = state == SERVICE_STOP_PENDING ? 30000 : 0;
  SetServiceStatus(g_status_handle, &s);
}

DWORD WINAPI on_control(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    report(SERVICE_STOP_PENDING);
    request_termination();  // the agent flushes and returns from its run loop
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void WINAPI service_main(DWORD, LPWSTR*) {
  g_status_handle = RegisterServiceCtrlHandlerExW(kName, on_control, nullptr);
  if (!g_status_handle) return;
  report(SERVICE_RUNNING);
  g_exit_code = (*g_agent)();
  report(SERVICE_STOPPED, static_cast<DWORD>(g_exit_code));
}

}  // namespace

Status install_service(const std::vector<std::string>& run_arguments, const std::string& state_dir) {
  if (auto made = make_private_directory(state_dir); !made) return made.error();
  std::wstring exe(32768, L'\0');
  const DWORD n = GetModuleFileNameW(nullptr, exe.data(), static_cast<DWORD>(exe.size()));
  if (n == 0 || n >= exe.size()) return win32_error(GetLastError(), "service: this executable's path");
  exe.resize(n);
  std::wstring command = quote(exe) + L" service-run";
  for (const auto& a : run_arguments) command += L" " + quote(to_wide(a));

  ScHandle manager{OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE)};
  if (!manager.h)
    return win32_error(GetLastError(), "service: the Service Control Manager (administrators only)");
  ScHandle service{CreateServiceW(
      manager.h, kName, kDisplayName, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
      SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr, nullptr, nullptr /* LocalSystem */, nullptr)};
  if (!service.h) return win32_error(GetLastError(), "service: installing fimon");
  std::wstring description =
      L"Records file creations and modifications (hashes, changed bytes, writer) in Elasticsearch.";
  SERVICE_DESCRIPTIONW about{description.data()};
  ChangeServiceConfig2W(service.h, SERVICE_CONFIG_DESCRIPTION, &about);
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 5000}, {SC_ACTION_RESTART, 10000}, {SC_ACTION_RESTART, 60000}};
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = 24 * 3600;
  failure.cActions = 3;
  failure.lpsaActions = actions;
  if (!ChangeServiceConfig2W(service.h, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return win32_error(GetLastError(), "service: setting restart on failure");
  }
  return {};
}

Status uninstall_service() {
  auto service = open_service(SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
  if (!service) return service.error();
  SERVICE_STATUS status{};
  if (state_of((*service)->h) != SERVICE_STOPPED &&
      ControlService((*service)->h, SERVICE_CONTROL_STOP, &status)) {
    wait_for_state((*service)->h, SERVICE_STOPPED, std::chrono::seconds(60));
  }
  if (!DeleteService((*service)->h)) return win32_error(GetLastError(), "service: removing fimon");
  return {};
}

Status start_service() {
  auto service = open_service(SERVICE_START | SERVICE_QUERY_STATUS);
  if (!service) return service.error();
  if (!StartServiceW((*service)->h, 0, nullptr) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
    return win32_error(GetLastError(), "service: starting fimon");
  }
  if (!wait_for_state((*service)->h, SERVICE_RUNNING, std::chrono::seconds(30))) {
    return io_error("service: fimon did not reach the running state within 30 s (see its log)");
  }
  return {};
}

Status stop_service() {
  auto service = open_service(SERVICE_STOP | SERVICE_QUERY_STATUS);
  if (!service) return service.error();
  SERVICE_STATUS status{};
  if (!ControlService((*service)->h, SERVICE_CONTROL_STOP, &status) &&
      GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
    return win32_error(GetLastError(), "service: stopping fimon");
  }
  if (!wait_for_state((*service)->h, SERVICE_STOPPED, std::chrono::seconds(60))) {
    return io_error("service: fimon did not stop within 60 s");
  }
  return {};
}

int run_as_service(const std::function<int()>& agent) {
  g_agent = &agent;
  wchar_t name[] = L"fimon";
  SERVICE_TABLE_ENTRYW table[] = {{name, service_main}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) return 1;  // not started by the Service Control Manager
  return g_exit_code;
}

}  // namespace fimon::platform
