// What every hosted-page handler shares (internal to src/login): error pages, the checks every
// form post makes, the CSRF token of a page, and the end of a login (a session and a code).
// The handlers themselves live in hosted.cc (sign-in page, email, connections),
// passwordless.cc (code, link, resend) and accounts.cc (account picker, session resume).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "http/request.h"
#include "login/form.h"
#include "login/hosted.h"
#include "login/session.h"
#include "oauth/transaction.h"
#include "store/store.h"

namespace gatehouse::login {

// A form post that passed the media-type, field, transaction and CSRF checks.
struct Post {
  Form form;
  oauth::LoginTransaction tx;
  std::string token;
};

// A GET page's transaction, from ?tx=.
struct TxQuery {
  Form query;
  oauth::LoginTransaction tx;
  std::string token;
};

// The CSRF token for a page, and the cookie to set when the browser had none.
struct PageCsrf {
  std::string token;
  std::string set_cookie;  // a Set-Cookie value, or empty when the browser's cookie is reused
};

// A 303 between the login steps. A page response, so it carries the same headers (no-store,
// no-referrer: the Location holds the transaction).
http::Response SeeOther(std::string location);
inline std::string LoginUrl(std::string_view token) { return "/login?tx=" + std::string(token); }

class PageKit {
 public:
  explicit PageKit(const LoginDeps& deps)
      : deps_(deps),
        sessions_(deps.store, deps.clock, deps.random, deps.sessions, deps.secure_cookies) {}

  const LoginDeps& deps() const { return deps_; }
  const SessionManager& sessions() const { return sessions_; }

  // ---- Error pages ----
  http::Response Error(const http::Request& req, int status, std::string title, std::string_view message,
                       std::string retry_url = {}) const;
  http::Response InvalidTx(const http::Request& req) const;
  http::Response BadForm(const http::Request& req) const;
  // An internal failure: logged with the request id, shown only as "something went wrong".
  http::Response Internal(const http::Request& req, const Status& status) const;
  // NotFound of something the transaction names (a client deleted since) means the sign-in
  // cannot continue; anything else is internal.
  http::Response Failure(const http::Request& req, const Status& status) const;
  // 429 with Retry-After.
  http::Response TooMany(const http::Request& req, UnixSeconds retry_after, std::string_view message,
                         std::string retry_url = {}) const;

  // ---- Input ----
  // The shared checks of every form post that carries a transaction: media type, fields,
  // transaction, CSRF.
  std::variant<Post, http::Response> OpenPost(const http::Request& req) const;
  // Only the media type and the fields (for posts that carry no transaction token).
  std::variant<Form, http::Response> OpenForm(const http::Request& req) const;
  std::variant<TxQuery, http::Response> OpenQuery(const http::Request& req) const;
  // The CSRF token of a page about transaction `tx_id`, reusing the browser's cookie if valid.
  PageCsrf CsrfFor(const http::Request& req, std::string_view tx_id) const;
  bool CheckCsrf(const http::Request& req, std::string_view tx_id, std::string_view token) const;

  // ---- Lookups ----
  Result<std::string> AppName(const oauth::LoginTransaction& tx) const;
  // store::Store::ListConnections, through the cache when there is one.
  Result<std::shared_ptr<const std::vector<store::Connection>>> Connections(std::string_view organization_id) const;
  // The organization's display name; empty when it no longer exists.
  Result<std::string> OrgName(std::string_view org_id) const;

  // ---- Completion (complete.cc) ----
  // The user with this (verified) email, created just in time if there is none.
  Result<store::User> FindOrCreateUser(std::string_view email, std::string_view name) const;
  // The end of a fresh authentication: records the membership in the transaction's
  // organization, starts a browser session and answers with the authorization code.
  // kAlreadyExists when the transaction was completed before.
  Result<http::Response> SignIn(const http::Request& req, const oauth::LoginTransaction& tx, const store::User& user,
                                std::string_view connection_id, std::string_view auth_method) const;
  // A code for an existing session (no new authentication). `organization_id` is the one the
  // code names (empty: none); `set_cookie`, when not empty, is sent along.
  Result<http::Response> IssueCode(const oauth::LoginTransaction& tx, const store::Session& session,
                                   std::string_view organization_id, std::string set_cookie = {}) const;
  // What a completion failure shows: "already used" for kAlreadyExists, else Failure().
  http::Response CompletionFailure(const http::Request& req, const Status& status) const;

 private:
  LoginDeps deps_;
  SessionManager sessions_;
};

}  // namespace gatehouse::login
