#include "oauth/tokens.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/ids.h"
#include "crypto/hash.h"
#include "crypto/jwt.h"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;

json::array Words(std::string_view scope) {
  json::array out;
  for (std::string_view word : ScopeWords(scope)) out.emplace_back(json::string_view(word.data(), word.size()));
  return out;
}

void Put(json::object& o, std::string_view key, std::string_view value) {
  if (!value.empty()) o[key] = json::string_view(value.data(), value.size());
}

// OIDC Core §3.1.3.6: the base64url of the left half of the hash of the access token, with the
// hash of the signing algorithm (SHA-256 for both RS256 and ES256).
std::string AtHash(std::string_view access_token) {
  const std::string digest = crypto::Sha256(access_token);
  return Base64UrlEncode(std::string_view(digest).substr(0, digest.size() / 2));
}

// The claims every token of a subject carries: iss, sub, aud (always an array), exp, iat, nbf.
json::object SubjectClaims(const std::string& issuer, std::string_view sub, std::string_view audience, UnixSeconds now,
                           UnixSeconds exp) {
  json::object c;
  c["iss"] = issuer;
  c["sub"] = json::string_view(sub.data(), sub.size());
  c["aud"] = json::array{json::string_view(audience.data(), audience.size())};
  c["exp"] = exp;
  c["iat"] = now;
  c["nbf"] = now;
  return c;
}

}  // namespace

std::vector<std::string_view> ScopeWords(std::string_view scope) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (start < scope.size()) {
    std::size_t end = scope.find(' ', start);
    if (end == std::string_view::npos) end = scope.size();
    if (end > start) words.push_back(scope.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

bool HasScope(std::string_view scope, std::string_view name) {
  const auto words = ScopeWords(scope);
  return std::find(words.begin(), words.end(), name) != words.end();
}

std::string_view StringClaim(const json::object& claims, std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr || !v->is_string()) return {};
  return {v->get_string().data(), v->get_string().size()};
}

std::string TokenIssuer::NewJti() const { return NewId(random_, id_prefix::kToken); }

Result<IssuedToken> TokenIssuer::Sign(json::object claims, std::string_view typ, UnixSeconds expires_at,
                                      std::string jti) const {
  auto snapshot = keys_.Current();
  if (!snapshot || !snapshot->signing) return UnavailableError("no signing key");
  ASSIGN_OR_RETURN(std::string jwt, crypto::SignJwt(*snapshot->signing, claims, typ));
  return IssuedToken{.jwt = std::move(jwt), .jti = std::move(jti), .expires_at = expires_at};
}

Result<IssuedToken> TokenIssuer::AccessToken(const store::User& user, const UserTokenContext& context,
                                             std::string_view jti) const {
  const UnixSeconds now = clock_.NowSeconds();
  const UnixSeconds exp = now + policy_.access_token_lifetime;
  json::object c = SubjectClaims(issuer_, user.id, context.client_id, now, exp);
  c["jti"] = json::string_view(jti.data(), jti.size());
  Put(c, "sid", context.session_id);
  c["client_id"] = context.client_id;
  Put(c, "oid", context.organization_id);
  c["scope"] = context.scope;
  c["scopes"] = Words(context.scope);
  // No role model yet: every user has none, said explicitly (the SDKs read arrays).
  c["roles"] = json::array();
  c["permissions"] = json::array();
  return Sign(std::move(c), "at+jwt", exp, std::string(jti));
}

Result<IssuedToken> TokenIssuer::IdToken(const store::User& user, const UserTokenContext& context,
                                         std::string_view access_token) const {
  const UnixSeconds now = clock_.NowSeconds();
  const UnixSeconds exp = now + policy_.id_token_lifetime;
  json::object c = SubjectClaims(issuer_, user.id, context.client_id, now, exp);
  c["azp"] = context.client_id;
  if (context.auth_time > 0) c["auth_time"] = context.auth_time;
  Put(c, "nonce", context.nonce);
  if (!access_token.empty()) c["at_hash"] = AtHash(access_token);
  Put(c, "sid", context.session_id);
  Put(c, "oid", context.organization_id);
  if (!context.connection_id.empty()) c["amr"] = json::array{json::string_view(context.connection_id)};
  if (HasScope(context.scope, "email")) {
    c["email"] = user.email;
    c["email_verified"] = user.email_verified;
  }
  // given_name and family_name are not stored apart from the name: they are left out rather
  // than guessed by splitting a name that need not have that shape.
  if (HasScope(context.scope, "profile")) Put(c, "name", user.name);
  return Sign(std::move(c), "JWT", exp, {});
}

Result<IssuedToken> TokenIssuer::ClientCredentialsToken(const store::Client& client, std::string_view scope) const {
  const UnixSeconds now = clock_.NowSeconds();
  const UnixSeconds exp = now + policy_.client_credentials_lifetime;
  std::string jti = NewJti();
  json::object c = SubjectClaims(issuer_, client.id, client.id, now, exp);
  c["client_id"] = client.id;
  c["jti"] = jti;
  Put(c, "oid", client.organization_id);
  c["scope"] = json::string_view(scope.data(), scope.size());
  c["scopes"] = Words(scope);
  return Sign(std::move(c), "at+jwt", exp, std::move(jti));
}

Result<IssuedToken> TokenIssuer::LogoutToken(std::string_view client_id, std::string_view user_id,
                                             std::string_view session_id) const {
  const UnixSeconds now = clock_.NowSeconds();
  const UnixSeconds exp = now + policy_.logout_token_lifetime;
  std::string jti = NewJti();
  json::object c;
  c["iss"] = issuer_;
  c["aud"] = json::array{json::string_view(client_id.data(), client_id.size())};
  c["iat"] = now;
  c["exp"] = exp;
  c["jti"] = jti;
  Put(c, "sub", user_id);
  Put(c, "sid", session_id);
  c["events"] = json::object{{"http://schemas.openid.net/event/backchannel-logout", json::object()}};
  return Sign(std::move(c), "logout+jwt", exp, std::move(jti));
}

Result<json::object> TokenIssuer::Verify(std::string_view token, std::string_view typ, bool allow_expired) const {
  auto snapshot = keys_.Current();
  if (!snapshot) return UnauthenticatedError("no keys");
  static constexpr crypto::JwsAlg kAlgs[] = {crypto::JwsAlg::kRS256, crypto::JwsAlg::kES256};
  auto verified = crypto::VerifyJwt(token, snapshot->verification, kAlgs);
  if (!verified.ok()) return UnauthenticatedError("invalid token signature or format");
  const json::value* t = verified->header.if_contains("typ");
  if (t == nullptr || !t->is_string() || t->get_string() != json::string_view(typ.data(), typ.size())) {
    return UnauthenticatedError("wrong token type");
  }
  json::object& claims = verified->claims;
  const json::value* iss = claims.if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->get_string() != json::string_view(issuer_)) {
    return UnauthenticatedError("wrong issuer");
  }
  const UnixSeconds now = clock_.NowSeconds();
  if (allow_expired) {
    const json::value* exp = claims.if_contains("exp");
    if (exp == nullptr || !exp->is_int64()) return UnauthenticatedError("token without exp");
  } else if (Status s = crypto::CheckTimeClaims(claims, now, 0); !s.ok()) {
    return UnauthenticatedError("token expired or not yet valid");
  }
  return std::move(claims);
}

}  // namespace gatehouse::oauth
