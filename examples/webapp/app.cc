#include "app.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "views.h"

namespace webapp {
namespace {

namespace sdk = gatehouse::sdk;

// Gatehouse's own cookies (gh_session, gh_csrf) share the host when both run on localhost:
// cookies ignore the port, so these names must differ from them.
constexpr std::string_view kLoginCookie = "webapp_login";
constexpr std::string_view kSessionCookie = "webapp_session";

// A sign-in must come back within this; Gatehouse's login transaction lives as long.
constexpr std::chrono::seconds kLoginLifetime{10 * 60};
constexpr std::chrono::seconds kSessionLifetime{8 * 60 * 60};
// Bounds on what anonymous requests can make this process hold.
constexpr std::size_t kMaxPendingLogins = 10'000;
constexpr std::size_t kMaxSessions = 10'000;

const std::vector<std::string> kScopes = {"openid", "profile", "email", "offline_access"};

// The lengths compared are not secret (every value here has 43 characters); the contents are.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string Get(const std::map<std::string, std::string>& values, const std::string& name) {
  auto it = values.find(name);
  return it == values.end() ? std::string{} : it->second;
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Drops expired entries; then, if the map is still full, the one closest to expiring, so that a
// flood of anonymous requests can neither grow the map without bound nor lock everyone out.
template <class Map>
void MakeRoom(Map& map, std::size_t limit, std::chrono::steady_clock::time_point now) {
  std::erase_if(map, [now](const auto& entry) { return entry.second.expires <= now; });
  while (map.size() >= limit) {
    auto oldest = std::min_element(map.begin(), map.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    map.erase(oldest);
  }
}

}  // namespace

App::App(Config config)
    : config_(std::move(config)),
      callback_url_(config_.public_url + "/callback"),
      client_(config_.gatehouse_url, config_.client_id, config_.client_secret) {}

Response App::Handle(const Request& request) {
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  const std::string& path = request.path;
  if (path == "/" && get) {
    std::optional<Session> session = FindSession(request);
    return HomePage(session ? std::optional<sdk::User>(session->user) : std::nullopt);
  }
  if (path == "/login" && get) return StartLogin(request, false);
  if (path == "/signup" && get) return StartLogin(request, true);
  if (path == "/callback" && get) return Callback(request);
  if (path == "/profile" && get) return Profile(request);
  if (path == "/refresh" && post) return Refresh(request);
  if (path == "/logout" && post) return Logout(request);
  if (path == "/style.css" && get) return StyleSheet();
  for (const char* known : {"/", "/login", "/signup", "/callback", "/profile", "/style.css", "/refresh", "/logout"}) {
    if (path != known) continue;
    Response response = ErrorPage(405, "Method not allowed", "This page does not accept " + request.method + ".");
    response.headers.emplace_back("Allow", path == "/refresh" || path == "/logout" ? "POST" : "GET");
    return response;
  }
  return ErrorPage(404, "Page not found", "There is no page at this address.");
}

Response App::StartLogin(const Request& /*request*/, bool signup) {
  // The SDK draws them from the system's CSPRNG. The login cookie is one more such value.
  sdk::Result<std::string> state = sdk::generate_state();
  sdk::Result<std::string> nonce = sdk::generate_nonce();
  sdk::Result<sdk::Pkce> pkce = sdk::generate_pkce();
  sdk::Result<std::string> login_id = sdk::generate_state();
  for (const sdk::Error* error : {state ? nullptr : &state.error(), nonce ? nullptr : &nonce.error(),
                                  pkce ? nullptr : &pkce.error(), login_id ? nullptr : &login_id.error()}) {
    if (error) return SdkErrorPage("Could not start the sign-in", *error);
  }

  sdk::AuthorizationUrlOptions options;
  options.scopes = kScopes;
  options.state = *state;
  options.nonce = *nonce;
  options.code_challenge = pkce->code_challenge;
  options.code_challenge_method = pkce->code_challenge_method;
  if (signup) options.prompt = "create";  // Gatehouse's sign-up form instead of its sign-in form
  std::string url = client_.authorization_url(callback_url_, options);

  {
    std::lock_guard lock(mu_);
    Clock::time_point now = Clock::now();
    MakeRoom(pending_logins_, kMaxPendingLogins, now);
    pending_logins_[*login_id] = PendingLogin{*state, *nonce, pkce->code_verifier, now + kLoginLifetime};
  }
  // A new cookie for every sign-in: a value an attacker planted in this browser cannot be reused.
  Response response = Redirect(url);
  response.headers.emplace_back("Set-Cookie", Cookie(kLoginCookie, *login_id, kLoginLifetime));
  return response;
}

std::optional<App::PendingLogin> App::TakePendingLogin(const Request& request, const std::string& state) {
  auto cookie = request.cookies.find(std::string(kLoginCookie));
  if (cookie == request.cookies.end() || state.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = pending_logins_.find(cookie->second);
  if (it == pending_logins_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    pending_logins_.erase(it);
    return std::nullopt;
  }
  // A wrong state leaves the entry alone: a forged callback must not cancel the real sign-in.
  if (!ConstantTimeEquals(it->second.state, state)) return std::nullopt;
  PendingLogin pending = std::move(it->second);
  pending_logins_.erase(it);
  return pending;
}

Response App::Callback(const Request& request) {
  const std::string state = Get(request.query, "state");
  std::optional<PendingLogin> pending = TakePendingLogin(request, state);
  const std::string clear_login_cookie = Cookie(kLoginCookie, "", std::chrono::seconds(0));

  // Gatehouse sends the browser back with error=... when the sign-in did not happen (the user
  // cancelled, prompt=none without a session ...). It is only shown: nothing is exchanged.
  if (request.query.contains("error")) {
    std::string detail = Get(request.query, "error");
    if (std::string description = Get(request.query, "error_description"); !description.empty()) {
      detail += ": " + description;
    }
    Response response = ErrorPage(400, "Sign-in failed", detail);
    if (pending) response.headers.emplace_back("Set-Cookie", clear_login_cookie);
    return response;
  }
  if (!pending) {
    return ErrorPage(400, "State mismatch",
                     "This sign-in response does not belong to a sign-in started in this browser (state mismatch), "
                     "or it took longer than 10 minutes. Nothing was exchanged; please sign in again.");
  }
  const std::string code = Get(request.query, "code");
  if (code.empty()) return ErrorPage(400, "Sign-in failed", "The response has no authorization code.");

  sdk::AuthenticationOptions options;
  options.code_verifier = pending->code_verifier;
  options.nonce = pending->nonce;
  sdk::Result<sdk::AuthenticationResponse> auth = client_.authenticate_with_code(code, callback_url_, options);
  if (!auth) {
    Response response = SdkErrorPage("Sign-in failed", auth.error());
    response.headers.emplace_back("Set-Cookie", clear_login_cookie);
    return response;
  }

  sdk::Result<std::string> session_id = sdk::generate_state();
  sdk::Result<std::string> csrf_token = sdk::generate_state();
  if (!session_id) return SdkErrorPage("Sign-in failed", session_id.error());
  if (!csrf_token) return SdkErrorPage("Sign-in failed", csrf_token.error());
  Session session;
  session.user = auth->user;
  session.id_token_claims = auth->id_token_claims;
  session.id_token = std::move(auth->id_token);
  session.access_token = std::move(auth->access_token);
  session.refresh_token = std::move(auth->refresh_token);
  session.access_token_expires_at = UnixNow() + auth->expires_in;
  session.csrf_token = *csrf_token;
  {
    std::lock_guard lock(mu_);
    // A new session id at every sign-in (no fixation); the browser's previous session ends.
    if (auto old = request.cookies.find(std::string(kSessionCookie)); old != request.cookies.end()) {
      sessions_.erase(old->second);
    }
    Clock::time_point now = Clock::now();
    MakeRoom(sessions_, kMaxSessions, now);
    session.expires = now + kSessionLifetime;
    sessions_[*session_id] = std::move(session);
  }
  Response response = Redirect("/profile");
  response.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, *session_id, kSessionLifetime));
  response.headers.emplace_back("Set-Cookie", clear_login_cookie);
  return response;
}

std::optional<App::Session> App::FindSession(const Request& request) {
  auto cookie = request.cookies.find(std::string(kSessionCookie));
  if (cookie == request.cookies.end()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(cookie->second);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

Response App::Profile(const Request& request) {
  std::optional<Session> session = FindSession(request);
  if (!session) return Redirect("/");
  ProfileView view;
  view.user = session->user;
  view.id_token_claims = session->id_token_claims;
  view.access_token_expires_at = session->access_token_expires_at;
  view.has_refresh_token = !session->refresh_token.empty();
  view.refresh_count = session->refresh_count;
  view.csrf_token = session->csrf_token;
  // What an API of this application would do with a Bearer token: verify it against Gatehouse's
  // JWKS (fetched once, then cached by the client), its issuer, and that it was issued to us.
  sdk::TokenValidationOptions options;
  options.audience = {config_.client_id};
  sdk::Result<sdk::Claims> claims = client_.validate_access_token(session->access_token, options);
  if (claims) {
    view.access_token_claims = *claims;
  } else if (claims.error().code == sdk::ErrorCode::kTokenExpired) {
    view.access_token_error = "expired: \"Refresh tokens\" gets a new one";
  } else {
    view.access_token_error = std::string(sdk::to_string(claims.error().code)) + ": " + claims.error().message;
  }
  return ProfilePage(view);
}

Response App::Refresh(const Request& request) {
  std::optional<Session> session = FindSession(request);
  if (!session) return Redirect("/", 303);
  if (!ConstantTimeEquals(session->csrf_token, Get(request.form, "csrf"))) {
    return ErrorPage(403, "Request refused", "The form was not sent by this application's page (CSRF check).");
  }
  if (session->refresh_token.empty()) {
    return ErrorPage(400, "Cannot refresh", "No refresh token was granted (offline_access).");
  }
  sdk::Result<sdk::RefreshTokenResponse> refreshed = client_.refresh_access_token(session->refresh_token);
  const std::string session_id = request.cookies.at(std::string(kSessionCookie));
  if (!refreshed) {
    // The grant is gone (signed out elsewhere, the refresh token expired or was replayed): so is
    // this session.
    if (refreshed.error().code == sdk::ErrorCode::kServerError && refreshed.error().oauth_error == "invalid_grant") {
      std::lock_guard lock(mu_);
      sessions_.erase(session_id);
    }
    return SdkErrorPage("Refreshing the tokens failed", refreshed.error());
  }
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) return Redirect("/", 303);  // signed out meanwhile
    Session& stored = it->second;
    // The old refresh token is spent: keep the rotated one.
    stored.access_token = std::move(refreshed->access_token);
    stored.refresh_token = std::move(refreshed->refresh_token);
    if (!refreshed->id_token.empty()) {
      // The SDK verified the new ID token: its claims replace the sign-in's, and it is the
      // fresher logout hint.
      stored.id_token = std::move(refreshed->id_token);
      stored.user = std::move(refreshed->user);
      stored.id_token_claims = std::move(refreshed->id_token_claims);
    }
    stored.access_token_expires_at = UnixNow() + refreshed->expires_in;
    ++stored.refresh_count;
  }
  return Redirect("/profile", 303);
}

Response App::Logout(const Request& request) {
  std::optional<Session> session = FindSession(request);
  if (!session) return Redirect("/", 303);
  if (!ConstantTimeEquals(session->csrf_token, Get(request.form, "csrf"))) {
    return ErrorPage(403, "Request refused", "The form was not sent by this application's page (CSRF check).");
  }
  {
    std::lock_guard lock(mu_);
    sessions_.erase(request.cookies.at(std::string(kSessionCookie)));
  }
  // Ends Gatehouse's browser session too (and revokes the grant), then Gatehouse sends the
  // browser back to our home page. The hint names the client and the session to end.
  sdk::Result<std::string> state = sdk::generate_state();
  sdk::LogoutUrlOptions options;
  options.id_token_hint = session->id_token;
  options.post_logout_redirect_uri = config_.public_url + "/";
  if (state) options.state = *state;
  Response response = Redirect(client_.logout_url(options), 303);
  response.headers.emplace_back("Set-Cookie", Cookie(kSessionCookie, "", std::chrono::seconds(0)));
  return response;
}

std::string App::Cookie(std::string_view name, std::string_view value, std::chrono::seconds max_age) const {
  // HttpOnly: scripts never see it. SameSite=Lax: sent on the top-level GET back from Gatehouse,
  // not on cross-site POSTs. Secure when the application is served over https.
  std::string cookie = std::string(name) + "=" + std::string(value) + "; Path=/; Max-Age=" +
                       std::to_string(max_age.count()) + "; HttpOnly; SameSite=Lax";
  if (config_.public_url.starts_with("https://")) cookie += "; Secure";
  return cookie;
}

}  // namespace webapp
