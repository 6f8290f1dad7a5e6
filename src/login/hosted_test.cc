#include "login/hosted.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "login/login_fixture.h"

namespace gatehouse::login {
namespace {

using namespace ::gatehouse::login::testing;  // NOLINT(google-build-using-namespace)
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using HostedTest = LoginFixture;

// ---- GET /login ------------------------------------------------------------------------------

TEST_F(HostedTest, SignInPage) {
  auto tx = BaseTx();
  const std::string token = Seal(tx);
  http::Response r = Get("/login?tx=" + token);
  ASSERT_EQ(r.status, 200);
  ExpectSecurityHeaders(r);
  EXPECT_THAT(r.body, HasSubstr("<h1>Sign in to Acme App</h1>"));
  EXPECT_THAT(r.body, HasSubstr("<form class=\"stack\" method=\"post\" action=\"/login/email\">"));
  EXPECT_THAT(r.body, HasSubstr("type=\"email\" name=\"email\" autocomplete=\"email\""));
  EXPECT_THAT(r.body, HasSubstr("required"));
  EXPECT_THAT(r.body, HasSubstr("<label for=\"email\">"));
  EXPECT_EQ(FieldValue(r.body, "tx"), token);
  EXPECT_THAT(r.body, Not(HasSubstr("name=\"name\"")));
  EXPECT_THAT(r.body, HasSubstr("href=\"/login?tx=" + token + "&amp;mode=signup\""));
  EXPECT_THAT(r.body, Not(HasSubstr("<script")));
}

TEST_F(HostedTest, SetsTheCsrfCookieAndBindsTheFormToken) {
  oauth::LoginTransaction tx = BaseTx();
  const std::string token = sealer_.Seal(tx);
  http::Response r = Get("/login?tx=" + token);
  ASSERT_EQ(r.status, 200);
  const std::string set_cookie = HeaderOf(r, "Set-Cookie");
  EXPECT_THAT(set_cookie, StartsWith("__Host-gh_csrf="));
  EXPECT_THAT(set_cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("; SameSite=Lax"));
  EXPECT_THAT(set_cookie, HasSubstr("; Path=/"));
  EXPECT_THAT(set_cookie, HasSubstr("; Secure"));
  EXPECT_THAT(set_cookie, Not(HasSubstr("Domain")));
  const std::string cookie = set_cookie.substr(15, set_cookie.find(';') - 15);
  EXPECT_EQ(cookie.size(), 43u);
  EXPECT_EQ(FieldValue(r.body, "csrf"), CsrfToken(csrf_key_, cookie, tx.id));

  // A valid cookie is reused, not replaced.
  http::Response again = Get("/login?tx=" + token, {{"Cookie", "__Host-gh_csrf=" + cookie}});
  EXPECT_EQ(HeaderOf(again, "Set-Cookie"), "");
  EXPECT_EQ(FieldValue(again.body, "csrf"), CsrfToken(csrf_key_, cookie, tx.id));
  // A malformed one is replaced.
  http::Response bad = Get("/login?tx=" + token, {{"Cookie", "__Host-gh_csrf=nope"}});
  EXPECT_THAT(HeaderOf(bad, "Set-Cookie"), StartsWith("__Host-gh_csrf="));
}

TEST_F(HostedTest, InsecureCookiesForPlainHttpDevelopment) {
  Mount(false);
  http::Response r = Get("/login?tx=" + Seal(BaseTx()));
  const std::string set_cookie = HeaderOf(r, "Set-Cookie");
  EXPECT_THAT(set_cookie, StartsWith("gh_csrf="));
  EXPECT_THAT(set_cookie, Not(HasSubstr("Secure")));
  // And the whole flow works with it.
  http::Response post = SubmitEmail(Seal(BaseTx()), "ann@example.org");
  EXPECT_EQ(post.status, 303) << post.body;
}

TEST_F(HostedTest, SignUpVariant) {
  auto tx = BaseTx();
  tx.prompt.create = true;
  const std::string token = Seal(tx);
  http::Response r = Get("/login?tx=" + token);
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("<h1>Create your Acme App account</h1>"));
  EXPECT_THAT(r.body, HasSubstr("name=\"name\" autocomplete=\"name\""));
  EXPECT_THAT(r.body, HasSubstr("<label for=\"name\">"));
  EXPECT_THAT(r.body, HasSubstr("name=\"mode\" value=\"signup\""));
  EXPECT_THAT(r.body, HasSubstr("href=\"/login?tx=" + token + "&amp;mode=signin\""));

