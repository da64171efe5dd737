// The agent's own health as numbers: logged periodically, written to state-dir/status.json for
// `fimon status`, and shipped to Elasticsearch as an `event.kind: metric` document, so a silent
// agent (blinded, backlogged, dropping) shows up on the dashboard beside the file events.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/ecs_document.hpp"

namespace fimon {

struct HealthReport {
  std::string backend;  // the active file activity source
  // In the order they are shown; each is a fim.health.<name> field (see ecs_fields.cpp).
  std::vector<std::pair<std::string, std::uint64_t>> counters;
};

// The fim.health.<name> counters every report carries, with what they count.
const std::vector<std::pair<const char*, const char*>>& health_counter_names();

// The counters of lost or degraded coverage whose increase since the previous report each report
// also carries, as fim.health.increase.<name>. Running totals restart with the agent and cannot be
// added up across hosts; increases can: their sum over time and hosts is "drops per interval".
const std::vector<const char*>& health_increase_names();

// `previous`: the report shipped before this one in the same run, or null for the first.
std::string encode_health_document(const HealthReport& report, const HealthReport* previous,
                                   const AgentContext& ctx, const std::string& id, WallTimeNs now);

}  // namespace fimon
