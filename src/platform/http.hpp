// A blocking HTTP/1.1 client for the Elasticsearch and Kibana sinks (libcurl on Linux, WinHTTP on
// Windows). TLS verification is on unless the caller turns it off explicitly. One instance per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace fimon::platform {

struct HttpOptions {
  std::string ca_file;  // PEM bundle; empty = system trust store
  // SHA-256 of a certificate the server presents (32 bytes): when set, verification succeeds only
  // through a chain anchored at that certificate.
  std::vector<unsigned char> pinned_sha256;
  bool verify_tls = true;
  std::string username;  // basic auth, with password
  std::string password;
  std::string api_key;  // "ApiKey <key>" authorization
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 60000;
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Transport failures (refused, reset, timeout, TLS) are errors; any HTTP status is a response.
  virtual Result<HttpResponse> request(const std::string& method, const std::string& url,
                                       const std::string& content_type, const std::string& body,
                                       const std::vector<std::string>& extra_headers = {}) = 0;
};

Result<std::unique_ptr<HttpClient>> make_http_client(const HttpOptions& options);

}  // namespace fimon::platform
