// On Linux the service manager is systemd: deploy/systemd/fimon.service, not these.
#include "platform/service.hpp"

namespace fimon::platform {
namespace {
Error use_systemd() {
  return unsupported("service: on Linux, install deploy/systemd/fimon.service with systemd");
}
}  // namespace

Status install_service(const std::vector<std::string>&, const std::string&) {
  return use_systemd();
}
Status uninstall_service() {
  return use_systemd();
}
Status start_service() {
  return use_systemd();
}
Status stop_service() {
  return use_systemd();
}
int run_as_service(const std::function<int()>&) {
  return 2;
}

}  // namespace fimon::platform
