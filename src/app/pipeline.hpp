// The agent's pipeline from RawChange to Document:
//   sources -> on_change() -> Coalescer -> dispatcher -> per-worker queues -> Analyzer -> Sink
// Work is partitioned by path: one path always goes to the same worker, so a file's events are
// analysed, compared with the baseline and numbered in the order they happened. Numbers
// (event.sequence) are taken as documents are handed to the sink, so a run's numbers are gap-free:
// a hole in Elasticsearch means a lost document, not a skipped number.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "analysis/analyzer.hpp"
#include "core/bounded_queue.hpp"
#include "core/coalescer.hpp"
#include "core/commit_gate.hpp"
#include "core/config.hpp"
#include "core/ecs_document.hpp"
#include "core/write_ledger.hpp"
#include "sinks/sink.hpp"
#include "sources/source.hpp"
#include "state/baseline_store.hpp"
#include "state/shadow_store.hpp"

namespace fimon {

struct PipelineStats {
  std::atomic<std::uint64_t> analysed{0};
  std::atomic<std::uint64_t> unchanged{0};  // analysed, found identical to the baseline: no document
  std::atomic<std::uint64_t> sequence{0};   // last assigned event.sequence
};

AnalyzerOptions analyzer_options(const Config& config);

class Pipeline final : public ChangeSink {
 public:
  // `sink` and the stores are borrowed and must outlive the pipeline; the stores may be null.
  Pipeline(const Config& config, AgentContext context, Sink* sink, BaselineStore* store,
           ShadowStore* shadows);
  ~Pipeline() override;

  bool on_change(RawChange&& change) override;
  void start();
  // Analyses everything still pending (ready or not), then stops the workers.
  void drain_and_stop();

  // Queues work that did not come through the coalescer (the start-up catch-up scan).
  void submit_work(WorkItem item) { dispatch(std::move(item)); }
  // Numbers, encodes and submits one analysed event (also used by `fimon scan`).
  void deliver(FileEvent event);

  const PipelineStats& stats() const { return stats_; }
  // Where a write tracer records what it saw; every analyser reads it.
  WriteLedger* write_ledger() { return &ledger_; }
  std::size_t pending() const;

 private:
  void dispatch(WorkItem item);
  void dispatch_loop();
  void worker_loop(BoundedQueue<WorkItem>& queue);
  // Makes the queued events durable, then commits the baseline (with no worker mid-change).
  void commit();

  const Config& config_;
  AgentContext context_;
  Sink* sink_;
  BaselineStore* store_;
  ShadowStore* shadows_;
  CommitGate commit_gate_;
  Coalescer coalescer_;
  WriteLedger ledger_;
  std::vector<std::unique_ptr<BoundedQueue<WorkItem>>> queues_;  // one per worker
  PipelineStats stats_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> not_queued_{0};  // events the sink refused at shutdown
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

}  // namespace fimon
