// grant_type=client_credentials (RFC 6749 §4.4): machine tokens, and the management API's
// bootstrap token of the Scalekit SDKs (wire/scalekit-compat.md §(b), §(c)).
#include "oauth/token.h"

#include <boost/json.hpp>

namespace gatehouse::oauth {

GrantResult ClientCredentialsGrant(const TokenDeps& deps, const http::Request& request, const store::Client& client,
                                   const http::Form& form) {
  // Without `scope`, every scope the client holds; with it, a subset (each word once).
  const std::string_view requested = form.Get("scope");
  if (requested.size() > 4096) return InvalidScope("scope is too long");
  std::string refused;
  std::optional<std::string> scope = ScopeWithin(requested, client.scopes, &refused);
  if (!scope) return InvalidScope("scope \"" + refused + "\" is not granted to this client");
  if (scope->empty()) {
    for (const std::string& s : client.scopes) {
      if (!scope->empty()) *scope += ' ';
      *scope += s;
    }
  }
  auto token = deps.tokens.ClientCredentialsToken(client, *scope);
  if (!token.ok()) return InternalError(request, "token: signing failed", token.error());
  boost::json::object body;
  body["access_token"] = token->jwt;
  body["token_type"] = "Bearer";
  body["expires_in"] = deps.tokens.policy().client_credentials_lifetime;
  body["scope"] = *scope;
  return boost::json::serialize(body);
}

}  // namespace gatehouse::oauth
