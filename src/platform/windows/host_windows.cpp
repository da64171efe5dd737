// host.* on Windows: the DNS host name, MachineGuid as the stable id, and the version the kernel
// reports (RtlGetVersion: GetVersionEx lies to processes without a compatibility manifest).
#include <windows.h>

#include <string>

#include "platform/host.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

std::string registry_string(const wchar_t* key, const wchar_t* value) {
  wchar_t buffer[256];
  DWORD size = sizeof buffer;
  if (RegGetValueW(HKEY_LOCAL_MACHINE, key, value, RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY, nullptr, buffer,
                   &size) != ERROR_SUCCESS) {
    return {};
  }
  return to_utf8(buffer);
}

struct KernelVersion {
  unsigned long major = 0, minor = 0, build = 0;
};

KernelVersion kernel_version() {
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  KernelVersion v;
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  auto get =
      ntdll
          ? reinterpret_cast<RtlGetVersionFn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")))
          : nullptr;
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof info;
  if (get && get(&info) == 0) v = {info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber};
  return v;
}

}  // namespace

HostInfo read_host_info() {
  HostInfo h;
  wchar_t name[256];
  DWORD size = 256;
  if (GetComputerNameExW(ComputerNameDnsHostname, name, &size)) h.hostname = to_utf8(name);
  h.id = registry_string(L"SOFTWARE\\Microsoft\\Cryptography", L"MachineGuid");
  SYSTEM_INFO si{};
  GetNativeSystemInfo(&si);
  switch (si.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
      h.architecture = "x86_64";
      break;
    case PROCESSOR_ARCHITECTURE_ARM64:
      h.architecture = "arm64";
      break;
    case PROCESSOR_ARCHITECTURE_INTEL:
      h.architecture = "x86";
      break;
    default:
      h.architecture = "unknown";
      break;
  }
  h.os_type = "windows";
  h.os_family = "windows";
  h.os_name = registry_string(L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", L"ProductName");
  if (h.os_name.empty()) h.os_name = "Windows";
  const KernelVersion v = kernel_version();
  h.os_version = std::to_string(v.major) + "." + std::to_string(v.minor);
  h.os_kernel = h.os_version + "." + std::to_string(v.build);
  return h;
}

}  // namespace fimon::platform
