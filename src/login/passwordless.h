// Passwordless sign-in (internal to src/login): a 6-digit code and/or a magic link by email.
//
// The code is uniformly random, stored as HMAC(passwordless_key, tx id | code): a fast keyed hash,
// because what protects a 6-digit code is the attempt limit (max_attempts wrong codes, then the
// code is dead) and the rate limits, not the cost of hashing; a database copy without the key
// cannot be used to find codes. The link carries 256 random bits, stored the same way.
//
// Both belong to one login transaction (the challenge is keyed by its id) and are consumed at
// most once, atomically in the store, so two nodes cannot both accept them.
//
// The link and the browser. The challenge records HMAC(key, the browser's CSRF cookie) when the
// email is sent. Opening the link in that browser signs in at once. Opened anywhere else (another
// browser, another device, or a mail scanner that fetches links) it shows a confirmation page and
// signs in only when that browser's user presses "Sign in here" (a CSRF-checked POST): a link
// never silently signs in a browser that did not ask for it, and a scanner's GET consumes nothing.
//
// Rate limits (RateLimitPolicy, counted in the store so they hold across nodes): emails per
// address and per client address; code and link checks per client address. A refused request
// gets 429 with Retry-After. Resending waits PasswordlessPolicy::resend_cooldown.
//
// Delivery: the mailer retries transient failures (serve wires a retrying SMTP mailer); when it
// still fails the page says the email could not be sent and offers to send again. The
// transaction is never lost: it stays in the page.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "http/request.h"
#include "login/pages.h"

namespace gatehouse::login {

inline constexpr std::size_t kOtpDigits = 6;
inline constexpr std::size_t kLinkTokenBytes = 32;

// A uniformly random code of kOtpDigits digits (leading zeros kept).
std::string NewOtp(Random& random);
// The stored forms of a code (bound to its transaction), a link token and a browser's CSRF
// cookie: hex HMAC-SHA-256 under `key`, each with its own label.
std::string OtpHash(std::string_view key, std::string_view tx_id, std::string_view code);
std::string LinkHash(std::string_view key, std::string_view link_token);
std::string BrowserHash(std::string_view key, std::string_view csrf_cookie);
// The code as typed, when it is exactly kOtpDigits ASCII digits (surrounding spaces trimmed).
std::optional<std::string> ParseOtp(std::string_view typed);

class Passwordless {
 public:
  explicit Passwordless(const PageKit& kit) : kit_(kit) {}

  // POST /login/email for an address that signs in by email: sends the code and link and
  // answers 303 to /login/passwordless. `email` is validated and normalised.
  http::Response Start(const http::Request& req, Post& post, const std::string& email, const std::string& name) const;
  http::Response Show(const http::Request& req) const;         // GET /login/passwordless
  http::Response Verify(const http::Request& req) const;       // POST /login/passwordless/verify
  http::Response Resend(const http::Request& req) const;       // POST /login/passwordless/resend
  http::Response OpenLink(const http::Request& req) const;     // GET /login/magic
  http::Response ConfirmLink(const http::Request& req) const;  // POST /login/magic

 private:
  // The environment's enabled passwordless connection (its id is amr[0]), or nullopt.
  Result<std::optional<store::Connection>> Connection() const;
  // The network's counter of code and link checks.
  store::RateLimitHit CheckLimit(const http::Request& req) const;
  // The 429 page for a refused check.
  http::Response TooManyChecks(const http::Request& req, const store::RateLimitResult& verdict,
                               std::string retry_url) const;
  // One hit on CheckLimit: nullopt when allowed, else the 429 page.
  std::optional<http::Response> LimitChecks(const http::Request& req, std::string retry_url) const;
  // Within the send limits (the network's, then the address's), creates (or replaces) the
  // challenge, in one write, and sends the email. nullopt when sent; else the page to answer
  // with: 429 (its "try again" link to the login page of `retry_token`) or SendFailure's.
  std::optional<http::Response> Send(const http::Request& req, const oauth::LoginTransaction& tx,
                                     const std::string& token, int previous_sends, std::string_view retry_token) const;
  // Send's email, once the challenge `c` is stored. kUnavailable when delivery failed.
  Status Deliver(const http::Request& req, const oauth::LoginTransaction& tx, const store::EmailChallenge& c,
                 const std::string& code, const std::string& link, int previous_sends, UnixSeconds now) const;
  // The answer to a Send that failed: 503 with the page for kUnavailable, else a completion failure.
  http::Response SendFailure(const http::Request& req, const oauth::LoginTransaction& tx, const std::string& token,
                             const Status& status) const;
  http::Response Page(const http::Request& req, int status, const oauth::LoginTransaction& tx,
                      const std::string& token, bool sent, std::string error, bool code_invalid = false) const;
  // Consumes the link's challenge and signs in.
  http::Response Complete(const http::Request& req, const store::EmailChallenge& challenge,
                          const oauth::LoginTransaction& tx, std::string_view method) const;
  http::Response LinkUnusable(const http::Request& req, std::string_view message) const;
  // The challenge a link token names (after the format check and the per-IP limit), or the page
  // that says why there is none.
  std::variant<store::EmailChallenge, http::Response> FindLink(const http::Request& req,
                                                               std::string_view link_token) const;

  const PageKit& kit_;
};

}  // namespace gatehouse::login
