// Talks to an Elasticsearch cluster: feature detection, installing objects, sending bulks. Several
// URLs take requests round-robin; a transport failure moves on to the next one at once, and a
// retried request (429, 5xx) goes to the next one too. Not thread-safe: one client per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "platform/http.hpp"

namespace fimon {

struct ClusterInfo {
  std::string version;  // e.g. 8.19.21
  int major = 0;
  bool has_ilm = false;
  bool serverless = false;
};

class ElasticsearchClient {
 public:
  static Result<std::unique_ptr<ElasticsearchClient>> create(std::vector<std::string> urls,
                                                             const platform::HttpOptions& options);

  Result<ClusterInfo> probe();
  // PUT a JSON object; any non-2xx answer is an error carrying Elasticsearch's reason.
  Status put_json(const std::string& path, const std::string& body);
  Result<platform::HttpResponse> request(const std::string& method, const std::string& path,
                                         const std::string& content_type, const std::string& body);

 private:
  ElasticsearchClient(std::vector<std::string> urls, std::unique_ptr<platform::HttpClient> http)
      : urls_(std::move(urls)), http_(std::move(http)) {}
  std::vector<std::string> urls_;
  std::size_t next_ = 0;
  std::unique_ptr<platform::HttpClient> http_;
};

// "type: reason" from an Elasticsearch error body, or the body's start.
std::string elasticsearch_error_reason(const std::string& body);

}  // namespace fimon
