#include "core/health_document.hpp"

#include <string_view>

#include "core/ecs_fields.hpp"
#include "core/json_writer.hpp"

namespace fimon {

const std::vector<std::pair<const char*, const char*>>& health_counter_names() {
  static const std::vector<std::pair<const char*, const char*>> names = {
      {"uptime_s", "seconds since the agent started"},
      {"kernel_events", "events read from the kernel feed"},
      {"changes", "file changes handed to the coalescer"},
      {"kernel_drops", "kernel queue overflows (each triggers a rescan)"},
      {"rescans", "reconciliation rescans run"},
      {"unresolved", "kernel events whose path could not be resolved"},
      {"traced_writes", "writes reported by the kernel write tracer (eBPF, ETW)"},
      {"traced_dropped",
       "traced writes not kept: the ledger of written files was full (their events lack fim.writes)"},
      {"traced_lost",
       "write tracer records the kernel lost (ETW events or buffers lost; their writes lack fim.writes)"},
      {"tracer_blinded",
       "times the write tracer was stopped, disabled or went silent while files changed (ETW), each "
       "with an error in the log; names keep coming from ReadDirectoryChangesW"},
      {"pending_files", "changed files waiting for analysis (coalescer and work queues)"},
      {"analysed", "files analysed"},
      {"unchanged", "files analysed and found identical to the baseline"},
      {"submitted", "documents queued for Elasticsearch"},
      {"delivered", "documents Elasticsearch accepted (incl. duplicates)"},
      {"duplicates", "documents Elasticsearch already had (409, after a retry or replay)"},
      {"retried", "documents sent again after a retryable failure"},
      {"rejected", "documents Elasticsearch refused for good"},
      {"dead_lettered", "refused documents kept in the dead-letter file"},
      {"dropped", "documents lost (shutdown with no spool)"},
      {"queue_full", "times the spool filled and analysis had to wait"},
      {"queue_errors", "failed spool writes or syncs (disk full...), retried"},
      {"spool_documents", "documents waiting in the spool"},
      {"spool_bytes", "spool bytes not yet acknowledged by Elasticsearch"},
      {"es_requests", "_bulk requests sent"},
      {"es_latency_ms", "mean _bulk round trip since start, in ms"},
  };
  return names;
}

const std::vector<const char*>& health_increase_names() {
  static const std::vector<const char*> names = {
      "kernel_drops", "traced_dropped", "traced_lost",   "tracer_blinded", "rescans",    "unresolved",
      "retried",      "rejected",       "dead_lettered", "dropped",        "queue_full", "queue_errors"};
  return names;
}

namespace {
std::uint64_t counter(const HealthReport& report, std::string_view name) {
  for (const auto& [n, value] : report.counters) {
    if (n == name) return value;
  }
  return 0;
}
}  // namespace

std::string encode_health_document(const HealthReport& report, const HealthReport* previous,
                                   const AgentContext& ctx, const std::string& id, WallTimeNs now) {
  JsonWriter w;
  w.begin_object();
  w.field("@timestamp", format_rfc3339(now));
  w.key("ecs").begin_object().field("version", kEcsVersion).end_object();
  w.key("event").begin_object();
  w.field("kind", "metric");
  w.key("category").begin_array().value("host").end_array();
  w.key("type").begin_array().value("info").end_array();
  w.field("id", id);
  w.field("module", "fimon");
  w.field("dataset", "fimon.health");
  w.field("created", format_rfc3339(now));
  w.end_object();
  write_data_stream(w, ctx.data_stream);
  write_host_and_agent(w, ctx);
  w.key("fim").begin_object();
  w.field("source", report.backend);
  w.key("health").begin_object();
  for (const auto& [name, value] : report.counters) w.field(name, value);
  w.key("increase").begin_object();
  for (const char* name : health_increase_names()) {
    const std::uint64_t now_value = counter(report, name);
    const std::uint64_t before = previous ? counter(*previous, name) : 0;
    w.field(name, now_value >= before ? now_value - before : now_value);
  }
  w.end_object();
  w.end_object();
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace fimon
