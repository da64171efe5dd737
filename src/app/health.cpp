#include "app/health.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "platform/lifecycle.hpp"

namespace fimon {
namespace {
namespace fs = std::filesystem;
constexpr const char* kStatusFile = "status.json";
}  // namespace

HealthReport collect_health(const Source& source, const Pipeline& pipeline, const Sink& sink,
                            std::uint64_t uptime_s) {
  const SourceStats& s = source.stats();
  const PipelineStats& p = pipeline.stats();
  const SinkStats& k = sink.stats();
  const std::uint64_t requests = k.requests.load();
  HealthReport r;
  r.backend = source.name();
  r.counters = {
      {"uptime_s", uptime_s},
      {"kernel_events", s.events.load()},
      {"changes", s.changes.load()},
      {"kernel_drops", s.overflows.load()},
      {"rescans", s.rescans.load()},
      {"unresolved", s.unresolved.load()},
      {"traced_writes", s.traced_writes.load()},
      {"traced_dropped", s.traced_dropped.load()},
      {"traced_lost", s.traced_lost.load()},
      {"tracer_blinded", s.tracer_blinded.load()},
      {"pending_files", pipeline.pending()},
      {"analysed", p.analysed.load()},
      {"unchanged", p.unchanged.load()},
      {"submitted", k.submitted.load()},
      {"delivered", k.delivered.load()},
      {"duplicates", k.duplicates.load()},
      {"retried", k.retried.load()},
      {"rejected", k.rejected.load()},
      {"dead_lettered", k.dead_lettered.load()},
      {"dropped", k.dropped.load()},
      {"queue_full", k.queue_full.load()},
      {"queue_errors", k.queue_errors.load()},
      {"spool_documents", sink.queued_documents()},
      {"spool_bytes", sink.queued_bytes()},
      {"es_requests", requests},
      {"es_latency_ms", requests == 0 ? 0 : k.latency_ms_total.load() / requests},
  };
  return r;
}

std::string health_line(const HealthReport& report) {
  std::ostringstream out;
  out << "source=" << report.backend;
  for (const auto& [name, value] : report.counters) out << ' ' << name << '=' << value;
  return out.str();
}

void write_status_file(const std::string& state_dir, const HealthReport& report, const AgentContext& ctx) {
  nlohmann::ordered_json doc;
  doc["time"] = format_rfc3339(wall_clock_now());
  doc["unix_time"] = wall_clock_now() / 1'000'000'000;
  doc["pid"] = platform::current_pid();
  doc["agent_id"] = ctx.agent_id;
  doc["version"] = ctx.version;
  doc["backend"] = report.backend;
  for (const auto& [name, value] : report.counters) doc[name] = value;
  const fs::path tmp = fs::path(state_dir) / (std::string(kStatusFile) + ".tmp");
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(2) << '\n';
    if (!out) ec = std::make_error_code(std::errc::io_error);
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  if (!ec) fs::rename(tmp, fs::path(state_dir) / kStatusFile, ec);
  static std::atomic<unsigned long long> failures{0};
  if (ec && log::should_log_occurrence(++failures))
    log::warn("cannot write ", (fs::path(state_dir) / kStatusFile).string(), ": ", ec.message());
}

int print_status(const std::string& state_dir, std::uint64_t fresh_within_s) {
  const fs::path file = fs::path(state_dir) / kStatusFile;
  std::ifstream in(file);
  if (!in) {
    std::cerr << "fimon status: no status in " << file.string()
              << " (the agent has not run with this state-dir)\n";
    return 1;
  }
  const auto doc = nlohmann::ordered_json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("unix_time")) {
    std::cerr << "fimon status: " << file.string() << " is not a status file fimon wrote\n";
    return 1;
  }
  for (const auto& [key, value] : doc.items()) {
    std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << '\n';
  }
  const auto written = doc["unix_time"].is_number_integer() ? doc["unix_time"].get<std::int64_t>() : 0;
  const std::int64_t age = wall_clock_now() / 1'000'000'000 - written;
  std::cout << "age_s: " << age << '\n';
  if (age < 0 || static_cast<std::uint64_t>(age) > fresh_within_s) {
    std::cerr << "fimon status: the last report is " << age
              << " s old: the agent is not running or is stuck\n";
    return 1;
  }
  return 0;
}

}  // namespace fimon
