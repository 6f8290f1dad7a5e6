#include "login/hosted.h"

#include <memory>
#include <optional>
#include <utility>
#include <variant>

#include "common/ids.h"
#include "common/strings.h"
#include "login/accounts.h"
#include "login/csrf.h"
#include "login/form.h"
#include "login/pages.h"
#include "login/passwordless.h"
#include "login/sso.h"
#include "login/sso_config.h"
#include "login/views.h"
#include "oauth/routing.h"

namespace gatehouse::login {
namespace {

using oauth::LoginTransaction;

constexpr std::string_view kInvalidEmail = "Enter a valid email address";
// What a rejected form re-shows of the user's own input (escaped); longer input is dropped.
constexpr std::size_t kMaxEcho = 512;

// The sign-in page, the email step and the connection step.
class Hosted {
 public:
  explicit Hosted(const PageKit& kit) : kit_(kit), passwordless_(kit) {}

  http::Response ShowLogin(const http::Request& req) const;
  http::Response SubmitEmail(const http::Request& req) const;
  http::Response ChooseConnection(const http::Request& req) const;
  http::Response ShowConnection(const http::Request& req) const;

 private:
  http::Response Unavailable(const http::Request& req, std::string_view token) const {
    return kit_.Error(req, 400, "Sign-in method not available", "This way of signing in is not available. Choose another.",
                      LoginUrl(token));
  }
  Result<LoginView> BuildLoginView(const LoginTransaction& tx, std::string token, std::string csrf, bool signup) const;

