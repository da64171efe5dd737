#include "sinks/elasticsearch/bulk.hpp"

#include <nlohmann/json.hpp>

#include "core/json_writer.hpp"
#include "sinks/elasticsearch/json_fields.hpp"

namespace fimon {

std::string build_bulk_body(const std::string& index, const std::vector<Document>& docs) {
  std::string body;
  std::size_t total = 0;
  for (const auto& d : docs) total += d.json.size() + d.id.size() + index.size() + 40;
  body.reserve(total);
  for (const auto& d : docs) {
    body += "{\"create\":{\"_index\":";
    append_json_string(body, index);
    body += ",\"_id\":";
    append_json_string(body, d.id);
    body += "}}\n";
    body += d.json;
    body += '\n';
  }
  return body;
}

ItemOutcome outcome_for(int status, std::string_view reason) {
  if (status == 200 || status == 201) return ItemOutcome::kDelivered;
  if (status == 409) return ItemOutcome::kDuplicate;
  if (status == 429 || status >= 500 || status == 0) return ItemOutcome::kRetry;
  if (status == 401 || status == 403) return ItemOutcome::kRetry;
  const auto is = [&](std::string_view type) { return reason.substr(0, type.size()) == type; };
  if (is("cluster_block_exception") || is("index_closed_exception") || is("index_not_found_exception"))
    return ItemOutcome::kRetry;
  if (is("validation_exception") && reason.find("shards") != std::string_view::npos)
    return ItemOutcome::kRetry;
  return ItemOutcome::kRejected;
}

bool parse_bulk_response(const std::string& body, std::size_t expected, std::vector<BulkItemResult>* out,
                         std::string* error) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    *error = "bulk response is not a JSON object";
    return false;
  }
  const auto items = doc.find("items");
  if (items == doc.end() || !items->is_array()) {
    *error = "bulk response has no items array";
    return false;
  }
  if (items->size() != expected) {
    *error = "bulk response has " + std::to_string(items->size()) + " items for " + std::to_string(expected) +
             " documents";
    return false;
  }
  out->clear();
  out->reserve(expected);
  for (const auto& item : *items) {
    BulkItemResult r;
    // Each item is {"<action>": {...}}; we only send create, but read whichever action is there.
    if (!item.is_object() || item.empty() || !item.begin()->is_object()) {
      *error = "bulk response item is malformed";
      return false;
    }
    const auto& result = *item.begin();
    r.status = static_cast<int>(integer_at(result, "status", 0, 999, 0));  // unreadable: retry
    if (const auto e = result.find("error"); e != result.end()) {
      if (e->is_object()) {
        r.reason = string_at(*e, "type", "error") + ": " + string_at(*e, "reason");
      } else if (e->is_string()) {
        r.reason = e->get<std::string>();
      }
    }
    r.outcome = outcome_for(r.status, r.reason);
    out->push_back(std::move(r));
  }
  return true;
}

}  // namespace fimon
