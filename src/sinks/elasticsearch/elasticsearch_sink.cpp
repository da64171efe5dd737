#include "sinks/elasticsearch/elasticsearch_sink.hpp"

#include <algorithm>
#include <random>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace fimon {
namespace {
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{30000};
}  // namespace

Result<std::unique_ptr<ElasticsearchSink>> ElasticsearchSink::create(ElasticsearchSinkOptions options) {
  auto client = ElasticsearchClient::create(options.urls, options.http);
  if (!client) return client.error();
  return std::unique_ptr<ElasticsearchSink>(
      new ElasticsearchSink(std::move(options), std::move(client.value())));
}

ElasticsearchSink::ElasticsearchSink(ElasticsearchSinkOptions options,
                                     std::unique_ptr<ElasticsearchClient> client)
    : options_(std::move(options)), client_(std::move(client)) {
  shipper_ = std::thread([this] { run(); });
}

ElasticsearchSink::~ElasticsearchSink() {
  close(0);
}

void ElasticsearchSink::submit(Document doc) {
  std::unique_lock<std::mutex> lock(mutex_);
  space_available_.wait(lock, [this] { return queue_.size() < options_.queue_capacity || closing_; });
  if (closing_) {
    ++stats_.dropped;
    return;
  }
  ++stats_.submitted;
  queue_.push_back(std::move(doc));
  // The first document starts the batch clock; a full batch goes at once.
  if (queue_.size() == 1 || queue_.size() >= options_.max_docs) wake_shipper_.notify_one();
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
}

std::vector<Document> ElasticsearchSink::next_batch(std::unique_lock<std::mutex>& lock) {
  const auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  // Wait for a first document, then up to the flush interval for the batch to fill.
  wake_shipper_.wait(lock, [this] { return !queue_.empty() || closing_; });
  const SteadyTime batch_deadline = steady_now() + interval;
  wake_shipper_.wait_until(lock, batch_deadline,
                           [this] { return queue_.size() >= options_.max_docs || closing_; });

  std::vector<Document> batch;
  std::size_t bytes = 0;
  while (!queue_.empty() && batch.size() < options_.max_docs) {
    const std::size_t size = queue_.front().json.size() + queue_.front().id.size() + 64;
    if (!batch.empty() && bytes + size > options_.max_bytes) break;
    bytes += size;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  space_available_.notify_all();
  return batch;
}

void ElasticsearchSink::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (closing_ && queue_.empty()) return;
    std::vector<Document> batch = next_batch(lock);
    if (batch.empty()) continue;
    lock.unlock();
    ship(std::move(batch));
    lock.lock();
  }
}

void ElasticsearchSink::ship(std::vector<Document> batch) {
  std::mt19937_64 jitter(std::random_device{}());
  auto backoff = kFirstBackoff;
  while (!batch.empty()) {
    batch = attempt(batch);
    if (batch.empty()) return;
    stats_.retried += batch.size();
    std::uniform_int_distribution<long long> spread(backoff.count() / 2, backoff.count());
    const auto pause = std::chrono::milliseconds(spread(jitter));
    std::unique_lock<std::mutex> lock(mutex_);
    if (closing_ && steady_now() + pause > deadline_) {
      stats_.dropped += batch.size();
      log::error("elasticsearch: shutdown deadline reached, ", batch.size(), " documents not delivered");
      return;
    }
    // Sleep, but wake at once when close() shortens our deadline.
    wake_shipper_.wait_for(lock, pause, [this] { return closing_ && steady_now() >= deadline_; });
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

std::vector<Document> ElasticsearchSink::attempt(std::vector<Document>& batch) {
  const std::string body = build_bulk_body(options_.index, batch);
  auto response = client_->request("POST", "/_bulk", "application/x-ndjson", body);
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
    const ItemOutcome whole = outcome_for_status(static_cast<int>(response->status));
    const std::string reason = elasticsearch_error_reason(response->body);
    if (whole == ItemOutcome::kRejected) {
      stats_.rejected += batch.size();
      log::error("elasticsearch: _bulk rejected with HTTP ", response->status, ": ", reason, " (",
                 batch.size(), " documents dropped)");
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
        retry.push_back(std::move(batch[k]));
        break;
      case ItemOutcome::kRejected:
        if (log::should_log_occurrence(++stats_.rejected)) {
          log::error("elasticsearch: document ", batch[k].id, " rejected (HTTP ", items[k].status,
                     "): ", items[k].reason);
        }
        break;
    }
  }
  return retry;
}

}  // namespace fimon