  const PageKit& kit_;
  Passwordless passwordless_;
};

Result<LoginView> Hosted::BuildLoginView(const LoginTransaction& tx, std::string token, std::string csrf,
                                         bool signup) const {
  LoginView view;
  ASSIGN_OR_RETURN(view.app_name, kit_.AppName(tx));
  view.tx = std::move(token);
  view.csrf = std::move(csrf);
  view.signup = signup;
  if (!tx.organization_id.empty()) {
    ASSIGN_OR_RETURN(view.org_name, kit_.OrgName(tx.organization_id));
    ASSIGN_OR_RETURN(auto org_connections, kit_.Connections(tx.organization_id));
    for (const auto& c : *org_connections) {
      if (c.enabled && (c.type == store::ConnectionType::kOidc || c.type == store::ConnectionType::kSaml)) {
        view.sso.push_back({c.id, ButtonLabel(c)});
      }
    }
  }
  ASSIGN_OR_RETURN(auto env_connections, kit_.Connections(""));
  for (const auto& c : *env_connections) {
    if (c.enabled && c.type == store::ConnectionType::kOAuth) view.social.push_back({c.id, ButtonLabel(c)});
  }
  return view;
}

http::Response Hosted::ShowLogin(const http::Request& req) const {
  auto opened = kit_.OpenQuery(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  TxQuery& q = std::get<TxQuery>(opened);
  const std::string_view mode = q.query.Get("mode");
  const bool signup = mode == "signup" || (mode != "signin" && q.tx.prompt.create);
  PageCsrf csrf = kit_.CsrfFor(req, q.tx.id);
  auto view = BuildLoginView(q.tx, q.token, std::move(csrf.token), signup);
  if (!view.ok()) return kit_.Failure(req, view.error());
  if (q.tx.login_hint.size() <= kMaxEmail) view->email = q.tx.login_hint;
  if (q.tx.name.size() <= kMaxName) view->name = q.tx.name;
  http::Response r = LoginPage(200, *view);
  if (!csrf.set_cookie.empty()) r.Set("Set-Cookie", std::move(csrf.set_cookie));
  return r;
}

http::Response Hosted::SubmitEmail(const http::Request& req) const {
  auto opened = kit_.OpenPost(req);
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
    if (!view.ok()) return kit_.Failure(req, view.error());
    if (typed_email.size() <= kMaxEcho) view->email = typed_email;
    if (typed_name.size() <= kMaxEcho) view->name = typed_name;
    view->error = !email ? std::string(kInvalidEmail) : "Enter a name of at most 200 characters";
    view->email_invalid = !email;
    view->name_invalid = email && !name;
    return LoginPage(400, *view);
  }
  // Addresses are compared and stored in lowercase, so one person has one account.
  const std::string address = AsciiLower(*email);

  oauth::RouteInput route;
  route.organization_id = post.tx.organization_id;
  route.login_hint = address;
  auto decision = oauth::Route(kit_.deps().store, route);
  if (!decision.ok()) return kit_.Internal(req, decision.error());
  switch (decision->kind) {
    case oauth::RouteDecision::Kind::kConnection: {
      post.tx.connection_id = decision->connection_id;
      post.tx.login_hint = address;
      return SeeOther("/login/connection?tx=" + kit_.deps().sealer.Seal(post.tx));
    }
    case oauth::RouteDecision::Kind::kHostedPage:
      return passwordless_.Start(req, post, address, signup ? *name : std::string());
    case oauth::RouteDecision::Kind::kError:
      break;
  }
  return kit_.Error(req, 400, "Sign-in not available", decision->error_description, LoginUrl(post.token));
}

http::Response Hosted::ChooseConnection(const http::Request& req) const {
  auto opened = kit_.OpenPost(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Post& post = std::get<Post>(opened);

  const std::string_view id = post.form.Get("connection");
  if (id.size() > kMaxConnectionId || !IsWellFormedId(id, id_prefix::kConnection)) {
    return Unavailable(req, post.token);
  }
  auto connection = kit_.deps().store.GetConnection(id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return Unavailable(req, post.token);
    return kit_.Internal(req, connection.error());
  }
  // Only what the page offers: an enabled social (environment-wide) or SSO connection, and SSO
  // only of the transaction's organization. Passwordless is reached through the email form.
  const store::Connection& c = *connection;
  const bool owner_ok = c.organization_id.empty() || c.organization_id == post.tx.organization_id;
  if (!c.enabled || !owner_ok || c.type == store::ConnectionType::kPasswordless) return Unavailable(req, post.token);
  post.tx.connection_id = c.id;
  return SeeOther("/login/connection?tx=" + kit_.deps().sealer.Seal(post.tx));
}

http::Response Hosted::ShowConnection(const http::Request& req) const {
  auto opened = kit_.OpenQuery(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  const std::string& token = std::get<TxQuery>(opened).token;
  const LoginTransaction* tx = &std::get<TxQuery>(opened).tx;
  if (tx->connection_id.empty()) {
    return kit_.Error(req, 400, "No sign-in method chosen", "Choose a way to sign in first.", LoginUrl(token));
  }
  auto connection = kit_.deps().store.GetConnection(tx->connection_id);
  if (!connection.ok()) {
    if (connection.error().code() == StatusCode::kNotFound) return Unavailable(req, token);
    return kit_.Internal(req, connection.error());
  }
  const store::Connection& c = *connection;
  if (!c.enabled) return Unavailable(req, token);

  ConnectionView view;
  auto app_name = kit_.AppName(*tx);
  if (!app_name.ok()) return kit_.Failure(req, app_name.error());
  view.app_name = std::move(app_name).value();
  auto org_name = kit_.OrgName(c.organization_id.empty() ? tx->organization_id : c.organization_id);
  if (!org_name.ok()) return kit_.Internal(req, org_name.error());
  view.org_name = std::move(org_name).value();
  view.tx = token;
  if (tx->login_hint.size() <= kMaxEmail) view.email = tx->login_hint;
  view.kind_label = ConnectionKindLabel(c.type);
  view.connection_id = c.id;
  view.connection_name = !c.display_name.empty() ? c.display_name : ProviderDisplayName(c.provider);
  view.connection_type = ConnectorTypeName(c.type);
  if (kit_.deps().connectors != nullptr && IsConfigured(c)) view.continue_url = "/login/sso?tx=" + token;
  return ConnectionPage(view);
}

}  // namespace

void MountLogin(http::Router& router, const LoginDeps& deps) {
  // One kit, shared by every handler object; each lambda keeps it alive.
  auto kit = std::make_shared<const PageKit>(deps);
  auto hosted = std::make_shared<const Hosted>(*kit);
  auto pl = std::make_shared<const Passwordless>(*kit);
  auto accounts = std::make_shared<const Accounts>(*kit);
  router.Add(http::Method::kGet, "/login", [kit, hosted](const http::Request& r) { return hosted->ShowLogin(r); });
  // The two routes that send email wait on the mail server: off the event loops.
  router.AddBlocking(http::Method::kPost, "/login/email",
                     [kit, hosted](const http::Request& r) { return hosted->SubmitEmail(r); });
  router.Add(http::Method::kPost, "/login/connection",
             [kit, hosted](const http::Request& r) { return hosted->ChooseConnection(r); });
  router.Add(http::Method::kGet, "/login/connection",
             [kit, hosted](const http::Request& r) { return hosted->ShowConnection(r); });
  router.Add(http::Method::kGet, "/login/passwordless", [kit, pl](const http::Request& r) { return pl->Show(r); });
  router.Add(http::Method::kPost, "/login/passwordless/verify", [kit, pl](const http::Request& r) { return pl->Verify(r); });
  router.AddBlocking(http::Method::kPost, "/login/passwordless/resend",
                     [kit, pl](const http::Request& r) { return pl->Resend(r); });
  router.Add(http::Method::kGet, "/login/magic", [kit, pl](const http::Request& r) { return pl->OpenLink(r); });
  router.Add(http::Method::kPost, "/login/magic", [kit, pl](const http::Request& r) { return pl->ConfirmLink(r); });
  router.Add(http::Method::kGet, "/login/select", [kit, accounts](const http::Request& r) { return accounts->ShowPicker(r); });
  MountSso(router, kit);
  router.Add(http::Method::kPost, "/login/select", [kit, accounts](const http::Request& r) { return accounts->Pick(r); });
}

std::function<Result<std::optional<http::Response>>(const http::Request&, const oauth::LoginTransaction&)> MakeResume(
    const LoginDeps& deps) {
  auto kit = std::make_shared<const PageKit>(deps);
  auto accounts = std::make_shared<const Accounts>(*kit);
  return [kit, accounts](const http::Request& req, const oauth::LoginTransaction& tx) {
    return accounts->Resume(req, tx);
  };
}

}  // namespace gatehouse::login
