// The end of a login: the user (just in time), the membership, the session, the code.
#include <utility>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "login/pages.h"
#include "oauth/authorize.h"

namespace gatehouse::login {
namespace {

// RFC 6749 §4.1.2 recommends at most 10 minutes.
constexpr UnixSeconds kCodeLifetime = 600;
constexpr std::size_t kCodeBytes = 32;

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

}  // namespace

Result<store::User> PageKit::FindOrCreateUser(std::string_view email, std::string_view name) const {
  auto found = deps_.store.FindUserByEmail(email);
  if (found.ok() || found.error().code() != StatusCode::kNotFound) return found;
  const UnixSeconds now = deps_.clock.NowSeconds();
  store::User user{.id = NewId(deps_.random, id_prefix::kUser),
                   .email = std::string(email),
                   .email_verified = true,
                   .name = std::string(name),
                   .created_at = now,
                   .updated_at = now};
  Status created = deps_.store.CreateUser(user);
  // Another request created the same address a moment ago: that user is this user.
  if (created.code() == StatusCode::kAlreadyExists) return deps_.store.FindUserByEmail(email);
  RETURN_IF_ERROR(created);
  log::Info("user created", {{"user_id", std::string_view(user.id)}});
  return user;
}

Result<http::Response> PageKit::SignIn(const http::Request& req, const oauth::LoginTransaction& tx,
                                       const store::User& user, std::string_view connection_id,
                                       std::string_view auth_method) const {
  std::string organization_id = tx.organization_id;
  if (!organization_id.empty()) {
    ASSIGN_OR_RETURN(bool added, deps_.store.AddMembership({.organization_id = organization_id,
                                                            .user_id = user.id,
                                                            .created_at = deps_.clock.NowSeconds()}));
    if (added) {
      log::Info("membership created", {{"user_id", std::string_view(user.id)},
                                       {"organization_id", std::string_view(organization_id)}});
    }
  } else {
    // No organization asked for: the code names the user's first organization, if any.
    ASSIGN_OR_RETURN(auto memberships, deps_.store.ListUserMemberships(user.id));
    if (!memberships.empty()) organization_id = memberships.front().organization_id;
  }
  ASSIGN_OR_RETURN(SessionManager::Started started, sessions_.Start(req, user, connection_id, auth_method));
  return IssueCode(tx, started.session, organization_id, std::move(started.set_cookie));
}

Result<http::Response> PageKit::IssueCode(const oauth::LoginTransaction& tx, const store::Session& session,
                                          std::string_view organization_id, std::string set_cookie) const {
  const UnixSeconds now = deps_.clock.NowSeconds();
  const std::string code = Base64UrlEncode(deps_.random.Bytes(kCodeBytes));
  store::AuthorizationCode record{.code_hash = HexEncode(crypto::Sha256(code)),
                                  .transaction_id = tx.id,
                                  .client_id = tx.client_id,
                                  .redirect_uri = tx.redirect_uri,
                                  .scope = JoinScopes(tx.scopes),
                                  .code_challenge = tx.code_challenge,
                                  .nonce = tx.nonce,
                                  .user_id = session.user_id,
                                  .organization_id = std::string(organization_id),
                                  .session_id = session.id,
                                  .connection_id = session.connection_id,
                                  .auth_method = session.auth_method,
                                  .auth_time = session.auth_time,
                                  .created_at = now,
                                  .expires_at = now + kCodeLifetime,
                                  .consumed_at = 0};
  // The code is stored under the transaction's id: a transaction completes once.
  RETURN_IF_ERROR(deps_.store.CreateAuthorizationCode(record));
  std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
  if (!tx.state.empty()) params.emplace_back("state", tx.state);
  params.emplace_back("iss", deps_.issuer);
  http::Response r = oauth::AuthorizationResponse(tx.redirect_uri, tx.response_mode, params);
  if (!set_cookie.empty()) r.Set("Set-Cookie", std::move(set_cookie));
  return r;
}

http::Response PageKit::CompletionFailure(const http::Request& req, const Status& status) const {
  if (status.code() == StatusCode::kAlreadyExists) {
    return Error(req, 400, "Sign-in already completed",
                 "This sign-in has already been completed. Go back to the application and start again.");
  }
  return Failure(req, status);
}

}  // namespace gatehouse::login