  // mode=signin wins over prompt=create (the "Sign in" link), mode=signup opens sign-up.
  EXPECT_THAT(Get("/login?tx=" + token + "&mode=signin").body, HasSubstr("<h1>Sign in to Acme App</h1>"));
  http::Response up = Get("/login?tx=" + Seal(BaseTx()) + "&mode=signup");
  EXPECT_THAT(up.body, HasSubstr("<h1>Create your Acme App account</h1>"));
  EXPECT_THAT(up.body, HasSubstr("name=\"name\""));
}

TEST_F(HostedTest, SocialButtonsOnlyWhenEnabled) {
  http::Response r = Get("/login?tx=" + Seal(BaseTx()));
  EXPECT_THAT(r.body, HasSubstr("name=\"connection\" value=\"conn_google\""));
  EXPECT_THAT(r.body, HasSubstr(">Continue with Google</button>"));
  EXPECT_THAT(r.body, HasSubstr("action=\"/login/connection\""));
  EXPECT_THAT(r.body, Not(HasSubstr(kGithub)));
  EXPECT_THAT(r.body, Not(HasSubstr(kPasswordless)));
  // No organization named: no SSO buttons.
  EXPECT_THAT(r.body, Not(HasSubstr(kOrgSso)));
  EXPECT_THAT(r.body, Not(HasSubstr(kOtherSso)));

  ASSERT_TRUE(store_->SetConnectionEnabled(kGithub, true, clock_.NowSeconds()).ok());
  ASSERT_TRUE(store_->SetConnectionEnabled(kGoogle, false, clock_.NowSeconds()).ok());
  r = Get("/login?tx=" + Seal(BaseTx()));
  EXPECT_THAT(r.body, HasSubstr(">Continue with GitHub</button>"));
  EXPECT_THAT(r.body, Not(HasSubstr(kGoogle)));
}

TEST_F(HostedTest, OrganizationSsoButtonsWhenTheTransactionNamesIt) {
  auto tx = BaseTx();
  tx.organization_id = kOrg;
  http::Response r = Get("/login?tx=" + Seal(tx));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("Acme Corp"));
  EXPECT_THAT(r.body, HasSubstr("name=\"connection\" value=\"conn_acmesso\""));
  EXPECT_THAT(r.body, HasSubstr(">Continue with Acme Okta</button>"));
  EXPECT_THAT(r.body, Not(HasSubstr(kOtherSso)));
  EXPECT_THAT(r.body, HasSubstr(kGoogle));

  ASSERT_TRUE(store_->SetConnectionEnabled(kOrgSso, false, clock_.NowSeconds()).ok());
  EXPECT_THAT(Get("/login?tx=" + Seal(tx)).body, Not(HasSubstr(kOrgSso)));
}

TEST_F(HostedTest, LoginHintPrefillsTheEmailEscaped) {
  auto tx = BaseTx();
  tx.login_hint = "ann@acme.com";
  EXPECT_THAT(Get("/login?tx=" + Seal(tx)).body, HasSubstr("value=\"ann@acme.com\""));

  tx = BaseTx();
  tx.login_hint = std::string(kHostile);
  tx.state = std::string(kHostile);
  http::Response r = Get("/login?tx=" + Seal(tx));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, Not(HasSubstr(kHostile)));
  EXPECT_THAT(r.body, Not(HasSubstr("<script>")));
  EXPECT_THAT(r.body, HasSubstr(std::string("value=\"") + std::string(kHostileEscaped) + "\""));
}

