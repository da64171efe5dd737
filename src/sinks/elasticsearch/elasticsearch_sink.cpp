#include "sinks/elasticsearch/elasticsearch_sink.hpp"

#include <algorithm>
#include <random>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "platform/lifecycle.hpp"
#include "sinks/elasticsearch/batch_timing.hpp"
#include "sinks/queue/memory_queue.hpp"

namespace fimon {
namespace {
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{30000};
constexpr std::chrono::seconds kQueueRetry{1};

// Only what parse_bulk_response reads: a full answer repeats index, id, version, shards and
// sequence numbers for every document, which the node spends CPU writing and we spend parsing
// (the JSON parser was 1% of the agent's CPU in a burst).
constexpr const char* kBulkPath = "/_bulk?filter_path=items.*.status,items.*.error.type,items.*.error.reason";

}  // namespace

Result<std::unique_ptr<ElasticsearchSink>> ElasticsearchSink::create(ElasticsearchSinkOptions options) {
  auto client = ElasticsearchClient::create(options.urls, options.http);
  if (!client) return client.error();
  return std::unique_ptr<ElasticsearchSink>(
      new ElasticsearchSink(std::move(options), std::move(client.value())));
}

ElasticsearchSink::ElasticsearchSink(ElasticsearchSinkOptions options,
                                     std::unique_ptr<ElasticsearchClient> client)
    : options_(std::move(options)),
      queue_(options_.queue ? std::move(options_.queue)
                            : std::make_unique<MemoryQueue>(options_.queue_capacity)),
      client_(std::move(client)) {
  if (!options_.dead_letter_path.empty())
    dead_letters_ =
        std::make_unique<DeadLetterFile>(options_.dead_letter_path, options_.dead_letter_max_bytes);
  shipper_ = std::thread([this] {
    platform::name_current_thread("fimon-ship");
    run();
  });
}

ElasticsearchSink::~ElasticsearchSink() {
  close(0);
}

bool ElasticsearchSink::queue(const Document& doc, bool wait_for_room) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (int attempt = 0;; ++attempt) {
    if (closing_) {
      ++stats_.dropped;
      log::error("elasticsearch: a document arrived after shutdown began and was dropped");
      return false;
    }
    lock.unlock();
    const Status appended = queue_->append(doc);
    lock.lock();
    if (appended) {
      ++stats_.submitted;
      if (full_) log::info("elasticsearch: the queue has room again; analysis resumes");
      full_ = false;
      wake_shipper_.notify_one();
      return true;
    }
    // Shutting down: a little patience (Elasticsearch may be draining the queue), then give up.
    if (!wait_for_room || (shutting_down_ && (gave_up_ || attempt >= 2))) {
      gave_up_ = gave_up_ || shutting_down_;  // the next ones need not wait either
      return false;
    }
    if (appended.error().kind() == ErrorKind::kExhausted) {
      // Analysis waits here; the coalescer keeps merging changes per file meanwhile.
      if (!full_) {
        ++stats_.queue_full;
        log::warn("elasticsearch: ", appended.error().message(),
                  "; analysis waits for Elasticsearch to catch up");
      }
      full_ = true;
    } else if (log::should_log_occurrence(++stats_.queue_errors)) {
      log::error("elasticsearch: cannot queue a document: ", appended.error().message(), " (retrying)");
    }
    space_available_.wait_for(lock, kQueueRetry);
  }
}

void ElasticsearchSink::begin_shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shutting_down_ = true;
  space_available_.notify_all();
}

bool ElasticsearchSink::sync() {
  const Status s = queue_->sync();
  if (!s && log::should_log_occurrence(++stats_.queue_errors))
    log::error("elasticsearch: cannot sync the spool: ", s.error().message(), " (the baseline waits)");
  return s.ok();
}

void ElasticsearchSink::close(std::uint64_t deadline_ms) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_ && !shipper_.joinable()) return;
    if (!closing_) deadline_ = steady_now() + std::chrono::milliseconds(deadline_ms);
    closing_ = true;
  }
  wake_shipper_.notify_all();
  space_available_.notify_all();
  if (shipper_.joinable()) shipper_.join();
  (void)sync();
  if (const std::uint64_t left = queue_->unread(); left > 0) {
    if (queue_->durable()) {
      log::info("elasticsearch: ", left, " documents stay in the spool and are sent at the next start");
    } else {
      stats_.dropped += left;
      log::error("elasticsearch: shutdown deadline reached, ", left, " documents not delivered");
    }
  }
}

