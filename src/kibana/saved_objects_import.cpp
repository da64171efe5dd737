#include "kibana/saved_objects_import.hpp"

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "sinks/elasticsearch/json_fields.hpp"

namespace fimon {
namespace {

// A boundary must not occur in the content; the NDJSON is ours, but check rather than hope.
std::string boundary_for(std::string_view content) {
  std::string boundary = "fimon-saved-objects-7d1c";
  while (content.find(boundary) != std::string_view::npos) boundary += "x";
  return boundary;
}

// Kibana's text goes into one log line: printable, bounded.
std::string one_line(const std::string& text) {
  return control_characters_escaped(to_valid_utf8(text.substr(0, 300)));
}

std::string describe_object_error(const nlohmann::json& e) {
  const std::string type = string_at(e, "type", "?");
  const std::string id = string_at(e, "id", "?");
  std::string title = string_at(e, "title");
  if (title.empty() && e.contains("meta")) title = string_at(e["meta"], "title");
  std::string line = type + " '" + (title.empty() ? id : title) + "' (" + id + "): ";
  const auto err = e.find("error");
  if (err == e.end() || !err->is_object()) return one_line(line + "not imported");
  line += string_at(*err, "type", "error");
  if (const std::string message = string_at(*err, "message"); !message.empty()) line += ": " + message;
  // missing_references lists what the object points at that Kibana could not find.
  if (const auto refs = err->find("references"); refs != err->end() && refs->is_array()) {
    line += " [";
    bool first = true;
    for (const auto& r : *refs) {
      line += (first ? "" : ", ") + string_at(r, "type", "?") + "/" + string_at(r, "id", "?");
      first = false;
    }
    line += "]";
  }
  return one_line(line);
}

}  // namespace

ImportRequest build_import_request(const std::string& kibana_url, const std::string& space,
                                   const std::string& filename, std::string_view ndjson) {
  std::string base = kibana_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ImportRequest r;
  r.url = base + (space.empty() ? "" : "/s/" + space) + "/api/saved_objects/_import?overwrite=true";
  const std::string boundary = boundary_for(ndjson);
  r.content_type = "multipart/form-data; boundary=" + boundary;
  r.body.reserve(ndjson.size() + 256);
  r.body += "--" + boundary + "\r\n";
  r.body += "Content-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n";
  r.body += "Content-Type: application/ndjson\r\n\r\n";
  r.body += ndjson;
  r.body += "\r\n--" + boundary + "--\r\n";
  r.headers = {"kbn-xsrf: fimon"};
  return r;
}

Result<ImportReport> parse_import_response(const platform::HttpResponse& response) {
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200) {
    std::string reason = !doc.is_discarded() && doc.is_object() ? string_at(doc, "message") : "";
    if (reason.empty()) reason = response.body.empty() ? "no answer body" : response.body;
    std::string what = "Kibana answered HTTP " + std::to_string(response.status);
    if (response.status == 401) what += " (the credentials were refused)";
    if (response.status == 403) what += " (the user may not manage saved objects in this space)";
    if (response.status == 404) what += " (no such space, or not a Kibana URL)";
    return remote_error(one_line(what + ": " + reason));
  }
  if (doc.is_discarded() || !doc.is_object()) {
    return remote_error("Kibana's answer is not JSON: " + one_line(response.body));
  }
  ImportReport report;
  const auto success = doc.find("success");
  report.success = success != doc.end() && success->is_boolean() && success->get<bool>();
  report.imported = integer_at(doc, "successCount", 0, 1 << 30, 0);
  if (const auto errors = doc.find("errors"); errors != doc.end() && errors->is_array()) {
    for (const auto& e : *errors) report.errors.push_back(describe_object_error(e));
  }
  if (!report.success && report.errors.empty())
    report.errors.emplace_back("Kibana reported failure without details");
  return report;
}

Result<ImportReport> import_saved_objects(platform::HttpClient& http, const std::string& kibana_url,
                                          const std::string& space, const std::string& filename,
                                          std::string_view ndjson) {
  const ImportRequest r = build_import_request(kibana_url, space, filename, ndjson);
  auto response = http.request("POST", r.url, r.content_type, r.body, r.headers);
  if (!response) {
    return remote_error("Kibana at " + url_without_credentials(kibana_url) +
                        " is unreachable: " + response.error().message());
  }
  return parse_import_response(*response);
}

}  // namespace fimon
