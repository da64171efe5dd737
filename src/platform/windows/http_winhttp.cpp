// WinHTTP transport, behaving like the libcurl one (platform/linux/http_curl.cpp): one session per
// client with the connection handle kept between requests (WinHTTP pools the TCP/TLS connections
// under it), no proxy, no redirects, no cookies, no automatic Windows logon, a 64 MiB answer cap.
// Credentials go only into request headers, never into error text.
//
// TLS: WinHTTP verifies against the Windows trust store by default. It cannot take a CA file or a
// pin, so for those it is told to let an unknown CA through the handshake. In every verifying mode
// this file then checks the server certificate itself (verify_presented_chain) before the body is
// sent and again once the response headers are in, before anything of the answer is returned.
// Known limit (ca_file and pin): the request line and headers, Authorization included, are on the
// wire before the certificate can be read, so an impostor with a certificate for the host name
// from any CA sees them and the error comes after; it never gets the body.
#include <windows.h>
// The headers below need windows.h's types first.
#include <bcrypt.h>
#include <wincrypt.h>
#include <winhttp.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "platform/http.hpp"
#include "platform/windows/errors.hpp"
#include "platform/windows/wide.hpp"

namespace fimon::platform {
namespace {

// Same cap as the curl client: whatever answers cannot make the agent buffer without limit.
constexpr std::size_t kMaxResponseBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxCaFileBytes = std::size_t{16} << 20;
constexpr DWORD kWriteChunk = DWORD{4} << 20;
constexpr DWORD kReadChunk = DWORD{64} << 10;

struct InternetCloser {
  void operator()(void* h) const { WinHttpCloseHandle(h); }
};
using UniqueInternet = std::unique_ptr<void, InternetCloser>;
struct CertFreer {
  void operator()(const CERT_CONTEXT* c) const { CertFreeCertificateContext(c); }
};
using UniqueCert = std::unique_ptr<const CERT_CONTEXT, CertFreer>;
struct ChainFreer {
  void operator()(const CERT_CHAIN_CONTEXT* c) const { CertFreeCertificateChain(c); }
};
using UniqueChain = std::unique_ptr<const CERT_CHAIN_CONTEXT, ChainFreer>;
struct StoreCloser {
  void operator()(void* s) const { CertCloseStore(s, 0); }
};
using UniqueStore = std::unique_ptr<void, StoreCloser>;
struct EngineFreer {
  void operator()(void* e) const { CertFreeCertificateChainEngine(static_cast<HCERTCHAINENGINE>(e)); }
};
using UniqueEngine = std::unique_ptr<void, EngineFreer>;

// Passwords and API keys are wiped from memory once sent (as the curl client does).
template <typename String>
void wipe(String& s) {
  if (!s.empty()) SecureZeroMemory(s.data(), s.size() * sizeof(s[0]));
  s.clear();
}

std::string hex32(unsigned long v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 0xF];
  return out;
}

// One line for a failed WinHTTP call: what was being done, in words, and the code.
Error transport_error(const std::string& what, DWORD code, DWORD secure_failure_flags = 0) {
  std::string reason;
  switch (code) {
    case ERROR_WINHTTP_CANNOT_CONNECT:
      reason = "connection refused or host unreachable";
      break;
    case ERROR_WINHTTP_TIMEOUT:
    case WSAETIMEDOUT:  // Wine passes some socket errors through
      reason = "timed out";
      break;
    case WSAECONNREFUSED:
      reason = "connection refused";
      break;
    case WSAECONNRESET:
    case WSAECONNABORTED:
      reason = "connection reset or closed by the server";
      break;
    case ERROR_WINHTTP_NAME_NOT_RESOLVED:
      reason = "host name not resolved";
      break;
    case ERROR_WINHTTP_CONNECTION_ERROR:
      reason = "connection reset or closed by the server";
      break;
    case ERROR_WINHTTP_INVALID_SERVER_RESPONSE:
      reason = "not an HTTP response";
      break;
    case ERROR_WINHTTP_HEADER_SIZE_OVERFLOW:
    case ERROR_WINHTTP_HEADER_COUNT_EXCEEDED:
      reason = "response headers too large";
      break;
    case ERROR_WINHTTP_INVALID_URL:
    case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
      reason = "invalid URL";
      break;
    case ERROR_WINHTTP_OPERATION_CANCELLED:
      reason = "cancelled";
      break;
    case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:  // Wine reports a refused certificate this way too
      reason = "TLS handshake failed or the server certificate was refused";
      break;
    case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED:
      reason = "TLS: the server demands a client certificate";
      break;
    case ERROR_WINHTTP_SECURE_INVALID_CA:
      reason = "TLS: the server certificate is not trusted (unknown CA)";
      break;
    case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
      reason = "TLS: the server certificate is not valid for this host name";
      break;
    case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
      reason = "TLS: the server certificate has expired or is not yet valid";
      break;
    case ERROR_WINHTTP_SECURE_FAILURE:
      // The status callback said why; several reasons can hold at once.
      if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA) {
        reason = "TLS: the server certificate is not trusted (unknown CA)";
      } else if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID) {
        reason = "TLS: the server certificate is not valid for this host name";
      } else if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID) {
        reason = "TLS: the server certificate has expired or is not yet valid";
      } else if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED) {
        reason = "TLS: the server certificate is revoked";
      } else if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE) {
        reason = "TLS: the server certificate is not for server authentication";
      } else if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED) {
        reason = "TLS: the server certificate's revocation status is unavailable";
      } else if (secure_failure_flags & WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR) {
        reason = "TLS handshake failed";
      } else {
        reason = "TLS: the server certificate failed verification";
      }
      break;
    default:
      if (code < WINHTTP_ERROR_BASE || code > WINHTTP_ERROR_LAST) return win32_error(code, what);
      reason = "WinHTTP failure";
      break;
  }
  const bool winhttp = code >= WINHTTP_ERROR_BASE && code <= WINHTTP_ERROR_LAST;
  return io_error(what + ": " + reason + (winhttp ? " (WinHTTP " : " (Win32 error ") + std::to_string(code) +
                  ")");
}

