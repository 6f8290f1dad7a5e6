#include "views.h"

#include <ctime>
#include <span>
#include <vector>

namespace webapp {
namespace {

namespace sdk = gatehouse::sdk;

// The ID token's claims this page knows (wire: iss sub aud azp exp iat nbf auth_time nonce at_hash
// sid oid amr email email_verified name), in reading order; absent ones are skipped.
constexpr std::string_view kIdTokenClaims[] = {
    "sub", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "oid", "amr",
    "sid", "auth_time", "iss", "aud", "azp", "iat", "exp"};
// The access token's (RFC 9068 plus Scalekit's scopes, roles and permissions).
constexpr std::string_view kAccessTokenClaims[] = {
    "sub", "client_id", "scope", "scopes", "sid", "oid", "roles", "permissions", "jti", "iss", "aud", "iat", "nbf",
    "exp"};
// Shown as dates as well as numbers.
constexpr std::string_view kTimeClaims[] = {"auth_time", "iat", "nbf", "exp"};

std::string FormatTime(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A claim as text, whatever its JSON type (Claims reads each type separately).
std::string ClaimText(const sdk::Claims& claims, std::string_view name) {
  if (auto s = claims.string(name)) return *s;
  if (auto b = claims.boolean(name)) return *b ? "true" : "false";
  if (auto n = claims.integer(name)) {
    for (std::string_view time_claim : kTimeClaims) {
      if (name == time_claim) return std::to_string(*n) + " (" + FormatTime(*n) + ")";
    }
    return std::to_string(*n);
  }
  if (auto list = claims.strings(name); !list.empty()) return Join(list);
  return "(empty)";
}

std::string ClaimsTable(const sdk::Claims& claims, std::span<const std::string_view> names, std::string_view caption,
                        std::string_view id) {
  std::string html = "<table id=\"" + std::string(id) + "\"><caption>" + Escape(caption) +
                     "</caption>\n<thead><tr><th scope=\"col\">Claim</th><th scope=\"col\">Value</th></tr></thead>\n"
                     "<tbody>\n";
  for (std::string_view name : names) {
    if (!claims.contains(name)) continue;
    html += "<tr><th scope=\"row\"><code>" + Escape(name) + "</code></th><td data-claim=\"" + Escape(name) + "\">" +
            Escape(ClaimText(claims, name)) + "</td></tr>\n";
  }
  return html + "</tbody></table>\n";
}

std::string CsrfForm(std::string_view action, std::string_view csrf_token, std::string_view label) {
  return "<form method=\"post\" action=\"" + std::string(action) + "\"><input type=\"hidden\" name=\"csrf\" value=\"" +
         Escape(csrf_token) + "\"><button type=\"submit\">" + Escape(label) + "</button></form>\n";
}

std::string DisplayName(const sdk::User& user) {
  if (!user.name.empty()) return user.name;
  if (!user.email.empty()) return user.email;
  return user.id;
}

}  // namespace

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Response HtmlPage(int status, std::string_view title, std::string_view body_html) {
  Response response;
  response.status = status;
  response.headers = {
      {"Content-Type", "text/html; charset=utf-8"},
      {"Cache-Control", "no-store"},
      {"Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      // The callback's URL carries the code and state: never send it on as a Referer.
      {"Referrer-Policy", "no-referrer"},
  };
  response.body = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                  Escape(title) + " · Gatehouse example</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
                  "</head>\n<body>\n<header><a href=\"/\">Gatehouse example app</a></header>\n<main>\n" +
                  std::string(body_html) + "</main>\n</body>\n</html>\n";
  return response;
}

Response Redirect(std::string_view location, int status) {
  return Response{status,
                  {{"Location", std::string(location)}, {"Cache-Control", "no-store"},
                   {"Referrer-Policy", "no-referrer"}},
                  {}};
}

Response HomePage(const std::optional<sdk::User>& user) {
  std::string body = "<h1>Welcome</h1>\n";
  if (user) {
    body += "<p id=\"signed-in\">You are signed in as <strong>" + Escape(DisplayName(*user)) + "</strong>.</p>\n"
            "<p><a href=\"/profile\">Your profile</a></p>\n";
  } else {
    body += "<p id=\"signed-out\">This application signs people in with Gatehouse, through the Gatehouse C++ SDK. "
            "You are not signed in.</p>\n"
            "<nav aria-label=\"Account\"><ul>\n<li><a href=\"/login\">Sign in</a></li>\n"
            "<li><a href=\"/signup\">Sign up</a></li>\n</ul></nav>\n";
  }
  return HtmlPage(200, "Home", body);
}

Response ProfilePage(const ProfileView& view) {
  std::string body = "<h1>Your profile</h1>\n<p>Signed in as <strong id=\"user-email\">" + Escape(view.user.email) +
                     "</strong> (user <code id=\"user-id\">" + Escape(view.user.id) + "</code>).</p>\n";
  body += "<h2>Identity</h2>\n" + ClaimsTable(view.id_token_claims, kIdTokenClaims, "ID token claims", "id-claims");

  body += "<h2>Access token</h2>\n<p>Expires at <time id=\"access-expiry\">" +
          Escape(FormatTime(view.access_token_expires_at)) + "</time>. Refreshed <span id=\"refresh-count\">" +
          std::to_string(view.refresh_count) + "</span> " + (view.refresh_count == 1 ? "time" : "times") + ".</p>\n";
  if (view.access_token_claims) {
    body += "<p id=\"access-valid\">validate_access_token accepted it.</p>\n" +
            ClaimsTable(*view.access_token_claims, kAccessTokenClaims, "Access token claims", "access-claims");
  } else {
    body += "<p id=\"access-invalid\" role=\"alert\">validate_access_token refused it: " +
            Escape(view.access_token_error) + "</p>\n";
  }

  body += "<h2>Actions</h2>\n<div class=\"actions\">\n";
  if (view.has_refresh_token) body += CsrfForm("/refresh", view.csrf_token, "Refresh tokens");
  body += CsrfForm("/logout", view.csrf_token, "Sign out") + "</div>\n";
  return HtmlPage(200, "Profile", body);
}

Response ErrorPage(int status, std::string_view title, std::string_view detail) {
  std::string body = "<h1>" + Escape(title) + "</h1>\n<p id=\"error-detail\" role=\"alert\">" + Escape(detail) +
                     "</p>\n<p><a href=\"/\">Back to the home page</a></p>\n";
  return HtmlPage(status, title, body);
}

Response SdkErrorPage(std::string_view what, const sdk::Error& error) {
  std::string detail = std::string(sdk::to_string(error.code)) + ": " + error.message;
  // The server's own words, unless the message quotes them already.
  for (const std::string& part : {error.oauth_error, error.oauth_error_description}) {
    if (!part.empty() && detail.find(part) == std::string::npos) detail += " — " + part;
  }
  // The server refusing the request is the request's fault; no usable answer is the gateway's.
  bool upstream = error.code == sdk::ErrorCode::kNetwork || error.code == sdk::ErrorCode::kTimeout ||
                  error.code == sdk::ErrorCode::kInvalidResponse ||
                  (error.code == sdk::ErrorCode::kServerError && error.http_status >= 500);
  return ErrorPage(upstream ? 502 : 400, what, detail);
}

Response StyleSheet() {
  Response response{200, {{"Content-Type", "text/css; charset=utf-8"}, {"Cache-Control", "max-age=300"}}, {}};
  response.body =
      "body{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem;line-height:1.5;"
      "color:#1a1a1a}\n"
      "header{padding-bottom:.5rem;border-bottom:1px solid #ccc;margin-bottom:1rem}\n"
      "table{border-collapse:collapse;width:100%;margin:1rem 0}caption{text-align:left;font-weight:600}\n"
      "th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\n"
      "nav ul{list-style:none;padding:0;display:flex;gap:1rem}\n"
      ".actions{display:flex;gap:1rem}button{font:inherit;padding:.4rem 1rem;cursor:pointer}\n"
      "a{color:#0645ad}[role=alert]{color:#8b0000}\n";
  return response;
}

}  // namespace webapp
