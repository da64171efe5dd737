// The agent's pipeline from RawChange to Document:
//   sources -> on_change() -> Coalescer -> dispatcher thread -> work queue -> analysis workers -> Sink
// Work items are numbered (event.sequence) as they leave the coalescer, in its order, so one file's
// events keep their order even though several workers analyse in parallel; every numbered item
// becomes exactly one document, so the numbers of a run are gap-free: a hole in Elasticsearch
// means a lost document, not a skipped number.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "analysis/analyzer.hpp"
#include "core/bounded_queue.hpp"
#include "core/coalescer.hpp"
#include "core/config.hpp"
#include "core/ecs_document.hpp"
#include "sinks/sink.hpp"
#include "sources/source.hpp"

namespace fimon {

struct PipelineStats {
  std::atomic<std::uint64_t> analysed{0};
  std::atomic<std::uint64_t> sequence{0};  // last assigned event.sequence
};

class Pipeline final : public ChangeSink {
 public:
  // `sink` is borrowed and must outlive the pipeline.
  Pipeline(const Config& config, AgentContext context, Sink* sink);
  ~Pipeline() override;

  bool on_change(RawChange&& change) override;
  void start();
  // Analyses everything still pending (ready or not), then stops the workers.
  void drain_and_stop();

  // Numbers a work item; every numbered item must reach deliver().
  void number(WorkItem& item) { item.sequence = ++stats_.sequence; }
  // Encodes and submits one analysed event (also used by `fimon scan`).
  void deliver(const FileEvent& event);

  const PipelineStats& stats() const { return stats_; }
  std::size_t pending() const { return coalescer_.pending() + work_.size(); }

 private:
  void dispatch_loop();
  void worker_loop();

  const Config& config_;
  AgentContext context_;
  Sink* sink_;
  Coalescer coalescer_;
  BoundedQueue<WorkItem> work_;
  PipelineStats stats_;
  std::atomic<bool> stopping_{false};
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

}  // namespace fimon
