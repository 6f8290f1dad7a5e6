#include "login/hosted.h"

#include <memory>
#include <optional>
#include <utility>
#include <variant>

#include "common/ids.h"
#include "common/log.h"
#include "login/csrf.h"
#include "login/form.h"
#include "login/views.h"
#include "oauth/routing.h"
#include "web/render.h"

namespace gatehouse::login {
namespace {

using oauth::LoginTransaction;

constexpr std::string_view kInvalidTx =
    "This sign-in link is invalid or has expired. Go back to the application and try again.";
constexpr std::string_view kInvalidEmail = "Enter a valid email address";
// What a rejected form re-shows of the user's own input (escaped); longer input is dropped.
constexpr std::size_t kMaxEcho = 512;

std::string LoginUrl(std::string_view token) { return "/login?tx=" + std::string(token); }

// A redirect between the login steps. A page response, so it carries the same headers (no-store,
// no-referrer: the Location holds the transaction).
http::Response SeeOther(std::string location) {
  http::Response r = web::Page(303, "");
  r.Set("Location", std::move(location));
  return r;
}

// A form post after CSRF and transaction checks.
struct Post {
  Form form;
  LoginTransaction tx;
  std::string token;
};

class Hosted {
 public:
  explicit Hosted(const LoginDeps& deps) : deps_(deps) {}

  http::Response ShowLogin(const http::Request& req) const;
  http::Response SubmitEmail(const http::Request& req) const;
  http::Response ChooseConnection(const http::Request& req) const;
  http::Response ShowConnection(const http::Request& req) const;
  http::Response ShowPasswordless(const http::Request& req) const;

 private:
  http::Response Error(const http::Request& req, int status, std::string title, std::string_view message,
                       std::string retry_url = {}) const {
    return ErrorPage(status, {.app_name = {},
                              .title = std::move(title),
                              .message = std::string(message),
                              .retry_url = std::move(retry_url),
                              .request_id = std::string(req.request_id)});
  }
  http::Response InvalidTx(const http::Request& req) const {
    return Error(req, 400, "Sign-in link expired", kInvalidTx);
  }
  http::Response BadForm(const http::Request& req) const {
    return Error(req, 400, "Bad request", "This page could not be read. Go back and try again.");
  }
  http::Response Unavailable(const http::Request& req, std::string_view token) const {
    return Error(req, 400, "Sign-in method not available", "This way of signing in is not available. Choose another.",
                 LoginUrl(token));
  }
  // An internal failure: logged with the request id, shown only as "something went wrong".
  http::Response Internal(const http::Request& req, const Status& status) const {
    log::Error("hosted login failed", {{"request_id", req.request_id}, {"error", status.ToString()}});
    return Error(req, 500, "Something went wrong", "Gatehouse could not complete this step. Try again in a moment.");
  }
  // NotFound of something the transaction names (a client deleted since) means the sign-in
  // cannot continue; anything else is internal.
  http::Response Failure(const http::Request& req, const Status& status) const {
    return status.code() == StatusCode::kNotFound ? InvalidTx(req) : Internal(req, status);
  }

  Result<LoginTransaction> OpenTx(std::string_view token) const {
    return deps_.sealer.Open(token);
  }

  // The shared checks of every form post: media type, fields, transaction, CSRF.
  std::variant<Post, http::Response> OpenPost(const http::Request& req) const;

  Result<std::string> AppName(const LoginTransaction& tx) const {
    ASSIGN_OR_RETURN(store::Client client, deps_.store.GetClient(tx.client_id));
    return client.name;
  }
  // The organization's display name; empty when it no longer exists.
  Result<std::string> OrgName(std::string_view org_id) const {
    if (org_id.empty()) return std::string();
    auto org = deps_.store.GetOrganization(org_id);
    if (!org.ok()) {
      if (org.error().code() == StatusCode::kNotFound) return std::string();
      return org.error();
    }
    return org->display_name;
  }
  Result<LoginView> BuildLoginView(const LoginTransaction& tx, std::string token, std::string csrf, bool signup) const;

