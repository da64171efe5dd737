#include "platform/windows/accounts.hpp"

#include <windows.h>
// sddl.h needs windows.h's types first.
#include <sddl.h>

#include <mutex>
#include <unordered_map>

#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {
constexpr std::size_t kMaxCached = 4096;
}  // namespace

Account account_of(void* sid) {
  Account account;
  if (sid == nullptr || !IsValidSid(sid)) return account;
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return account;
  account.sid = to_utf8(text);
  LocalFree(text);

  static std::mutex mutex;
  static std::unordered_map<std::string, std::string> names;
  {
    std::lock_guard lock(mutex);
    if (auto it = names.find(account.sid); it != names.end()) {
      account.name = it->second;
      return account;
    }
  }
  wchar_t name[256], domain[256];
  DWORD name_size = 256, domain_size = 256;
  SID_NAME_USE use;
  if (LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) {
    account.name = domain_size > 0 ? to_utf8(domain) + "\\" + to_utf8(name) : to_utf8(name);
  }
  std::lock_guard lock(mutex);
  if (names.size() >= kMaxCached) names.clear();
  names.emplace(account.sid, account.name);
  return account;
}

}  // namespace fimon::platform
