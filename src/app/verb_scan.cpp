// `fimon scan`: one pass comparing the watched trees with the baseline, like an integrity checker.
// Exit 0: nothing changed; 1: changes found (and reported); 2: error.
#include "analysis/analyzer.hpp"
#include "app/agent_context.hpp"
#include "app/baseline_scan.hpp"
#include "app/pipeline.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "platform/lifecycle.hpp"

namespace fimon {

int run_scan(const Config& c) {
  auto runtime = make_runtime(c, Queueing::kMemory);
  if (!runtime) return 2;
  Sink& sink = *runtime->sink;
  Pipeline pipeline(c, runtime->context, &sink, runtime->store.get(), runtime->shadows.get());
  Analyzer analyzer(analyzer_options(c), runtime->store.get(), runtime->shadows.get());
  std::uint64_t changes = 0;
  const std::atomic<bool> stop{false};
  const ScanSummary summary = scan_against_baseline(
      runtime->filter, *runtime->store,
      [&](const WorkItem& item) {
        if (auto event = analyzer.analyse(item)) {
          ++changes;
          pipeline.deliver(std::move(*event));
        }
      },
      stop,
      ScanOptions{c.scan_rate, progress_reporter("scan", platform::stderr_is_terminal()), runtime->skip_dir});
  sink.close(60000);
  const SinkStats& k = sink.stats();
  const std::uint64_t undelivered = k.rejected.load() + k.dropped.load();
  log::info("scan: ", summary.entries, " entries, ", summary.unreadable, " unreadable, ",
            summary.first_baseline ? "first baseline recorded, " : "", changes, " changes (",
            summary.vanished, " deleted), ", k.delivered.load(), " delivered, ", undelivered,
            " not delivered");
  if (undelivered != 0) return 2;
  return changes == 0 ? 0 : 1;  // like an integrity checker: 1 means something changed
}

}  // namespace fimon
