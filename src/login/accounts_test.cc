// Browser sessions at /oauth/authorize (MakeResume) and the account picker.
#include "login/accounts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "login/form.h"
#include "login/login_fixture.h"
#include "login/session.h"

namespace gatehouse::login {
namespace {

using namespace ::gatehouse::login::testing;  // NOLINT(google-build-using-namespace)
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class AccountsTest : public LoginFixture {
 protected:
  // Signs `email` in by code in the browser whose session cookie is `*session_cookie` (updated).
  store::User SignIn(const std::string& email, std::string* session_cookie, std::string org = {}) {
    auto tx = BaseTx();
    tx.organization_id = std::move(org);
    const std::string token = Seal(tx);
    http::Response page = Get("/login?tx=" + token);
    const std::string set = HeaderOf(page, "Set-Cookie");
    const std::string csrf_cookie = set.substr(15, set.find(';') - 15);
    Headers h = {{"Content-Type", std::string(kFormType)},
                 {"Cookie", "__Host-gh_csrf=" + csrf_cookie + "; __Host-gh_session=" + *session_cookie}};
    const std::string csrf = FieldValue(page.body, "csrf");
    http::Response sent =
        Send(http::Method::kPost, "/login/email", Encode({{"tx", token}, {"csrf", csrf}, {"email", email}}), h);
    EXPECT_EQ(sent.status, 303) << sent.body;
    const std::string next = TokenOf(HeaderOf(sent, "Location"));
    std::smatch m;
    const std::string text = mailer_.Sent().back().text;
    EXPECT_TRUE(std::regex_search(text, m, std::regex("code is: ([0-9]{6})")));
    http::Response done = Send(http::Method::kPost, "/login/passwordless/verify",
                               Encode({{"tx", next}, {"csrf", csrf}, {"code", m[1].str()}}), h);
    EXPECT_EQ(done.status, 302) << done.body;
    for (const auto& [k, v] : done.headers) {
      if (k == "Set-Cookie" && v.starts_with("__Host-gh_session=")) *session_cookie = v.substr(18, v.find(';') - 18);
    }
    return store_->FindUserByEmail(email).value();
  }

  http::Request Request(const std::string& session_cookie) {
    cookie_header_ = "__Host-gh_session=" + session_cookie;
    http::Request req;
    req.headers.push_back({"Cookie", cookie_header_});
    req.request_id = "r";
    return req;
  }
  // What /oauth/authorize would do for `tx` in the browser holding `session_cookie`.
  std::optional<http::Response> Resume(oauth::LoginTransaction tx, const std::string& session_cookie) {
    sealer_.Seal(tx);
    auto resume = MakeResume(*deps_);
    auto r = resume(Request(session_cookie), tx);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::nullopt;
  }

  std::string cookie_header_;
};

TEST_F(AccountsTest, NoSessionMeansThePage) {
  EXPECT_FALSE(Resume(BaseTx(), ""));
  EXPECT_FALSE(Resume(BaseTx(), std::string(43, 'A')));
}

TEST_F(AccountsTest, ALiveSessionSkipsThePage) {
  std::string cookie;
  store::User ann = SignIn("ann@example.org", &cookie);
  auto r = Resume(BaseTx(), cookie);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302);
  EXPECT_THAT(HeaderOf(*r, "Location"), StartsWith("https://app.example/cb?code="));
  // prompt=none too (a code without any page).
  auto tx = BaseTx();
  tx.prompt.none = true;
  EXPECT_TRUE(Resume(tx, cookie));
}

TEST_F(AccountsTest, PromptLoginAndCreateForceAFreshSignIn) {
  std::string cookie;
  SignIn("ann@example.org", &cookie);
  auto tx = BaseTx();
  tx.prompt.login = true;
  EXPECT_FALSE(Resume(tx, cookie));
  tx.prompt.login = false;
  tx.prompt.create = true;
  EXPECT_FALSE(Resume(tx, cookie));
}

TEST_F(AccountsTest, MaxAgeIsHonoured) {
  std::string cookie;
  SignIn("ann@example.org", &cookie);
  clock_.Advance(std::chrono::seconds(120));
  auto tx = BaseTx();
  tx.max_age = 60;
  EXPECT_FALSE(Resume(tx, cookie));
  tx.max_age = 600;
  EXPECT_TRUE(Resume(tx, cookie));
}

TEST_F(AccountsTest, IdleAndAbsoluteTimeouts) {
  std::string cookie;
  SignIn("ann@example.org", &cookie);
  clock_.Advance(std::chrono::seconds(sessions_.idle_timeout - 10));
  EXPECT_TRUE(Resume(BaseTx(), cookie));  // use moves the idle deadline
  clock_.Advance(std::chrono::seconds(sessions_.idle_timeout - 10));
  EXPECT_TRUE(Resume(BaseTx(), cookie));
  clock_.Advance(std::chrono::seconds(sessions_.idle_timeout));
  EXPECT_FALSE(Resume(BaseTx(), cookie));  // idle too long

  std::string cookie2;
  SignIn("bob@example.org", &cookie2);
  for (UnixSeconds t = 0; t < sessions_.lifetime; t += sessions_.idle_timeout / 2) {
    clock_.Advance(std::chrono::seconds(sessions_.idle_timeout / 2));
  }
  EXPECT_FALSE(Resume(BaseTx(), cookie2));  // used often, but past its lifetime
}

TEST_F(AccountsTest, TheRequestedOrganizationNeedsAMembership) {
  ASSERT_TRUE(store_->SetConnectionEnabled(kOrgSso, false, clock_.NowSeconds()).ok());
  std::string cookie;
  SignIn("ann@example.org", &cookie);
  auto tx = BaseTx();
  tx.organization_id = kOrg;
  EXPECT_FALSE(Resume(tx, cookie));  // ann is not a member of Acme
  SignIn("ann@example.org", &cookie, kOrg);
  EXPECT_TRUE(Resume(tx, cookie));
  // A connection the session did not use does not qualify (an organization that requires SSO).
  tx.connection_id = kOrgSso;
  EXPECT_FALSE(Resume(tx, cookie));
}

TEST_F(AccountsTest, LoginHintPicksTheAccount) {
  std::string cookie;
  SignIn("ann@example.org", &cookie);
  auto tx = BaseTx();
  tx.login_hint = "bob@example.org";
  EXPECT_FALSE(Resume(tx, cookie));
  tx.login_hint = "Ann@Example.org";
  EXPECT_TRUE(Resume(tx, cookie));
}

TEST_F(AccountsTest, SelectAccountListsTheAccountsAndTheirOrganizations) {
  ASSERT_TRUE(store_->SetConnectionEnabled(kOrgSso, false, clock_.NowSeconds()).ok());
  ASSERT_TRUE(store_->SetConnectionEnabled(kOtherSso, false, clock_.NowSeconds()).ok());
  std::string cookie;
  store::User ann = SignIn("ann@example.org", &cookie, kOrg);
  SignIn("ann@example.org", &cookie, kOtherOrg);
  SignIn("bob@example.org", &cookie);
  ASSERT_EQ(SessionCookieTokens(Request(cookie), true, 5).size(), 2u);  // ann's second sign-in replaced her first

  auto tx = BaseTx();
  tx.prompt.select_account = true;
  auto r = Resume(tx, cookie);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 303);
  const std::string location = HeaderOf(*r, "Location");
  ASSERT_THAT(location, StartsWith("/login/select?tx="));

