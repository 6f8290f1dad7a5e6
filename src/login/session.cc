#include "login/session.h"

#include <algorithm>

#include "common/encoding.h"
#include "common/ids.h"
#include "crypto/hash.h"

namespace gatehouse::login {
namespace {

bool WellFormedToken(std::string_view token) {
  if (token.size() != 43) return false;  // base64url of 32 bytes, unpadded
  auto raw = Base64UrlDecode(token);
  return raw && raw->size() == kSessionTokenBytes;
}

}  // namespace

std::string_view SessionCookieName(bool secure_cookies) { return secure_cookies ? "__Host-gh_session" : "gh_session"; }

std::vector<std::string> SessionCookieTokens(const http::Request& request, bool secure_cookies, std::size_t max) {
  std::vector<std::string> out;
  for (std::string_view value : request.Cookies(SessionCookieName(secure_cookies))) {
    while (!value.empty() && out.size() < max) {
      const std::size_t dot = value.find('.');
      const std::string_view token = value.substr(0, dot);
      value = dot == std::string_view::npos ? std::string_view() : value.substr(dot + 1);
      if (WellFormedToken(token) && std::find(out.begin(), out.end(), token) == out.end()) out.emplace_back(token);
    }
  }
  return out;
}

std::string SessionSetCookie(const std::vector<std::string>& tokens, bool secure_cookies, UnixSeconds max_age) {
  std::string out(SessionCookieName(secure_cookies));
  out += '=';
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += '.';
    out += tokens[i];
  }
  out += "; Path=/; HttpOnly; SameSite=Lax; Max-Age=";
  out += std::to_string(tokens.empty() ? 0 : max_age);
  if (secure_cookies) out += "; Secure";
  return out;
}

std::string SessionTokenHash(std::string_view token) { return HexEncode(crypto::Sha256(token)); }

Result<std::vector<BrowserSession>> SessionManager::Live(const http::Request& request) const {
  const UnixSeconds now = clock_.NowSeconds();
  std::vector<BrowserSession> out;
  for (std::string& token : SessionCookieTokens(request, secure_cookies_, policy_.max_per_browser)) {
    auto session = store_.FindSessionByToken(SessionTokenHash(token));
    if (!session.ok()) {
      if (session.error().code() == StatusCode::kNotFound) continue;
      return session.error();
    }
    if (!IsLive(*session, now)) continue;
    auto user = store_.GetUser(session->user_id);
    if (!user.ok()) {
      if (user.error().code() == StatusCode::kNotFound) continue;
      return user.error();
    }
    if (now - session->last_seen_at >= policy_.touch_interval) {
      session->last_seen_at = now;
      session->idle_expires_at = std::min(now + policy_.idle_timeout, session->expires_at);
      Status s = store_.TouchSession(session->id, session->last_seen_at, session->idle_expires_at);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
    }
    out.push_back({std::move(session).value(), std::move(user).value(), std::move(token)});
  }
  return out;
}

Result<SessionManager::Begun> SessionManager::Begin(const http::Request& request, const store::User& user,
                                                  std::string_view connection_id,
                                                  std::string_view auth_method) const {
  ASSIGN_OR_RETURN(std::vector<BrowserSession> live, Live(request));
  const UnixSeconds now = clock_.NowSeconds();
  const std::string token = Base64UrlEncode(random_.Bytes(kSessionTokenBytes));
  Begun out;
  store::Session& s = out.session;
  s.id = NewId(random_, id_prefix::kSession);
  s.token_hash = SessionTokenHash(token);
  s.user_id = user.id;
  s.connection_id = std::string(connection_id);
  s.auth_method = std::string(auth_method);
  s.auth_time = now;
  s.created_at = now;
  s.last_seen_at = now;
  s.expires_at = now + policy_.lifetime;
  s.idle_expires_at = std::min(now + policy_.idle_timeout, s.expires_at);

  std::vector<std::string> tokens = {token};
  for (const BrowserSession& other : live) {
    if (other.user.id == user.id) {
      out.ended_sessions.push_back(other.session.id);
      continue;
    }
    if (tokens.size() < policy_.max_per_browser) tokens.push_back(other.token);
  }
  out.set_cookie = SessionSetCookie(tokens, secure_cookies_, policy_.lifetime);
  return out;
}

}  // namespace gatehouse::login
