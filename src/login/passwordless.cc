#include "login/passwordless.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/strings.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "login/csrf.h"
#include "login/views.h"
#include "oauth/authorize.h"
#include "web/render.h"

namespace gatehouse::login {
namespace {

std::string Hmac(std::string_view key, std::string_view label, std::string_view value) {
  std::string message(label);
  message += '|';
  message += value;
  return HexEncode(crypto::HmacSha256(key, message));
}

// What a code check found; the store's update callback sets it.
enum class Outcome { kAccepted, kWrong, kLocked, kExpired, kUsed, kStale, kDisabled };

// The sentinel a callback returns to write nothing.
Status Unchanged() { return AbortedError("challenge unchanged"); }

std::string PasswordlessUrl(std::string_view token) { return "/login/passwordless?tx=" + std::string(token); }

}  // namespace

std::string NewOtp(Random& random) {
  std::string code = std::to_string(random.Uniform(1'000'000));
  return std::string(kOtpDigits - code.size(), '0') + code;
}

std::string OtpHash(std::string_view key, std::string_view tx_id, std::string_view code) {
  return Hmac(key, "otp", std::string(tx_id) + "|" + std::string(code));
}
std::string LinkHash(std::string_view key, std::string_view link_token) { return Hmac(key, "link", link_token); }
std::string BrowserHash(std::string_view key, std::string_view csrf_cookie) { return Hmac(key, "browser", csrf_cookie); }

std::optional<std::string> ParseOtp(std::string_view typed) {
  typed = TrimBlanks(typed);
  if (typed.size() != kOtpDigits) return std::nullopt;
  if (!std::all_of(typed.begin(), typed.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return std::string(typed);
}

Result<std::optional<store::Connection>> Passwordless::Connection() const {
  ASSIGN_OR_RETURN(auto connections, kit_.Connections(""));
  for (const auto& c : *connections) {
    if (c.type == store::ConnectionType::kPasswordless && c.enabled) return std::optional(c);
  }
  return std::optional<store::Connection>();
}

store::RateLimitHit Passwordless::CheckLimit(const http::Request& req) const {
  const LoginDeps& d = kit_.deps();
  return {"check:ip:" + std::string(req.remote_address), d.limits.verifies_per_ip, d.limits.verify_window};
}

http::Response Passwordless::TooManyChecks(const http::Request& req, const store::RateLimitResult& verdict,
                                           std::string retry_url) const {
  return kit_.TooMany(req, verdict.retry_after, "Too many attempts from this network. Wait a few minutes and try again.",
                      std::move(retry_url));
}

std::optional<http::Response> Passwordless::LimitChecks(const http::Request& req, std::string retry_url) const {
  const LoginDeps& d = kit_.deps();
  const store::RateLimitHit limit = CheckLimit(req);
  auto hit = d.store.HitRateLimit(limit.key, limit.limit, limit.window, d.clock.NowSeconds());
  if (!hit.ok()) return kit_.Internal(req, hit.error());
  if (!hit->allowed) return TooManyChecks(req, *hit, std::move(retry_url));
  return std::nullopt;
}

std::optional<http::Response> Passwordless::Send(const http::Request& req, const oauth::LoginTransaction& tx,
                                                 const std::string& token, int previous_sends,
                                                 std::string_view retry_token) const {
  const LoginDeps& d = kit_.deps();
  const UnixSeconds now = d.clock.NowSeconds();
  const std::string& email = tx.login_hint;
  std::string code, link;
  store::EmailChallenge c;
  c.transaction_id = tx.id;
  c.email = email;
  if (d.passwordless.otp) {
    code = NewOtp(d.random);
    c.code_hash = OtpHash(d.passwordless_key, tx.id, code);
  }
  if (d.passwordless.link) {
    const std::string link_token = Base64UrlEncode(d.random.Bytes(kLinkTokenBytes));
    c.link_hash = LinkHash(d.passwordless_key, link_token);
    link = d.issuer + "/login/magic?token=" + link_token;
  }
  // The post passed the CSRF check, so the browser holds a cookie: the link is bound to it.
  std::vector<std::string> cookies = CsrfCookieValues(req, d.secure_cookies);
  if (!cookies.empty()) c.browser_hash = BrowserHash(d.passwordless_key, cookies.front());
  c.sealed_transaction = token;
  c.send_count = previous_sends + 1;
  c.last_sent_at = now;
  c.created_at = now;
  // A code cannot outlive its transaction: the form that submits it carries the transaction.
  c.expires_at = std::min(now + d.passwordless.lifetime, tx.expires_at);
  // The address is keyed, so the counters do not list who signs in. The address's counter is
  // not counted when the network's refuses.
  const std::vector<store::RateLimitHit> limits = {
      {"send:ip:" + std::string(req.remote_address), d.limits.sends_per_ip, d.limits.send_window},
      {"send:email:" + Hmac(d.passwordless_key, "ratelimit", email).substr(0, 32), d.limits.sends_per_email,
       d.limits.send_window},
  };
  auto verdict = d.store.PutEmailChallengeWithinLimits(limits, now, c);
  if (!verdict.ok()) return SendFailure(req, tx, token, verdict.error());
  if (!verdict->allowed) {
    return kit_.TooMany(req, verdict->retry_after, "Too many emails were requested. Wait a few minutes and try again.",
                        LoginUrl(retry_token));
  }
  Status sent = Deliver(req, tx, c, code, link, previous_sends, now);
  if (!sent.ok()) return SendFailure(req, tx, token, sent);
  return std::nullopt;
}

Status Passwordless::Deliver(const http::Request& req, const oauth::LoginTransaction& tx, const store::EmailChallenge& c,
                             const std::string& code, const std::string& link, int previous_sends,
                             UnixSeconds now) const {
  const LoginDeps& d = kit_.deps();
  const std::string& email = tx.login_hint;
  ASSIGN_OR_RETURN(std::string app_name, kit_.AppName(tx));
  auto existing = d.store.FindUserByEmail(email);
  if (!existing.ok() && existing.error().code() != StatusCode::kNotFound) return existing.error();
  const bool signup = !existing.ok();
  web::Data data;
  const std::string subject = signup ? "Finish signing up for " + app_name : "Sign in to " + app_name;
  data["subject"] = subject;
  data["app_name"] = app_name;
  data["signup"] = signup;
  data["code"] = code;
  data["link"] = link;
  data["minutes"] = std::to_string(std::max<UnixSeconds>(1, (c.expires_at - now) / 60));
  connectors::mail::Message message{.to = email,
                                    .subject = subject,
                                    .text = web::RenderText("email_code", data),
                                    .html = web::Render("email_code", data)};
  Status sent = d.mailer->Send(message);
  if (!sent.ok()) {
    log::Warn("passwordless email not sent", {{"request_id", req.request_id}, {"error", sent.message()}});
    // Nothing went out: no cool-down before the next try, and the page must not say "we sent".
    // (The undeliverable code stays stored: nobody knows it, and the next send replaces it.)
    auto undone = d.store.UpdateEmailChallenge(tx.id, [&](store::EmailChallenge stored) -> Result<store::EmailChallenge> {
      if (stored.code_hash != c.code_hash || stored.link_hash != c.link_hash) return Unchanged();
      stored.last_sent_at = 0;
      stored.send_count = previous_sends;
      return stored;
    });
    if (!undone.ok() && undone.error().code() != StatusCode::kAborted) return undone.error();
    return UnavailableError("email not sent");
  }
  log::Info("passwordless email sent", {{"request_id", req.request_id}, {"send_count", std::int64_t{c.send_count}}});
  return Status::Ok();
}

http::Response Passwordless::Page(const http::Request& req, int status, const oauth::LoginTransaction& tx,
                                  const std::string& token, bool sent, std::string error, bool code_invalid) const {
  auto app_name = kit_.AppName(tx);
  if (!app_name.ok()) return kit_.Failure(req, app_name.error());
  PageCsrf csrf = kit_.CsrfFor(req, tx.id);
  http::Response r = PasswordlessPage(status, {.app_name = std::move(app_name).value(),
                                               .tx = token,
                                               .csrf = std::move(csrf.token),
                                               .email = tx.login_hint,
                                               .otp = kit_.deps().passwordless.otp,
                                               .link = kit_.deps().passwordless.link,
                                               .sent = sent,
                                               .error = std::move(error),
                                               .code_invalid = code_invalid},
                                      oauth::FormActionFor(tx.redirect_uri));
  if (!csrf.set_cookie.empty()) r.Set("Set-Cookie", std::move(csrf.set_cookie));
  return r;
}

http::Response Passwordless::SendFailure(const http::Request& req, const oauth::LoginTransaction& tx,
                                         const std::string& token, const Status& status) const {
  // Not delivered: the page keeps the transaction and offers to send again.
  if (status.code() == StatusCode::kUnavailable) {
    return Page(req, 503, tx, token, false,
                "We could not send the email to " + tx.login_hint + ". Try again in a moment.");
  }
  // The challenge of a completed transaction cannot be replaced.
  if (status.code() == StatusCode::kFailedPrecondition) {
    return kit_.CompletionFailure(req, AlreadyExistsError("transaction complete"));
  }
  return kit_.CompletionFailure(req, status);
}

http::Response Passwordless::Start(const http::Request& req, Post& post, const std::string& email,
                                   const std::string& name) const {
  const LoginDeps& d = kit_.deps();
  auto connection = Connection();
  if (!connection.ok()) return kit_.Internal(req, connection.error());
  if (!*connection || d.mailer == nullptr) {
    return kit_.Error(req, 400, "Sign-in method not available", "Signing in by email is not available here.",
                      LoginUrl(post.token));
  }
  post.tx.login_hint = email;
  post.tx.name = name;
  const std::string token = d.sealer.Seal(post.tx);
  if (auto failed = Send(req, post.tx, token, 0, post.token)) return std::move(*failed);
  return SeeOther(PasswordlessUrl(token));
}

http::Response Passwordless::Show(const http::Request& req) const {
  auto opened = kit_.OpenQuery(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  TxQuery& q = std::get<TxQuery>(opened);
  if (!ValidateEmail(q.tx.login_hint)) {
    return kit_.Error(req, 400, "Enter your email address", "Enter your email address first.", LoginUrl(q.token));
  }
  auto challenge = kit_.deps().store.GetEmailChallenge(q.tx.id);
  if (!challenge.ok() && challenge.error().code() != StatusCode::kNotFound) return kit_.Internal(req, challenge.error());
  const bool sent = challenge.ok() && challenge->email == q.tx.login_hint && challenge->last_sent_at != 0;
  return Page(req, 200, q.tx, q.token, sent, sent ? "" : "No email has been sent yet. Send one below.");
}

http::Response Passwordless::Resend(const http::Request& req) const {
  auto opened = kit_.OpenPost(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Post& post = std::get<Post>(opened);
  const LoginDeps& d = kit_.deps();
  if (!ValidateEmail(post.tx.login_hint) || d.mailer == nullptr) return kit_.InvalidTx(req);
  auto previous = d.store.GetEmailChallenge(post.tx.id);
  if (!previous.ok() && previous.error().code() != StatusCode::kNotFound) return kit_.Internal(req, previous.error());
  int sends = 0;
  if (previous.ok()) {
    if (previous->consumed_at != 0) return kit_.CompletionFailure(req, AlreadyExistsError("transaction complete"));
    const UnixSeconds wait = previous->last_sent_at + d.passwordless.resend_cooldown - d.clock.NowSeconds();
    if (wait > 0) {
      http::Response r = Page(req, 429, post.tx, post.token, true,
                              "An email was sent a moment ago. Wait " + std::to_string(wait) +
                                  " seconds before asking for another.");
      r.Set("Retry-After", std::to_string(wait));
      return r;
    }
    sends = previous->send_count;
  }
  if (auto failed = Send(req, post.tx, post.token, sends, post.token)) return std::move(*failed);
  return SeeOther(PasswordlessUrl(post.token));
}

http::Response Passwordless::Verify(const http::Request& req) const {
  auto opened = kit_.OpenPost(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Post& post = std::get<Post>(opened);
  const LoginDeps& d = kit_.deps();
  if (!d.passwordless.otp) return kit_.Error(req, 400, "Codes are not used here", "Open the link in the email.");
  const std::optional<std::string> code = ParseOtp(post.form.Get("code"));
  if (!code) return Page(req, 400, post.tx, post.token, true, "Enter the 6-digit code from the email.", true);

  const UnixSeconds now = d.clock.NowSeconds();
  const std::string hash = OtpHash(d.passwordless_key, post.tx.id, *code);
  Outcome outcome = Outcome::kWrong;
  int attempts_left = 0;
  // The network's check counter and the challenge in one write; the check counts whatever the
  // code turns out to be.
  auto checked = d.store.UpdateEmailChallengeWithinLimits(
      {CheckLimit(req)}, now, post.tx.id, [&](store::EmailChallenge c) -> Result<store::EmailChallenge> {
    if (c.consumed_at != 0) outcome = Outcome::kUsed;
    else if (c.email != post.tx.login_hint) outcome = Outcome::kStale;
    else if (c.code_hash.empty()) outcome = Outcome::kDisabled;
    else if (now >= c.expires_at) outcome = Outcome::kExpired;
    else if (c.attempts >= d.passwordless.max_attempts) outcome = Outcome::kLocked;
    else if (crypto::ConstantTimeEqual(hash, c.code_hash)) {
      outcome = Outcome::kAccepted;
      c.consumed_at = now;
      return c;
    } else {
      outcome = Outcome::kWrong;
      ++c.attempts;
      attempts_left = d.passwordless.max_attempts - c.attempts;
      return c;
    }
    return Unchanged();
  });
  if (!checked.ok()) return kit_.Internal(req, checked.error());
  if (!checked->limit.allowed) return TooManyChecks(req, checked->limit, PasswordlessUrl(post.token));
  if (!checked->status.ok()) {
    if (checked->status.code() == StatusCode::kNotFound) {
      return Page(req, 400, post.tx, post.token, false, "No code was sent for this sign-in. Send a new email.");
    }
    if (checked->status.code() != StatusCode::kAborted) return kit_.Internal(req, checked->status);
  }
  switch (outcome) {
    case Outcome::kAccepted: return Complete(req, checked->challenge, post.tx, "otp");
    case Outcome::kWrong:
      if (attempts_left <= 0) {
        return Page(req, 400, post.tx, post.token, false, "Too many wrong codes. Send a new email to get a new code.");
      }
      return Page(req, 400, post.tx, post.token, true,
                  "That code is not right. " + std::to_string(attempts_left) +
                      (attempts_left == 1 ? " attempt" : " attempts") + " left.",
                  true);
    case Outcome::kLocked:
      return Page(req, 400, post.tx, post.token, false, "Too many wrong codes. Send a new email to get a new code.");
    case Outcome::kExpired:
      return Page(req, 400, post.tx, post.token, false, "This code has expired. Send a new email.");
    case Outcome::kStale:
    case Outcome::kDisabled:
      return Page(req, 400, post.tx, post.token, false, "This code is no longer valid. Send a new email.");
    case Outcome::kUsed: break;
  }
  return kit_.CompletionFailure(req, AlreadyExistsError("transaction complete"));
}

http::Response Passwordless::LinkUnusable(const http::Request& req, std::string_view message) const {
  return kit_.Error(req, 400, "Sign-in link not valid", message);
}

std::variant<store::EmailChallenge, http::Response> Passwordless::FindLink(const http::Request& req,
                                                                          std::string_view link_token) const {
  auto raw = Base64UrlDecode(link_token);
  if (link_token.size() != 43 || !raw || raw->size() != kLinkTokenBytes) {
    return LinkUnusable(req, "This sign-in link is not complete. Open it from the email again.");
  }
  if (auto limited = LimitChecks(req, {})) return std::move(*limited);
  const LoginDeps& d = kit_.deps();
  auto challenge = d.store.FindEmailChallengeByLink(LinkHash(d.passwordless_key, link_token));
  if (!challenge.ok()) {
    if (challenge.error().code() != StatusCode::kNotFound) return kit_.Internal(req, challenge.error());
    return LinkUnusable(req, "This sign-in link is not valid: it was replaced by a newer email, or it has expired.");
  }
  return std::move(challenge).value();
}

http::Response Passwordless::OpenLink(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return kit_.BadForm(req);
  const LoginDeps& d = kit_.deps();
  const std::string_view link_token = query->Get("token");
  auto found = FindLink(req, link_token);
  if (auto* r = std::get_if<http::Response>(&found)) return std::move(*r);
  const auto* challenge = &std::get<store::EmailChallenge>(found);
  if (challenge->consumed_at != 0) return LinkUnusable(req, "This sign-in link has already been used.");
  if (d.clock.NowSeconds() >= challenge->expires_at) return LinkUnusable(req, "This sign-in link has expired.");
  auto tx = d.sealer.Open(challenge->sealed_transaction);
  if (!tx.ok()) return LinkUnusable(req, "This sign-in link has expired.");

  bool same_browser = false;
  for (const std::string& cookie : CsrfCookieValues(req, d.secure_cookies)) {
    same_browser = crypto::ConstantTimeEqual(BrowserHash(d.passwordless_key, cookie), challenge->browser_hash) ||
                   same_browser;
  }
  if (same_browser && !challenge->browser_hash.empty()) return Complete(req, *challenge, *tx, "magic_link");

  auto app_name = kit_.AppName(*tx);
  if (!app_name.ok()) return kit_.Failure(req, app_name.error());
  PageCsrf csrf = kit_.CsrfFor(req, tx->id);
  http::Response r = MagicConfirmPage({.app_name = std::move(app_name).value(),
                                       .email = challenge->email,
                                       .token = std::string(link_token),
                                       .csrf = std::move(csrf.token)},
                                      oauth::FormActionFor(tx->redirect_uri));
  if (!csrf.set_cookie.empty()) r.Set("Set-Cookie", std::move(csrf.set_cookie));
  return r;
}

http::Response Passwordless::ConfirmLink(const http::Request& req) const {
  auto opened = kit_.OpenForm(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  const Form& form = std::get<Form>(opened);
  const LoginDeps& d = kit_.deps();
  auto found = FindLink(req, form.Get("token"));
  if (auto* r = std::get_if<http::Response>(&found)) return std::move(*r);
  const auto* challenge = &std::get<store::EmailChallenge>(found);
  auto tx = d.sealer.Open(challenge->sealed_transaction);
  if (!tx.ok()) return LinkUnusable(req, "This sign-in link has expired.");
  if (!kit_.CheckCsrf(req, tx->id, form.Get("csrf"))) {
    return kit_.Error(req, 403, "Form expired", "This form has expired. Open the link from the email again.");
  }
  return Complete(req, *challenge, *tx, "magic_link");
}

http::Response Passwordless::Complete(const http::Request& req, const store::EmailChallenge& found,
                                      const oauth::LoginTransaction& tx, std::string_view method) const {
  const LoginDeps& d = kit_.deps();
  const UnixSeconds now = d.clock.NowSeconds();
  if (method == "magic_link") {
    // Consume the link: exactly once, whichever node or browser gets here first.
    bool consumed = false;
    auto updated = d.store.UpdateEmailChallenge(found.transaction_id, [&](store::EmailChallenge c) -> Result<store::EmailChallenge> {
      if (c.consumed_at != 0 || c.link_hash != found.link_hash || now >= c.expires_at) return Unchanged();
      consumed = true;
      c.consumed_at = now;
      return c;
    });
    if (!updated.ok() && updated.error().code() != StatusCode::kAborted &&
        updated.error().code() != StatusCode::kNotFound) {
      return kit_.Internal(req, updated.error());
    }
    if (!consumed) return LinkUnusable(req, "This sign-in link has already been used or has expired.");
  }
  auto connection = Connection();
  if (!connection.ok()) return kit_.Internal(req, connection.error());
  if (!*connection) return kit_.Error(req, 400, "Sign-in method not available", "Signing in by email is not available here.");
  auto user = kit_.FindOrCreateUser(found.email, tx.name);
  if (!user.ok()) return kit_.Internal(req, user.error());
  auto response = kit_.SignIn(req, tx, *user, (*connection)->id, method);
  if (!response.ok()) return kit_.CompletionFailure(req, response.error());
  log::Info("signed in", {{"request_id", req.request_id},
                          {"user_id", std::string_view(user->id)},
                          {"method", method},
                          {"client_id", std::string_view(tx.client_id)}});
  return std::move(response).value();
}

}  // namespace gatehouse::login
