// The typed request and response that handlers see. No transport types leak past this header:
// the Beast session (server.cc) fills a Request, calls the router, and writes the Response.
//
// Lifetime: every string_view in a Request points into buffers owned by the transport and is
// valid only during the handler call. Handlers copy what they keep.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

struct Request {
  Method method = Method::kGet;
  // The path with runs of '/' collapsed ("//oauth/authorize" -> "/oauth/authorize"), still
  // percent-encoded. The transport has checked that its escapes are well-formed.
  std::string path;
  // Everything after the first '?', undecoded; empty when absent.
  std::string_view query;
  std::vector<HeaderField> headers;
  std::string_view body;
  std::string_view remote_address;  // peer IP, no port
  std::string_view request_id;
  bool secure = false;  // arrived over TLS on this listener

  // The first header named `name` (ASCII case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
  // How many headers are named `name` (duplicated security headers are refused by callers).
  int HeaderCount(std::string_view name) const;
  // The values of every cookie named `name` (exact, case-sensitive name) in all Cookie headers
  // (HTTP/2 may split them over several), in order, trimmed of spaces; may be empty.
  std::vector<std::string_view> Cookies(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type;  // empty: no body expected
  std::string body;
  // When set, sent instead of `body`: lets a handler answer with a document it shares between
  // requests (discovery, JWKS) without copying it per request.
  std::shared_ptr<const std::string> shared_body;
  // Additional headers. Names and values must not contain CR, LF or NUL: the transport refuses
  // to send such a response (500) rather than allow header injection.
  std::vector<std::pair<std::string, std::string>> headers;
  // Ask the transport to close the connection after this response.
  bool close = false;

  Response& Set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  std::string_view Body() const { return shared_body ? std::string_view(*shared_body) : std::string_view(body); }

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  static Response Html(int status, std::string body);
  static Response Redirect(std::string location, int status = 302);
  // {"error":code,"error_description":description} with the given status.
  static Response JsonError(int status, std::string_view code, std::string_view description);
};

std::string_view ReasonPhrase(int status);

}  // namespace gatehouse::http
