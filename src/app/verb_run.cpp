// `fimon run`: sources -> pipeline -> sink until SIGINT/SIGTERM, then flush and exit 0.
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "app/agent_context.hpp"
#include "app/baseline_scan.hpp"
#include "app/health.hpp"
#include "app/pipeline.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "platform/lifecycle.hpp"
#include "sinks/elasticsearch/client.hpp"

namespace fimon {
namespace {

constexpr auto kStatusInterval = std::chrono::seconds(5);
constexpr std::uint64_t kShutdownDeliveryMs = 10000;

// Logs the health line, writes status.json and (periodically) ships a health document.
class HealthReporter {
 public:
  HealthReporter(const Config& c, const AgentContext& ctx, const Source& source, const Pipeline& pipeline,
                 Sink& sink)
      : config_(c), context_(ctx), source_(source), pipeline_(pipeline), sink_(sink) {}

  void tick(bool ship) {
    const HealthReport report = current();
    write_status_file(config_.state_dir, report, context_);
    if (!ship) return;
    log::info("health: ", health_line(report));
    const std::string id = document_id(context_, ++shipped_);
    const HealthReport* previous = last_shipped_ ? &*last_shipped_ : nullptr;
    sink_.offer(Document{id, encode_health_document(report, previous, context_, id, wall_clock_now())});
    last_shipped_ = report;
    for (const auto& [name, value] : report.counters) {
      if (name == "tracer_blinded") blinded_shipped_ = value;  // what this report carries, no later
    }
  }
  // A blinded write tracer (ETW stopped or disabled by someone) is reported at once, not at the
  // next interval: that is when an attacker acts.
  bool alarm() const { return source_.stats().tracer_blinded.load() != blinded_shipped_; }
  void final() {
    const HealthReport report = current();
    write_status_file(config_.state_dir, report, context_);
    log::info("health (final): ", health_line(report));
  }

 private:
  HealthReport current() const {
    const auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
    return collect_health(source_, pipeline_, sink_, static_cast<std::uint64_t>(uptime.count()));
  }
  const Config& config_;
  const AgentContext& context_;
  const Source& source_;
  const Pipeline& pipeline_;
  Sink& sink_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::uint64_t shipped_ = 0;
  std::optional<HealthReport> last_shipped_;  // what fim.health.increase.* is measured from
  std::uint64_t blinded_shipped_ = 0;
};

void report_cluster(const Config& c) {
  auto client = ElasticsearchClient::create(c.es_urls, http_options(c));
  if (!client) return;
  auto info = (*client)->probe();
  if (info) {
    log::info("elasticsearch: ", info->version, " at ", url_without_credentials(c.es_urls.front()),
              ", shipping to ", c.data_stream);
  } else {
    log::warn("elasticsearch: ", info.error().message(), " (events are kept and retried)");
  }
}

}  // namespace

int run_agent(const Config& c) {
  auto runtime = make_runtime(c, Queueing::kSpool);
  if (!runtime) return 1;
  if (c.output == "elasticsearch") report_cluster(c);
  Sink& sink = *runtime->sink;

  Pipeline pipeline(c, runtime->context, &sink, runtime->store.get(), runtime->shadows.get());
  SourceContext source_context{
      &runtime->filter,     &pipeline,  platform::current_pid(), pipeline.write_ledger(), c.ebpf_ring_buffer,
      c.ebpf_capture_bytes, c.state_dir};
  auto source = make_source(c.backend, source_context);
  if (!source) {
    log::error("no file activity source could start: ", source.error().message());
    return 1;
  }
  pipeline.start();
  if (auto s = (*source)->start(); !s) {
    log::error(s.error().message());
    return 1;
  }

  // Catch up on what changed while the agent was not running, while live events already flow.
  std::atomic<bool> stop_scan{false};
  std::thread catch_up;
  if (c.scan_at_start) {
    catch_up = std::thread([&] {
      platform::name_current_thread("fimon-scan");
      (void)platform::lower_current_thread_priority(static_cast<unsigned>(c.analysis_nice));
      const ScanSummary s = scan_against_baseline(
          runtime->filter, *runtime->store, [&](WorkItem item) { pipeline.submit_work(std::move(item)); },
          stop_scan, ScanOptions{c.scan_rate, progress_reporter("start-up scan", false), runtime->skip_dir});
      log::info("start-up scan: ", s.entries, " entries, ", s.unreadable, " unreadable, ",
                s.first_baseline ? "first baseline recorded" : "compared with the baseline", ", ", s.vanished,
                " gone since");
    });
  }
  log::info("fimon ", kFimonVersion, " running: ", c.watch.size(), " watched trees, source ",
            (*source)->name(), ", agent id ", runtime->context.agent_id);

  HealthReporter health(c, runtime->context, **source, pipeline, sink);
  health.tick(false);
  const auto health_interval = std::chrono::milliseconds(c.health_interval_ms);
  auto next_status = std::chrono::steady_clock::now() + kStatusInterval;
  auto next_health = std::chrono::steady_clock::now() + health_interval;
  while (!platform::wait_for_termination(std::chrono::milliseconds(500))) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_status || now >= next_health || health.alarm()) {
      const bool ship = now >= next_health || health.alarm();
      health.tick(ship);
      next_status = now + kStatusInterval;
      if (ship) next_health = now + health_interval;
    }
  }
  log::info("stopping: flushing pending changes");
  sink.begin_shutdown();  // a full queue that cannot drain must not hold the shutdown forever
  stop_scan = true;
  if (catch_up.joinable()) catch_up.join();
  (*source)->stop();
  pipeline.drain_and_stop();
  sink.close(kShutdownDeliveryMs);
  health.final();
  return 0;
}

}  // namespace fimon