TEST_F(HostedTest, UnusableTransactions) {
  // Missing, garbage, too long, tampered, expired, for a deleted client: one 400 page.
  auto tx = BaseTx();
  const std::string token = Seal(tx);
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& target : {std::string("/login"), std::string("/login?tx="), std::string("/login?tx=abc"),
                                    "/login?tx=" + std::string(9000, 'A'), "/login?tx=" + tampered,
                                    "/login/connection?tx=" + tampered, "/login/passwordless?tx=" + tampered}) {
    http::Response r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_THAT(r.body, HasSubstr(kInvalidTx)) << target;
    EXPECT_THAT(r.body, HasSubstr("req-42")) << target;
    ExpectSecurityHeaders(r);
  }
  // A repeated tx is ambiguous.
  EXPECT_EQ(Get("/login?tx=" + token + "&tx=" + token).status, 400);

  Browser b = Visit(token);
  clock_.Advance(std::chrono::seconds(601));
  http::Response expired = Get("/login?tx=" + token);
  EXPECT_EQ(expired.status, 400);
  EXPECT_THAT(expired.body, HasSubstr(kInvalidTx));
  http::Response post = Post("/login/email", {{"tx", token}, {"csrf", b.csrf}, {"email", "ann@acme.com"}}, b.cookie);
  EXPECT_EQ(post.status, 400);
  EXPECT_THAT(post.body, HasSubstr(kInvalidTx));

  clock_.Set(clock_.NowSeconds() - 601);
  ASSERT_TRUE(store_->DeleteClient(kClient).ok());
  http::Response gone = Get("/login?tx=" + token);
  EXPECT_EQ(gone.status, 400);
  EXPECT_THAT(gone.body, HasSubstr(kInvalidTx));
}

// ---- POST /login/email -----------------------------------------------------------------------

TEST_F(HostedTest, ClaimedDomainGoesToTheOrganizationsSso) {
  auto tx = BaseTx();
  const std::string token = sealer_.Seal(tx);
  http::Response r = SubmitEmail(token, "  Bob@ACME.com ");
  ASSERT_EQ(r.status, 303) << r.body;
  ExpectSecurityHeaders(r);
  const std::string location = HeaderOf(r, "Location");
  ASSERT_THAT(location, StartsWith("/login/connection?tx="));
  oauth::LoginTransaction next = OpenToken(TokenOf(location));
  EXPECT_EQ(next.connection_id, kOrgSso);
  EXPECT_EQ(next.login_hint, "bob@acme.com");  // trimmed and lowercased: one person, one account
  // The same transaction, carried on: id, expiry and the client's parameters are kept.
  EXPECT_EQ(next.id, tx.id);
  EXPECT_EQ(next.expires_at, tx.expires_at);
  EXPECT_EQ(next.state, "st");
  EXPECT_EQ(next.client_id, kClient);

  http::Response page = Get(location);
  ASSERT_EQ(page.status, 200) << page.body;
  ExpectSecurityHeaders(page);
  EXPECT_THAT(page.body,
              HasSubstr("Single sign-on: <strong>Acme Okta</strong> (oidc, <code>conn_acmesso</code>)"));
  EXPECT_THAT(page.body, HasSubstr("Acme Corp"));
  EXPECT_THAT(page.body, HasSubstr("bob@acme.com"));
  EXPECT_THAT(page.body, HasSubstr("has not been set up yet"));
}

TEST_F(HostedTest, UnclaimedDomainGoesToPasswordless) {
  http::Response r = SubmitEmail(Seal(BaseTx()), "ann@example.org");
  ASSERT_EQ(r.status, 303) << r.body;
  const std::string location = HeaderOf(r, "Location");
  ASSERT_THAT(location, StartsWith("/login/passwordless?tx="));
  oauth::LoginTransaction next = OpenToken(TokenOf(location));
  EXPECT_EQ(next.login_hint, "ann@example.org");
  EXPECT_EQ(next.connection_id, "");

  ASSERT_EQ(mailer_.Sent().size(), 1u);
  EXPECT_EQ(mailer_.Sent()[0].to, "ann@example.org");

  http::Response page = Get(location);
  ASSERT_EQ(page.status, 200);
  // The code form ends in a redirect to the client, which Chromium checks against form-action.
  ExpectSecurityHeaders(page, "'self' https://app.example");
  EXPECT_THAT(page.body, HasSubstr("We sent a code and a link to <strong>ann@example.org</strong>"));
  EXPECT_THAT(page.body, HasSubstr("autocomplete=\"one-time-code\" inputmode=\"numeric\""));
}

