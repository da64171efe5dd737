// Who a process is, on Windows: its image path (QueryFullProcessImageNameW), its token's user
// (SID and DOMAIN\name), its command line (NtQueryInformationProcess, Windows 8.1+) and an entity
// id from its creation time, which a reused pid does not share. Windows has no numeric uids or
// gids: user_name()/group_name() know nothing, the SID travels in ProcessInfo::user_sid.
#include <windows.h>
// sddl.h needs windows.h's types first.
#include <sddl.h>

#include <string>
#include <vector>

#include "platform/identity.hpp"
#include "platform/windows/accounts.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

struct HandleCloser {
  HANDLE h;
  ~HandleCloser() {
    if (h) CloseHandle(h);
  }
};

std::string image_path(HANDLE process) {
  std::wstring path(32768, L'\0');
  DWORD size = static_cast<DWORD>(path.size());
  if (!QueryFullProcessImageNameW(process, 0, path.data(), &size)) return {};
  path.resize(size);
  return to_utf8(path);
}

void token_user(HANDLE process, ProcessInfo* p) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(process, TOKEN_QUERY, &token)) return;
  HandleCloser closer{token};
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<unsigned char> buffer(size);
  if (size == 0 || !GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) return;
  Account account = account_of(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid);
  p->user_sid = std::move(account.sid);
  p->user_name = std::move(account.name);
}

// ProcessCommandLineInformation (60) returns a UNICODE_STRING followed by its text.
std::string command_line(HANDLE process) {
  using QueryFn = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);
  static const auto query = reinterpret_cast<QueryFn>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationProcess")));
  if (query == nullptr) return {};
  struct UnicodeString {
    USHORT length;
    USHORT maximum_length;
    PWSTR buffer;
  };
  ULONG size = 0;
  query(process, 60, nullptr, 0, &size);
  if (size < sizeof(UnicodeString) || size > (1u << 20)) return {};
  std::vector<unsigned char> buffer(size);
  if (query(process, 60, buffer.data(), size, &size) != 0) return {};
  const auto* text = reinterpret_cast<const UnicodeString*>(buffer.data());
  return to_utf8(std::wstring_view(text->buffer, text->length / sizeof(wchar_t)));
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of("\\/");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string user_name(std::uint32_t) {
  return {};
}
std::string group_name(std::uint32_t) {
  return {};
}

// Not cached: the ETW tracker keeps its own answers per pid.
ProcessRef lookup_process(std::int64_t pid) {
  auto p = std::make_shared<ProcessInfo>();
  p->pid = pid;
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (process == nullptr) return p;
  HandleCloser closer{process};
  DWORD exit_code = 0;
  if (GetExitCodeProcess(process, &exit_code) && exit_code != STILL_ACTIVE) return p;  // gone
  p->executable = image_path(process);
  p->name = base_name(p->executable);
  p->resolved = !p->executable.empty();
  token_user(process, p.get());
  p->command_line = command_line(process);
  FILETIME created{}, exited{}, kernel{}, user{};
  if (GetProcessTimes(process, &created, &exited, &kernel, &user)) {
    const unsigned long long start =
        (static_cast<unsigned long long>(created.dwHighDateTime) << 32) | created.dwLowDateTime;
    p->entity_id = std::to_string(pid) + "-" + std::to_string(start);
  }
  return p;
}

}  // namespace fimon::platform
