// Ships documents to Elasticsearch with _bulk `create` actions from one shipper thread.
//
// Documents go through a DocumentQueue: the durable spool for the agent (they survive outages,
// crashes and restarts and are acknowledged only once Elasticsearch has them), or a bounded queue
// in memory. Batches close on document count, byte size or time: a partial batch goes out after
// a 50 ms linger, but at most once per flush interval (batch_timing.hpp). Per item:
// delivered and 409 (already there: ids are deterministic) are done; 429/5xx and transport
// failures are retried with exponential backoff and jitter; a 413 splits the batch; other 4xx
// are refused for good and go to the dead-letter file with Elasticsearch's reason. When the queue
// is full, submit() waits (analysis slows, the coalescer keeps merging changes per file) and says
// so in the log.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "platform/http.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/client.hpp"
#include "sinks/elasticsearch/dead_letter.hpp"
#include "sinks/queue/document_queue.hpp"
#include "sinks/sink.hpp"

namespace fimon {

struct ElasticsearchSinkOptions {
  std::vector<std::string> urls;
  platform::HttpOptions http;
  std::string index;  // data stream or index name
  std::size_t max_docs = 1000;
  std::size_t max_bytes = std::size_t{5} << 20;
  std::uint64_t flush_interval_ms = 500;
  std::unique_ptr<DocumentQueue> queue;  // null: in memory, `queue_capacity` documents
  std::size_t queue_capacity = 20000;
  std::string dead_letter_path;  // empty: refused documents are only counted and logged
  std::uint64_t dead_letter_max_bytes = std::uint64_t{64} << 20;
};

class ElasticsearchSink final : public Sink {
 public:
  static Result<std::unique_ptr<ElasticsearchSink>> create(ElasticsearchSinkOptions options);
  ~ElasticsearchSink() override;

  bool submit(Document doc) override { return queue(doc, true); }
  bool offer(Document doc) override { return queue(doc, false); }
  void begin_shutdown() override;
  bool sync() override;
  void close(std::uint64_t deadline_ms) override;
  const SinkStats& stats() const override { return stats_; }
  std::uint64_t queued_bytes() const override { return queue_->bytes(); }
  std::uint64_t queued_documents() const override { return queue_->unread(); }

 private:
  ElasticsearchSink(ElasticsearchSinkOptions options, std::unique_ptr<ElasticsearchClient> client);
  bool queue(const Document& doc, bool wait_for_room);
  void run();
  // Sends until every document is delivered or refused (true), or shutdown's deadline passes.
  bool ship(std::vector<Document> batch);
  // One attempt; returns the documents to retry.
  std::vector<Document> attempt(std::vector<Document>& batch);
  void refuse(const Document& doc, int status, const std::string& reason);

  ElasticsearchSinkOptions options_;
  std::unique_ptr<DocumentQueue> queue_;
  std::unique_ptr<ElasticsearchClient> client_;
  std::unique_ptr<DeadLetterFile> dead_letters_;
  SinkStats stats_;
  unsigned long long cluster_refusals_ = 0;  // shipper thread only: rate-limits their warning

  std::mutex mutex_;
  std::condition_variable wake_shipper_;
  std::condition_variable space_available_;
  bool closing_ = false;
  bool shutting_down_ = false;
  bool gave_up_ = false;
  bool full_ = false;
  SteadyTime deadline_{};
  std::thread shipper_;
};

}  // namespace fimon
