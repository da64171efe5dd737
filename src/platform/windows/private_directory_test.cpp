// The state directory's ACL as Windows (here Wine's advapi32) reads it back.
#include <gtest/gtest.h>
#include <windows.h>
// aclapi.h and sddl.h need windows.h's types first.
#include <aclapi.h>
#include <sddl.h>

#include <filesystem>
#include <string>

#include "platform/fs.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

std::wstring dacl_of(const std::wstring& path) {
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  PACL dacl = nullptr;
  if (GetNamedSecurityInfoW(path.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                            nullptr, &descriptor) != ERROR_SUCCESS) {
    return L"<unreadable>";
  }
  LPWSTR text = nullptr;
  ConvertSecurityDescriptorToStringSecurityDescriptorW(descriptor, SDDL_REVISION_1, DACL_SECURITY_INFORMATION,
                                                       &text, nullptr);
  std::wstring out = text != nullptr ? text : L"";
  LocalFree(text);
  LocalFree(descriptor);
  return out;
}

// Wine keeps no ACLs: it turns one into Unix mode bits and reads those back as an ACL.
bool under_wine() {
  return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr;
}

TEST(PrivateDirectory, OnlySystemAdministratorsAndItsUserGetIn) {
  const auto root =
      std::filesystem::temp_directory_path() / ("fimon-acl-" + std::to_string(GetCurrentProcessId()));
  const auto dir = root / "state";
  ASSERT_TRUE(make_private_directory(to_utf8(dir.wstring())));
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  const std::wstring dacl = dacl_of(dir.wstring());
  EXPECT_EQ(dacl.find(L";;;WD)"), std::wstring::npos) << to_utf8(dacl) << ": no Everyone";
  EXPECT_EQ(dacl.find(L";;;BU)"), std::wstring::npos) << to_utf8(dacl) << ": no Users";
  EXPECT_NE(dacl.find(L"(A;OICI;FA;;;SY)"), std::wstring::npos) << to_utf8(dacl);
  if (!under_wine()) {
    EXPECT_EQ(dacl.rfind(L"D:P", 0), 0U) << to_utf8(dacl) << ": protected, nothing inherited";
    EXPECT_NE(dacl.find(L"(A;OICI;FA;;;BA)"), std::wstring::npos) << to_utf8(dacl);
  }
  EXPECT_TRUE(make_private_directory(to_utf8(dir.wstring()))) << "again: idempotent";
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace fimon::platform
