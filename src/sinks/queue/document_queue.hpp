// What sits between analysis and a shipper: documents appended by the workers, read in order by
// the shipper, and acknowledged once the destination has them. Two kinds: in memory (bounded by a
// document count; `fimon scan`, tests) and the durable spool (state/spool.hpp; the agent).
#pragma once

#include <cstdint>
#include <vector>

#include "core/result.hpp"
#include "sinks/sink.hpp"

namespace fimon {

// A place in the queue: the segment and byte offset (in memory: 0 and a document count).
struct QueuePosition {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
  bool operator==(const QueuePosition&) const = default;
  bool operator<(const QueuePosition& o) const {
    return segment != o.segment ? segment < o.segment : offset < o.offset;
  }
};

class DocumentQueue {
 public:
  virtual ~DocumentQueue() = default;
  // kExhausted when full (space returns as documents are acknowledged); other errors are I/O.
  virtual Status append(const Document& doc) = 0;
  // Up to `max_docs` unread documents (at least one if any, and at most `max_bytes` beyond the
  // first), moving the read cursor past them; `end` is the position after the last.
  virtual std::vector<Document> read(std::size_t max_docs, std::size_t max_bytes, QueuePosition* end) = 0;
  // Everything before `end` has been delivered: it may be forgotten.
  virtual Status acknowledge(QueuePosition end) = 0;
  // Makes every appended document durable (no-op in memory).
  virtual Status sync() = 0;
  virtual std::uint64_t unread() const = 0;  // documents appended and not yet read
  virtual std::uint64_t bytes() const = 0;   // held, read or not, until acknowledged
  virtual bool durable() const = 0;          // survives a restart
};

}  // namespace fimon
