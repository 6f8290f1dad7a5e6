// The JWTs Gatehouse issues, with the exact claims the Scalekit SDKs read
// (wire/scalekit-compat.md §(c)), and the check of the access tokens it is shown back.
//
// Every token: signed by the KeyManager's active key (RS256 by default, ES256 selectable) with
// `kid`; integer times with nbf = iat = now (the Node SDK has no clock-skew tolerance); `iss` the
// issuer exactly; `aud` always a JSON array (Go decodes it as []string).
//   ID token (typ "JWT"):       iss sub aud[client] azp exp iat nbf auth_time nonce at_hash sid
//                               oid amr[connection] email email_verified name given_name
//                               family_name — each only when known and its scope granted.
//   access token (typ "at+jwt", RFC 9068): iss sub aud[client] exp iat nbf jti sid client_id
//                               oid scope "a b" scopes [a,b] roles[] permissions[].
//   client_credentials token (typ "at+jwt"): iss sub=client_id aud[client] client_id jti exp
//                               iat nbf oid (organization machine clients) scope scopes.
//   logout token (typ "logout+jwt", OIDC Back-Channel Logout 1.0 §2.4): iss aud[client] iat
//                               exp jti sub sid events{".../backchannel-logout":{}}.
// The typ header keeps one kind from being accepted as another: userinfo and introspection take
// only "at+jwt".
//
// Thread safety: TokenIssuer is immutable; its members may be called from any thread.
#pragma once

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "oauth/keys.h"
#include "store/store.h"

namespace gatehouse::oauth {

struct TokenPolicy {
  UnixSeconds access_token_lifetime = 300;                // user access tokens (Scalekit: 5 min)
  UnixSeconds id_token_lifetime = 3600;
  UnixSeconds client_credentials_lifetime = 3600;         // machine tokens
  UnixSeconds refresh_token_lifetime = 30 * 24 * 3600;    // absolute, from the code exchange
  UnixSeconds refresh_reuse_grace = 10;                   // see Store::RotateRefreshToken
  UnixSeconds logout_token_lifetime = 120;
};

// What the user tokens of one grant say (from the authorization code, or the grant on refresh).
struct UserTokenContext {
  std::string client_id;
  std::string scope;  // space-separated, as granted
  std::string organization_id;
  std::string session_id;
  std::string connection_id;
  UnixSeconds auth_time = 0;
  std::string nonce;  // ID token of the code exchange only
};

struct IssuedToken {
  std::string jwt;
  std::string jti;       // access tokens
  UnixSeconds expires_at = 0;
};

// The words of a space-separated scope, in order, empty ones skipped.
std::vector<std::string_view> ScopeWords(std::string_view scope);
// True when the space-separated `scope` contains `name` as a whole word.
bool HasScope(std::string_view scope, std::string_view name);
// `requested` (space-separated) as a scope string with repeats dropped, when every word of it is
// one of `allowed`; otherwise nullopt and `*refused` (when given) is the first word that is not.
template <class Words>
std::optional<std::string> ScopeWithin(std::string_view requested, const Words& allowed,
                                       std::string* refused = nullptr) {
  std::string out;
  for (std::string_view word : ScopeWords(requested)) {
    if (std::find(std::begin(allowed), std::end(allowed), word) == std::end(allowed)) {
      if (refused != nullptr) *refused = std::string(word);
      return std::nullopt;
    }
    if (HasScope(out, word)) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

// The string claim `name`, or empty when it is absent or not a string.
std::string_view StringClaim(const boost::json::object& claims, std::string_view name);

class TokenIssuer {
 public:
  TokenIssuer(const KeyManager& keys, std::string issuer, Clock& clock, Random& random, TokenPolicy policy)
      : keys_(keys), issuer_(std::move(issuer)), clock_(clock), random_(random), policy_(policy) {}

  const TokenPolicy& policy() const { return policy_; }
  const std::string& issuer() const { return issuer_; }

  // A fresh jti ("tkn_..."), so that the store can record the token before it is signed.
  std::string NewJti() const;

  // The user's access token with the given jti, valid from now for access_token_lifetime.
  Result<IssuedToken> AccessToken(const store::User& user, const UserTokenContext& context, std::string_view jti) const;
  // The ID token; `access_token` (may be empty) gives at_hash.
  Result<IssuedToken> IdToken(const store::User& user, const UserTokenContext& context,
                              std::string_view access_token) const;
  // The client_credentials token of `client` with `scope` (already checked against the
  // client's scopes; may be empty).
  Result<IssuedToken> ClientCredentialsToken(const store::Client& client, std::string_view scope) const;
  // The back-channel logout token for one client and session.
  Result<IssuedToken> LogoutToken(std::string_view client_id, std::string_view user_id,
                                  std::string_view session_id) const;

  // A token this server signed, verified: the signature by a published key, the header `typ`
  // equal to `typ`, iss, exp and nbf (no leeway: these are our own clocks). Errors are
  // kUnauthenticated with a message safe to show ("token expired", "bad signature", ...).
  // With allow_expired, exp is not checked (id_token_hint at logout).
  Result<boost::json::object> Verify(std::string_view token, std::string_view typ, bool allow_expired = false) const;

 private:
  Result<IssuedToken> Sign(boost::json::object claims, std::string_view typ, UnixSeconds expires_at,
                           std::string jti) const;

  const KeyManager& keys_;
  std::string issuer_;
  Clock& clock_;
  Random& random_;
  TokenPolicy policy_;
};

}  // namespace gatehouse::oauth
