#include "oauth/authorize.h"

#include <algorithm>
#include <cctype>

#include "common/log.h"
#include "common/url.h"
#include "oauth/authorize_request.h"
#include "oauth/routing.h"
#include "web/render.h"

namespace gatehouse::oauth {
namespace {

// An error found after the redirect URI was validated: sent back to the client.
struct RedirectError {
  std::string code;
  std::string description;
};

http::Response ErrorPage(const http::Request& req, std::string message) {
  web::Data data;
  data["title"] = "Sign-in request rejected";
  data["message"] = std::move(message);
  data["request_id"] = std::string(req.request_id);
  return web::Page(400, web::Render("error", data));
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// RFC 7636 §4.2: 43..128 characters of [A-Z a-z 0-9 - . _ ~]; an S256 challenge is 43.
bool ValidCodeChallenge(std::string_view c) {
  if (c.size() < 43 || c.size() > 128) return false;
  return std::all_of(c.begin(), c.end(), [](unsigned char x) {
    return std::isalnum(x) || x == '-' || x == '.' || x == '_' || x == '~';
  });
}

// Step 2: every check that can be answered by redirecting to the client. Fills `tx`.
std::optional<RedirectError> CheckRequest(const AuthorizeParams& p, LoginTransaction& tx) {
  // Repeats and malformed values first: a value we could not read is not one we check further.
  if (!p.repeated.empty()) return RedirectError{"invalid_request", "parameter " + *p.repeated.begin() + " is repeated"};
  if (!p.malformed.empty()) {
    return RedirectError{"invalid_request", "parameter " + *p.malformed.begin() + " is malformed or too long"};
  }
  if (p.values.contains("request") || p.values.contains("request_uri")) {
    return RedirectError{"request_not_supported", "request objects are not supported"};
  }

  const std::string_view response_type = p.Get("response_type");
  if (response_type.empty()) return RedirectError{"invalid_request", "response_type is required"};
  if (response_type != "code") {
    return RedirectError{"unsupported_response_type", "only response_type=code is supported"};
  }

  const std::string_view mode = p.Get("response_mode");
  if (mode.empty() || mode == "query") tx.response_mode = ResponseMode::kQuery;
  else if (mode == "form_post") tx.response_mode = ResponseMode::kFormPost;
  else return RedirectError{"invalid_request", "response_mode must be query or form_post"};

  tx.scopes = SplitSpaces(p.Get("scope"));
  if (std::find(tx.scopes.begin(), tx.scopes.end(), "openid") == tx.scopes.end()) {
    return RedirectError{"invalid_scope", "scope must include openid"};
  }
  for (const auto& s : tx.scopes) {
    if (std::find(std::begin(kSupportedScopes), std::end(kSupportedScopes), s) == std::end(kSupportedScopes)) {
      return RedirectError{"invalid_scope", "unsupported scope: " + s};
    }
  }
  std::sort(tx.scopes.begin(), tx.scopes.end());
  tx.scopes.erase(std::unique(tx.scopes.begin(), tx.scopes.end()), tx.scopes.end());

  for (const auto& v : SplitSpaces(p.Get("prompt"))) {
    if (v == "none") tx.prompt.none = true;
    else if (v == "login") tx.prompt.login = true;
    else if (v == "consent") tx.prompt.consent = true;
    else if (v == "select_account") tx.prompt.select_account = true;
    else if (v == "create") tx.prompt.create = true;
    else return RedirectError{"invalid_request", "unsupported prompt value"};
  }
  if (tx.prompt.none && (tx.prompt.login || tx.prompt.consent || tx.prompt.select_account || tx.prompt.create)) {
    return RedirectError{"invalid_request", "prompt=none cannot be combined with other values"};
  }

  if (auto max_age = p.Get("max_age"); !max_age.empty()) {
    if (!std::all_of(max_age.begin(), max_age.end(), ::isdigit)) {
      return RedirectError{"invalid_request", "max_age must be a non-negative integer"};
    }
    tx.max_age = std::stoll(std::string(max_age));
  }

  const std::string_view challenge = p.Get("code_challenge");
  const std::string_view method = p.Get("code_challenge_method");
  if (!challenge.empty() || !method.empty()) {
    if (challenge.empty()) return RedirectError{"invalid_request", "code_challenge_method without code_challenge"};
    if (method != "S256") {
      return RedirectError{"invalid_request", "code_challenge_method must be S256 (plain is not allowed)"};
    }
    if (!ValidCodeChallenge(challenge)) return RedirectError{"invalid_request", "code_challenge is malformed"};
    tx.code_challenge = std::string(challenge);
  }

  const std::string_view domain_hint = p.Get("domain_hint"), domain = p.Get("domain");
  if (!domain_hint.empty() && !domain.empty() && domain_hint != domain) {
    return RedirectError{"invalid_request", "domain_hint and domain differ"};
  }
  tx.domain_hint = std::string(domain_hint.empty() ? domain : domain_hint);
  tx.provider = std::string(p.Get("provider"));  // checked by routing (routing.h)
  tx.nonce = std::string(p.Get("nonce"));
  tx.login_hint = std::string(p.Get("login_hint"));
  tx.organization_id = std::string(p.Get("organization_id"));
  tx.connection_id = std::string(p.Get("connection_id"));
  return std::nullopt;
}

}  // namespace

std::string RedirectOrigin(const std::string& redirect_uri) {
  auto parsed = ParseHttpUrl(redirect_uri);
  if (parsed.ok()) {
    std::string origin = parsed->scheme + "://" + parsed->host;
    if (!parsed->port.empty()) origin += ":" + parsed->port;
    return origin;
  }
  // A private-use scheme (com.example.app:/cb): the CSP scheme-source "com.example.app:".
  const std::size_t colon = redirect_uri.find(':');
  if (colon == std::string::npos || colon == 0) return {};
  for (char c : std::string_view(redirect_uri).substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') return {};
  }
  return redirect_uri.substr(0, colon + 1);
}

std::string FormActionFor(const std::string& redirect_uri) {
  const std::string origin = RedirectOrigin(redirect_uri);
  return origin.empty() ? "'self'" : "'self' " + origin;
}

http::Response AuthorizationResponse(const std::string& redirect_uri, ResponseMode mode,
                                     const std::vector<std::pair<std::string, std::string>>& params) {
  if (mode == ResponseMode::kQuery) {
    http::Response r = http::Response::Redirect(AppendQuery(redirect_uri, params), 302);
    r.Set("Cache-Control", "no-store");
    r.Set("Referrer-Policy", "no-referrer");
    return r;
  }
  // form_post (OAuth 2.0 Form Post Response Mode): a form the browser submits to the client. No
  // script (the CSP forbids inline script); the button submits it.
  web::Data data;
  data["action"] = redirect_uri;
  web::DataList fields;
  for (const auto& [k, v] : params) {
    web::Data f;
    f["name"] = k;
    f["value"] = v;
    fields.push_back(std::move(f));
  }
  data["fields"] = std::move(fields);
  // The form posts to the client, so the page's form-action must name the client's origin.
  const std::string origin = RedirectOrigin(redirect_uri);
  return web::Page(200, web::Render("form_post", data), origin.empty() ? "'none'" : origin);
}

http::Response HandleAuthorize(const AuthorizeDeps& deps, const http::Request& req) {
  const AuthorizeParams p = ParseAuthorizeQuery(req.query);
  if (p.too_many) return ErrorPage(req, "The sign-in request has too many parameters.");

  // Step 1: the client and its redirect URI. No redirect until both are proven.
  if (!p.Clean("client_id")) {
    return ErrorPage(req, p.values.contains("client_id") ? "The client_id parameter is repeated or malformed."
                                                         : "The sign-in request has no client_id.");
  }
  if (!p.Clean("redirect_uri")) {
    return ErrorPage(req, p.values.contains("redirect_uri") ? "The redirect_uri parameter is repeated or malformed."
                                                            : "The sign-in request has no redirect_uri.");
  }
  auto client = deps.clients.Get(p.Get("client_id"));
  if (!client.ok()) {
    if (client.error().code() != StatusCode::kNotFound) {
      log::Error("authorize: client lookup failed", {{"request_id", req.request_id}, {"error", client.error().message()}});
      return http::Response::JsonError(503, "temporarily_unavailable", "try again later");
    }
    return ErrorPage(req, "The application (client_id) is not registered with this server.");
  }
  const std::string_view redirect_uri = p.Get("redirect_uri");
  const auto& registered = (*client)->redirect_uris;
  if (std::find(registered.begin(), registered.end(), redirect_uri) == registered.end()) {
    return ErrorPage(req, "The redirect_uri is not registered for this application.");
  }

  // Step 2: everything else is answered at the client's redirect URI.
  LoginTransaction tx;
  tx.client_id = (*client)->id;
  tx.redirect_uri = std::string(redirect_uri);
  const bool state_clean = p.Clean("state");
  if (state_clean) tx.state = std::string(p.Get("state"));
  const ResponseMode error_mode = p.Get("response_mode") == "form_post" && p.Clean("response_mode")
                                      ? ResponseMode::kFormPost
                                      : ResponseMode::kQuery;
  auto redirect_error = [&](const std::string& code, const std::string& description) {
    std::vector<std::pair<std::string, std::string>> params = {{"error", code}, {"error_description", description}};
    if (state_clean) params.emplace_back("state", tx.state);
    params.emplace_back("iss", deps.issuer);
    return AuthorizationResponse(tx.redirect_uri, error_mode, params);
  };
  if (auto err = CheckRequest(p, tx)) return redirect_error(err->code, err->description);

  // Step 3: routing.
  auto route = Route(deps.store, {.organization_id = tx.organization_id,
                                  .connection_id = tx.connection_id,
                                  .provider = tx.provider,
                                  .domain_hint = tx.domain_hint,
                                  .login_hint = tx.login_hint});
  if (!route.ok()) {
    log::Error("authorize: routing failed", {{"request_id", req.request_id}, {"error", route.error().message()}});
    return redirect_error("server_error", "internal error");
  }
  if (route->kind == RouteDecision::Kind::kError) return redirect_error(route->error, route->error_description);
  if (route->kind == RouteDecision::Kind::kConnection) tx.connection_id = route->connection_id;
  if (!route->organization_id.empty()) tx.organization_id = route->organization_id;

  // Sealing assigns the transaction its id, which the session check binds a code to.
  const std::string token = deps.sealer.Seal(tx);
  if (deps.resume) {
    auto resumed = deps.resume(req, tx);
    if (!resumed.ok()) {
      log::Error("authorize: session check failed", {{"request_id", req.request_id}, {"error", resumed.error().message()}});
      return redirect_error("server_error", "internal error");
    }
    if (*resumed) return std::move(**resumed);
  }
  // A silent request that no session satisfies (OIDC Core §3.1.2.6).
  if (tx.prompt.none) return redirect_error("login_required", "the user is not signed in");

  const std::string next = route->kind == RouteDecision::Kind::kConnection ? "/login/connection" : "/login";
  http::Response r = http::Response::Redirect(next + "?tx=" + token, 302);
  r.Set("Cache-Control", "no-store");
  return r;
}

void MountAuthorize(http::Router& router, const AuthorizeDeps& deps) {
  router.Add(http::Method::kGet, "/oauth/authorize", [&deps](const http::Request& req) { return HandleAuthorize(deps, req); });
}

}  // namespace gatehouse::oauth
