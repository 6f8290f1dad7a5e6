// GET /oauth/authorize (RFC 6749 §4.1.1, OIDC Core §3.1.2, RFC 7636, RFC 9207, RFC 9700).
//
// The request is checked in a fixed order of small steps:
//   1. client_id and redirect_uri: present once, clean, the client known, the URI registered for
//      it byte for byte. Any failure here is an HTML error page on Gatehouse's origin (400):
//      never a redirect, since the redirect target itself is not trusted.
//   2. everything else; a failure is a redirect to the redirect URI with error,
//      error_description, state (when it was clean) and iss (RFC 9207).
//   3. routing (routing.h): straight to a connection, or the hosted page.
// A valid request becomes a login transaction (transaction.h). A signed-in browser may finish
// here (AuthorizeDeps::resume); otherwise the transaction is sealed into a redirect to the hosted
// page (/login?tx=...) or the connection step (/login/connection?tx=...) and nothing is written
// to the store.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http/request.h"
#include "http/router.h"
#include "oauth/client_cache.h"
#include "oauth/transaction.h"
#include "store/store.h"

namespace gatehouse::oauth {

// Scopes this server grants at /oauth/authorize.
inline constexpr std::string_view kSupportedScopes[] = {"openid", "profile", "email", "offline_access"};

struct AuthorizeDeps {
  store::Store& store;
  ClientCache& clients;
  const TransactionSealer& sealer;
  std::string issuer;  // for `iss` in error responses (RFC 9207)
  // The browser-session check of the login layer (login/resume.h), called with a valid
  // transaction (id already assigned) before any page is shown. It answers with the response
  // that finishes the request without a page (a code for a signed-in user, the account picker),
  // or nullopt to go on to the login page; prompt=none then ends in login_required. An error is
  // answered server_error. Unset: there are no sessions.
  std::function<Result<std::optional<http::Response>>(const http::Request&, const LoginTransaction&)> resume;
};

http::Response HandleAuthorize(const AuthorizeDeps& deps, const http::Request& request);

void MountAuthorize(http::Router& router, const AuthorizeDeps& deps);

// The origin of a redirect URI as a CSP source ("https://app.example.com:8443", or
// "com.example.app:" for a private-use scheme); empty when it has none.
std::string RedirectOrigin(const std::string& redirect_uri);
// The CSP form-action of a hosted page whose form may end in a redirect to the client: browsers
// (Chromium) apply form-action to the redirects that follow a form submission, so the client's
// origin must be allowed next to 'self'.
std::string FormActionFor(const std::string& redirect_uri);

// The response that carries `params` to the client: a 302 to redirect_uri with the parameters in
// the query (response_mode=query), or a page that posts them (response_mode=form_post).
http::Response AuthorizationResponse(const std::string& redirect_uri, ResponseMode mode,
                                     const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace gatehouse::oauth