int clamp_ms(long ms) {
  return ms <= 0 ? 0 : ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// User info in a URL is percent-encoded (RFC 3986); curl decodes it the same way.
std::string percent_decoded(std::string_view s) {
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && digit(s[i + 1]) >= 0 && digit(s[i + 2]) >= 0) {
      out += static_cast<char>(digit(s[i + 1]) * 16 + digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Target {
  bool https = false;
  std::wstring host;
  INTERNET_PORT port = 0;
  std::wstring object;  // path and query, what goes on the request line
  std::string user;     // from the URL, decoded
  std::string password;
};

std::optional<Target> crack(const std::wstring& url) {
  URL_COMPONENTS parts{};
  parts.dwStructSize = sizeof parts;
  // Nonzero lengths ask for pointers into `url` rather than copies.
  parts.dwSchemeLength = parts.dwHostNameLength = parts.dwUrlPathLength = parts.dwExtraInfoLength =
      parts.dwUserNameLength = parts.dwPasswordLength = static_cast<DWORD>(-1);
  if (!WinHttpCrackUrl(url.c_str(), static_cast<DWORD>(url.size()), 0, &parts)) return std::nullopt;
  if (parts.nScheme != INTERNET_SCHEME_HTTP && parts.nScheme != INTERNET_SCHEME_HTTPS) return std::nullopt;
  if (parts.lpszHostName == nullptr || parts.dwHostNameLength == 0) return std::nullopt;
  Target t;
  t.https = parts.nScheme == INTERNET_SCHEME_HTTPS;
  t.host.assign(parts.lpszHostName, parts.dwHostNameLength);
  t.port = parts.nPort;
  if (parts.lpszUrlPath != nullptr) t.object.assign(parts.lpszUrlPath, parts.dwUrlPathLength);
  if (parts.lpszExtraInfo != nullptr) t.object.append(parts.lpszExtraInfo, parts.dwExtraInfoLength);
  // The fragment is the client's business, not the server's.
  if (const auto hash = t.object.find(L'#'); hash != std::wstring::npos) t.object.erase(hash);
  if (t.object.empty() || t.object[0] != L'/') t.object.insert(0, L"/");
  if (parts.lpszUserName != nullptr && parts.dwUserNameLength > 0) {
    t.user = percent_decoded(to_utf8(std::wstring_view(parts.lpszUserName, parts.dwUserNameLength)));
    if (parts.lpszPassword != nullptr) {
      t.password = percent_decoded(to_utf8(std::wstring_view(parts.lpszPassword, parts.dwPasswordLength)));
    }
  }
  return t;
}

// Reads a whole (small) file named in UTF-8.
Result<std::string> read_file(const std::string& path) {
  const std::wstring wide = to_wide(path);
  HANDLE file =
      CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                  OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return win32_error(GetLastError(), "ca_file " + path);
  std::string data;
  char buffer[16384];
  DWORD got = 0;
  BOOL ok = TRUE;
  while ((ok = ReadFile(file, buffer, sizeof buffer, &got, nullptr)) && got > 0) {
    data.append(buffer, got);
    if (data.size() > kMaxCaFileBytes) {
      CloseHandle(file);
      return invalid_argument("ca_file " + path + ": larger than 16 MiB, not a CA bundle");
    }
  }
  const DWORD error = ok ? ERROR_SUCCESS : GetLastError();
  CloseHandle(file);
  if (!ok) return win32_error(error, "ca_file " + path);
  return data;
}

// Every "-----BEGIN CERTIFICATE-----" block of a PEM bundle into a memory store.
Result<UniqueStore> load_pem_bundle(const std::string& path) {
  auto pem = read_file(path);
  if (!pem) return pem.error();
  UniqueStore store(CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, nullptr));
  if (!store) return win32_error(GetLastError(), "ca_file " + path + ": CertOpenStore");
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  int count = 0;
  for (std::size_t at = pem->find(kBegin); at != std::string::npos; at = pem->find(kBegin, at)) {
    const std::size_t end = pem->find(kEnd, at);
    if (end == std::string::npos) break;
    const std::size_t block_size = end + kEnd.size() - at;
    DWORD der_size = 0;
    if (!CryptStringToBinaryA(pem->data() + at, static_cast<DWORD>(block_size), CRYPT_STRING_BASE64HEADER,
                              nullptr, &der_size, nullptr, nullptr)) {
      return invalid_argument("ca_file " + path + ": certificate " + std::to_string(count + 1) +
                              " is not valid PEM");
    }
    std::vector<BYTE> der(der_size);
    if (!CryptStringToBinaryA(pem->data() + at, static_cast<DWORD>(block_size), CRYPT_STRING_BASE64HEADER,
                              der.data(), &der_size, nullptr, nullptr) ||
        !CertAddEncodedCertificateToStore(store.get(), X509_ASN_ENCODING, der.data(), der_size,
                                          CERT_STORE_ADD_USE_EXISTING, nullptr)) {
      return invalid_argument("ca_file " + path + ": certificate " + std::to_string(count + 1) +
                              " is not a valid X.509 certificate");
    }
    ++count;
    at = end + kEnd.size();
  }
  if (count == 0) return invalid_argument("ca_file " + path + ": no PEM certificate in it");
  return store;
}

// An engine trusting only the roots in `roots` (nothing from the Windows stores).
// CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG (Windows 8+) lets a CA certificate that is not self-signed
// (an intermediate) be an anchor too, as curl's partial-chain verification allows.
Result<UniqueEngine> exclusive_engine(HCERTSTORE roots, const std::string& what) {
  CERT_CHAIN_ENGINE_CONFIG config{};
  config.cbSize = sizeof config;
  config.dwFlags = CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL;
  config.hExclusiveRoot = roots;
  config.dwExclusiveFlags = CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG;
  HCERTCHAINENGINE engine = nullptr;
  if (CertCreateCertificateChainEngine(&config, &engine)) return UniqueEngine(engine);
  // Wine (8.0) knows only the Windows 7 layout, without dwExclusiveFlags, and refuses a larger
  // cbSize with E_INVALIDARG; there only self-signed certificates can be anchors.
  config.cbSize = offsetof(CERT_CHAIN_ENGINE_CONFIG, dwExclusiveFlags);
  config.dwExclusiveFlags = 0;
  if (CertCreateCertificateChainEngine(&config, &engine)) return UniqueEngine(engine);
  return win32_error(GetLastError(), what + ": CertCreateCertificateChainEngine");
}

std::string policy_failure(DWORD error, const std::string& anchor) {
  switch (static_cast<HRESULT>(error)) {
    case CERT_E_UNTRUSTEDROOT:
    case CERT_E_CHAINING:
      return "TLS: the server certificate does not chain to " + anchor;
    case CERT_E_CN_NO_MATCH:
      return "TLS: the server certificate is not valid for this host name";
    case CERT_E_EXPIRED:
      return "TLS: a certificate in the server's chain has expired or is not yet valid";
    case CERT_E_WRONG_USAGE:
      return "TLS: the server certificate is not for server authentication";
    case CERT_E_REVOKED:
      return "TLS: a certificate in the server's chain is revoked";
    case TRUST_E_CERT_SIGNATURE:
      return "TLS: a signature in the server's chain is invalid";
    default:
      return "TLS: the server certificate failed verification (" + hex32(error) + ") against " + anchor;
  }
}

// What the chain's trust status says, in words; empty if nothing is wrong.
std::string trust_failure(DWORD errors, const std::string& anchor) {
  if (errors == CERT_TRUST_NO_ERROR) return {};
  if (errors & CERT_TRUST_IS_NOT_SIGNATURE_VALID) return "TLS: a signature in the server's chain is invalid";
  if (errors & CERT_TRUST_IS_REVOKED) return "TLS: a certificate in the server's chain is revoked";
  if (errors & (CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN | CERT_TRUST_IS_CYCLIC)) {
    return "TLS: the server certificate does not chain to " + anchor;
  }
  if (errors & CERT_TRUST_IS_NOT_TIME_VALID) {
    return "TLS: a certificate in the server's chain has expired or is not yet valid";
  }
  if (errors & CERT_TRUST_IS_NOT_VALID_FOR_USAGE) {
    return "TLS: the server certificate is not for server authentication";
  }
  return "TLS: the server's certificate chain is not valid (trust status " + hex32(errors) + ")";
}

// Builds the chain of `leaf` with `engine` (intermediates: those the server presented) and requires both a
// clean trust status (anchor, signatures, dates, server-authentication usage) and the SSL policy (the same,
// plus `host` against the leaf's names). Both, because Wine's SSL policy lets a partial chain through.
// `allowed` are trust errors to overlook (an unknown root, for a pinned leaf). Empty on success.
// Sets *top to the chain's last certificate.
std::string verify_ssl_chain(HCERTCHAINENGINE engine, DWORD chain_flags, PCCERT_CONTEXT leaf,
                             const std::wstring& host, DWORD allowed, const std::string& anchor,
                             UniqueCert* top) {
  static char server_auth[] = szOID_PKIX_KP_SERVER_AUTH;
  LPSTR usages[] = {server_auth};
  CERT_CHAIN_PARA para{};
  para.cbSize = sizeof para;
  para.RequestedUsage.dwType = USAGE_MATCH_TYPE_AND;
  para.RequestedUsage.Usage.cUsageIdentifier = 1;
  para.RequestedUsage.Usage.rgpszUsageIdentifier = usages;
  PCCERT_CHAIN_CONTEXT raw = nullptr;
  if (!CertGetCertificateChain(engine, leaf, nullptr, leaf->hCertStore, &para, chain_flags, nullptr, &raw)) {
    return "TLS: could not build the server's certificate chain (" + hex32(GetLastError()) + ")";
  }
  UniqueChain chain(raw);
  if (chain->cChain == 0 || chain->rgpChain[0]->cElement == 0)
    return "TLS: the server's certificate chain is empty";
  const CERT_SIMPLE_CHAIN* simple = chain->rgpChain[0];
  top->reset(CertDuplicateCertificateContext(simple->rgpElement[simple->cElement - 1]->pCertContext));
  if (auto failure = trust_failure(chain->TrustStatus.dwErrorStatus & ~allowed, anchor); !failure.empty()) {
    return failure;
  }

  std::wstring server_name = host;
  SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl{};
  ssl.cbSize = sizeof ssl;
  ssl.dwAuthType = AUTHTYPE_SERVER;
  ssl.fdwChecks = allowed != 0 ? SECURITY_FLAG_IGNORE_UNKNOWN_CA : 0;
  ssl.pwszServerName = server_name.data();
  CERT_CHAIN_POLICY_PARA policy{};
  policy.cbSize = sizeof policy;
  policy.pvExtraPolicyPara = &ssl;
  CERT_CHAIN_POLICY_STATUS status{};
  status.cbSize = sizeof status;
  if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain.get(), &policy, &status)) {
    return "TLS: could not check the server's certificate chain (" + hex32(GetLastError()) + ")";
  }
  if (status.dwError != 0) return policy_failure(status.dwError, anchor);
  return {};
}

