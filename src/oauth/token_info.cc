// What an application does with tokens after the exchange: revoke them (RFC 7009), ask about
// them (RFC 7662), and read the user's claims with one (OIDC Core §5.3).
//
// Telling the kinds apart: access tokens are JWTs (three dot-separated parts); refresh tokens are
// 43 base64url characters with no dot. token_type_hint is therefore not needed and is ignored.
#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/strings.h"
#include "crypto/hash.h"
#include "oauth/client_auth.h"
#include "oauth/token.h"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxToken = 16 * 1024;

bool IsJwtShaped(std::string_view token) { return token.find('.') != std::string_view::npos; }

// A verified access token of this server that is neither expired nor revoked; nullopt otherwise.
// `error` is set only for internal failures.
std::optional<json::object> ActiveAccessToken(const TokenDeps& deps, std::string_view token, Status* error) {
  auto claims = deps.tokens.Verify(token, "at+jwt");
  if (!claims.ok()) return std::nullopt;
  const std::string_view jti = StringClaim(*claims, "jti");
  if (jti.empty()) return std::nullopt;
  auto state = deps.store.GetAccessTokenState(jti);
  if (!state.ok()) {
    *error = state.error();
    return std::nullopt;
  }
  if (state->revoked) return std::nullopt;
  return std::move(claims).value();
}

// The client, the form and the token of a revocation or introspection request.
struct TokenRequest {
  std::shared_ptr<const store::Client> client;
  std::string token;
};

std::variant<TokenRequest, OAuthError> ReadTokenRequest(const TokenDeps& deps, const http::Request& request) {
  auto parsed = ParseTokenForm(request);
  if (auto* e = std::get_if<OAuthError>(&parsed)) return *e;
  const http::Form& form = std::get<http::Form>(parsed);
  auto client = AuthenticateClient(deps.clients, request, form);
  if (auto* e = std::get_if<OAuthError>(&client)) return *e;
  if (!form.Has("token")) return InvalidRequest("token is required");
  if (form.Get("token").size() > kMaxToken) return InvalidRequest("token is too long");
  return TokenRequest{std::get<std::shared_ptr<const store::Client>>(client), std::string(form.Get("token"))};
}

}  // namespace

http::Response HandleRevoke(const TokenDeps& deps, const http::Request& request) {
  auto read = ReadTokenRequest(deps, request);
  if (auto* e = std::get_if<OAuthError>(&read)) return RenderError(*e);
  const TokenRequest& r = std::get<TokenRequest>(read);
  const UnixSeconds now = deps.clock.NowSeconds();
  // RFC 7009 §2.2: an invalid or unknown token, or one of another client, is answered 200 like a
  // revoked one: the answer tells a caller nothing about tokens it does not own.
  if (IsJwtShaped(r.token)) {
    auto claims = deps.tokens.Verify(r.token, "at+jwt");
    if (claims.ok() && StringClaim(*claims, "client_id") == r.client->id) {
      const json::value* exp = claims->if_contains("exp");
      Status s = deps.store.RevokeAccessToken(StringClaim(*claims, "jti"), exp->to_number<UnixSeconds>(), now);
      if (!s.ok()) return RenderError(InternalError(request, "revoke: store failed", s));
    }
  } else {
    auto found = deps.store.FindRefreshToken(HexEncode(crypto::Sha256(r.token)));
    if (found.ok() && found->grant.client_id == r.client->id) {
      // The whole family: the grant and with it every refresh and access token issued in it.
      Status s = deps.store.RevokeGrant(found->grant.id, now);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return RenderError(InternalError(request, "revoke: store failed", s));
    } else if (!found.ok() && found.error().code() != StatusCode::kNotFound) {
      return RenderError(InternalError(request, "revoke: store failed", found.error()));
    }
  }
  return NoStoreJson("{}");
}

