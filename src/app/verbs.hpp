// The CLI verbs. Each returns the process exit code: 0 success, 1 runtime failure (message logged),
// 2 bad configuration.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "core/config.hpp"
#include "core/ecs_document.hpp"
#include "core/path_filter.hpp"
#include "core/result.hpp"
#include "platform/http.hpp"
#include "sinks/sink.hpp"
#include "state/baseline_store.hpp"
#include "state/shadow_store.hpp"

namespace fimon {

int run_agent(const Config& config);
int run_setup(const Config& config);
int run_export_dashboard();
int run_scan(const Config& config);

// What run and scan share: who we are, where documents go, and what is watched (the agent's own
// state is never monitored, whatever the watch list says).
struct Runtime {
  AgentContext context;
  std::unique_ptr<Sink> sink;
  PathFilter filter;
  std::unique_ptr<BaselineStore> store;
  std::unique_ptr<ShadowStore> shadows;
  std::function<bool(const std::string&)> skip_dir;  // never entered: see make_unmonitorable_dir_predicate
};
// How documents wait for Elasticsearch: in the durable spool (the agent: one process owns
// state-dir/spool) or in memory (one-shot verbs, which may run beside the agent).
enum class Queueing { kSpool, kMemory };

// Logs the reason and returns nullopt when the agent cannot start.
std::optional<Runtime> make_runtime(const Config& config, Queueing queueing);

// The configured sink: Elasticsearch or the console.
Result<std::unique_ptr<Sink>> make_sink(const Config& config, Queueing queueing);
platform::HttpOptions http_options(const Config& config);

}  // namespace fimon
