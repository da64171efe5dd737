// libcurl transport. One easy handle per client, reused so connections (and TLS sessions) persist
// between bulk requests. Credentials are set as libcurl options, never formatted into log text.
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>
#include <mutex>

#include "platform/http.hpp"

namespace fimon::platform {
namespace {

// Certificate pinning (es-ca-fingerprint): a certificate the server presents whose SHA-256 is the
// pinned one becomes a trust anchor for this verification, and the chain is then verified as usual
// (signatures, dates, and curl's host name check afterwards). A matching certificate that does not
// chain to the leaf proves nothing, so merely presenting it is not enough.
int verify_with_pin(X509_STORE_CTX* ctx, void* arg) {
  const auto* pin = static_cast<const std::vector<unsigned char>*>(arg);
  const auto matches = [pin](X509* cert) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    return X509_digest(cert, EVP_sha256(), digest, &length) == 1 && length == pin->size() &&
           std::memcmp(digest, pin->data(), length) == 0;
  };
  X509* anchor = nullptr;
  if (X509* leaf = X509_STORE_CTX_get0_cert(ctx); leaf != nullptr && matches(leaf)) anchor = leaf;
  STACK_OF(X509)* presented = X509_STORE_CTX_get0_untrusted(ctx);
  for (int i = 0; anchor == nullptr && presented != nullptr && i < sk_X509_num(presented); ++i) {
    if (matches(sk_X509_value(presented, i))) anchor = sk_X509_value(presented, i);
  }
  if (anchor == nullptr) {  // pinned means required: no other anchor will do
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  STACK_OF(X509)* trusted = sk_X509_new_null();
  if (trusted == nullptr || sk_X509_push(trusted, anchor) == 0) {
    sk_X509_free(trusted);
    return 0;
  }
  X509_STORE_CTX_set0_trusted_stack(ctx, trusted);
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_PARTIAL_CHAIN);
  const int ok = X509_verify_cert(ctx);
  X509_STORE_CTX_set0_trusted_stack(ctx, nullptr);
  sk_X509_free(trusted);
  return ok;
}

CURLcode install_pin(CURL*, void* ssl_ctx, void* pin) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), verify_with_pin, pin);
  return CURLE_OK;
}

// Whatever answers (a proxy, a captive portal, something hostile) cannot make the agent buffer
// without limit: a _bulk answer for the largest batch is a few MiB.
constexpr std::size_t kMaxResponseBytes = std::size_t{64} << 20;

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * count > kMaxResponseBytes) return 0;  // curl aborts: CURLE_WRITE_ERROR
  body->append(data, size * count);
  return size * count;
}

class CurlClient final : public HttpClient {
 public:
  CurlClient(CURL* curl, HttpOptions options) : curl_(curl), options_(std::move(options)) {}
  ~CurlClient() override { curl_easy_cleanup(curl_); }
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  Result<HttpResponse> request(const std::string& method, const std::string& url,
                               const std::string& content_type, const std::string& body,
                               const std::vector<std::string>& extra_headers) override {
    curl_easy_reset(curl_);
    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl_, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (options_.verify_tls && !options_.pinned_sha256.empty() &&
        (curl_easy_setopt(curl_, CURLOPT_SSL_CTX_FUNCTION, install_pin) != CURLE_OK ||
         curl_easy_setopt(curl_, CURLOPT_SSL_CTX_DATA, &options_.pinned_sha256) != CURLE_OK)) {
      return io_error(url +
                      ": this libcurl cannot pin certificates (es-ca-fingerprint); refusing to connect");
    }
    if (!options_.username.empty()) {
      curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(curl_, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, options_.password.c_str());
    }

    curl_slist* headers = nullptr;
    std::string auth;
    if (!options_.api_key.empty()) {
      auth = "Authorization: ApiKey " + options_.api_key;
      headers = curl_slist_append(headers, auth.c_str());
    }
    if (!content_type.empty())
      headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for bulk bodies
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);

    if (method == "GET") {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }

    const CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (!auth.empty()) std::fill(auth.begin(), auth.end(), '\0');
    if (rc == CURLE_WRITE_ERROR && response.body.size() + CURL_MAX_WRITE_SIZE > kMaxResponseBytes) {
      return io_error(method + " " + url + ": the answer is larger than " +
                      std::to_string(kMaxResponseBytes >> 20) + " MiB; refused");
    }
    if (rc != CURLE_OK) {
      return io_error(method + " " + url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  CURL* curl_;
  HttpOptions options_;
};

}  // namespace

Result<std::unique_ptr<HttpClient>> make_http_client(const HttpOptions& options) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return io_error("libcurl could not create a handle");
  return std::unique_ptr<HttpClient>(new CurlClient(curl, options));
}

}  // namespace fimon::platform
