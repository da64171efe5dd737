// The _bulk wire format, both ways, with no I/O: building an NDJSON body of `create` actions and
// reading the per-item outcome from the response. Pure and testable without a server.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/sink.hpp"

namespace fimon {

// NDJSON body: one {"create":{"_index":..,"_id":..}} line and one document line per document.
std::string build_bulk_body(const std::string& index, const std::vector<Document>& docs);

enum class ItemOutcome {
  kDelivered,  // 200/201
  kDuplicate,  // 409: an earlier attempt already delivered it
  kRetry,      // 429, 5xx, or a refusal about the cluster rather than the document: try again later
  kRejected,   // any other 4xx: will never be accepted (mapping error, bad document)
};

struct BulkItemResult {
  ItemOutcome outcome = ItemOutcome::kRetry;
  int status = 0;
  std::string reason;  // "type: reason" from Elasticsearch, for the log and dead letters
};

// Maps a _bulk response (HTTP 200) to one result per submitted document, in order. A response that
// cannot be read, or whose item count differs from `expected`, is an error: retry the whole batch.
bool parse_bulk_response(const std::string& body, std::size_t expected, std::vector<BulkItemResult>* out,
                         std::string* error);

// `reason` is Elasticsearch's "type: reason". Some 4xx answers describe the cluster, not the
// document: no privilege (401/403), a write block, a closed or missing index with auto-creation
// off, the cluster's shard limit reached when the data stream must be created. An operator fixes
// those, and the documents are then accepted as they are: keep them (spooled) and retry, rather
// than dead-letter every event while the cluster is misconfigured.
ItemOutcome outcome_for(int status, std::string_view reason);

}  // namespace fimon