bool same_certificate(PCCERT_CONTEXT a, PCCERT_CONTEXT b) {
  return a != nullptr && b != nullptr && a->cbCertEncoded == b->cbCertEncoded &&
         std::memcmp(a->pbCertEncoded, b->pbCertEncoded, a->cbCertEncoded) == 0;
}

bool in_store(HCERTSTORE store, PCCERT_CONTEXT cert) {
  PCCERT_CONTEXT found =
      CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_EXISTING, cert, nullptr);
  if (found == nullptr) return false;
  CertFreeCertificateContext(found);
  return true;
}

// Status callback context for one request: why WinHTTP's own TLS verification failed.
struct RequestState {
  DWORD secure_failure_flags = 0;
};

void CALLBACK on_status(HINTERNET, DWORD_PTR context, DWORD status, LPVOID info, DWORD length) {
  if (status == WINHTTP_CALLBACK_STATUS_SECURE_FAILURE && context != 0 && info != nullptr &&
      length >= sizeof(DWORD)) {
    reinterpret_cast<RequestState*>(context)->secure_failure_flags |= *static_cast<const DWORD*>(info);
  }
}

class WinHttpClient final : public HttpClient {
 public:
  WinHttpClient(UniqueInternet session, HttpOptions options, UniqueStore ca_roots, UniqueEngine ca_engine)
      : session_(std::move(session)),
        options_(std::move(options)),
        ca_roots_(std::move(ca_roots)),
        ca_engine_(std::move(ca_engine)) {}
  ~WinHttpClient() override {
    wipe(options_.password);
    wipe(options_.api_key);
  }
  WinHttpClient(const WinHttpClient&) = delete;
  WinHttpClient& operator=(const WinHttpClient&) = delete;

