#include "login/logout.h"

#include <algorithm>

#include <boost/json.hpp>

#include "common/log.h"
#include "common/url.h"
#include "http/form.h"
#include "login/session.h"
#include "login/views.h"

namespace gatehouse::login {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxHint = 16 * 1024;
constexpr std::size_t kMaxUri = 2048;
constexpr std::size_t kMaxState = 2048;
constexpr std::size_t kMaxClientId = 128;

http::Response Refuse(const http::Request& request, std::string message) {
  http::Response r = ErrorPage(400, {.app_name = {},
                                     .title = "This sign-out link is not valid",
                                     .message = std::move(message),
                                     .retry_url = {},
                                     .request_id = std::string(request.request_id)});
  r.Set("Cache-Control", "no-store");
  return r;
}

std::string FirstAudience(const json::object& claims) {
  const json::value* aud = claims.if_contains("aud");
  if (aud == nullptr) return {};
  if (aud->is_string()) return std::string(aud->get_string());
  if (aud->is_array() && !aud->get_array().empty() && aud->get_array()[0].is_string()) {
    return std::string(aud->get_array()[0].get_string());
  }
  return {};
}

// True when some client registered `uri` as a post-logout URI (the environment-wide list used
// when the request does not say which client it comes from).
Result<bool> RegisteredByAnyClient(store::Store& store, std::string_view uri) {
  ASSIGN_OR_RETURN(auto clients, store.ListClients());
  for (const auto& c : clients) {
    if (std::find(c.post_logout_redirect_uris.begin(), c.post_logout_redirect_uris.end(), uri) !=
        c.post_logout_redirect_uris.end()) {
      return true;
    }
  }
  return false;
}

// The client, from the cache when there is one.
Result<std::shared_ptr<const store::Client>> FindClient(const LoginDeps& login, std::string_view id) {
  if (login.clients != nullptr) return login.clients->Get(id);
  ASSIGN_OR_RETURN(store::Client client, login.store.GetClient(id));
  return std::make_shared<const store::Client>(std::move(client));
}

http::Response InternalError(const http::Request& request, std::string_view what, const Status& status) {
  log::Error(what, {{"request_id", request.request_id}, {"error", status.message()}});
  return ErrorPage(500, {.app_name = {},
                         .title = "Something went wrong",
                         .message = "Please try again.",
                         .retry_url = {},
                         .request_id = std::string(request.request_id)});
}

}  // namespace

