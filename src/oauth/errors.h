// Protocol errors of the token, revocation, introspection and userinfo endpoints are values:
// handlers return an OAuthError and one writer renders it (RFC 6749 §5.2, RFC 6750 §3).
#pragma once

#include <string>
#include <string_view>

#include "http/request.h"

namespace gatehouse::oauth {

struct OAuthError {
  std::string_view code;    // "invalid_request", "invalid_client", "invalid_grant", ...
  std::string description;  // for the client's developer; never contains a secret or token
  int status = 400;
  // 401 answers carry WWW-Authenticate: this scheme ("Basic" when the client tried HTTP Basic,
  // "Bearer" at userinfo). Empty: none.
  std::string_view challenge;
};

inline OAuthError InvalidRequest(std::string description) { return {"invalid_request", std::move(description)}; }
inline OAuthError InvalidGrant(std::string description) { return {"invalid_grant", std::move(description)}; }
inline OAuthError InvalidScope(std::string description) { return {"invalid_scope", std::move(description)}; }
inline OAuthError ServerError() { return {"server_error", "the server could not complete the request", 500}; }

// The JSON error response: {"error","error_description"}, Cache-Control: no-store,
// Pragma: no-cache, and WWW-Authenticate for 401 (RFC 6750 §3 form for Bearer).
http::Response RenderError(const OAuthError& error);

// A 200 JSON response that must not be cached (token, introspection and userinfo answers).
http::Response NoStoreJson(std::string body);

}  // namespace gatehouse::oauth
