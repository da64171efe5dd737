#include "app/pipeline.hpp"

#include "core/log.hpp"

namespace fimon {
namespace {
constexpr auto kTick = std::chrono::milliseconds(50);
constexpr std::size_t kWorkQueueCapacity = 4096;

CoalescerTiming timing_from(const Config& c) {
  CoalescerTiming t;
  t.close_settle = std::chrono::milliseconds(c.close_settle_ms);
  t.quiet_period = std::chrono::milliseconds(c.quiet_period_ms);
  t.max_delay = std::chrono::milliseconds(c.max_delay_ms);
  return t;
}
}  // namespace

Pipeline::Pipeline(const Config& config, AgentContext context, Sink* sink)
    : config_(config),
      context_(std::move(context)),
      sink_(sink),
      coalescer_(timing_from(config), config.max_pending_files),
      work_(kWorkQueueCapacity) {}

Pipeline::~Pipeline() {
  drain_and_stop();
}

bool Pipeline::on_change(RawChange&& change) {
  return coalescer_.add(change, steady_now());
}

void Pipeline::start() {
  dispatcher_ = std::thread([this] { dispatch_loop(); });
  for (std::uint64_t k = 0; k < config_.workers; ++k) workers_.emplace_back([this] { worker_loop(); });
}

void Pipeline::dispatch_loop() {
  while (!stopping_) {
    for (auto& item : coalescer_.take_ready(steady_now(), kWorkQueueCapacity)) {
      number(item);
      if (!work_.push(std::move(item))) return;
    }
    std::this_thread::sleep_for(kTick);
  }
}

void Pipeline::worker_loop() {
  Analyzer analyzer(AnalyzerOptions{config_.hashes, config_.max_file_size});
  while (auto item = work_.pop()) {
    deliver(analyzer.analyse(*item));
    ++stats_.analysed;
  }
}

void Pipeline::deliver(const FileEvent& event) {
  const std::string id = document_id(context_, event.sequence);
  sink_->submit(Document{id, encode_ecs_document(event, context_, id, wall_clock_now())});
}

void Pipeline::drain_and_stop() {
  if (stopping_.exchange(true)) return;
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& item : coalescer_.take_all()) {
    number(item);
    if (!work_.push(std::move(item))) break;
  }
  work_.close();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

}  // namespace fimon
