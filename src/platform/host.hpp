// Facts about the host for ECS host.* fields, read once at start.
#pragma once

#include <string>

namespace fimon::platform {

struct HostInfo {
  std::string hostname;
  std::string id;  // machine id, stable across boots
  std::string architecture;
  std::string os_type;    // linux | windows
  std::string os_family;  // debian, redhat, windows, ...
  std::string os_name;
  std::string os_version;
  std::string os_kernel;
};

HostInfo read_host_info();

}  // namespace fimon::platform
