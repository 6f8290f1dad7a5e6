// The SDK's HTTP client (libcurl underneath; this header does not expose it): GET and form POST
// to the server, bounded and locked down for talking to an authorization server:
//   * each call bounded by the timeout (connection included);
//   * http and https only, no redirects followed, TLS peers verified (ca_file replaces the
//     default bundle file; the system CA directory stays);
//   * no proxy, whatever http_proxy/https_proxy/ALL_PROXY say: the token endpoint receives the
//     client secret, which must not detour through an intermediary nobody configured for this
//     application;
//   * response bodies over 1 MiB refused.
// Errors: kTimeout (the timeout passed), kNetwork (DNS, refused, reset, TLS), kInvalidResponse
// (body too large, no status), kInvalidArgument (non-positive timeout), kInternal (libcurl
// itself). Messages name `what` and the failure only, never the URL's query or any body.
//
// Thread safety: calls may run concurrently. Easy handles are pooled (a few kept idle) so that
// sequential calls reuse their connections (keep-alive, TLS session).
// SIGPIPE: libcurl runs with CURLOPT_NOSIGNAL (signals and threads do not mix); libcurl sends
// with MSG_NOSIGNAL on Linux, but a process that writes to sockets elsewhere should ignore
// SIGPIPE anyway, as most servers do.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "gatehouse/result.h"

namespace gatehouse::sdk::detail {

inline constexpr std::size_t kMaxResponseBytes = 1 << 20;
inline constexpr std::string_view kUserAgent = "gatehouse-sdk-cpp/0.1";

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  HttpClient(std::chrono::milliseconds timeout, std::string ca_file);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `what` names the call in error messages ("JWKS", "token endpoint").
  Result<HttpResponse> get(const std::string& url, std::string_view what) const;
  // Content-Type: application/x-www-form-urlencoded; `body` is already encoded.
  Result<HttpResponse> post_form(const std::string& url, std::string_view body, std::string_view what) const;

 private:
  Result<HttpResponse> perform(const std::string& url, const std::string_view* form_body,
                               std::string_view what) const;

  struct Pool;
  std::chrono::milliseconds timeout_;
  std::string ca_file_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace gatehouse::sdk::detail
