// The durable spool between analysis and the Elasticsearch shipper: what was analysed survives an
// Elasticsearch outage, a crash and a restart (issue 4).
//
// Append-only segment files in `<state-dir>/spool/` (directory 0700, files 0600) named
// `seg-<20 digits>`. A record is a 12-byte header — magic "FSR1", payload length, XXH32 of the
// payload (little-endian u32s) — and the payload: u32 id length, the document id, the document.
// A segment is closed at `segment_bytes` and a new one started. The shipper reads in order and
// acknowledges what Elasticsearch accepted; the acknowledged position lives in `spool/ack`
// (replaced atomically) and wholly acknowledged segments are deleted.
//
// On open, everything after the acknowledged position is replayed. A torn last record (a crash
// mid-append) is cut off; a corrupt record ends its segment's replay. Both are counted and logged.
// Writes reach the page cache at once and the disk every `fsync_interval_ms` (0: every append)
// and on sync(). At `max_bytes` append() answers kExhausted: the caller waits for acknowledgements.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "platform/fs.hpp"
#include "sinks/queue/document_queue.hpp"

namespace fimon {

struct SpoolOptions {
  std::string dir;  // <state-dir>/spool
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  std::uint64_t segment_bytes = std::uint64_t{16} << 20;
  std::uint64_t fsync_interval_ms = 1000;
};

struct SpoolStats {
  std::atomic<std::uint64_t> replayed{0};  // records found unacknowledged at open
  std::atomic<std::uint64_t> corrupt_records{
      0};                                      // checksum or framing errors (the rest of the segment is lost)
  std::atomic<std::uint64_t> torn_bytes{0};    // cut off the end of a segment at open
  std::atomic<std::uint64_t> write_errors{0};  // appends that failed (disk full...)
};

class Spool final : public DocumentQueue {
 public:
  static Result<std::unique_ptr<Spool>> open(SpoolOptions options);
  ~Spool() override;

  Status append(const Document& doc) override;
  std::vector<Document> read(std::size_t max_docs, std::size_t max_bytes, QueuePosition* end) override;
  Status acknowledge(QueuePosition end) override;
  Status sync() override;
  std::uint64_t unread() const override;
  std::uint64_t bytes() const override;  // not yet acknowledged (what the cap applies to)
  bool durable() const override { return true; }
  const SpoolStats& stats() const { return stats_; }

 private:
  explicit Spool(SpoolOptions options) : options_(std::move(options)) {}
  Status replay();
  Status start_segment(std::uint64_t number);
  std::string segment_path(std::uint64_t number) const;
  std::uint64_t unacknowledged_bytes() const;  // mutex held
  bool read_exact(void* out, std::size_t size);
  struct Record {
    Document doc;
    QueuePosition end;  // just after it
  };
  std::optional<Record> next_record();

  const SpoolOptions options_;
  SpoolStats stats_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::uint64_t> segments_;  // number -> valid bytes
  std::uint64_t total_bytes_ = 0;
  std::uint64_t unread_records_ = 0;
  // The writer.
  std::uint64_t write_segment_ = 0;
  std::optional<platform::AppendFile> writer_;
  SteadyTime last_sync_{};
  bool dirty_ = false;
  // The reader: the file position (cursor_), which may be one record ahead of what read() handed
  // out (read_up_to_) when that record did not fit in the batch.
  QueuePosition cursor_;
  QueuePosition read_up_to_;
  std::optional<platform::ReadableFile> reader_;
  std::optional<Record> lookahead_;
  QueuePosition acknowledged_;
};

}  // namespace fimon
