// Ships documents to Elasticsearch with _bulk `create` actions from one shipper thread.
//
// Batches close on document count, byte size or the flush interval. Per item: delivered and 409
// (already there from an earlier attempt) are done; 429/5xx and transport failures are retried with
// exponential backoff and jitter; other 4xx are rejected permanently, counted and logged with
// Elasticsearch's reason. The in-memory queue is bounded: submit() blocks when it is full, which
// slows analysis rather than losing events. (Durable spooling across restarts: see issue 4.)
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "platform/http.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/client.hpp"
#include "sinks/sink.hpp"

namespace fimon {

struct ElasticsearchSinkOptions {
  std::vector<std::string> urls;
  platform::HttpOptions http;
  std::string index;  // data stream or index name
  std::size_t max_docs = 1000;
  std::size_t max_bytes = std::size_t{5} << 20;
  std::uint64_t flush_interval_ms = 1000;
  std::size_t queue_capacity = 20000;  // documents held in memory before submit() blocks
};

class ElasticsearchSink final : public Sink {
 public:
  static Result<std::unique_ptr<ElasticsearchSink>> create(ElasticsearchSinkOptions options);
  ~ElasticsearchSink() override;

  void submit(Document doc) override;
  void close(std::uint64_t deadline_ms) override;
  const SinkStats& stats() const override { return stats_; }

 private:
  ElasticsearchSink(ElasticsearchSinkOptions options, std::unique_ptr<ElasticsearchClient> client);
  void run();
  std::vector<Document> next_batch(std::unique_lock<std::mutex>& lock);
  // Sends until every document is delivered, rejected or shutdown's deadline passes.
  void ship(std::vector<Document> batch);
  // One attempt; returns the documents to retry.
  std::vector<Document> attempt(std::vector<Document>& batch);

  ElasticsearchSinkOptions options_;
  std::unique_ptr<ElasticsearchClient> client_;
  SinkStats stats_;

  std::mutex mutex_;
  std::condition_variable wake_shipper_;
  std::condition_variable space_available_;
  std::deque<Document> queue_;
  bool closing_ = false;
  SteadyTime deadline_{};
  std::thread shipper_;
};

}  // namespace fimon
