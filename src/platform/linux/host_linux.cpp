#include <sys/utsname.h>

#include <fstream>

#include "platform/host.hpp"

namespace fimon::platform {
namespace {

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

HostInfo read_host_info() {
  HostInfo h;
  utsname u{};
  if (uname(&u) == 0) {
    h.hostname = u.nodename;
    h.architecture = u.machine;
    h.os_kernel = u.release;
  }
  h.os_type = "linux";
  h.id = first_line("/etc/machine-id");
  std::ifstream os_release("/etc/os-release");
  for (std::string line; std::getline(os_release, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = unquote(line.substr(eq + 1));
    if (key == "ID")
      h.os_family = value;
    else if (key == "NAME")
      h.os_name = value;
    else if (key == "VERSION_ID")
      h.os_version = value;
  }
  return h;
}

}  // namespace fimon::platform
