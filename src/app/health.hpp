// The running agent's health: gathered from the source, pipeline and sink counters, then logged,
// written to `<state-dir>/status.json` (read by `fimon status`) and shipped as a metric document.
#pragma once

#include <cstdint>
#include <string>

#include "app/pipeline.hpp"
#include "core/health_document.hpp"
#include "sinks/sink.hpp"
#include "sources/source.hpp"

namespace fimon {

HealthReport collect_health(const Source& source, const Pipeline& pipeline, const Sink& sink,
                            std::uint64_t uptime_s);

// "name=value ..." on one line, for the log.
std::string health_line(const HealthReport& report);

// Replaces `<state-dir>/status.json` (0600) atomically; errors are logged once, never fatal.
void write_status_file(const std::string& state_dir, const HealthReport& report, const AgentContext& ctx);

// `fimon status`: prints the last status the agent wrote. 0 when it is fresh (written within
// `fresh_within_s`), 1 when it is stale or missing (the agent is not running, or stuck).
int print_status(const std::string& state_dir, std::uint64_t fresh_within_s);

}  // namespace fimon