http::Response HandleLogout(const LoginDeps& login, const LogoutDeps& deps, const http::Request& request) {
  std::string_view encoded = request.query;
  if (request.method == http::Method::kPost) {
    if (!http::IsFormUrlEncoded(request)) return Refuse(request, "The sign-out form must be form-encoded.");
    encoded = request.body;
  }
  auto params = http::Form::Parse(encoded);
  if (!params.ok()) return Refuse(request, "The sign-out request is malformed or repeats a parameter.");
  const std::string_view hint = params->Get("id_token_hint");
  const std::string_view redirect = params->Get("post_logout_redirect_uri");
  const std::string_view state = params->Get("state");
  std::string client_id(params->Get("client_id"));
  if (hint.size() > kMaxHint || redirect.size() > kMaxUri || state.size() > kMaxState ||
      client_id.size() > kMaxClientId) {
    return Refuse(request, "A sign-out parameter is too long.");
  }

  // 1. The hint: an ID token of ours (expired is fine), naming the client and the session.
  std::string hint_session;
  if (!hint.empty()) {
    auto claims = deps.tokens.Verify(hint, "JWT", /*allow_expired=*/true);
    if (!claims.ok()) return Refuse(request, "The id_token_hint is not an ID token issued by this server.");
    const std::string audience = FirstAudience(*claims);
    if (!client_id.empty() && client_id != audience) {
      return Refuse(request, "client_id does not match the id_token_hint.");
    }
    client_id = audience;
    hint_session = std::string(oauth::StringClaim(*claims, "sid"));
  }
  std::shared_ptr<const store::Client> client;
  if (!client_id.empty()) {
    auto found = FindClient(login, client_id);
    if (!found.ok()) {
      if (found.error().code() == StatusCode::kNotFound) return Refuse(request, "The application is not known.");
      return InternalError(request, "logout: client lookup failed", found.error());
    }
    client = std::move(found).value();
  }

  // 2. Where to go afterwards: only to a URI registered for that client, byte for byte.
  if (!redirect.empty()) {
    bool registered = false;
    if (client) {
      const auto& uris = client->post_logout_redirect_uris;
      registered = std::find(uris.begin(), uris.end(), redirect) != uris.end();
    } else {
      auto any = RegisteredByAnyClient(login.store, redirect);
      if (!any.ok()) return InternalError(request, "logout: client list failed", any.error());
      registered = *any;
    }
    if (!registered) {
      return Refuse(request, "post_logout_redirect_uri is not registered for this application.");
    }
  }

  // 3. The sessions that end: the hinted one, else every session of this browser.
  std::vector<std::string> keep, ended;
  for (std::string& token : SessionCookieTokens(request, login.secure_cookies, login.sessions.max_per_browser)) {
    auto session = login.store.FindSessionByToken(SessionTokenHash(token));
    if (!session.ok()) continue;  // gone already: dropped from the cookie
    if (hint_session.empty() || session->id == hint_session) ended.push_back(session->id);
    else keep.push_back(std::move(token));
  }
  if (!hint_session.empty() && std::find(ended.begin(), ended.end(), hint_session) == ended.end()) {
    // The application names a session of another browser (its user signed in there): it ends too.
    ended.push_back(hint_session);
  }
  const UnixSeconds now = login.clock.NowSeconds();
  std::size_t notices = 0;
  for (const std::string& session_id : ended) {
    auto grants = login.store.EndSession(session_id, now);
    if (!grants.ok()) return InternalError(request, "logout: ending the session failed", grants.error());
    // 4. Back-channel notices: one per client holding tokens of this session.
    std::vector<std::string> notified;
    for (const store::Grant& g : *grants) {
      if (deps.backchannel == nullptr) break;
      if (std::find(notified.begin(), notified.end(), g.client_id) != notified.end()) continue;
      notified.push_back(g.client_id);
      auto c = FindClient(login, g.client_id);
      if (!c.ok() || (*c)->backchannel_logout_uri.empty()) continue;
      const Status queued = deps.backchannel->Enqueue({.client_id = g.client_id,
                                                       .uri = (*c)->backchannel_logout_uri,
                                                       .user_id = g.user_id,
                                                       .session_id = session_id});
      // The session has ended already; the browser's logout goes on without this notice.
      if (!queued.ok()) {
        log::Warn("logout: back-channel notice not queued", {{"request_id", request.request_id},
                                                               {"client_id", std::string_view(g.client_id)},
                                                               {"error", std::string_view(queued.message())}});
        continue;
      }
      ++notices;
    }
  }
  log::Info("logout", {{"request_id", request.request_id},
                       {"client_id", std::string_view(client_id)},
                       {"sessions_ended", static_cast<std::int64_t>(ended.size())},
                       {"backchannel_notices", static_cast<std::int64_t>(notices)}});

  // 5. The answer, with the cookie that keeps only the browser's other accounts.
  http::Response r;
  if (!redirect.empty()) {
    QueryParams back;
    if (!state.empty()) back.emplace_back("state", std::string(state));
    r = http::Response::Redirect(AppendQuery(redirect, back), 302);
  } else {
    r = SignedOutPage({.app_name = client ? client->name : std::string(),
                       .message = ended.empty() ? "You were not signed in." : "You have been signed out."});
  }
  r.Set("Set-Cookie", SessionSetCookie(keep, login.secure_cookies, login.sessions.lifetime));
  r.Set("Cache-Control", "no-store");
  return r;
}

void MountLogout(http::Router& router, const LoginDeps& login, const LogoutDeps& deps) {
  auto handler = [login, deps](const http::Request& r) { return HandleLogout(login, deps, r); };
  router.Add(http::Method::kGet, "/oidc/logout", handler);
  router.Add(http::Method::kPost, "/oidc/logout", handler);
}

}  // namespace gatehouse::login