  Result<HttpResponse> request(const std::string& method, const std::string& url,
                               const std::string& content_type, const std::string& body,
                               const std::vector<std::string>& extra_headers) override {
    const auto start = std::chrono::steady_clock::now();
    const std::string what = method + " " + url_without_credentials(url);
    std::optional<Target> target = crack(to_wide(url));
    if (!target) return invalid_argument(what + ": not an http:// or https:// URL");
    if (body.size() > MAXDWORD) return invalid_argument(what + ": the body is larger than 4 GiB");
    const DWORD body_size = static_cast<DWORD>(body.size());

    // Outlives the request handle: WinHTTP may call back with it until the handle is closed.
    RequestState state;
    auto connect = connection_for(*target);
    if (!connect) return io_error(what + ": " + connect.error().message());
    UniqueInternet request(WinHttpOpenRequest(*connect, to_wide(method).c_str(), target->object.c_str(),
                                              nullptr, WINHTTP_NO_REFERER, WINHTTP_DEFAULT_ACCEPT_TYPES,
                                              target->https ? WINHTTP_FLAG_SECURE : 0));
    if (!request) return transport_error(what, GetLastError());
    if (const DWORD error = configure(request.get(), target->https); error != ERROR_SUCCESS) {
      return transport_error(what + ": setting up the request", error);
    }
    if (auto added = add_headers(request.get(), *target, content_type, extra_headers); !added.ok()) {
      return Error(added.error().kind(), what + ": " + added.error().message());
    }
    wipe(target->password);

    // The body follows separately (WinHttpWriteData) so that none of it is sent before this
    // file's own certificate check.
    if (!WinHttpSendRequest(request.get(), WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0,
                            body_size, reinterpret_cast<DWORD_PTR>(&state))) {
      return transport_error(what, GetLastError(), state.secure_failure_flags);
    }
    UniqueCert verified;
    if (target->https && options_.verify_tls) {
      if (auto checked = verify_presented_chain(request.get(), target->host, &verified); !checked.ok()) {
        return io_error(what + ": " + checked.error().message());
      }
    }
    for (DWORD sent = 0; sent < body_size;) {
      const DWORD chunk = std::min(kWriteChunk, body_size - sent);
      DWORD written = 0;
      if (!WinHttpWriteData(request.get(), body.data() + sent, chunk, &written)) {
        return transport_error(what, GetLastError(), state.secure_failure_flags);
      }
      if (written == 0) return io_error(what + ": the connection accepted no more of the body");
      sent += written;
    }
    if (!WinHttpReceiveResponse(request.get(), nullptr)) {
      return transport_error(what, GetLastError(), state.secure_failure_flags);
    }
    // WinHTTP resends on a fresh connection when a kept-alive one turns out closed: check again
    // if the certificate is not the one already verified.
    if (target->https && options_.verify_tls) {
      if (auto checked = verify_presented_chain(request.get(), target->host, &verified); !checked.ok()) {
        return io_error(what + ": " + checked.error().message());
      }
    }

    HttpResponse response;
    DWORD status = 0, size = sizeof status;
    if (!WinHttpQueryHeaders(request.get(), WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                             WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX)) {
      return transport_error(what + ": reading the status", GetLastError());
    }
    response.status = static_cast<long>(status);
    const std::string too_large =
        what + ": the answer is larger than " + std::to_string(kMaxResponseBytes >> 20) + " MiB; refused";
    // A declared length over the cap fails before anything is read; a chunked one as it grows.
    wchar_t length_text[32];
    DWORD length_size = sizeof length_text;
    if (WinHttpQueryHeaders(request.get(), WINHTTP_QUERY_CONTENT_LENGTH, WINHTTP_HEADER_NAME_BY_INDEX,
                            length_text, &length_size, WINHTTP_NO_HEADER_INDEX) &&
        _wcstoui64(length_text, nullptr, 10) > kMaxResponseBytes) {
      return io_error(too_large);
    }
    std::vector<char> buffer(kReadChunk);
    for (;;) {
      DWORD got = 0;
      if (!WinHttpReadData(request.get(), buffer.data(), kReadChunk, &got)) {
        return transport_error(what + ": reading the answer", GetLastError());
      }
      if (got == 0) break;
      if (response.body.size() + got > kMaxResponseBytes) return io_error(too_large);
      response.body.append(buffer.data(), got);
      // WinHTTP's timeouts are per operation; this bounds the whole exchange like curl's total
      // timeout (to within one read).
      if (options_.total_timeout_ms > 0 &&
          std::chrono::steady_clock::now() - start > std::chrono::milliseconds(options_.total_timeout_ms)) {
        return io_error(what + ": timed out after " + std::to_string(options_.total_timeout_ms) +
                        " ms reading the answer (WinHTTP " + std::to_string(ERROR_WINHTTP_TIMEOUT) + ")");
      }
    }
    return response;
  }

