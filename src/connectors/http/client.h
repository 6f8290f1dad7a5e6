// Outbound HTTP for Gatehouse's own calls to other servers (back-channel logout, later the
// upstream identity providers): a small blocking client over libcurl, the only place outside
// connectors/mail that links it.
//
// Safety: TLS certificates and host names are always verified (ca_file adds a private CA);
// redirects are not followed; every call has a total timeout and a connect timeout; response
// bodies are capped (max_response_bytes; larger is kResourceExhausted); only http and https
// URLs are accepted. Errors: kInvalidArgument for a bad URL, kDeadlineExceeded on timeout,
// kUnavailable when the server cannot be reached or TLS fails. A non-2xx status is not an
// error: the caller reads `status`.
//
// Connections are kept open between calls (up to `idle_handles` idle libcurl handles, each with
// its connection cache; libcurl closes a connection idle for more than 118 s), so calls to the
// same server skip the TCP and TLS handshakes. A call that failed drops its handle (and connection).
//
// Thread safety: an HttpClient may be used from several threads at once (each call has a curl
// handle to itself; the idle ones are kept under a mutex).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace gatehouse::connectors {
class CurlHandlePool;  // curl_pool.h
}  // namespace gatehouse::connectors

namespace gatehouse::connectors::http {

struct ClientOptions {
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds connect_timeout{5'000};
  std::size_t max_response_bytes = 1 << 20;
  std::string ca_file;     // extra trusted CA (PEM); empty: the system's
  std::string user_agent = "Gatehouse";
  std::size_t idle_handles = 8;  // kept for reuse; 0: a new connection for every call
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> Get(std::string_view url,
                           const std::vector<std::pair<std::string, std::string>>& headers = {}) const;
  // POST with Content-Type application/x-www-form-urlencoded.
  Result<HttpResponse> PostForm(std::string_view url, std::string_view body,
                                const std::vector<std::pair<std::string, std::string>>& headers = {}) const;

 private:
  ClientOptions options_;
  std::unique_ptr<CurlHandlePool> pool_;
};

}  // namespace gatehouse::connectors::http
