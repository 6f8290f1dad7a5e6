// POST /oauth/token (RFC 6749 §3.2, §4.1.3, §4.4, §6; RFC 7636; RFC 9700), and the endpoints an
// application uses with the tokens afterwards: POST /oauth/revoke (RFC 7009), POST
// /oauth/introspect (RFC 7662), GET|POST /userinfo (OIDC Core §5.3).
//
// /oauth/token: a form body (anything else is invalid_request; a repeated parameter too),
// client authentication (client_auth.h), then one grant:
//   authorization_code (token_code.cc): the code (stored by SHA-256) is redeemed exactly once
//     (Store::RedeemAuthorizationCode); it must belong to the client, be unexpired, name the
//     same redirect_uri, and the code_verifier must match its S256 challenge (required when a
//     challenge was sent; refused when none was). A second use answers invalid_grant and
//     revokes the grant of the first use. Returns access_token, id_token (openid), and a
//     refresh_token when offline_access was granted.
//   refresh_token (token_refresh.cc): the token must belong to the client; it is rotated
//     (Store::RotateRefreshToken); a `scope` may narrow, never widen. Reuse of a rotated token
//     revokes the grant, except within refresh_reuse_grace seconds of its rotation, so that a
//     client that retries a request whose answer it lost is not logged out.
//   client_credentials (token_client.cc): scope must be a subset of the client's scopes;
//     without `scope` the client gets all of them. No refresh token, no id token.
// Answers: 200 JSON {access_token, token_type "Bearer", expires_in (integer), scope[, id_token]
// [, refresh_token]}; errors as oauth/errors.h. Always Cache-Control: no-store, Pragma: no-cache.
//
// Thread safety: handlers share only TokenDeps, whose members are thread-safe.
#pragma once

#include <functional>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "http/form.h"
#include "http/request.h"
#include "http/router.h"
#include "oauth/client_cache.h"
#include "oauth/errors.h"
#include "oauth/tokens.h"
#include "store/store.h"

namespace gatehouse::oauth {

struct TokenDeps {
  store::Store& store;
  ClientCache& clients;
  const TokenIssuer& tokens;
  Clock& clock;
  Random& random;
  UnixSeconds session_idle_timeout = 24 * 3600;  // a refresh moves the session's idle end this far
};

// The response of a grant: a JSON body, or the error.
using GrantResult = std::variant<std::string, OAuthError>;

http::Response HandleToken(const TokenDeps& deps, const http::Request& request);
http::Response HandleRevoke(const TokenDeps& deps, const http::Request& request);
http::Response HandleIntrospect(const TokenDeps& deps, const http::Request& request);
http::Response HandleUserinfo(const TokenDeps& deps, const http::Request& request);

// Mounts /oauth/token, /oauth/revoke, /oauth/introspect and /userinfo.
void MountToken(http::Router& router, const TokenDeps& deps);

// The grants, one per file; the client is authenticated.
GrantResult AuthorizationCodeGrant(const TokenDeps& deps, const http::Request& request, const store::Client& client,
                                   const http::Form& form);
GrantResult RefreshTokenGrant(const TokenDeps& deps, const http::Request& request, const store::Client& client,
                              const http::Form& form);
GrantResult ClientCredentialsGrant(const TokenDeps& deps, const http::Request& request, const store::Client& client,
                                   const http::Form& form);

// The success body of the user grants: the access token, the ID token when the scope has
// openid, and `refresh_token` when given (non-empty).
GrantResult UserTokenResponse(const TokenDeps& deps, const http::Request& request, const store::User& user,
                              const UserTokenContext& context, std::string_view jti, std::string_view refresh_token);

// Logs an internal failure with the request id and returns server_error.
OAuthError InternalError(const http::Request& request, std::string_view what, const Status& status);

// A new refresh token: the secret for the client and the store's record (hash only).
struct NewRefresh {
  std::string secret;
  store::RefreshToken record;
};
NewRefresh MakeRefreshToken(const TokenDeps& deps, std::string_view grant_id, UnixSeconds now, UnixSeconds expires_at);

// The form of a POST to these endpoints: application/x-www-form-urlencoded, each parameter once.
std::variant<http::Form, OAuthError> ParseTokenForm(const http::Request& request);

}  // namespace gatehouse::oauth