void ElasticsearchSink::run() {
  const auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  SteadyTime last_request{};
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // Wait for a first document, then for the batch to fill until it is due (batch_timing.hpp).
    wake_shipper_.wait(lock, [this] { return queue_->unread() > 0 || closing_; });
    if (closing_ && (queue_->unread() == 0 || steady_now() >= deadline_)) return;
    wake_shipper_.wait_until(lock, partial_batch_due(steady_now(), last_request, interval),
                             [this] { return queue_->unread() >= options_.max_docs || closing_; });
    last_request = steady_now();
    lock.unlock();
    QueuePosition end;
    std::vector<Document> batch = queue_->read(options_.max_docs, options_.max_bytes, &end);
    const bool nothing_read = batch.empty();
    const bool done = nothing_read || ship(std::move(batch));
    if (done) {
      if (auto s = queue_->acknowledge(end); !s) log::error("elasticsearch: ", s.error().message());
    }
    lock.lock();
    space_available_.notify_all();
    if (!done) return;  // shutdown's deadline: what is left stays queued
    // Nothing readable although records are counted (a corrupt stretch was skipped): no busy loop.
    if (nothing_read && !closing_) wake_shipper_.wait_for(lock, interval);
  }
}

bool ElasticsearchSink::ship(std::vector<Document> batch) {
  std::mt19937_64 jitter(std::random_device{}());
  auto backoff = kFirstBackoff;
  while (!batch.empty()) {
    batch = attempt(batch);
    if (batch.empty()) return true;
    stats_.retried += batch.size();
    std::uniform_int_distribution<long long> spread(backoff.count() / 2, backoff.count());
    const auto pause = std::chrono::milliseconds(spread(jitter));
    std::unique_lock<std::mutex> lock(mutex_);
    if (closing_ && steady_now() + pause > deadline_) return false;
    // Sleep, but wake at once when close() shortens our deadline.
    wake_shipper_.wait_for(lock, pause, [this] { return closing_ && steady_now() >= deadline_; });
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  return true;
}

void ElasticsearchSink::refuse(const Document& doc, int status, const std::string& reason) {
  ++stats_.rejected;
  const bool kept = dead_letters_ && dead_letters_->add(doc, status, reason);
  if (kept) ++stats_.dead_lettered;
  if (log::should_log_occurrence(stats_.rejected.load())) {
    log::error("elasticsearch: document ", doc.id, " refused (HTTP ", status, "): ", reason,
               kept ? " (kept in " + dead_letters_->path() + ")" : std::string(" (not kept)"));
  }
}

std::vector<Document> ElasticsearchSink::attempt(std::vector<Document>& batch) {
  const std::string body = build_bulk_body(options_.index, batch);
  const SteadyTime sent = steady_now();
  auto response = client_->request("POST", kBulkPath, "application/x-ndjson", body);
  ++stats_.requests;
  stats_.latency_ms_total += static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_now() - sent).count());
  if (!response) {
    static std::atomic<unsigned long long> failures{0};
    if (log::should_log_occurrence(++failures))
      log::warn("elasticsearch: ", response.error().message(), " (retrying)");
    return std::move(batch);
  }
  if (response->status == 413 && batch.size() > 1) {
    // Too large for the cluster's http.max_content_length: halve and send each half.
    std::vector<Document> second(std::make_move_iterator(batch.begin() + static_cast<long>(batch.size() / 2)),
                                 std::make_move_iterator(batch.end()));
    batch.resize(batch.size() / 2);
    std::vector<Document> retry = attempt(batch);
    std::vector<Document> retry2 = attempt(second);
    retry.insert(retry.end(), std::make_move_iterator(retry2.begin()), std::make_move_iterator(retry2.end()));
    return retry;
  }
  if (response->status != 200) {
    const std::string reason = elasticsearch_error_reason(response->body);
    const ItemOutcome whole = outcome_for(static_cast<int>(response->status), reason);
    if (whole == ItemOutcome::kRejected) {
      for (const auto& doc : batch)
        refuse(doc, static_cast<int>(response->status), "_bulk refused: " + reason);
      return {};
    }
    log::warn("elasticsearch: _bulk answered HTTP ", response->status, ": ", reason, " (retrying)");
    return std::move(batch);
  }
  std::vector<BulkItemResult> items;
  std::string error;
  if (!parse_bulk_response(response->body, batch.size(), &items, &error)) {
    log::warn("elasticsearch: ", error, " (retrying the batch)");
    return std::move(batch);
  }
  std::vector<Document> retry;
  for (std::size_t k = 0; k < items.size(); ++k) {
    switch (items[k].outcome) {
      case ItemOutcome::kDelivered:
        ++stats_.delivered;
        break;
      case ItemOutcome::kDuplicate:
        ++stats_.delivered;
        ++stats_.duplicates;
        break;
      case ItemOutcome::kRetry:
        if (items[k].status != 429 && items[k].status < 500 &&
            log::should_log_occurrence(++cluster_refusals_)) {
          log::warn("elasticsearch: document refused for a reason the cluster's operator must fix: ",
                    items[k].reason, " (kept and retried)");
        }
        retry.push_back(std::move(batch[k]));
        break;
      case ItemOutcome::kRejected:
        refuse(batch[k], items[k].status, items[k].reason);
        break;
    }
  }
  return retry;
}

}  // namespace fimon
