// Imports saved objects (the dashboard NDJSON) through Kibana's saved objects import API:
// POST [/s/<space>]/api/saved_objects/_import?overwrite=true, multipart/form-data with one part
// named "file" whose filename ends in .ndjson, and a kbn-xsrf header (Kibana refuses API writes
// without it). Overwriting makes the import idempotent: the objects keep their fixed ids.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "platform/http.hpp"

namespace fimon {

struct ImportReport {
  bool success = false;
  long imported = 0;                // successCount
  std::vector<std::string> errors;  // one line per object Kibana did not import
};

// The request Kibana receives; separate from sending so tests can look at it.
struct ImportRequest {
  std::string url;
  std::string content_type;  // multipart/form-data; boundary=...
  std::string body;
  std::vector<std::string> headers;
};

// `kibana_url` without a trailing slash or with one; `space` empty for the default space.
ImportRequest build_import_request(const std::string& kibana_url, const std::string& space,
                                   const std::string& filename, std::string_view ndjson);

// Reads Kibana's answer: 200 with per-object errors, or an error status with Kibana's message.
Result<ImportReport> parse_import_response(const platform::HttpResponse& response);

Result<ImportReport> import_saved_objects(platform::HttpClient& http, const std::string& kibana_url,
                                          const std::string& space, const std::string& filename,
                                          std::string_view ndjson);

}  // namespace fimon
