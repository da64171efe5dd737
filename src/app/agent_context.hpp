// Builds what every document says about the agent and host: a stable agent id kept in the state
// directory (created 0700 on first run), a fresh id per run, and host facts.
#pragma once

#include "core/config.hpp"
#include "core/ecs_document.hpp"
#include "core/result.hpp"

namespace fimon {

inline constexpr const char* kFimonVersion = FIMON_VERSION;

Result<AgentContext> make_agent_context(const Config& config);
std::string random_hex_id(std::size_t bytes);

}  // namespace fimon