  LoginDeps deps_;
};

Result<LoginView> Hosted::BuildLoginView(const LoginTransaction& tx, std::string token, std::string csrf,
                                         bool signup) const {
  LoginView view;
  ASSIGN_OR_RETURN(view.app_name, AppName(tx));
  view.tx = std::move(token);
  view.csrf = std::move(csrf);
  view.signup = signup;
  if (!tx.organization_id.empty()) {
    ASSIGN_OR_RETURN(view.org_name, OrgName(tx.organization_id));
    ASSIGN_OR_RETURN(auto org_connections, deps_.store.ListConnections(tx.organization_id));
    for (const auto& c : org_connections) {
      if (c.enabled && (c.type == store::ConnectionType::kOidc || c.type == store::ConnectionType::kSaml)) {
        view.sso.push_back({c.id, ButtonLabel(c)});
      }
    }
  }
  ASSIGN_OR_RETURN(auto env_connections, deps_.store.ListConnections(""));
  for (const auto& c : env_connections) {
    if (c.enabled && c.type == store::ConnectionType::kOAuth) view.social.push_back({c.id, ButtonLabel(c)});
  }
  return view;
}

std::variant<Post, http::Response> Hosted::OpenPost(const http::Request& req) const {
  if (!IsFormUrlEncoded(req)) {
    return Error(req, 415, "Unsupported form", "This form must be sent as application/x-www-form-urlencoded.");
  }
  auto form = Form::Parse(req.body);
  if (!form.ok()) return BadForm(req);
  std::string token(form->Get("tx"));
  auto tx = OpenTx(token);
  if (!tx.ok()) return InvalidTx(req);
  // The HMAC binds the token to this transaction's id, so the transaction is opened first.
  // Sec-Fetch-Site is a second line: browsers that send it say when a post is cross-site.
  const std::string_view csrf = form->Get("csrf");
  if (req.Header("Sec-Fetch-Site") == "cross-site" || csrf.size() > kMaxCsrfToken ||
      !VerifyCsrf(deps_.csrf_key, req, deps_.secure_cookies, tx->id, csrf)) {
    return Error(req, 403, "Form expired", "This form has expired; reload the page", LoginUrl(token));
  }
  return Post{std::move(form).value(), std::move(tx).value(), std::move(token)};
}

http::Response Hosted::ShowLogin(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return BadForm(req);
  const std::string token(query->Get("tx"));
  auto tx = OpenTx(token);
  if (!tx.ok()) return InvalidTx(req);
  const std::string_view mode = query->Get("mode");
  const bool signup = mode == "signup" || (mode != "signin" && tx->prompt.create);

  // Reuse a valid cookie: replacing it would invalidate the forms of other open tabs.
  std::vector<std::string> cookies = CsrfCookieValues(req, deps_.secure_cookies);
  const bool new_cookie = cookies.empty();
  const std::string cookie = new_cookie ? NewCsrfCookieValue(deps_.random) : cookies.front();

  auto view = BuildLoginView(*tx, token, CsrfToken(deps_.csrf_key, cookie, tx->id), signup);
  if (!view.ok()) return Failure(req, view.error());
  if (tx->login_hint.size() <= kMaxEmail) view->email = tx->login_hint;
  http::Response r = LoginPage(200, *view);
  if (new_cookie) r.Set("Set-Cookie", CsrfSetCookie(cookie, deps_.secure_cookies));
  return r;
}

http::Response Hosted::SubmitEmail(const http::Request& req) const {
  auto opened = OpenPost(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Post& post = std::get<Post>(opened);

  const bool signup = post.form.Get("mode") == "signup";
  const std::string_view typed_email = post.form.Get("email");
  const std::string_view typed_name = post.form.Get("name");
  std::optional<std::string> email = ValidateEmail(typed_email);
  std::optional<std::string> name = ValidateName(typed_name);
  if (!email || !name) {
    // The token just verified, so the re-rendered form can carry it again.
    auto view = BuildLoginView(post.tx, post.token, std::string(post.form.Get("csrf")), signup);
    if (!view.ok()) return Failure(req, view.error());
    if (typed_email.size() <= kMaxEcho) view->email = typed_email;
    if (typed_name.size() <= kMaxEcho) view->name = typed_name;
    view->error = !email ? std::string(kInvalidEmail) : "Enter a name of at most 200 characters";
    view->email_invalid = !email;
    view->name_invalid = email && !name;
    return LoginPage(400, *view);
  }
  // The sign-up name has no place in the transaction yet; it is validated here and will be
  // carried once users are created (a later issue).

  oauth::RouteInput route;
  route.organization_id = post.tx.organization_id;
  route.login_hint = *email;
  auto decision = oauth::Route(deps_.store, route);
  if (!decision.ok()) return Internal(req, decision.error());
  switch (decision->kind) {
    case oauth::RouteDecision::Kind::kConnection: {
      post.tx.connection_id = decision->connection_id;
      post.tx.login_hint = *email;
      return SeeOther("/login/connection?tx=" + deps_.sealer.Seal(post.tx));
    }
    case oauth::RouteDecision::Kind::kHostedPage: {
      post.tx.login_hint = *email;
      return SeeOther("/login/passwordless?tx=" + deps_.sealer.Seal(post.tx));
    }
    case oauth::RouteDecision::Kind::kError:
      break;
  }
  return Error(req, 400, "Sign-in not available", decision->error_description, LoginUrl(post.token));
}

http::Response Hosted::ChooseConnection(const http::Request& req) const {
  auto opened = OpenPost(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Post& post = std::get<Post>(opened);

  const std::string_view id = post.form.Get("connection");
  if (id.size() > kMaxConnectionId || !IsWellFormedId(id, id_prefix::kConnection)) {
    return Unavailable(req, post.token);
  }
  auto connection = deps_.store.GetConnection(id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return Unavailable(req, post.token);
    return Internal(req, connection.error());
  }
  // Only what the page offers: an enabled social (environment-wide) or SSO connection, and SSO
  // only of the transaction's organization. Passwordless is reached through the email form.
  const store::Connection& c = *connection;
  const bool owner_ok = c.organization_id.empty() || c.organization_id == post.tx.organization_id;
  if (!c.enabled || !owner_ok || c.type == store::ConnectionType::kPasswordless) return Unavailable(req, post.token);
  post.tx.connection_id = c.id;
  return SeeOther("/login/connection?tx=" + deps_.sealer.Seal(post.tx));
}

http::Response Hosted::ShowConnection(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return BadForm(req);
  const std::string token(query->Get("tx"));
  auto tx = OpenTx(token);
  if (!tx.ok()) return InvalidTx(req);
  if (tx->connection_id.empty()) {
    return Error(req, 400, "No sign-in method chosen", "Choose a way to sign in first.", LoginUrl(token));
  }
  auto connection = deps_.store.GetConnection(tx->connection_id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return Unavailable(req, token);
    return Internal(req, connection.error());
  }
  const store::Connection& c = *connection;
  if (!c.enabled) return Unavailable(req, token);

  ConnectionView view;
  auto app_name = AppName(*tx);
  if (!app_name.ok()) return Failure(req, app_name.error());
  view.app_name = std::move(app_name).value();
  auto org_name = OrgName(c.organization_id.empty() ? tx->organization_id : c.organization_id);
  if (!org_name.ok()) return Internal(req, org_name.error());
  view.org_name = std::move(org_name).value();
  view.tx = token;
  if (tx->login_hint.size() <= kMaxEmail) view.email = tx->login_hint;
  view.kind_label = ConnectionKindLabel(c.type);
  view.connection_id = c.id;
  view.connection_name = !c.display_name.empty() ? c.display_name : ProviderDisplayName(c.provider);
  view.connection_type = ConnectionTypeName(c.type);
  return ConnectionPage(view);
}

http::Response Hosted::ShowPasswordless(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return BadForm(req);
  const std::string token(query->Get("tx"));
  auto tx = OpenTx(token);
  if (!tx.ok()) return InvalidTx(req);
  auto email = ValidateEmail(tx->login_hint);
  if (!email) return Error(req, 400, "Enter your email address", "Enter your email address first.", LoginUrl(token));
  auto app_name = AppName(*tx);
  if (!app_name.ok()) return Failure(req, app_name.error());
  return PasswordlessPage({.app_name = std::move(app_name).value(), .tx = token, .email = std::move(*email)});
}

}  // namespace

void MountLogin(http::Router& router, const LoginDeps& deps) {
  auto hosted = std::make_shared<const Hosted>(deps);
  router.Add(http::Method::kGet, "/login", [hosted](const http::Request& r) { return hosted->ShowLogin(r); });
  router.Add(http::Method::kPost, "/login/email", [hosted](const http::Request& r) { return hosted->SubmitEmail(r); });
  router.Add(http::Method::kPost, "/login/connection",
             [hosted](const http::Request& r) { return hosted->ChooseConnection(r); });
  router.Add(http::Method::kGet, "/login/connection",
             [hosted](const http::Request& r) { return hosted->ShowConnection(r); });
  router.Add(http::Method::kGet, "/login/passwordless",
             [hosted](const http::Request& r) { return hosted->ShowPasswordless(r); });
}

}  // namespace gatehouse::login
