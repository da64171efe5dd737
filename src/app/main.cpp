// fimon: file integrity and activity monitoring agent.
#include <iostream>

#include "app/agent_context.hpp"
#include "app/health.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "core/path_filter.hpp"
#include "platform/fs.hpp"
#include "platform/lifecycle.hpp"

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
    "options (also YAML keys in --config FILE):\n"
    "  --config FILE                    YAML file with the options below\n";

int usage_error(const std::string& message) {
  std::cerr << "fimon: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

namespace {
int run_main(int argc, char** argv) {
  fimon::platform::prepare_termination_handling();
  fimon::platform::restrict_created_files_to_owner();
  // Before any thread exists: capabilities are per thread, and every thread inherits this set.
  const auto kept_capabilities = fimon::platform::drop_unneeded_privileges();
  const std::vector<std::string> args = fimon::platform::command_line_arguments(argc, argv);
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
  if (config.state_dir == fimon::Config{}.state_dir) config.state_dir = fimon::platform::default_state_dir();
  if (config.es_urls.empty()) config.es_urls.push_back("http://127.0.0.1:9200");
  if (config.index_mode == "index" && config.data_stream == fimon::Config{}.data_stream) {
    config.data_stream = "fimon-file-default";
  }
  if (auto s = fimon::validate(config, verb == "check-config" ? "run" : verb); !s) {
    std::cerr << "fimon: config error: " << s.error().message() << "\n";
    return 2;
  }
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
