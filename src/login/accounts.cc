#include "login/accounts.h"

#include <algorithm>

#include "login/views.h"
#include "common/strings.h"
#include "oauth/authorize.h"

namespace gatehouse::login {
namespace {

bool IsMember(const std::vector<store::Membership>& memberships, std::string_view org_id) {
  return std::any_of(memberships.begin(), memberships.end(),
                     [&](const store::Membership& m) { return m.organization_id == org_id; });
}

}  // namespace

Result<std::vector<Accounts::Candidate>> Accounts::Candidates(const http::Request& req,
                                                              const oauth::LoginTransaction& tx,
                                                              bool use_login_hint) const {
  const LoginDeps& d = kit_.deps();
  const UnixSeconds now = d.clock.NowSeconds();
  ASSIGN_OR_RETURN(std::vector<BrowserSession> live, kit_.sessions().Live(req));
  const std::optional<std::string> hint = use_login_hint ? ValidateEmail(tx.login_hint) : std::nullopt;
  std::vector<Candidate> out;
  for (BrowserSession& b : live) {
    if (tx.max_age && now - b.session.auth_time > *tx.max_age) continue;
    if (!tx.connection_id.empty() && b.session.connection_id != tx.connection_id) continue;
    if (hint && AsciiLower(*hint) != b.user.email) continue;
    ASSIGN_OR_RETURN(auto memberships, d.store.ListUserMemberships(b.user.id));
    if (!tx.organization_id.empty() && !IsMember(memberships, tx.organization_id)) continue;
    out.push_back({std::move(b), std::move(memberships)});
  }
  return out;
}

Result<std::optional<http::Response>> Accounts::Resume(const http::Request& req,
                                                       const oauth::LoginTransaction& tx) const {
  if (tx.prompt.login || tx.prompt.create) return std::optional<http::Response>();
  ASSIGN_OR_RETURN(std::vector<Candidate> candidates, Candidates(req, tx, !tx.prompt.select_account));
  if (candidates.empty()) return std::optional<http::Response>();
  if (tx.prompt.select_account) {
    oauth::LoginTransaction copy = tx;
    return std::optional(SeeOther("/login/select?tx=" + kit_.deps().sealer.Seal(copy)));
  }
  const Candidate& c = candidates.front();
  std::string org = tx.organization_id;
  if (org.empty() && !c.memberships.empty()) org = c.memberships.front().organization_id;
  ASSIGN_OR_RETURN(http::Response r, kit_.IssueCode(tx, c.browser.session, org));
  return std::optional(std::move(r));
}

http::Response Accounts::ShowPicker(const http::Request& req) const {
  auto opened = kit_.OpenQuery(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  TxQuery& q = std::get<TxQuery>(opened);
  auto candidates = Candidates(req, q.tx, false);
  if (!candidates.ok()) return kit_.Internal(req, candidates.error());
  if (candidates->empty()) return SeeOther(LoginUrl(q.token));
  auto app_name = kit_.AppName(q.tx);
  if (!app_name.ok()) return kit_.Failure(req, app_name.error());

  PageCsrf csrf = kit_.CsrfFor(req, q.tx.id);
  SelectAccountView view{.app_name = std::move(app_name).value(), .tx = q.token, .csrf = std::move(csrf.token)};
  for (const Candidate& c : *candidates) {
    AccountView account{.email = c.browser.user.email, .name = c.browser.user.name};
    for (const store::Membership& m : c.memberships) {
      if (!q.tx.organization_id.empty() && m.organization_id != q.tx.organization_id) continue;
      auto org_name = kit_.OrgName(m.organization_id);
      if (!org_name.ok()) return kit_.Internal(req, org_name.error());
      if (org_name->empty()) continue;  // deleted meanwhile
      account.choices.push_back({.session_id = c.browser.session.id,
                                 .organization_id = m.organization_id,
                                 .label = "Continue to " + *org_name});
    }
    if (account.choices.empty()) {
      account.choices.push_back({.session_id = c.browser.session.id, .organization_id = {},
                                 .label = "Continue as " + c.browser.user.email});
    }
    view.accounts.push_back(std::move(account));
  }
  http::Response r = SelectAccountPage(200, view, oauth::FormActionFor(q.tx.redirect_uri));
  if (!csrf.set_cookie.empty()) r.Set("Set-Cookie", std::move(csrf.set_cookie));
  return r;
}

http::Response Accounts::Pick(const http::Request& req) const {
  auto opened = kit_.OpenPost(req);
  if (auto* r = std::get_if<http::Response>(&opened)) return std::move(*r);
  Post& post = std::get<Post>(opened);
  const std::string_view session_id = post.form.Get("session");
  const std::string_view org = post.form.Get("organization");
  auto candidates = Candidates(req, post.tx, false);
  if (!candidates.ok()) return kit_.Internal(req, candidates.error());
  // Only a session this browser holds, and one of its user's organizations (or none when the
  // user has none and none was asked for).
  for (const Candidate& c : *candidates) {
    if (c.browser.session.id != session_id) continue;
    const bool org_ok = org.empty() ? (post.tx.organization_id.empty() && c.memberships.empty())
                                    : (IsMember(c.memberships, org) &&
                                       (post.tx.organization_id.empty() || post.tx.organization_id == org));
    if (!org_ok) break;
    auto r = kit_.IssueCode(post.tx, c.browser.session, org);
    if (!r.ok()) return kit_.CompletionFailure(req, r.error());
    return std::move(r).value();
  }
  return kit_.Error(req, 400, "Account not available",
                    "That account is no longer signed in here. Choose another or sign in again.",
                    "/login/select?tx=" + post.token);
}

}  // namespace gatehouse::login