 private:
  // WinHTTP lets an unknown CA through the handshake; this file then checks the anchor.
  bool own_anchors() const { return !options_.pinned_sha256.empty() || ca_engine_ != nullptr; }

  // One connect handle per host:port:scheme, kept while requests go to the same place.
  Result<HINTERNET> connection_for(const Target& t) {
    if (connect_ && t.host == host_ && t.port == port_ && t.https == https_) return connect_.get();
    connect_.reset();
    connect_.reset(WinHttpConnect(session_.get(), t.host.c_str(), t.port, 0));
    if (!connect_) return win32_error(GetLastError(), "WinHttpConnect");
    host_ = t.host;
    port_ = t.port;
    https_ = t.https;
    return connect_.get();
  }

  DWORD configure(HINTERNET request, bool https) {
    // No redirects (curl follows none, and a redirect would carry the Authorization header
    // elsewhere), no cookie jar, and no answering of 401 challenges with the Windows logon.
    DWORD disabled = WINHTTP_DISABLE_REDIRECTS | WINHTTP_DISABLE_COOKIES | WINHTTP_DISABLE_AUTHENTICATION;
    if (!WinHttpSetOption(request, WINHTTP_OPTION_DISABLE_FEATURE, &disabled, sizeof disabled)) {
      return GetLastError();
    }
    DWORD logon = WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH;
    if (!WinHttpSetOption(request, WINHTTP_OPTION_AUTOLOGON_POLICY, &logon, sizeof logon))
      return GetLastError();
    // Like curl's ACCEPT_ENCODING "": take gzip/deflate when offered. Older Windows (before 8.1)
    // lack the option; then nothing is advertised and answers come uncompressed.
    DWORD decompression = WINHTTP_DECOMPRESSION_FLAG_ALL;
    WinHttpSetOption(request, WINHTTP_OPTION_DECOMPRESSION, &decompression, sizeof decompression);
    if (https) {
      DWORD flags = 0;
      if (!options_.verify_tls) {
        flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                SECURITY_FLAG_IGNORE_CERT_DATE_INVALID | SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE;
      } else if (own_anchors()) {
        flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA;  // the anchor is checked here, the rest by both
      }
      if (flags != 0 && !WinHttpSetOption(request, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof flags)) {
        return GetLastError();
      }
    }
    return ERROR_SUCCESS;
  }