TEST_F(HostedTest, OrganizationWithoutSingleSsoGoesToPasswordless) {
  // The transaction names an organization whose only SSO connection is disabled.
  ASSERT_TRUE(store_->SetConnectionEnabled(kOrgSso, false, clock_.NowSeconds()).ok());
  auto tx = BaseTx();
  tx.organization_id = kOrg;
  http::Response r = SubmitEmail(Seal(tx), "bob@acme.com");
  ASSERT_EQ(r.status, 303);
  EXPECT_THAT(HeaderOf(r, "Location"), StartsWith("/login/passwordless?tx="));
}

TEST_F(HostedTest, RoutingErrorIsAPage) {
  auto tx = BaseTx();
  tx.organization_id = "org_gone";
  const std::string token = Seal(tx);
  // The page still renders (the organization is just not named) ...
  Browser b = Visit(token);
  // ... and the email step reports routing's error.
  http::Response r = Post("/login/email", {{"tx", token}, {"csrf", b.csrf}, {"email", "ann@acme.com"}}, b.cookie);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("no such organization"));
  ExpectSecurityHeaders(r);
}

TEST_F(HostedTest, InvalidEmailReRendersTheForm) {
  const std::string token = Seal(BaseTx());
  for (const std::string& bad : {std::string("ann"), std::string("ann@example"), std::string("a b@example.com"),
                                 std::string("@example.com"), std::string("a@@example.com"),
                                 std::string(kHostile), std::string(250, 'a') + "@x.com"}) {
    http::Response r = SubmitEmail(token, bad);
    EXPECT_EQ(r.status, 400) << bad;
    ExpectSecurityHeaders(r);
    EXPECT_THAT(r.body, HasSubstr("Enter a valid email address")) << bad;
    EXPECT_THAT(r.body, HasSubstr("<form class=\"stack\" method=\"post\" action=\"/login/email\">"));
    EXPECT_THAT(r.body, HasSubstr("aria-invalid=\"true\""));
    // The form stays usable: same tx, a token that verifies.
    EXPECT_EQ(FieldValue(r.body, "tx"), token);
    EXPECT_FALSE(FieldValue(r.body, "csrf").empty());
  }
  http::Response kept = SubmitEmail(token, "ann@example");
  EXPECT_THAT(kept.body, HasSubstr("value=\"ann@example\""));
  http::Response hostile = SubmitEmail(token, std::string(kHostile));
  EXPECT_THAT(hostile.body, Not(HasSubstr(kHostile)));
  EXPECT_THAT(hostile.body, HasSubstr(kHostileEscaped));
}

TEST_F(HostedTest, SignUpNameIsLimited) {
  const std::string token = Seal(BaseTx());
  Browser b = Visit(token);
  http::Response ok = Post("/login/email",
                           {{"tx", token}, {"csrf", b.csrf}, {"mode", "signup"}, {"name", "Ann Lee"}, {"email", "ann@example.org"}},
                           b.cookie);
  EXPECT_EQ(ok.status, 303);
  http::Response r = Post("/login/email",
                          {{"tx", token}, {"csrf", b.csrf}, {"mode", "signup"}, {"name", std::string(201, 'n')},
                           {"email", "ann@example.org"}},
                          b.cookie);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("Enter a name of at most 200 characters"));
  EXPECT_THAT(r.body, HasSubstr("value=\"" + std::string(201, 'n') + "\" aria-invalid=\"true\""));
  EXPECT_THAT(r.body, HasSubstr("<h1>Create your Acme App account</h1>"));
}

