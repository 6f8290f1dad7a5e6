// Signed-in browsers (internal to src/login): the session check of /oauth/authorize and the
// account picker of prompt=select_account.
//
// A session qualifies for a transaction when it is live (session.h) and
//   * max_age, when given, is not exceeded by now - auth_time (OIDC Core §3.1.2.1);
//   * the requested (or routed-to) connection, when there is one, is the one it signed in with:
//     an organization that requires its SSO is not entered with an email code;
//   * the requested organization, when there is one, counts the user as a member;
//   * login_hint, when it is an email address, names the user.
// prompt=login and prompt=create never reuse a session; prompt=none reuses the most recent
// qualifying one or ends in login_required; prompt=select_account shows the picker when any
// session qualifies. A reused session names, in the code, the requested organization or else
// the user's first organization.
#pragma once

#include <optional>

#include "http/request.h"
#include "login/pages.h"

namespace gatehouse::login {

class Accounts {
 public:
  explicit Accounts(const PageKit& kit) : kit_(kit) {}

  Result<std::optional<http::Response>> Resume(const http::Request& req, const oauth::LoginTransaction& tx) const;
  http::Response ShowPicker(const http::Request& req) const;  // GET /login/select
  http::Response Pick(const http::Request& req) const;        // POST /login/select

 private:
  // The qualifying sessions of this browser, most recent first, each with its memberships.
  struct Candidate {
    BrowserSession browser;
    std::vector<store::Membership> memberships;
  };
  Result<std::vector<Candidate>> Candidates(const http::Request& req, const oauth::LoginTransaction& tx,
                                            bool use_login_hint) const;

  const PageKit& kit_;
};

}  // namespace gatehouse::login
