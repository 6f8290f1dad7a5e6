// CSRF protection of the hosted login forms: a double-submit cookie whose token is bound to the
// login transaction.
//
// The browser holds a random cookie (32 bytes, base64url; `__Host-gh_csrf` when cookies are
// Secure, so a sibling subdomain cannot plant it, else `gh_csrf` for plain-HTTP development).
// Each form carries base64url(HMAC-SHA-256(csrf_key, cookie + "|" + tx.id)). A cross-site page
// can make the browser send the cookie but can neither read it nor compute the HMAC, and a token
// minted for one transaction does not verify for another. The cookie is reused while it is
// valid, so several tabs of one browser keep working.
//
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "http/request.h"

namespace gatehouse::login {

inline constexpr std::size_t kCsrfCookieBytes = 32;

// "__Host-gh_csrf" when secure_cookies, else "gh_csrf".
std::string_view CsrfCookieName(bool secure_cookies);

// Every well-formed value (base64url of exactly 32 bytes) of the CSRF cookie in the request's
// Cookie headers (HTTP/2 may split them over several headers), in order. Malformed values are
// skipped.
std::vector<std::string> CsrfCookieValues(const http::Request& request, bool secure_cookies);

// A new random cookie value.
std::string NewCsrfCookieValue(Random& random);

// The Set-Cookie header value: HttpOnly; SameSite=Lax; Path=/; Secure when secure_cookies; no
// Domain and no expiry (a session cookie).
std::string CsrfSetCookie(std::string_view value, bool secure_cookies);

// The token a form carries: base64url(HMAC-SHA-256(key, cookie_value + "|" + tx_id)).
std::string CsrfToken(std::string_view key, std::string_view cookie_value, std::string_view tx_id);

// True when `token` is the token of `tx_id` for one of the request's CSRF cookies. Compared in
// constant time.
bool VerifyCsrf(std::string_view key, const http::Request& request, bool secure_cookies, std::string_view tx_id,
                std::string_view token);

}  // namespace gatehouse::login
