#include "login/csrf.h"

#include "common/encoding.h"
#include "crypto/hash.h"

namespace gatehouse::login {
namespace {

bool WellFormed(std::string_view value) {
  auto raw = Base64UrlDecode(value);
  return raw && raw->size() == kCsrfCookieBytes;
}

}  // namespace

std::string_view CsrfCookieName(bool secure_cookies) { return secure_cookies ? "__Host-gh_csrf" : "gh_csrf"; }

std::vector<std::string> CsrfCookieValues(const http::Request& request, bool secure_cookies) {
  std::vector<std::string> out;
  for (std::string_view value : request.Cookies(CsrfCookieName(secure_cookies))) {
    if (WellFormed(value)) out.emplace_back(value);
  }
  return out;
}

std::string NewCsrfCookieValue(Random& random) { return Base64UrlEncode(random.Bytes(kCsrfCookieBytes)); }

std::string CsrfSetCookie(std::string_view value, bool secure_cookies) {
  std::string out(CsrfCookieName(secure_cookies));
  out += '=';
  out += value;
  out += "; Path=/; HttpOnly; SameSite=Lax";
  if (secure_cookies) out += "; Secure";
  return out;
}

std::string CsrfToken(std::string_view key, std::string_view cookie_value, std::string_view tx_id) {
  std::string message(cookie_value);
  message += '|';
  message += tx_id;
  return Base64UrlEncode(crypto::HmacSha256(key, message));
}

bool VerifyCsrf(std::string_view key, const http::Request& request, bool secure_cookies, std::string_view tx_id,
                std::string_view token) {
  if (token.empty() || tx_id.empty()) return false;
  bool ok = false;
  for (const std::string& cookie : CsrfCookieValues(request, secure_cookies)) {
    // No early exit: the time taken does not say which cookie matched.
    ok = crypto::ConstantTimeEqual(CsrfToken(key, cookie, tx_id), token) || ok;
  }
  return ok;
}

}  // namespace gatehouse::login
