// Browser sessions: who is signed in in this browser.
//
// A session is a store row (store::Session) named by a random 32-byte token that only the
// browser holds: the cookie carries the token, the store only its SHA-256, so neither a copy of
// the database nor a log line lets anyone resume a session. One browser may hold sessions of
// several accounts (the account picker shows them); the cookie lists their tokens, most recent
// first, separated by '.', at most SessionPolicy::max_per_browser.
//
// The cookie: "__Host-gh_session" (Secure; host-only, Path=/, so no sibling domain can set or
// read it) or "gh_session" for plain-HTTP development; HttpOnly; SameSite=Lax (sent on the
// top-level navigation from the application to /oauth/authorize, not on cross-site
// subrequests); Max-Age = the session lifetime.
//
// A session is live while now < idle_expires_at and now < expires_at; each use moves
// idle_expires_at forward (written at most once per touch_interval, so a busy browser does not
// write on every request).
//
// Thread safety: SessionManager is immutable; its members are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "http/request.h"
#include "login/hosted.h"
#include "store/store.h"

namespace gatehouse::login {

inline constexpr std::size_t kSessionTokenBytes = 32;

// "__Host-gh_session" when secure_cookies, else "gh_session".
std::string_view SessionCookieName(bool secure_cookies);
// The well-formed tokens (base64url of 32 bytes) in the request's session cookie, in order, at
// most `max`; malformed entries are skipped.
std::vector<std::string> SessionCookieTokens(const http::Request& request, bool secure_cookies, std::size_t max);
// The Set-Cookie value that stores `tokens`; with no tokens, one that deletes the cookie.
std::string SessionSetCookie(const std::vector<std::string>& tokens, bool secure_cookies, UnixSeconds max_age);
// Hex SHA-256 of a token: how the store names the session.
std::string SessionTokenHash(std::string_view token);

struct BrowserSession {
  store::Session session;
  store::User user;
  std::string token;
};

class SessionManager {
 public:
  SessionManager(store::Store& store, Clock& clock, Random& random, SessionPolicy policy, bool secure_cookies)
      : store_(store), clock_(clock), random_(random), policy_(policy), secure_cookies_(secure_cookies) {}

  // The live sessions of the browser that sent `request`, in cookie order (most recent first).
  // Sessions that ended or no longer exist are left out; live ones are touched.
  Result<std::vector<BrowserSession>> Live(const http::Request& request) const;

  struct Begun {
    store::Session session;                   // to create
    std::vector<std::string> ended_sessions;  // to delete: this user's older sessions here
    std::string set_cookie;                   // the Set-Cookie header value
  };
  // A session for `user`, authenticated now with `connection_id`/`auth_method`, not yet stored:
  // the caller stores it with the rest of the login (store::Store::CompleteLogin). The
  // browser's other live sessions stay in the cookie, except this user's, which it replaces.
  Result<Begun> Begin(const http::Request& request, const store::User& user, std::string_view connection_id,
                      std::string_view auth_method) const;

 private:
  bool IsLive(const store::Session& s, UnixSeconds now) const {
    return now < s.idle_expires_at && now < s.expires_at;
  }

  store::Store& store_;
  Clock& clock_;
  Random& random_;
  SessionPolicy policy_;
  bool secure_cookies_;
};

}  // namespace gatehouse::login
