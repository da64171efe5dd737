// Running as a system service. Windows: the Service Control Manager (the service runs as
// LocalSystem, starts with the system, restarts after a failure). Linux has systemd units in
// deploy/ instead; there these return kUnsupported.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace fimon::platform {

// Registers the service to run this executable with `run_arguments` (options of `fimon run`),
// after making `state_dir` (which may hold the config file) private to it (make_private_directory).
Status install_service(const std::vector<std::string>& run_arguments, const std::string& state_dir);
Status uninstall_service();  // stops it first if it runs
Status start_service();
Status stop_service();  // waits (bounded) until it has stopped
// Called by the service's own process: connects to the Service Control Manager and runs `agent`
// as the service's body (a stop request ends it through wait_for_termination); its exit code.
int run_as_service(const std::function<int()>& agent);

}  // namespace fimon::platform
