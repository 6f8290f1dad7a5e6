#include "login/pages.h"

#include "common/log.h"
#include "login/csrf.h"
#include "login/views.h"
#include "web/render.h"

namespace gatehouse::login {
namespace {

constexpr std::string_view kInvalidTx =
    "This sign-in link is invalid or has expired. Go back to the application and try again.";

}  // namespace

http::Response SeeOther(std::string location) {
  http::Response r = web::Page(303, "");
  r.Set("Location", std::move(location));
  return r;
}

http::Response PageKit::Error(const http::Request& req, int status, std::string title, std::string_view message,
                              std::string retry_url) const {
  return ErrorPage(status, {.app_name = {},
                            .title = std::move(title),
                            .message = std::string(message),
                            .retry_url = std::move(retry_url),
                            .request_id = std::string(req.request_id)});
}

http::Response PageKit::InvalidTx(const http::Request& req) const {
  return Error(req, 400, "Sign-in link expired", kInvalidTx);
}

http::Response PageKit::BadForm(const http::Request& req) const {
  return Error(req, 400, "Bad request", "This page could not be read. Go back and try again.");
}

http::Response PageKit::Internal(const http::Request& req, const Status& status) const {
  log::Error("hosted login failed", {{"request_id", req.request_id}, {"error", status.ToString()}});
  return Error(req, 500, "Something went wrong", "Gatehouse could not complete this step. Try again in a moment.");
}

http::Response PageKit::Failure(const http::Request& req, const Status& status) const {
  return status.code() == StatusCode::kNotFound ? InvalidTx(req) : Internal(req, status);
}

http::Response PageKit::TooMany(const http::Request& req, UnixSeconds retry_after, std::string_view message,
                                std::string retry_url) const {
  http::Response r = Error(req, 429, "Too many attempts", message, std::move(retry_url));
  r.Set("Retry-After", std::to_string(std::max<UnixSeconds>(retry_after, 1)));
  return r;
}

std::variant<Form, http::Response> PageKit::OpenForm(const http::Request& req) const {
  if (!IsFormUrlEncoded(req)) {
    return Error(req, 415, "Unsupported form", "This form must be sent as application/x-www-form-urlencoded.");
  }
  auto form = Form::Parse(req.body);
  if (!form.ok()) return BadForm(req);
  return std::move(form).value();
}

std::variant<Post, http::Response> PageKit::OpenPost(const http::Request& req) const {
  auto opened = OpenForm(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Form& form = std::get<Form>(opened);
  std::string token(form.Get("tx"));
  auto tx = deps_.sealer.Open(token);
  if (!tx.ok()) return InvalidTx(req);
  // The HMAC binds the token to this transaction's id, so the transaction is opened first.
  if (!CheckCsrf(req, tx->id, form.Get("csrf"))) {
    return Error(req, 403, "Form expired", "This form has expired; reload the page", LoginUrl(token));
  }
  return Post{std::move(form), std::move(tx).value(), std::move(token)};
}

std::variant<TxQuery, http::Response> PageKit::OpenQuery(const http::Request& req) const {
  auto query = Form::Parse(req.query);
  if (!query.ok()) return BadForm(req);
  std::string token(query->Get("tx"));
  auto tx = deps_.sealer.Open(token);
  if (!tx.ok()) return InvalidTx(req);
  return TxQuery{std::move(query).value(), std::move(tx).value(), std::move(token)};
}

PageCsrf PageKit::CsrfFor(const http::Request& req, std::string_view tx_id) const {
  // Reuse a valid cookie: replacing it would invalidate the forms of other open tabs.
  std::vector<std::string> cookies = CsrfCookieValues(req, deps_.secure_cookies);
  PageCsrf out;
  std::string cookie;
  if (cookies.empty()) {
    cookie = NewCsrfCookieValue(deps_.random);
    out.set_cookie = CsrfSetCookie(cookie, deps_.secure_cookies);
  } else {
    cookie = std::move(cookies.front());
  }
  out.token = CsrfToken(deps_.csrf_key, cookie, tx_id);
  return out;
}

bool PageKit::CheckCsrf(const http::Request& req, std::string_view tx_id, std::string_view token) const {
  // Sec-Fetch-Site is a second line: browsers that send it say when a post is cross-site.
  return req.Header("Sec-Fetch-Site") != "cross-site" && token.size() <= kMaxCsrfToken &&
         VerifyCsrf(deps_.csrf_key, req, deps_.secure_cookies, tx_id, token);
}

Result<std::string> PageKit::AppName(const oauth::LoginTransaction& tx) const {
  if (deps_.clients != nullptr) {
    ASSIGN_OR_RETURN(auto client, deps_.clients->Get(tx.client_id));
    return client->name;
  }
  ASSIGN_OR_RETURN(store::Client client, deps_.store.GetClient(tx.client_id));
  return client.name;
}

Result<std::shared_ptr<const std::vector<store::Connection>>> PageKit::Connections(
    std::string_view organization_id) const {
  if (deps_.connections != nullptr) return deps_.connections->List(organization_id);
  ASSIGN_OR_RETURN(auto list, deps_.store.ListConnections(organization_id));
  return std::make_shared<const std::vector<store::Connection>>(std::move(list));
}

Result<std::string> PageKit::OrgName(std::string_view org_id) const {
  if (org_id.empty()) return std::string();
  auto org = deps_.store.GetOrganization(org_id);
  if (!org.ok()) {
    if (org.error().code() == StatusCode::kNotFound) return std::string();
    return org.error();
  }
  return org->display_name;
}

}  // namespace gatehouse::login