  http::Response page = Get(location, {{"Cookie", "__Host-gh_session=" + cookie}});
  ASSERT_EQ(page.status, 200) << page.body;
  ExpectSecurityHeaders(page, "'self' https://app.example");
  EXPECT_THAT(page.body, HasSubstr("ann@example.org"));
  EXPECT_THAT(page.body, HasSubstr("bob@example.org"));
  EXPECT_THAT(page.body, HasSubstr("Continue to Acme Corp"));
  EXPECT_THAT(page.body, HasSubstr("Continue to Other"));
  EXPECT_THAT(page.body, HasSubstr("Continue as bob@example.org"));

  // Choose ann in Other.
  const std::string set = HeaderOf(page, "Set-Cookie");
  const std::string csrf_cookie = set.substr(15, set.find(';') - 15);
  const std::string token = TokenOf(location);
  std::string ann_session;
  for (const auto& token_value : SessionCookieTokens(Request(cookie), true, 5)) {
    auto s = store_->FindSessionByToken(SessionTokenHash(token_value));
    if (s->user_id == ann.id) ann_session = s->id;
  }
  Headers h = {{"Content-Type", std::string(kFormType)},
               {"Cookie", "__Host-gh_csrf=" + csrf_cookie + "; __Host-gh_session=" + cookie}};
  const std::string csrf = FieldValue(page.body, "csrf");
  // Not one of ann's organizations ... 
  http::Response wrong = Send(http::Method::kPost, "/login/select",
                              Encode({{"tx", token}, {"csrf", csrf}, {"session", ann_session}, {"organization", "org_nosuch"}}), h);
  EXPECT_EQ(wrong.status, 400);
  // ... a session of another browser ...
  http::Response foreign = Send(http::Method::kPost, "/login/select",
                                Encode({{"tx", token}, {"csrf", csrf}, {"session", "ses_other"}, {"organization", kOtherOrg}}), h);
  EXPECT_EQ(foreign.status, 400);
  // ... and the real choice.
  http::Response chosen = Send(http::Method::kPost, "/login/select",
                               Encode({{"tx", token}, {"csrf", csrf}, {"session", ann_session}, {"organization", kOtherOrg}}), h);
  ASSERT_EQ(chosen.status, 302) << chosen.body;
  const std::string loc = HeaderOf(chosen, "Location");
  auto form = Form::Parse(loc.substr(loc.find('?') + 1));
  auto code = store_->ConsumeAuthorizationCode(HexEncode(crypto::Sha256(form->Get("code"))), clock_.NowSeconds());
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->organization_id, kOtherOrg);
  EXPECT_EQ(code->user_id, ann.id);
  // The transaction completes once.
  http::Response twice = Send(http::Method::kPost, "/login/select",
                              Encode({{"tx", token}, {"csrf", csrf}, {"session", ann_session}, {"organization", kOtherOrg}}), h);
  EXPECT_EQ(twice.status, 400);
}

TEST_F(AccountsTest, ThePickerWithoutSessionsGoesToTheSignInPage) {
  auto tx = BaseTx();
  tx.prompt.select_account = true;
  const std::string token = Seal(tx);
  http::Response r = Get("/login/select?tx=" + token);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(HeaderOf(r, "Location"), "/login?tx=" + token);
}

}  // namespace
}  // namespace gatehouse::login