http::Response HandleIntrospect(const TokenDeps& deps, const http::Request& request) {
  auto read = ReadTokenRequest(deps, request);
  if (auto* e = std::get_if<OAuthError>(&read)) return RenderError(*e);
  const TokenRequest& r = std::get<TokenRequest>(read);
  const UnixSeconds now = deps.clock.NowSeconds();
  static const std::string kInactive = R"({"active":false})";

  if (IsJwtShaped(r.token)) {
    // Any authenticated client may ask about an access token (a resource server checks the
    // tokens of the applications that call it).
    Status error;
    auto claims = ActiveAccessToken(deps, r.token, &error);
    if (!error.ok()) return RenderError(InternalError(request, "introspect: store failed", error));
    if (!claims) return NoStoreJson(kInactive);
    json::object out;
    out["active"] = true;
    out["token_type"] = "Bearer";
    for (std::string_view name : {"scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti", "sid", "oid"}) {
      if (const json::value* v = claims->if_contains(name)) out[name] = *v;
    }
    return NoStoreJson(json::serialize(out));
  }

  auto found = deps.store.FindRefreshToken(HexEncode(crypto::Sha256(r.token)));
  if (!found.ok()) {
    if (found.error().code() == StatusCode::kNotFound) return NoStoreJson(kInactive);
    return RenderError(InternalError(request, "introspect: store failed", found.error()));
  }
  const store::Grant& grant = found->grant;
  const store::RefreshToken& token = found->token;
  // A refresh token is its client's business only.
  bool active = grant.client_id == r.client->id && grant.revoked_at == 0 && token.rotated_at == 0 &&
                token.expires_at > now && grant.expires_at > now;
  if (active && !grant.session_id.empty()) {
    auto session = deps.store.GetSession(grant.session_id);
    if (!session.ok() && session.error().code() != StatusCode::kNotFound) {
      return RenderError(InternalError(request, "introspect: store failed", session.error()));
    }
    active = session.ok() && session->expires_at > now && session->idle_expires_at > now;
  }
  if (!active) return NoStoreJson(kInactive);
  json::object out;
  out["active"] = true;
  out["token_type"] = "refresh_token";
  out["scope"] = grant.scope;
  out["client_id"] = grant.client_id;
  out["sub"] = grant.user_id;
  out["iss"] = deps.tokens.issuer();
  out["iat"] = token.created_at;
  out["exp"] = token.expires_at;
  if (!grant.session_id.empty()) out["sid"] = grant.session_id;
  if (!grant.organization_id.empty()) out["oid"] = grant.organization_id;
  return NoStoreJson(json::serialize(out));
}

http::Response HandleUserinfo(const TokenDeps& deps, const http::Request& request) {
  auto invalid = [](std::string description) {
    return RenderError({"invalid_token", std::move(description), 401, "Bearer"});
  };
  // RFC 6750 §2.1 (header) or §2.2 (form body of a POST), exactly one of them.
  std::string token;
  const int headers = request.HeaderCount("Authorization");
  if (headers > 1) return RenderError({"invalid_request", "more than one Authorization header", 400, ""});
  if (headers == 1) {
    std::string_view value = TrimBlanks(request.Header("Authorization"));
    const std::size_t space = value.find(' ');
    if (space == std::string_view::npos || AsciiLower(value.substr(0, space)) != "bearer") {
      return invalid("use the Bearer scheme");
    }
    token = std::string(TrimBlanks(value.substr(space + 1)));
  }
  if (request.method == http::Method::kPost && http::IsFormUrlEncoded(request)) {
    auto form = http::Form::Parse(request.body);
    if (!form.ok()) return RenderError(InvalidRequest("malformed form body"));
    if (form->Has("access_token")) {
      if (!token.empty()) return RenderError(InvalidRequest("send the access token once, in the header or the body"));
      token = std::string(form->Get("access_token"));
    }
  }
  if (token.empty()) return invalid("an access token is required");
  if (token.size() > kMaxToken) return invalid("the access token is too long");

  Status error;
  auto claims = ActiveAccessToken(deps, token, &error);
  if (!error.ok()) return RenderError(InternalError(request, "userinfo: store failed", error));
  if (!claims) return invalid("the access token is invalid, expired or revoked");
  const std::string_view sub = StringClaim(*claims, "sub");
  const std::string_view scope = StringClaim(*claims, "scope");
  if (!sub.starts_with("usr_")) return invalid("the access token does not belong to a user");
  if (!HasScope(scope, "openid")) {
    return RenderError({"insufficient_scope", "userinfo needs the openid scope", 403, "Bearer"});
  }
  auto user = deps.store.GetUser(sub);
  if (!user.ok()) {
    if (user.error().code() == StatusCode::kNotFound) return invalid("the user no longer exists");
    return RenderError(InternalError(request, "userinfo: store failed", user.error()));
  }
  json::object out;
  out["sub"] = user->id;
  if (HasScope(scope, "email")) {
    out["email"] = user->email;
    out["email_verified"] = user->email_verified;
  }
  if (HasScope(scope, "profile") && !user->name.empty()) out["name"] = user->name;
  return NoStoreJson(json::serialize(out));
}

}  // namespace gatehouse::oauth