  Status add_headers(HINTERNET request, Target& target, const std::string& content_type,
                     const std::vector<std::string>& extra_headers) {
    const auto add = [request](const std::wstring& line) {
      return WinHttpAddRequestHeaders(request, line.c_str(), static_cast<DWORD>(line.size()),
                                      WINHTTP_ADDREQ_FLAG_ADD | WINHTTP_ADDREQ_FLAG_REPLACE) != FALSE;
    };
    // An Authorization header among extra_headers wins, as a custom one does with curl.
    bool caller_authorizes = false;
    for (const auto& h : extra_headers)
      caller_authorizes = caller_authorizes || starts_with_ci(h, "authorization:");
    if (!caller_authorizes) {
      std::string secret;
      if (!options_.api_key.empty()) {
        secret = "Authorization: ApiKey " + options_.api_key;
      } else if (!options_.username.empty() || !target.user.empty()) {
        std::string pair = options_.username.empty() ? target.user + ":" + target.password
                                                     : options_.username + ":" + options_.password;
        secret = "Authorization: Basic " + base64_encode(pair);
        wipe(pair);
      }
      if (!secret.empty()) {
        std::wstring line = to_wide(secret);
        const bool ok = add(line);
        wipe(line);
        wipe(secret);
        if (!ok) return win32_error(GetLastError(), "adding the Authorization header");
      }
    }
    if (!content_type.empty() && !add(to_wide("Content-Type: " + content_type))) {
      return win32_error(GetLastError(), "adding the Content-Type header");
    }
    for (const auto& h : extra_headers) {
      if (!add(to_wide(h))) {  // the name only: a value may be a secret
        return win32_error(GetLastError(), "adding header '" + h.substr(0, h.find(':')) + "'");
      }
    }
    return Status::Ok();
  }

