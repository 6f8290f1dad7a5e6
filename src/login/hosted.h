// The hosted login pages (DESIGN.md §2.4): email first, then home-realm discovery to an
// organization's SSO connection or passwordless sign-in (a 6-digit code and/or a magic link by
// email); social and SSO buttons; the account picker; browser sessions.
//
// Routes (all answers are web::Page responses, so every one carries the security headers):
//   GET  /login?tx=TOKEN[&mode=signup|signin]  the sign-in (or sign-up) page; sets the CSRF cookie
//   POST /login/email        tx, csrf, email[, name, mode] -> 303 to /login/connection (SSO), or
//                            sends the passwordless email and 303s to /login/passwordless
//   POST /login/connection   tx, csrf, connection -> 303 to /login/connection
//   GET  /login/connection?tx=TOKEN    the connection step: "continuing to <IdP>", which moves on
//                                      to /login/sso by itself (meta refresh) or by its link
//   GET  /login/sso?tx=TOKEN           the upstream leg: 302 to the IdP (sso.h)
//   GET  /sso/oidc/callback, POST /sso/saml/acs/{connection}, GET /sso/continue,
//   GET  /sso/saml/metadata/{connection}   the IdPs' answers (sso.h)
//   GET  /login/passwordless?tx=TOKEN  "check your email": the code form, resend
//   POST /login/passwordless/verify    tx, csrf, code -> the authorization response
//   POST /login/passwordless/resend    tx, csrf -> a new code and link (after a cool-down)
//   GET  /login/magic?token=LINK       the emailed link: completes in the browser that asked for it,
//                                      asks for confirmation in any other (passwordless.h)
//   POST /login/magic        token, csrf -> the authorization response
//   GET  /login/select?tx=TOKEN        the account picker (prompt=select_account)
//   POST /login/select       tx, csrf, session, organization -> the authorization response
// The stylesheet (/login/static/...) is mounted separately, by web::MountStatic.
//
// Errors are pages, never redirects to the client: an unusable transaction is 400, a form that
// is not application/x-www-form-urlencoded 415, a repeated field 400, a CSRF failure 403, a rate
// limit 429 with Retry-After, an email that could not be sent 503, an internal failure 500
// (logged with the request id; the page shows only the request id).
//
// The transaction travels only in URLs and forms (it is sealed: transaction.h); re-sealing
// keeps its id and expiry, so a login cannot outlive the 10 minutes /oauth/authorize gave it.
// It completes once: the authorization code is stored under the transaction's id.
//
// Thread safety: the handlers share only `LoginDeps`, whose members are thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "connectors/mail/mailer.h"
#include "connectors/sso/registry.h"
#include "common/random.h"
#include "http/request.h"
#include "http/router.h"
#include "oauth/client_cache.h"
#include "oauth/keys.h"
#include "oauth/transaction.h"
#include "store/store.h"

namespace gatehouse::login {

// How passwordless sign-in behaves (Scalekit's passwordless_type: LINK_OTP, OTP or LINK).
struct PasswordlessPolicy {
  bool otp = true;   // a 6-digit code in the email
  bool link = true;  // a magic link in the email
  UnixSeconds lifetime = 600;       // of a code and a link
  int max_attempts = 5;             // wrong codes before the code is dead
  UnixSeconds resend_cooldown = 30;
};

// Fixed-window limits, counted in the store so that they hold across nodes.
struct RateLimitPolicy {
  int sends_per_email = 5;  // emails to one address per window
  int sends_per_ip = 30;    // emails requested from one client address per window
  UnixSeconds send_window = 900;
  int verifies_per_ip = 30;  // code and link checks from one client address per window
  UnixSeconds verify_window = 300;
};

// Browser sessions (session.h).
struct SessionPolicy {
  UnixSeconds idle_timeout = 24 * 3600;
  UnixSeconds lifetime = 7 * 24 * 3600;
  std::size_t max_per_browser = 5;  // accounts signed in at once in one browser
  UnixSeconds touch_interval = 60;  // last_seen_at is written at most this often
};

struct LoginDeps {
  store::Store& store;
  const oauth::TransactionSealer& sealer;
  // 32 bytes: crypto::DeriveKey(master_key, "gatehouse csrf v1").
  std::string csrf_key;
  Clock& clock;
  Random& random;
  // Secure, __Host- prefixed cookies. Only plain-HTTP development turns this off.
  bool secure_cookies = true;
  std::string issuer;  // `iss` of authorization responses (RFC 9207); base of magic links
  // Sends the passwordless emails; null means email sign-in is unavailable.
  connectors::mail::Mailer* mailer = nullptr;
  // 32 bytes: crypto::DeriveKey(master_key, "gatehouse passwordless v1"); keys the HMACs of
  // codes, links, browser bindings and rate-limit keys.
  std::string passwordless_key;
  PasswordlessPolicy passwordless;
  RateLimitPolicy limits;
  SessionPolicy sessions;
  // Read-through caches of clients and connections (2 s in serve); null: read the store.
  oauth::ClientCache* clients = nullptr;
  oauth::ConnectionCache* connections = nullptr;
  // The upstream identity providers of SSO and social connections (sso.h); null: those
  // connections are shown but cannot be used.
  const connectors::sso::Registry* connectors = nullptr;
  // 32 bytes: crypto::DeriveKey(master_key, kConnectionSecretsPurpose) (sso_config.h).
  std::string connection_secrets_key;
  // 32 bytes: crypto::DeriveKey(master_key, "gatehouse sso v1"); seals what an upstream leg
  // keeps in the store (the connector's state, a verified identity between the SAML ACS and
  // /sso/continue).
  std::string sso_key;
  // Signs the idp_initiated_login token of IdP-initiated SAML logins; null: those are refused.
  const oauth::KeyManager* keys = nullptr;
};

// Mounts the routes above. `deps` is copied; the objects it refers to must outlive the router.
void MountLogin(http::Router& router, const LoginDeps& deps);

// The browser-session check of /oauth/authorize (oauth::AuthorizeDeps::resume): with a live
// session that satisfies the request it answers with a code (no page); with prompt=select_account
// and sessions, with the account picker. prompt=login, max_age, the requested organization and
// connection decide which sessions qualify (resume.cc).
std::function<Result<std::optional<http::Response>>(const http::Request&, const oauth::LoginTransaction&)> MakeResume(
    const LoginDeps& deps);

}  // namespace gatehouse::login
