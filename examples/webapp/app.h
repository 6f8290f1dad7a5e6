// The example application: signs people in with Gatehouse through the Gatehouse C++ SDK
// (gatehouse/sdk.h, its public API only) and shows what it learned about them.
//
//   GET  /          home: "Sign in" and "Sign up", or a link to the profile
//   GET  /login     authorization request (state, nonce, PKCE S256) -> the hosted login page
//   GET  /signup    the same with prompt=create -> the hosted sign-up page
//   GET  /callback  state check, code exchange (authenticate_with_code), new session -> /profile
//   GET  /profile   the ID token's claims, the access token's validated claims and expiry
//   POST /refresh   refresh_access_token; keeps the rotated tokens (CSRF token required)
//   POST /logout    drops the session -> Gatehouse's logout (logout_url) -> back to /
//
// Everything is kept in memory, server-side: the browser holds only two random cookie values
// (the pending sign-in and the session), never a token. Thread-safe: Handle runs on every
// connection's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "gatehouse/sdk.h"
#include "server.h"

namespace webapp {

struct Config {
  std::uint16_t port = 3000;
  std::string gatehouse_url;  // the environment URL (Gatehouse's issuer)
  std::string client_id;
  std::string client_secret;
  std::string public_url;     // where browsers reach this app, without a trailing slash
};

class App {
 public:
  explicit App(Config config);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  Response Handle(const Request& request);

 private:
  using Clock = std::chrono::steady_clock;

  // What /login remembers until the browser comes back to /callback.
  struct PendingLogin {
    std::string state;
    std::string nonce;
    std::string code_verifier;
    Clock::time_point expires;
  };
  struct Session {
    gatehouse::sdk::User user;
    gatehouse::sdk::Claims id_token_claims;
    std::string id_token;
    std::string access_token;
    std::string refresh_token;
    std::int64_t access_token_expires_at = 0;  // Unix seconds
    int refresh_count = 0;
    std::string csrf_token;  // the hidden field of this session's POST forms
    Clock::time_point expires;
  };

  Response StartLogin(const Request& request, bool signup);
  Response Callback(const Request& request);
  Response Profile(const Request& request);
  Response Refresh(const Request& request);
  Response Logout(const Request& request);

  // The pending login of this browser if its state equals `state`; it is removed (single use).
  std::optional<PendingLogin> TakePendingLogin(const Request& request, const std::string& state);
  // A copy of the browser's session, if it has a live one.
  std::optional<Session> FindSession(const Request& request);
  std::string Cookie(std::string_view name, std::string_view value, std::chrono::seconds max_age) const;

  const Config config_;
  const std::string callback_url_;
  const gatehouse::sdk::Client client_;

  std::mutex mu_;
  std::map<std::string, PendingLogin> pending_logins_;  // by login cookie value; guarded by mu_
  std::map<std::string, Session> sessions_;             // by session cookie value; guarded by mu_
};

}  // namespace webapp
