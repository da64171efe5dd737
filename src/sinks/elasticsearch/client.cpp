#include "sinks/elasticsearch/client.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/text.hpp"
#include "sinks/elasticsearch/json_fields.hpp"

namespace fimon {

std::string elasticsearch_error_reason(const std::string& body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    if (const auto e = doc.find("error"); e != doc.end()) {
      if (e->is_object()) {
        std::string reason = string_at(*e, "type", "error") + ": " + string_at(*e, "reason");
        if (const auto rc = e->find("root_cause");
            rc != e->end() && rc->is_array() && !rc->empty() && (*rc)[0].is_object()) {
          const std::string root = string_at((*rc)[0], "reason");
          if (!root.empty() && reason.find(root) == std::string::npos) reason += " (" + root + ")";
        }
        return reason;
      }
      if (e->is_string()) return e->get<std::string>();
    }
  }
  return control_characters_escaped(to_valid_utf8(body.substr(0, 200)));
}

namespace {
// 401: the credentials are wrong; 403: they are right but lack a privilege.
std::optional<Error> refusal(const platform::HttpResponse& response) {
  if (response.status == 401) {
    return remote_error("Elasticsearch refused the credentials (HTTP 401): " +
                        elasticsearch_error_reason(response.body));
  }
  if (response.status == 403) {
    return remote_error("Elasticsearch refused the request (HTTP 403): " +
                        elasticsearch_error_reason(response.body));
  }
  return std::nullopt;
}
}  // namespace

Result<std::unique_ptr<ElasticsearchClient>> ElasticsearchClient::create(
    std::vector<std::string> urls, const platform::HttpOptions& options) {
  if (urls.empty()) return invalid_argument("es-url: no Elasticsearch URL configured");
  for (auto& u : urls) {
    while (!u.empty() && u.back() == '/') u.pop_back();
  }
  auto http = platform::make_http_client(options);
  if (!http) return http.error();
  return std::unique_ptr<ElasticsearchClient>(
      new ElasticsearchClient(std::move(urls), std::move(http.value())));
}

Result<platform::HttpResponse> ElasticsearchClient::request(const std::string& method,
                                                            const std::string& path,
                                                            const std::string& content_type,
                                                            const std::string& body) {
  std::string last_error;
  for (std::size_t attempt = 0; attempt < urls_.size(); ++attempt) {
    const std::string& base = urls_[next_ % urls_.size()];
    auto response = http_->request(method, base + path, content_type, body);
    ++next_;  // round-robin: the next request (a retry too) goes to the next host
    if (response) return response;
    last_error = response.error().message();  // fail over to the next host
  }
  return io_error("Elasticsearch unreachable: " + last_error);
}

Result<ClusterInfo> ElasticsearchClient::probe() {
  // GET / is the usual way to learn the version, but some distributions (the integ-test-zip among
  // them) answer it with 405; the local node's info has the version on every distribution.
  auto root = request("GET", "/", "", "");
  if (!root) return root.error();
  if (auto refused = refusal(*root)) return *refused;
  ClusterInfo info;
  if (root->status == 200) {
    const auto doc = nlohmann::json::parse(root->body, nullptr, false);
    if (doc.is_discarded() || !doc.contains("version") || !doc["version"].is_object()) {
      return remote_error("GET / did not answer like Elasticsearch");
    }
    info.version = string_at(doc["version"], "number");
    info.serverless = string_at(doc["version"], "build_flavor") == "serverless";
  } else {
    auto nodes = request("GET", "/_nodes/_local?filter_path=nodes.*.version", "", "");
    if (!nodes) return nodes.error();
    if (auto refused = refusal(*nodes)) return *refused;
    const auto doc = nlohmann::json::parse(nodes->body, nullptr, false);
    if (nodes->status != 200 || doc.is_discarded() || !doc.contains("nodes") || !doc["nodes"].is_object() ||
        doc["nodes"].empty()) {
      return remote_error("GET / answered HTTP " + std::to_string(root->status) +
                          " and node info is unavailable: is this Elasticsearch? " +
                          elasticsearch_error_reason(root->body));
    }
    info.version = string_at(*doc["nodes"].begin(), "version");
  }
  info.major = std::atoi(info.version.c_str());
  auto ilm = request("GET", "/_ilm/status", "", "");
  info.has_ilm = ilm && ilm->status == 200;
  return info;
}

Status ElasticsearchClient::put_json(const std::string& path, const std::string& body) {
  auto response = request("PUT", path, "application/json", body);
  if (!response) return response.error();
  if (response->status < 200 || response->status >= 300) {
    return remote_error("PUT " + path + " answered HTTP " + std::to_string(response->status) + ": " +
                        elasticsearch_error_reason(response->body));
  }
  return {};
}

}  // namespace fimon
