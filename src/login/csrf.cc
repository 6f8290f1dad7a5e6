#include "login/csrf.h"

#include "common/encoding.h"
#include "crypto/hash.h"

namespace gatehouse::login {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool WellFormed(std::string_view value) {
  auto raw = Base64UrlDecode(value);
  return raw && raw->size() == kCsrfCookieBytes;
}

}  // namespace

std::string_view CsrfCookieName(bool secure_cookies) { return secure_cookies ? "__Host-gh_csrf" : "gh_csrf"; }

std::vector<std::string> CsrfCookieValues(const http::Request& request, bool secure_cookies) {
  const std::string_view name = CsrfCookieName(secure_cookies);
  std::vector<std::string> out;
  for (const auto& h : request.headers) {
    if (h.name.size() != 6) continue;
    std::string lower(h.name);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower != "cookie") continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view pair = TrimSpaces(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (TrimSpaces(pair.substr(0, eq)) != name) continue;
      std::string_view value = TrimSpaces(pair.substr(eq + 1));
      if (WellFormed(value)) out.emplace_back(value);
    }
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
