// fimon: file integrity and activity monitoring agent.
#include <iostream>

#include "app/agent_context.hpp"
#include "app/health.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "core/path_filter.hpp"
#include "platform/fs.hpp"
#include "platform/lifecycle.hpp"
#include "platform/service.hpp"

namespace {

const char* kUsage =
    "usage: fimon <verb> [options]\n"
    "verbs:\n"
    "  run           monitor the watched trees and ship events\n"
    "  setup         install the index template (and ILM policy) in Elasticsearch; with\n"
    "                --kibana-url, import the dashboard into Kibana\n"
    "  export-dashboard  print the dashboard's saved objects (NDJSON) for a manual import\n"
    "  scan          one pass over the watched trees\n"
    "  status        print the running agent's health (exit 1 when it has not reported lately)\n"
    "  check-config  validate the configuration and print it (secrets redacted)\n"
    "  version       print the version\n"
    "  service       Windows: install|uninstall|start|stop the fimon service (install takes run's\n"
    "                options, e.g. --config C:\\ProgramData\\fimon\\fimon.yml)\n"
    "options (also YAML keys in --config FILE):\n"
    "  --config FILE                    YAML file with the options below\n";

int usage_error(const std::string& message) {
  std::cerr << "fimon: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

namespace {
int run_verb(const std::vector<std::string>& args, const fimon::Result<std::string>& kept_capabilities,
             bool as_service = false);

// The configured state directory, or this OS's default (/var/lib/fimon, %ProgramData%\\fimon).
std::string state_dir_of(const fimon::Config& config) {
  return config.state_dir == fimon::Config{}.state_dir ? fimon::platform::default_state_dir()
                                                       : config.state_dir;
}

// fimon service install|uninstall|start|stop [options of run]: the Windows service.
int run_service_verb(const std::vector<std::string>& args) {
  const std::string action = args.size() > 1 ? args[1] : "";
  const std::vector<std::string> options(args.begin() + std::min<std::size_t>(args.size(), 2), args.end());
  fimon::Status done = fimon::invalid_argument("service: expected install, uninstall, start or stop");
  if (action == "install") {
    // The options are checked now, not when the service first fails to start.
    std::vector<std::string> as_run{"run"};
    as_run.insert(as_run.end(), options.begin(), options.end());
    auto cl = fimon::parse_command_line(as_run);
    if (!cl) {
      std::cerr << "fimon: config error: " << cl.error().message() << "\n";
      return 2;
    }
    // The service starts in the system directory: a relative path would point there.
    std::vector<std::string> paths = cl->config.watch;
    paths.push_back(cl->config.config_file);
    paths.push_back(cl->config.state_dir);
    for (const auto& p : paths) {
      if (!p.empty() && !fimon::is_absolute_path(p)) {
        std::cerr << "fimon: config error: service install: '" << p
                  << "' is relative; give absolute paths (the service does not start in this directory)\n";
        return 2;
      }
    }
    done = fimon::platform::install_service(options, state_dir_of(cl->config));
  } else if (action == "uninstall") {
    done = fimon::platform::uninstall_service();
  } else if (action == "start") {
    done = fimon::platform::start_service();
  } else if (action == "stop") {
    done = fimon::platform::stop_service();
  }
  if (!done) {
    std::cerr << "fimon: " << done.error().message() << "\n";
    return done.error().kind() == fimon::ErrorKind::kInvalidArgument ? 2 : 1;
  }
  std::cout << "fimon: service " << action << ": done\n";
  return 0;
}

int run_main(int argc, char** argv) {
  fimon::platform::prepare_termination_handling();
  fimon::platform::restrict_created_files_to_owner();
  // Before any thread exists: capabilities are per thread, and every thread inherits this set.
  const auto kept_capabilities = fimon::platform::drop_unneeded_privileges();
  std::vector<std::string> args = fimon::platform::command_line_arguments(argc, argv);
  if (!args.empty() && args[0] == "service") return run_service_verb(args);
  if (!args.empty() && args[0] == "service-run") {
    // Started by the Service Control Manager: `run` with the options given at install, its log
    // in the state directory (a service has no console).
    args[0] = "run";
    return fimon::platform::run_as_service([&] { return run_verb(args, kept_capabilities, true); });
  }
  return run_verb(args, kept_capabilities);
}

int run_verb(const std::vector<std::string>& args, const fimon::Result<std::string>& kept_capabilities,
             bool as_service) {
  auto cl = fimon::parse_command_line(args);
  if (!cl) {
    std::cerr << "fimon: config error: " << cl.error().message() << "\n";
    return 2;
  }
  if (cl->help || cl->verb.empty()) {
    std::cout << kUsage << fimon::options_help();
    return cl->help ? 0 : 2;
  }
  fimon::Config& config = cl->config;
  const std::string& verb = cl->verb;
  if (verb == "version") {
    std::cout << "fimon " << fimon::kFimonVersion << "\n";
    return 0;
  }
  if (verb == "export-dashboard") return fimon::run_export_dashboard();
  if (verb != "run" && verb != "setup" && verb != "scan" && verb != "status" && verb != "check-config") {
    return usage_error("unknown verb '" + verb + "'");
  }
  for (auto& w : config.watch) {
    w = fimon::normalize_path(fimon::platform::absolute_path(w));
  }
  config.state_dir = state_dir_of(config);
  if (config.es_urls.empty()) config.es_urls.push_back("http://127.0.0.1:9200");
  if (config.index_mode == "index" && config.data_stream == fimon::Config{}.data_stream) {
    config.data_stream = "fimon-file-default";
  }
  if (auto s = fimon::validate(config, verb == "check-config" ? "run" : verb); !s) {
    std::cerr << "fimon: config error: " << s.error().message() << "\n";
    return 2;
  }
  if (as_service) fimon::platform::send_log_to_file(config.state_dir + "/fimon.log");
  fimon::log::Level level;
  fimon::log::parse_level(config.log_level, &level);
  fimon::log::set_level(level);
  if (kept_capabilities) {
    fimon::log::debug("privileges dropped; capabilities kept: ", *kept_capabilities);
  } else {
    fimon::log::warn("could not drop privileges: ", kept_capabilities.error().message());
  }

  if (verb == "check-config") {
    std::cout << fimon::describe(config);
    return 0;
  }
  if (verb == "setup") return fimon::run_setup(config);
  if (verb == "scan") return fimon::run_scan(config);
  if (verb == "status") return fimon::print_status(config.state_dir, 30);
  return fimon::run_agent(config);
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    // Nothing is expected to throw this far; if something does, say what instead of aborting.
    std::cerr << "fimon: fatal: " << e.what() << "\n";
    return 1;
  }
}