TEST_F(HostedTest, CsrfFailuresAre403) {
  auto tx = BaseTx();
  const std::string token = sealer_.Seal(tx);
  Browser b = Visit(token);
  const std::string other_token = Seal(BaseTx());  // another transaction, same browser
  Browser other = Visit(other_token);
  FakeRandom attacker(99);
  const std::string attacker_cookie = NewCsrfCookieValue(attacker);

  struct Case {
    const char* what;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string cookie;
  };
  const std::string email = "ann@acme.com";
  std::vector<Case> cases = {
      {"no cookie", {{"tx", token}, {"csrf", b.csrf}, {"email", email}}, ""},
      {"no field", {{"tx", token}, {"email", email}}, b.cookie},
      {"empty field", {{"tx", token}, {"csrf", ""}, {"email", email}}, b.cookie},
      {"forged field", {{"tx", token}, {"csrf", CsrfToken(std::string(32, 'x'), b.cookie, tx.id)}, {"email", email}},
       b.cookie},
      {"attacker's own cookie", {{"tx", token}, {"csrf", b.csrf}, {"email", email}}, attacker_cookie},
      {"token of another tx", {{"tx", token}, {"csrf", other.csrf}, {"email", email}}, b.cookie},
      {"huge field", {{"tx", token}, {"csrf", std::string(5000, 'a')}, {"email", email}}, b.cookie},
  };
  for (const auto& c : cases) {
    for (const char* path : {"/login/email", "/login/connection"}) {
      auto fields = c.fields;
      fields.emplace_back("connection", kGoogle);
      http::Response r = Post(path, fields, c.cookie);
      EXPECT_EQ(r.status, 403) << c.what << " " << path;
      EXPECT_THAT(r.body, HasSubstr("This form has expired; reload the page")) << c.what;
      ExpectSecurityHeaders(r);
    }
  }
  // A cross-site post is refused even with a valid pair.
  http::Response cross = Send(http::Method::kPost, "/login/email",
                              Encode({{"tx", token}, {"csrf", b.csrf}, {"email", email}}),
                              {{"Content-Type", std::string(kFormType)},
                               {"Cookie", "__Host-gh_csrf=" + b.cookie},
                               {"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(cross.status, 403);
  // The valid pair itself passes.
  EXPECT_EQ(Post("/login/email", {{"tx", token}, {"csrf", b.csrf}, {"email", email}}, b.cookie).status, 303);
}

TEST_F(HostedTest, FormEncodingIsChecked) {
  const std::string token = Seal(BaseTx());
  Browser b = Visit(token);
  const std::vector<std::pair<std::string, std::string>> fields = {{"tx", token}, {"csrf", b.csrf}, {"email", "a@b.co"}};
  for (const char* type : {"", "text/plain", "multipart/form-data; boundary=x", "application/json"}) {
    for (const char* path : {"/login/email", "/login/connection"}) {
      http::Response r = Post(path, fields, b.cookie, type);
      EXPECT_EQ(r.status, 415) << type;
      ExpectSecurityHeaders(r);
    }
  }
  EXPECT_EQ(Post("/login/email", fields, b.cookie, "application/x-www-form-urlencoded; charset=UTF-8").status, 303);

  auto dup = fields;
  dup.emplace_back("email", "c@d.co");
  http::Response r = Post("/login/email", dup, b.cookie);
  EXPECT_EQ(r.status, 400);
  ExpectSecurityHeaders(r);
  dup = fields;
  dup.emplace_back("tx", token);
  EXPECT_EQ(Post("/login/email", dup, b.cookie).status, 400);
  // Malformed percent-encoding.
  http::Response bad = Send(http::Method::kPost, "/login/email", "tx=%zz",
                            {{"Content-Type", std::string(kFormType)}, {"Cookie", "__Host-gh_csrf=" + b.cookie}});
  EXPECT_EQ(bad.status, 400);
  // An oversized tx field.
  EXPECT_EQ(Post("/login/email", {{"tx", std::string(9000, 'A')}, {"csrf", b.csrf}, {"email", "a@b.co"}}, b.cookie).status,
            400);
}

// ---- POST /login/connection, GET /login/connection -------------------------------------------

TEST_F(HostedTest, ChoosingASocialConnection) {
  auto tx = BaseTx();
  const std::string token = Seal(tx);
  Browser b = Visit(token);
  http::Response r = Post("/login/connection", {{"tx", token}, {"csrf", b.csrf}, {"connection", kGoogle}}, b.cookie);
  ASSERT_EQ(r.status, 303) << r.body;
  const std::string location = HeaderOf(r, "Location");
  ASSERT_THAT(location, StartsWith("/login/connection?tx="));
  EXPECT_EQ(OpenToken(TokenOf(location)).connection_id, kGoogle);
  http::Response page = Get(location);
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("Social sign-in: <strong>Google</strong> (oauth, <code>conn_google</code>)"));
}

TEST_F(HostedTest, ChoosingAnOrganizationsSso) {
  auto tx = BaseTx();
  tx.organization_id = kOrg;
  const std::string token = Seal(tx);
  Browser b = Visit(token);
  http::Response r = Post("/login/connection", {{"tx", token}, {"csrf", b.csrf}, {"connection", kOrgSso}}, b.cookie);
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(OpenToken(TokenOf(HeaderOf(r, "Location"))).connection_id, kOrgSso);
}

TEST_F(HostedTest, ConnectionsThePageDoesNotOfferAreRefused) {
  auto tx = BaseTx();
  tx.organization_id = kOrg;
  const std::string token = Seal(tx);
  Browser b = Visit(token);
  for (const std::string& id : {std::string(kGithub) /* disabled */, std::string(kOtherSso) /* other org */,
                                std::string(kPasswordless), std::string("conn_nosuch"), std::string("org_acme"),
                                std::string("conn_../x"), std::string(""), "conn_" + std::string(200, 'a')}) {
    http::Response r = Post("/login/connection", {{"tx", token}, {"csrf", b.csrf}, {"connection", id}}, b.cookie);
    EXPECT_EQ(r.status, 400) << id;
    EXPECT_THAT(r.body, HasSubstr("not available")) << id;
    ExpectSecurityHeaders(r);
  }
  // An organization's SSO when the transaction names no organization.
  const std::string plain = Seal(BaseTx());
  Browser pb = Visit(plain);
  EXPECT_EQ(Post("/login/connection", {{"tx", plain}, {"csrf", pb.csrf}, {"connection", kOrgSso}}, pb.cookie).status,
            400);
}

TEST_F(HostedTest, ConnectionPageNeedsAConnection) {
  http::Response r = Get("/login/connection?tx=" + Seal(BaseTx()));
  EXPECT_EQ(r.status, 400);
  ExpectSecurityHeaders(r);
  auto tx = BaseTx();
  tx.connection_id = kGithub;  // disabled since
  EXPECT_EQ(Get("/login/connection?tx=" + Seal(tx)).status, 400);
}

TEST_F(HostedTest, ConnectionPageEscapes) {
  AddOrganization("org_evil", std::string(kHostile));
  AddConnection("conn_evil", "org_evil", store::ConnectionType::kSaml, "custom", std::string(kHostile), true);
  auto tx = BaseTx();
  tx.connection_id = "conn_evil";
  tx.login_hint = std::string(kHostile);
  http::Response r = Get("/login/connection?tx=" + Seal(tx));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, Not(HasSubstr(kHostile)));
  EXPECT_THAT(r.body, HasSubstr(kHostileEscaped));

  tx.organization_id = "org_evil";
  tx.connection_id.clear();
  http::Response login = Get("/login?tx=" + Seal(tx));
  ASSERT_EQ(login.status, 200);
  EXPECT_THAT(login.body, Not(HasSubstr(kHostile)));
}

TEST_F(HostedTest, PasswordlessPageNeedsAnEmail) {
  http::Response r = Get("/login/passwordless?tx=" + Seal(BaseTx()));
  EXPECT_EQ(r.status, 400);
  ExpectSecurityHeaders(r);
}

TEST_F(HostedTest, MethodsAndHead) {
  EXPECT_EQ(Send(http::Method::kPost, "/login").status, 405);
  EXPECT_EQ(Send(http::Method::kHead, "/login?tx=" + Seal(BaseTx())).status, 200);
}

}  // namespace
}  // namespace gatehouse::login
