// POST /oauth/token: the form, client authentication and the choice of grant. The grants are in
// token_code.cc, token_refresh.cc and token_client.cc; revocation, introspection and userinfo
// in token_info.cc.
#include "oauth/token.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "oauth/client_auth.h"

namespace gatehouse::oauth {

std::variant<http::Form, OAuthError> ParseTokenForm(const http::Request& request) {
  if (!http::IsFormUrlEncoded(request)) {
    return InvalidRequest("the body must be application/x-www-form-urlencoded");
  }
  auto form = http::Form::Parse(request.body);
  if (!form.ok()) return InvalidRequest("malformed form body: " + form.error().message());
  return std::move(form).value();
}

http::Response HandleToken(const TokenDeps& deps, const http::Request& request) {
  auto parsed = ParseTokenForm(request);
  if (auto* e = std::get_if<OAuthError>(&parsed)) return RenderError(*e);
  const http::Form& form = std::get<http::Form>(parsed);

  const std::string_view grant_type = form.Get("grant_type");
  if (grant_type.empty()) return RenderError(InvalidRequest("grant_type is required"));
  using Grant = GrantResult (*)(const TokenDeps&, const http::Request&, const store::Client&, const http::Form&);
  Grant grant = nullptr;
  if (grant_type == "authorization_code") grant = AuthorizationCodeGrant;
  else if (grant_type == "refresh_token") grant = RefreshTokenGrant;
  else if (grant_type == "client_credentials") grant = ClientCredentialsGrant;
  else return RenderError({"unsupported_grant_type", "grant_type must be authorization_code, refresh_token or client_credentials"});

  auto client = AuthenticateClient(deps.clients, request, form);
  if (auto* e = std::get_if<OAuthError>(&client)) return RenderError(*e);
  GrantResult result = grant(deps, request, *std::get<std::shared_ptr<const store::Client>>(client), form);
  if (auto* e = std::get_if<OAuthError>(&result)) return RenderError(*e);
  return NoStoreJson(std::move(std::get<std::string>(result)));
}

OAuthError InternalError(const http::Request& request, std::string_view what, const Status& status) {
  log::Error(what, {{"request_id", request.request_id}, {"error", status.message()}});
  return ServerError();
}

NewRefresh MakeRefreshToken(const TokenDeps& deps, std::string_view grant_id, UnixSeconds now, UnixSeconds expires_at) {
  NewRefresh r;
  r.secret = crypto::NewSecret(deps.random);
  r.record = {.token_hash = HexEncode(crypto::Sha256(r.secret)),
              .grant_id = std::string(grant_id),
              .created_at = now,
              .expires_at = expires_at};
  return r;
}

GrantResult UserTokenResponse(const TokenDeps& deps, const http::Request& request, const store::User& user,
                              const UserTokenContext& context, std::string_view jti, std::string_view refresh_token) {
  auto access = deps.tokens.AccessToken(user, context, jti);
  if (!access.ok()) return InternalError(request, "token: signing failed", access.error());
  boost::json::object body;
  body["access_token"] = access->jwt;
  body["token_type"] = "Bearer";
  body["expires_in"] = deps.tokens.policy().access_token_lifetime;
  body["scope"] = context.scope;
  if (HasScope(context.scope, "openid")) {
    auto id = deps.tokens.IdToken(user, context, access->jwt);
    if (!id.ok()) return InternalError(request, "token: signing failed", id.error());
    body["id_token"] = id->jwt;
  }
  if (!refresh_token.empty()) body["refresh_token"] = boost::json::string_view(refresh_token.data(), refresh_token.size());
  return boost::json::serialize(body);
}

void MountToken(http::Router& router, const TokenDeps& deps) {
  router.Add(http::Method::kPost, "/oauth/token", [&deps](const http::Request& r) { return HandleToken(deps, r); });
  router.Add(http::Method::kPost, "/oauth/revoke", [&deps](const http::Request& r) { return HandleRevoke(deps, r); });
  router.Add(http::Method::kPost, "/oauth/introspect",
             [&deps](const http::Request& r) { return HandleIntrospect(deps, r); });
  router.Add(http::Method::kGet, "/userinfo", [&deps](const http::Request& r) { return HandleUserinfo(deps, r); });
  router.Add(http::Method::kPost, "/userinfo", [&deps](const http::Request& r) { return HandleUserinfo(deps, r); });
}

}  // namespace gatehouse::oauth
