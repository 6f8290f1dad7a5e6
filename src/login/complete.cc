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
static_assert(kCodeLifetime >= oauth::kTransactionLifetime, "a code row must outlive its transaction");
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

namespace {

// The code's record and its plaintext (which only the browser gets).
store::AuthorizationCode NewCode(const LoginDeps& deps, const oauth::LoginTransaction& tx,
                                 const store::Session& session, std::string_view organization_id,
                                 std::string* code) {
  const UnixSeconds now = deps.clock.NowSeconds();
  *code = Base64UrlEncode(deps.random.Bytes(kCodeBytes));
  return {.code_hash = HexEncode(crypto::Sha256(*code)),
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
}

http::Response CodeResponse(const LoginDeps& deps, const oauth::LoginTransaction& tx, const std::string& code,
                            std::string set_cookie) {
  std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
  if (!tx.state.empty()) params.emplace_back("state", tx.state);
  params.emplace_back("iss", deps.issuer);
  http::Response r = oauth::AuthorizationResponse(tx.redirect_uri, tx.response_mode, params);
  if (!set_cookie.empty()) r.Set("Set-Cookie", std::move(set_cookie));
  return r;
}

}  // namespace

// The code is stored under the transaction's id: a transaction completes once. The row lives
// until the code expires (DeleteExpired), which is never before the transaction expires (both
// last 10 minutes and the code is issued after the transaction began), so a replayed
// transaction token cannot mint a second code after the cleanup.

Result<http::Response> PageKit::SignIn(const http::Request& req, const oauth::LoginTransaction& tx,
                                       const store::User& user, std::string_view connection_id,
                                       std::string_view auth_method) const {
  store::LoginCompletion completion;
  std::string organization_id = tx.organization_id;
  if (!organization_id.empty()) {
    completion.membership = store::Membership{
        .organization_id = organization_id, .user_id = user.id, .created_at = deps_.clock.NowSeconds()};
  } else {
    // No organization asked for: the code names the user's first organization, if any.
    ASSIGN_OR_RETURN(auto memberships, deps_.store.ListUserMemberships(user.id));
    if (!memberships.empty()) organization_id = memberships.front().organization_id;
  }
  ASSIGN_OR_RETURN(SessionManager::Begun begun, sessions_.Begin(req, user, connection_id, auth_method));
  std::string code;
  completion.code = NewCode(deps_, tx, begun.session, organization_id, &code);
  completion.ended_sessions = std::move(begun.ended_sessions);
  completion.session = std::move(begun.session);
  // One atomic write: a transaction completed before leaves no session or membership behind.
  RETURN_IF_ERROR(deps_.store.CompleteLogin(completion));
  return CodeResponse(deps_, tx, code, std::move(begun.set_cookie));
}

Result<http::Response> PageKit::IssueCode(const oauth::LoginTransaction& tx, const store::Session& session,
                                          std::string_view organization_id, std::string set_cookie) const {
  std::string code;
  RETURN_IF_ERROR(deps_.store.CreateAuthorizationCode(NewCode(deps_, tx, session, organization_id, &code)));
  return CodeResponse(deps_, tx, code, std::move(set_cookie));
}

http::Response PageKit::CompletionFailure(const http::Request& req, const Status& status) const {
  if (status.code() == StatusCode::kAlreadyExists) {
    return Error(req, 400, "Sign-in already completed",
                 "This sign-in has already been completed. Go back to the application and start again.");
  }
  return Failure(req, status);
}

}  // namespace gatehouse::login