  // The certificate check of this file, done with verify_tls on, after WinHTTP's own. What it
  // requires:
  //   default: the chain from the server's certificate (through the intermediates it presented,
  //     or that Windows finds as WinHTTP would) ends at a root of the Windows trust store, and
  //     passes the SSL policy: signatures, dates, server usage, host name. This repeats WinHTTP's
  //     check, so that a pooled connection set up with weaker settings cannot slip through
  //     (Wine 8.0 shares its pool between sessions whatever their security flags).
  //   ca_file: the same, except the chain must end at a certificate from ca_file; the Windows
  //     stores play no part and nothing is fetched from the network.
  //   pinned_sha256 (wins over ca_file, as with curl): some certificate the server presented, the
  //     leaf included, has that SHA-256; it is the only trust anchor, and the chain from the leaf
  //     must end at it and pass the same policy. A pinned leaf is its own anchor: its dates, usage
  //     and host name are still checked. A matching certificate the leaf does not chain to proves
  //     nothing and fails.
  // *verified holds the last leaf that passed: the same leaf is not checked twice per request.
  Status verify_presented_chain(HINTERNET request, const std::wstring& host, UniqueCert* verified) {
    PCCERT_CONTEXT raw = nullptr;
    DWORD size = sizeof raw;
    if (!WinHttpQueryOption(request, WINHTTP_OPTION_SERVER_CERT_CONTEXT, &raw, &size) || raw == nullptr) {
      return io_error("TLS: the server certificate is unavailable for verification");
    }
    UniqueCert leaf(raw);
    if (same_certificate(leaf.get(), verified->get())) return Status::Ok();
    // Private anchors: the chain is made of what the server sent and the anchors, nothing fetched.
    constexpr DWORD kOffline = CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL | CERT_CHAIN_DISABLE_AIA;
    UniqueCert top;
    std::string failure;
    if (!options_.pinned_sha256.empty()) {
      UniqueCert pinned = find_pinned(leaf.get());
      if (!pinned) {
        return io_error("TLS: no certificate the server presented has the pinned SHA-256 fingerprint");
      }
      UniqueStore anchor(CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, nullptr));
      if (!anchor ||
          !CertAddCertificateContextToStore(anchor.get(), pinned.get(), CERT_STORE_ADD_ALWAYS, nullptr)) {
        return win32_error(GetLastError(), "TLS: preparing the pinned certificate");
      }
      auto engine = exclusive_engine(anchor.get(), "TLS: pinned certificate");
      if (!engine) return engine.error();
      const bool leaf_pinned = same_certificate(pinned.get(), leaf.get());
      const DWORD allowed = leaf_pinned ? CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN : 0;
      failure = verify_ssl_chain(engine->get(), kOffline, leaf.get(), host, allowed, "the pinned certificate",
                                 &top);
      if (failure.empty() && !leaf_pinned && !same_certificate(top.get(), pinned.get())) {
        failure = "TLS: the server certificate does not chain to the pinned certificate";
      }
    } else if (ca_engine_) {
      failure = verify_ssl_chain(ca_engine_.get(), kOffline, leaf.get(), host, 0, options_.ca_file, &top);
      // The anchor must come from ca_file, whatever the engine's (or Wine's) idea of a root.
      if (failure.empty() && !in_store(ca_roots_.get(), top.get())) {
        failure = "TLS: the server certificate does not chain to " + options_.ca_file;
      }
    } else {
      // HCCE_CURRENT_USER (null): the engine WinHTTP and schannel use, with its network access.
      failure = verify_ssl_chain(nullptr, 0, leaf.get(), host, 0, "the Windows trust store", &top);
    }
    if (!failure.empty()) return io_error(failure);
    *verified = std::move(leaf);
    return Status::Ok();
  }

  // The presented certificate (leaf or one the server sent with it) whose SHA-256 is the pin.
  UniqueCert find_pinned(PCCERT_CONTEXT leaf) const {
    const auto matches = [this](PCCERT_CONTEXT cert) {
      BYTE digest[32];
      DWORD length = sizeof digest;
      return CryptHashCertificate2(BCRYPT_SHA256_ALGORITHM, 0, nullptr, cert->pbCertEncoded,
                                   cert->cbCertEncoded, digest, &length) &&
             length == options_.pinned_sha256.size() &&
             std::memcmp(digest, options_.pinned_sha256.data(), length) == 0;
    };
    if (matches(leaf)) return UniqueCert(CertDuplicateCertificateContext(leaf));
    if (leaf->hCertStore == nullptr) return nullptr;
    for (PCCERT_CONTEXT c = CertEnumCertificatesInStore(leaf->hCertStore, nullptr); c != nullptr;
         c = CertEnumCertificatesInStore(leaf->hCertStore, c)) {
      if (matches(c)) return UniqueCert(c);  // enumeration hands over its reference
    }
    return nullptr;
  }

  UniqueInternet session_;
  HttpOptions options_;
  UniqueStore ca_roots_;    // ca_file's certificates; null without ca_file
  UniqueEngine ca_engine_;  // trusts only those
  UniqueInternet connect_;
  std::wstring host_;
  INTERNET_PORT port_ = 0;
  bool https_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpClient>> make_http_client(const HttpOptions& options) {
  if (!options.pinned_sha256.empty() && options.pinned_sha256.size() != 32) {
    return invalid_argument("the pinned certificate fingerprint must be a SHA-256 (32 bytes), got " +
                            std::to_string(options.pinned_sha256.size()));
  }
  // The CA file is read now: a bad one is a configuration error, not a network failure later.
  UniqueStore ca_roots;
  UniqueEngine ca_engine;
  if (options.verify_tls && !options.ca_file.empty() && options.pinned_sha256.empty()) {
    auto roots = load_pem_bundle(options.ca_file);
    if (!roots) return roots.error();
    auto engine = exclusive_engine(roots->get(), "ca_file " + options.ca_file);
    if (!engine) return engine.error();
    ca_roots = std::move(*roots);
    ca_engine = std::move(*engine);
  }
  // No user agent, as with libcurl; no proxy unless the configuration names one (it cannot yet).
  UniqueInternet session(
      WinHttpOpen(nullptr, WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0));
  if (!session) return win32_error(GetLastError(), "WinHttpOpen");
  // curl's connect timeout defaults to 300 s when unset; its total timeout to none.
  const int connect_ms = options.connect_timeout_ms > 0 ? clamp_ms(options.connect_timeout_ms) : 300000;
  const int total_ms = clamp_ms(options.total_timeout_ms);
  if (!WinHttpSetTimeouts(session.get(), connect_ms, connect_ms, total_ms, total_ms)) {
    return win32_error(GetLastError(), "WinHttpSetTimeouts");
  }
  DWORD response_ms = static_cast<DWORD>(total_ms);  // waiting for the headers has its own timeout
  if (total_ms > 0 && !WinHttpSetOption(session.get(), WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, &response_ms,
                                        sizeof response_ms)) {
    return win32_error(GetLastError(), "WinHTTP receive-response timeout");
  }
  if (WinHttpSetStatusCallback(session.get(), on_status, WINHTTP_CALLBACK_FLAG_SECURE_FAILURE, 0) ==
      WINHTTP_INVALID_STATUS_CALLBACK) {
    return win32_error(GetLastError(), "WinHttpSetStatusCallback");
  }
  return std::unique_ptr<HttpClient>(
      new WinHttpClient(std::move(session), options, std::move(ca_roots), std::move(ca_engine)));
}

}  // namespace fimon::platform
