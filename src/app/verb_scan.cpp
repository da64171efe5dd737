// `fimon scan`: one pass over the watched trees, one `scanned` document per entry. (The baseline
// store that makes scans compare against the last state arrives with issue 3.)
#include "analysis/analyzer.hpp"
#include "app/agent_context.hpp"
#include "app/pipeline.hpp"
#include "app/verbs.hpp"
#include "core/log.hpp"
#include "sources/scan/tree_walk.hpp"

namespace fimon {

int run_scan(const Config& c) {
  auto runtime = make_runtime(c);
  if (!runtime) return 1;
  Sink& sink = *runtime->sink;
  Pipeline pipeline(c, runtime->context, &sink);
  Analyzer analyzer(AnalyzerOptions{c.hashes, c.max_file_size});
  WalkOptions walk;
  const WalkStats walked =
      walk_trees(runtime->filter, walk, [&](const std::string& path, const FileMeta& meta) {
        WorkItem item;
        item.action = Action::kScanned;
        item.path = path;
        item.is_dir = meta.type == FileType::kDir;
        item.time = wall_clock_now();
        item.source = "scan";
        pipeline.number(item);
        pipeline.deliver(analyzer.analyse(item));
        return true;
      });
  sink.close(60000);
  const SinkStats& k = sink.stats();
  log::info("scan: ", walked.entries, " entries, ", walked.errors, " unreadable, ", k.delivered.load(),
            " delivered, ", k.rejected.load() + k.dropped.load(), " not delivered");
  return k.rejected.load() + k.dropped.load() == 0 ? 0 : 1;
}

}  // namespace fimon
