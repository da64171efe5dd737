// `fimon run`: sources -> pipeline -> sink until SIGINT/SIGTERM, then flush and exit 0.
#include <atomic>
#include <chrono>
#include <thread>

#include "app/agent_context.hpp"
#include "app/baseline_scan.hpp"
#include "app/pipeline.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "sinks/elasticsearch/client.hpp"

namespace fimon {
namespace {

constexpr auto kStatsInterval = std::chrono::seconds(60);
constexpr std::uint64_t kShutdownDeliveryMs = 10000;

void log_stats(const char* when, const Source& source, const Pipeline& pipeline, const Sink& sink) {
  const SourceStats& s = source.stats();
  const SinkStats& k = sink.stats();
  log::info("stats (", when, "): source=", source.name(), " kernel_events=", s.events.load(),
            " changes=", s.changes.load(), " overflows=", s.overflows.load(),
            " unresolved=", s.unresolved.load(), " refused=", s.refused.load(), " rescans=", s.rescans.load(),
            " analysed=", pipeline.stats().analysed.load(), " unchanged=", pipeline.stats().unchanged.load(),
            " pending=", pipeline.pending(), " delivered=", k.delivered.load(),
            " duplicates=", k.duplicates.load(), " retried=", k.retried.load(),
            " rejected=", k.rejected.load(), " dropped=", k.dropped.load());
}

void report_cluster(const Config& c) {
  auto client = ElasticsearchClient::create(c.es_urls, http_options(c));
  if (!client) return;
  auto info = (*client)->probe();
  if (info) {
    log::info("elasticsearch: ", info->version, " at ", c.es_urls.front(), ", shipping to ", c.data_stream);
  } else {
    log::warn("elasticsearch: ", info.error().message(), " (events are kept and retried)");
  }
}

}  // namespace

int run_agent(const Config& c) {
  auto runtime = make_runtime(c);
  if (!runtime) return 1;
  if (c.output == "elasticsearch") report_cluster(c);
  Sink& sink = *runtime->sink;

  Pipeline pipeline(c, runtime->context, &sink, runtime->store.get(), runtime->shadows.get());
  SourceContext source_context{&runtime->filter, &pipeline, platform::current_pid()};
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
      const ScanSummary s = scan_against_baseline(
          runtime->filter, *runtime->store, [&](WorkItem item) { pipeline.submit_work(std::move(item)); },
          stop_scan, ScanOptions{c.scan_rate, progress_reporter("start-up scan", false)});
      log::info("start-up scan: ", s.entries, " entries, ", s.unreadable, " unreadable, ",
                s.first_baseline ? "first baseline recorded" : "compared with the baseline", ", ", s.vanished,
                " gone since");
    });
  }
  log::info("fimon ", kFimonVersion, " running: ", c.watch.size(), " watched trees, source ",
            (*source)->name(), ", agent id ", runtime->context.agent_id);

  auto next_stats = std::chrono::steady_clock::now() + kStatsInterval;
  while (!platform::wait_for_termination(std::chrono::milliseconds(500))) {
    if (std::chrono::steady_clock::now() >= next_stats) {
      log_stats("periodic", **source, pipeline, sink);
      next_stats += kStatsInterval;
    }
  }
  log::info("stopping: flushing pending changes");
  stop_scan = true;
  if (catch_up.joinable()) catch_up.join();
  (*source)->stop();
  pipeline.drain_and_stop();
  sink.close(kShutdownDeliveryMs);
  log_stats("final", **source, pipeline, sink);
  return 0;
}

}  // namespace fimon
