// Encodes a FileEvent as one ECS JSON document (nested objects, one line) and derives its
// deterministic id. Pure: the same event and context always give the same bytes.
#pragma once

#include <string>

#include "core/event.hpp"

namespace fimon {

struct AgentContext {
  std::string agent_id;      // stable per installation
  std::string ephemeral_id;  // per run
  std::string version;
  std::string host_name;
  std::string host_id;
  std::string architecture;
  std::string os_type, os_family, os_name, os_version, os_kernel;
  std::string data_stream;  // e.g. logs-fimon.file-default
};

// Document id: hex of SHA-256(agent id, run id, sequence), 40 characters. A retry of the same event
// maps to the same id (Elasticsearch answers 409 to a repeated create); a new event never does.
std::string document_id(const AgentContext& ctx, std::uint64_t sequence);

// `now` is event.created.
std::string encode_ecs_document(const FileEvent& event, const AgentContext& ctx, const std::string& id,
                                WallTimeNs now);

}  // namespace fimon
