// Helpers shared by the grant and token parts of the Store conformance suite
// (tokens_conformance.cc, tokens_revocation_conformance.cc): a user with two sessions, codes,
// what an exchange and a refresh write, and one-word views of the answers.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store::testing {

inline constexpr UnixSeconds kNow = 1'700'000'000;
inline constexpr UnixSeconds kGrantLifetime = 30 * 86400;
inline constexpr UnixSeconds kAccessLifetime = 300;
inline constexpr UnixSeconds kGrace = 10;

// The state of an access token as one word, so that a failed comparison says what it was.
inline std::string StateOf(Store& store, std::string_view jti) {
  Result<AccessTokenState> r = store.GetAccessTokenState(jti);
  if (!r.ok()) return "error: " + r.error().ToString();
  if (!r->recorded) return r->revoked ? "impossible: unrecorded and revoked" : "unrecorded";
  return r->revoked ? "revoked" : "live";
}

// The refusal reason of a kFailedPrecondition, or what went wrong instead.
template <typename T>
std::string RefusalOf(const Result<T>& r) {
  if (r.ok()) return "ok";
  if (r.error().code() != StatusCode::kFailedPrecondition) return "unexpected: " + r.error().ToString();
  return r.error().message();
}

inline AuthorizationCode MakeTokenCode(std::string hash, std::string session_id) {
  return {.code_hash = hash, .transaction_id = "txn_" + hash, .client_id = "skc_app",
          .redirect_uri = "https://app.example.com/cb", .scope = "openid offline_access",
          .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", .nonce = "n-0S6_WzA2Mj",
          .user_id = "usr_alice", .organization_id = "org_acme", .session_id = std::move(session_id),
          .connection_id = "conn_email", .auth_method = "otp", .auth_time = kNow - 60, .created_at = kNow - 10,
          .expires_at = kNow + 60};
}

// What an exchange of `code` at `now` writes. The code_hash and grant_ids are left for the
// store to fill in, as store.h says it does.
inline TokenIssue MakeIssue(const AuthorizationCode& code, std::string grant_id, std::string refresh_hash,
                            std::string jti, UnixSeconds now = kNow) {
  TokenIssue issue;
  issue.grant = {.id = std::move(grant_id), .client_id = code.client_id, .user_id = code.user_id,
                 .organization_id = code.organization_id, .session_id = code.session_id, .scope = code.scope,
                 .connection_id = code.connection_id, .auth_method = code.auth_method,
                 .auth_time = code.auth_time, .created_at = now, .expires_at = now + kGrantLifetime};
  if (!refresh_hash.empty()) {
    issue.refresh = RefreshToken{.token_hash = std::move(refresh_hash), .created_at = now,
                                 .expires_at = now + kGrantLifetime};
  }
  issue.access = {.jti = std::move(jti), .expires_at = now + kAccessLifetime};
  return issue;
}

// What a refresh at `now` writes: the successor `refresh_hash` and the access token `jti`. The
// grant_ids are deliberately wrong: the store sets them to the grant's.
inline TokenIssue RefreshIssue(std::string refresh_hash, std::string jti, UnixSeconds now) {
  TokenIssue issue;
  issue.refresh = RefreshToken{.token_hash = std::move(refresh_hash), .grant_id = "gnt_wrong", .created_at = now,
                               .expires_at = now + kGrantLifetime};
  issue.access = {.jti = std::move(jti), .grant_id = "gnt_wrong", .expires_at = now + kAccessLifetime};
  return issue;
}

// A user with two live sessions (ses_1, ses_2), and the calls the tests repeat.
class Tokens {
 public:
  explicit Tokens(Store& store) : store_(store) {}

  void SetUp() {
    ASSERT_OK(store_.CreateUser({.id = "usr_alice", .email = "alice@example.com", .email_verified = true,
                                 .created_at = kNow, .updated_at = kNow}));
    for (const char* id : {"ses_1", "ses_2"}) ASSERT_OK(store_.CreateSession(MakeSession(id)));
  }

  static Session MakeSession(std::string id) {
    return {.id = id, .token_hash = "sha256-of-" + id, .user_id = "usr_alice", .connection_id = "conn_email",
            .auth_method = "otp", .auth_time = kNow - 60, .created_at = kNow - 60, .last_seen_at = kNow - 60,
            .idle_expires_at = kNow + 3600, .expires_at = kNow + 7 * 86400};
  }

  // Creates the code `hash` of `session_id` and exchanges it at `now` for grant `grant_id`,
  // refresh token `refresh_hash` (none if empty) and access token `jti`.
  Status Exchange(const std::string& hash, const std::string& session_id, const std::string& grant_id,
                  const std::string& refresh_hash, const std::string& jti, UnixSeconds now = kNow) {
    RETURN_IF_ERROR(store_.CreateAuthorizationCode(MakeTokenCode(hash, session_id)));
    return store_
        .RedeemAuthorizationCode(hash, now,
                                 [&](const AuthorizationCode& c) -> Result<TokenIssue> {
                                   return MakeIssue(c, grant_id, refresh_hash, jti, now);
                                 })
        .status();
  }

  // Rotates `token_hash` at `now` (grace kGrace; the session's idle end moves to now + 1 day)
  // into `successor` and the access token `jti`.
  Result<Grant> Rotate(std::string_view token_hash, UnixSeconds now, std::string successor, std::string jti,
                       UnixSeconds grace = kGrace) {
    return store_.RotateRefreshToken(token_hash, now, grace, now + 86400,
                                     RefreshIssue(std::move(successor), std::move(jti), now));
  }

  // The grant of a refresh token (a test failure if there is none).
  Grant GrantOf(std::string_view refresh_hash) {
    Result<Store::RefreshLookup> found = store_.FindRefreshToken(refresh_hash);
    if (!found.ok()) {
      ADD_FAILURE() << found.error().ToString();
      return {};
    }
    return found->grant;
  }

 private:
  Store& store_;
};

// An issue callback for the paths that must not call it.
inline Result<TokenIssue> MustNotIssue(const AuthorizationCode&) {
  ADD_FAILURE() << "issue was called";
  return InternalError("issue was called");
}

}  // namespace gatehouse::store::testing
