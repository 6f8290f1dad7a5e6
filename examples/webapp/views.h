// The example application's pages: plain HTML forms and links (everything works without
// JavaScript), every value that came from a user, a token or the server HTML-escaped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gatehouse/sdk.h"
#include "server.h"

namespace webapp {

// &, <, >, " and ' as character references: safe in element content and quoted attributes.
std::string Escape(std::string_view text);

// A whole page (status, security headers, no caching) around body_html, which must already be
// escaped where it holds data.
Response HtmlPage(int status, std::string_view title, std::string_view body_html);
// 302 for GET, 303 after a POST (so the browser follows with a GET).
Response Redirect(std::string_view location, int status = 302);

Response HomePage(const std::optional<gatehouse::sdk::User>& user);

// What /profile shows of a session.
struct ProfileView {
  gatehouse::sdk::User user;
  gatehouse::sdk::Claims id_token_claims;
  // The access token's claims when validate_access_token accepted it, else why not.
  std::optional<gatehouse::sdk::Claims> access_token_claims;
  std::string access_token_error;
  std::int64_t access_token_expires_at = 0;  // Unix seconds, from expires_in at receipt
  bool has_refresh_token = false;
  int refresh_count = 0;
  std::string csrf_token;
};
Response ProfilePage(const ProfileView& view);

// An error page with a link home. detail is plain text (escaped here).
Response ErrorPage(int status, std::string_view title, std::string_view detail);
// An SDK call that failed: its error code, message and the server's OAuth error, never a token.
Response SdkErrorPage(std::string_view what, const gatehouse::sdk::Error& error);

// The stylesheet at /style.css (a file of its own so that the Content-Security-Policy can forbid
// inline styles).
Response StyleSheet();

}  // namespace webapp
