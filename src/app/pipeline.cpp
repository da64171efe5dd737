#include "app/pipeline.hpp"

#include <functional>

#include "core/log.hpp"
#include "platform/lifecycle.hpp"

namespace fimon {
namespace {
constexpr auto kTick = std::chrono::milliseconds(50);
constexpr std::size_t kQueueCapacity = 1024;

CoalescerTiming timing_from(const Config& c) {
  CoalescerTiming t;
  t.close_settle = std::chrono::milliseconds(c.close_settle_ms);
  t.quiet_period = std::chrono::milliseconds(c.quiet_period_ms);
  t.max_delay = std::chrono::milliseconds(c.max_delay_ms);
  return t;
}
}  // namespace

AnalyzerOptions analyzer_options(const Config& c) {
  AnalyzerOptions o;
  o.hashes = c.hashes;
  o.max_file_size = c.max_file_size;
  o.excerpt_bytes = c.excerpt_bytes;
  o.max_ranges = c.max_ranges;
  o.content_exclude = c.content_exclude;
  o.diff_paths = c.diff_paths;
  o.diff_max_file_size = c.diff_max_file_size;
  o.diff_max_bytes = c.diff_max_bytes;
  return o;
}

Pipeline::Pipeline(const Config& config, AgentContext context, Sink* sink, BaselineStore* store,
                   ShadowStore* shadows)
    : config_(config),
      context_(std::move(context)),
      sink_(sink),
      store_(store),
      shadows_(shadows),
      coalescer_(timing_from(config), config.max_pending_files) {
  for (std::uint64_t k = 0; k < config.workers; ++k) {
    queues_.push_back(std::make_unique<BoundedQueue<WorkItem>>(kQueueCapacity));
  }
}

Pipeline::~Pipeline() {
  drain_and_stop();
}

bool Pipeline::on_change(RawChange&& change) {
  return coalescer_.add(change, steady_now());
}

void Pipeline::start() {
  if (store_ != nullptr) store_->set_caller_commits(true);  // see commit()
  dispatcher_ = std::thread([this] {
    platform::name_current_thread("fimon-dispatch");
    dispatch_loop();
  });
  for (auto& q : queues_) workers_.emplace_back([this, queue = q.get()] { worker_loop(*queue); });
}

std::size_t Pipeline::pending() const {
  std::size_t n = coalescer_.pending();
  for (const auto& q : queues_) n += q->size();
  return n;
}

void Pipeline::dispatch(WorkItem item) {
  // A rename is keyed by its new name: later events of the file arrive under that name.
  const std::size_t worker = std::hash<std::string>{}(item.path) % queues_.size();
  queues_[worker]->push(std::move(item));
}

void Pipeline::dispatch_loop() {
  while (!stopping_) {
    for (auto& item : coalescer_.take_ready(steady_now(), kQueueCapacity)) dispatch(std::move(item));
    std::this_thread::sleep_for(kTick);
  }
}

void Pipeline::worker_loop(BoundedQueue<WorkItem>& queue) {
  platform::name_current_thread("fimon-analyse");
  // Analysis can wait; the host's own work and the kernel queues' readers cannot.
  if (!platform::lower_current_thread_priority(static_cast<unsigned>(config_.analysis_nice)))
    log::warn("analysis-nice: the analysis thread's priority could not be lowered");
  Analyzer analyzer(analyzer_options(config_), store_, shadows_, &ledger_);
  while (auto item = queue.pop()) {
    if (not_queued_ > 0) continue;  // shutdown with nowhere to queue: the start-up scan will see it
    {
      // The baseline update and the queued event go together: no commit between them.
      CommitGateEntry inside(commit_gate_);
      auto event = analyzer.analyse(*item);
      ++stats_.analysed;
      if (event) {
        deliver(std::move(*event));
      } else {
        ++stats_.unchanged;
      }
    }
    if (store_ != nullptr && (queue.size() == 0 || store_->commit_due())) commit();
  }
}

void Pipeline::commit() {
  commit_gate_.alone([this] {
    // An event that could not be queued must not have its baseline committed: rolled back, the
    // change is found again by the next start-up scan (and reported with the same id).
    if (not_queued_ > 0) {
      if (auto s = store_->rollback(); !s) log::error(s.error().message());
      return;
    }
    if (!sink_->sync()) return;  // events not durable: the baseline must not get ahead of them
    if (auto s = store_->flush(); !s) log::error(s.error().message());
  });
}

void Pipeline::deliver(FileEvent event) {
  event.sequence = ++stats_.sequence;
  const std::string id = document_id(context_, event);
  if (!sink_->submit(Document{id, encode_ecs_document(event, context_, id, wall_clock_now())})) ++not_queued_;
}

void Pipeline::drain_and_stop() {
  if (stopping_.exchange(true)) return;
  if (dispatcher_.joinable()) dispatcher_.join();
  if (!workers_.empty()) {
    for (auto& item : coalescer_.take_all()) dispatch(std::move(item));
  }
  for (auto& q : queues_) q->close();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  if (store_ != nullptr && !workers_.empty()) commit();
  if (not_queued_ > 0) {
    log::warn(not_queued_.load(),
              " changes could not be queued before shutdown (Elasticsearch unreachable and the ",
              "spool full); their baseline was not updated, so the next start-up scan reports them");
  }
}

}  // namespace fimon
