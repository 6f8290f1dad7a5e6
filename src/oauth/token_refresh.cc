// grant_type=refresh_token (RFC 6749 §6, RFC 9700 §4.14.2: rotation with reuse detection).
#include "common/encoding.h"
#include "crypto/hash.h"
#include "oauth/token.h"

namespace gatehouse::oauth {
namespace {

constexpr std::size_t kMaxRefreshToken = 256;

}  // namespace

GrantResult RefreshTokenGrant(const TokenDeps& deps, const http::Request& request, const store::Client& client,
                              const http::Form& form) {
  const std::string_view presented = form.Get("refresh_token");
  if (presented.empty()) return InvalidRequest("refresh_token is required");
  if (presented.size() > kMaxRefreshToken) return InvalidGrant("unknown refresh token");
  const std::string hash = HexEncode(crypto::Sha256(presented));

  auto found = deps.store.FindRefreshToken(hash);
  if (!found.ok()) {
    if (found.error().code() == StatusCode::kNotFound) return InvalidGrant("unknown refresh token");
    return InternalError(request, "token: refresh lookup failed", found.error());
  }
  const store::Grant& grant = found->grant;
  // Not revoked: a token shown by the wrong client is refused, not treated as theft by its owner.
  if (grant.client_id != client.id) return InvalidGrant("the refresh token was issued to another client");
  // RFC 6749 §6: a refresh may narrow the scope, never widen it; without `scope`, the grant's.
  std::optional<std::string> scope = ScopeWithin(form.Get("scope"), ScopeWords(grant.scope));
  if (!scope) return InvalidScope("scope may only narrow the scope of the original grant");
  if (scope->empty()) *scope = grant.scope;

  const UnixSeconds now = deps.clock.NowSeconds();
  const TokenPolicy& policy = deps.tokens.policy();
  store::TokenIssue issue;
  NewRefresh next = MakeRefreshToken(deps, grant.id, now, grant.expires_at);
  issue.refresh = next.record;
  const std::string jti = deps.tokens.NewJti();
  issue.access = {.jti = jti, .grant_id = grant.id, .expires_at = now + policy.access_token_lifetime};
  auto rotated = deps.store.RotateRefreshToken(hash, now, policy.refresh_reuse_grace, now + deps.session_idle_timeout,
                                               issue);
  if (!rotated.ok()) {
    switch (rotated.error().code()) {
      case StatusCode::kNotFound:
        return InvalidGrant("unknown refresh token");
      case StatusCode::kFailedPrecondition: {
        const std::string& why = rotated.error().message();
        if (why == store::kRefreshReused) {
          return InvalidGrant("the refresh token was already used; every token of this grant is revoked");
        }
        if (why == store::kRefreshExpired) return InvalidGrant("the refresh token has expired");
        if (why == store::kSessionEnded) return InvalidGrant("the session of this grant has ended");
        return InvalidGrant("the refresh token has been revoked");
      }
      default:
        return InternalError(request, "token: refresh rotation failed", rotated.error());
    }
  }
  auto user = deps.store.GetUser(rotated->user_id);
  if (!user.ok()) return InternalError(request, "token: user lookup failed", user.error());
  UserTokenContext context{.client_id = rotated->client_id,
                           .scope = *scope,
                           .organization_id = rotated->organization_id,
                           .session_id = rotated->session_id,
                           .connection_id = rotated->connection_id,
                           .auth_time = rotated->auth_time,
                           .nonce = {}};
  return UserTokenResponse(deps, request, *user, context, jti, next.secret);
}

}  // namespace gatehouse::oauth
