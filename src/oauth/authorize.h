// GET /oauth/authorize (RFC 6749 §4.1.1, OIDC Core §3.1.2, RFC 7636, RFC 9207, RFC 9700).
//
// The request is checked in a fixed order of small steps:
//   1. client_id and redirect_uri: present once, clean, the client known, the URI registered for
//      it byte for byte. Any failure here is an HTML error page on Gatehouse's origin (400):
//      never a redirect, since the redirect target itself is not trusted.
//   2. everything else; a failure is a redirect to the redirect URI with error,
//      error_description, state (when it was clean) and iss (RFC 9207).
//   3. routing (routing.h): straight to a connection, or the hosted page.
// A valid request becomes a sealed login transaction (transaction.h) and a redirect to the
// hosted page (/login?tx=...) or the connection step (/login/connection?tx=...). Nothing is
// written to the store.
#pragma once

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
};

http::Response HandleAuthorize(const AuthorizeDeps& deps, const http::Request& request);

void MountAuthorize(http::Router& router, const AuthorizeDeps& deps);

// The response that carries `params` to the client: a 302 to redirect_uri with the parameters in
// the query (response_mode=query), or a page that posts them (response_mode=form_post).
http::Response AuthorizationResponse(const std::string& redirect_uri, ResponseMode mode,
                                     const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace gatehouse::oauth
