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

// A file event's document id: hex of SHA-256 over the agent id and what identifies the change —
// path, action, baseline generation, ctime, previous mtime, first hash, previous path — 40
// characters. Deterministic across retries, spool replays and restarts: when a crash loses the
// baseline update of an event that was already queued, the catch-up scan reports the same change
// again with the same id, and Elasticsearch answers 409 instead of storing a duplicate.
std::string document_id(const AgentContext& ctx, const FileEvent& event);
// Documents that are not file changes (health reports): SHA-256(agent id, run id, sequence).
std::string document_id(const AgentContext& ctx, std::uint64_t sequence);

class JsonWriter;
// Shared by every document fimon writes: data_stream.* (for logs-* targets), host.* and agent.*.
void write_data_stream(JsonWriter& w, const std::string& name);
void write_host_and_agent(JsonWriter& w, const AgentContext& ctx);

// `now` is event.created.
std::string encode_ecs_document(const FileEvent& event, const AgentContext& ctx, const std::string& id,
                                WallTimeNs now);

}  // namespace fimon
