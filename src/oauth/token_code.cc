// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §2.1.1, §4.5).
#include <optional>

#include "common/encoding.h"
#include "common/ids.h"
#include "crypto/hash.h"
#include "oauth/token.h"

namespace gatehouse::oauth {
namespace {

constexpr std::size_t kMaxCode = 256;
constexpr std::size_t kMaxRedirectUri = 2048;

// RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
bool IsWellFormedVerifier(std::string_view v) {
  if (v.size() < 43 || v.size() > 128) return false;
  for (char c : v) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

// The checks of the request against the code, in the order RFC 6749 §4.1.3 lists them.
std::optional<OAuthError> CheckCode(const store::AuthorizationCode& code, const store::Client& client,
                                    const http::Form& form, UnixSeconds now) {
  if (code.client_id != client.id) return InvalidGrant("the code was issued to another client");
  if (code.expires_at <= now) return InvalidGrant("the code has expired");
  if (form.Get("redirect_uri") != code.redirect_uri) {
    return InvalidGrant("redirect_uri differs from the one of the authorization request");
  }
  const std::string_view verifier = form.Get("code_verifier");
  if (code.code_challenge.empty()) {
    // A verifier without a challenge is a PKCE downgrade attempt (RFC 9700 §4.8.2).
    if (form.Has("code_verifier")) return InvalidGrant("code_verifier sent, but the authorization request had no code_challenge");
    return std::nullopt;
  }
  if (verifier.empty()) return InvalidGrant("code_verifier is required: the authorization request had a code_challenge");
  if (!IsWellFormedVerifier(verifier)) return InvalidGrant("code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~");
  if (!crypto::ConstantTimeEqual(Base64UrlEncode(crypto::Sha256(verifier)), code.code_challenge)) {
    return InvalidGrant("code_verifier does not match the code_challenge");
  }
  return std::nullopt;
}

}  // namespace

GrantResult AuthorizationCodeGrant(const TokenDeps& deps, const http::Request& request, const store::Client& client,
                                   const http::Form& form) {
  const std::string_view code = form.Get("code");
  if (code.empty()) return InvalidRequest("code is required");
  if (code.size() > kMaxCode) return InvalidGrant("unknown code");
  if (!form.Has("redirect_uri")) return InvalidRequest("redirect_uri is required");
  if (form.Get("redirect_uri").size() > kMaxRedirectUri) return InvalidRequest("redirect_uri is too long");

  const UnixSeconds now = deps.clock.NowSeconds();
  const TokenPolicy& policy = deps.tokens.policy();
  // Made before the store call so that the callback stays cheap and free of side effects.
  const std::string grant_id = NewId(deps.random, id_prefix::kGrant);
  const std::string jti = deps.tokens.NewJti();
  const UnixSeconds grant_expires = now + policy.refresh_token_lifetime;
  NewRefresh refresh = MakeRefreshToken(deps, grant_id, now, grant_expires);
  bool offline = false;

  std::optional<OAuthError> refused;
  auto redeemed = deps.store.RedeemAuthorizationCode(
      HexEncode(crypto::Sha256(code)), now,
      [&](const store::AuthorizationCode& c) -> Result<store::TokenIssue> {
        refused = CheckCode(c, client, form, now);
        if (refused) return InvalidArgumentError("refused");
        offline = HasScope(c.scope, "offline_access");
        store::TokenIssue issue;
        issue.grant = {.id = grant_id,
                       .code_hash = c.code_hash,
                       .client_id = c.client_id,
                       .user_id = c.user_id,
                       .organization_id = c.organization_id,
                       .session_id = c.session_id,
                       .scope = c.scope,
                       .connection_id = c.connection_id,
                       .auth_method = c.auth_method,
                       .auth_time = c.auth_time,
                       .created_at = now,
                       .expires_at = grant_expires};
        if (offline) issue.refresh = refresh.record;
        issue.access = {.jti = jti, .grant_id = grant_id, .expires_at = now + policy.access_token_lifetime};
        return issue;
      });
  if (!redeemed.ok()) {
    if (refused) return *refused;
    switch (redeemed.error().code()) {
      case StatusCode::kNotFound:
        return InvalidGrant("unknown code");
      case StatusCode::kFailedPrecondition:
        return InvalidGrant("the code was already used; the tokens issued with it are revoked");
      default:
        return InternalError(request, "token: code redemption failed", redeemed.error());
    }
  }
  const store::AuthorizationCode& c = *redeemed;
  auto user = deps.store.GetUser(c.user_id);
  if (!user.ok()) return InternalError(request, "token: user lookup failed", user.error());
  UserTokenContext context{.client_id = c.client_id,
                           .scope = c.scope,
                           .organization_id = c.organization_id,
                           .session_id = c.session_id,
                           .connection_id = c.connection_id,
                           .auth_time = c.auth_time,
                           .nonce = c.nonce};
  return UserTokenResponse(deps, request, *user, context, jti, offline ? std::string_view(refresh.secret) : "");
}

}  // namespace gatehouse::oauth
