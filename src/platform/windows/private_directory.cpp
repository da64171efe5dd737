// The state directory's ACL: what %ProgramData% would pass down (every user may read) is cut off,
// and only SYSTEM, Administrators and the user the agent runs as get in.
#include <windows.h>
// aclapi.h and sddl.h need windows.h's types first.
#include <aclapi.h>
#include <sddl.h>

#include <filesystem>
#include <memory>

#include "platform/fs.hpp"
#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

struct LocalFreer {
  void operator()(void* p) const { LocalFree(p); }
};

// The SID of the user this process runs as ("S-1-5-18" for a service), as SDDL text.
Result<std::wstring> current_user_sid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
    return win32_error(GetLastError(), "OpenProcessToken");
  alignas(TOKEN_USER) unsigned char buffer[256];
  DWORD size = 0;
  const BOOL ok = GetTokenInformation(token, TokenUser, buffer, sizeof buffer, &size);
  const DWORD error = GetLastError();
  CloseHandle(token);
  if (!ok) return win32_error(error, "GetTokenInformation(TokenUser)");
  LPWSTR text = nullptr;
  if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer)->User.Sid, &text))
    return win32_error(GetLastError(), "ConvertSidToStringSid");
  std::unique_ptr<wchar_t, LocalFreer> owned(text);
  return std::wstring(text);
}

}  // namespace

Status make_private_directory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(to_wide(path)), ec);
  if (ec) return io_error("cannot create '" + path + "': " + ec.message());
  auto user = current_user_sid();
  if (!user) return user.error();
  // P: protected (nothing inherited); OICI: files and folders inside inherit it; FA: full access.
  const std::wstring sddl = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + *user + L")";
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &descriptor,
                                                            nullptr))
    return win32_error(GetLastError(), "cannot build the ACL for '" + path + "'");
  std::unique_ptr<void, LocalFreer> owned(descriptor);
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
  // SetSecurityInfo passes the inheritable entries on to what the directory already holds (a
  // config file put there before install); SetKernelObjectSecurity sets the directory's own
  // descriptor as such, the one call Wine honours. Both set the same ACL.
  HANDLE dir = CreateFileW(to_wide(path).c_str(), WRITE_DAC | READ_CONTROL,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (dir == INVALID_HANDLE_VALUE)
    return win32_error(GetLastError(), "cannot open '" + path + "' to set its ACL");
  DWORD rc =
      SetSecurityInfo(dir, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                      nullptr, nullptr, dacl, nullptr);
  if (rc == ERROR_SUCCESS && !SetKernelObjectSecurity(dir, DACL_SECURITY_INFORMATION, descriptor))
    rc = GetLastError();
  CloseHandle(dir);
  if (rc != ERROR_SUCCESS)
    return win32_error(rc, "cannot restrict '" + path + "' to SYSTEM, Administrators and its user");
  return {};
}

}  // namespace fimon::platform
