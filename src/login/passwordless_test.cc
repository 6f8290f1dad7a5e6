// Passwordless sign-in, end to end through the handlers: the email, the code, the link, their
// limits and expiry (on a fake clock), the user, the membership, the session and the code.
#include "login/passwordless.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
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

// A browser's cookie jar.
struct Jar {
  std::map<std::string, std::string> cookies;

  void Absorb(const http::Response& r) {
    for (const auto& [k, v] : r.headers) {
      if (k != "Set-Cookie") continue;
      const std::size_t eq = v.find('=');
      const std::size_t semi = v.find(';');
      const std::string name = v.substr(0, eq), value = v.substr(eq + 1, semi - eq - 1);
      if (v.find("Max-Age=0") != std::string::npos) cookies.erase(name);
      else cookies[name] = value;
    }
  }
  std::string Header() const {
    std::string out;
    for (const auto& [k, v] : cookies) out += (out.empty() ? "" : "; ") + k + "=" + v;
    return out;
  }
};

// The parameters of an authorization response's Location.
std::map<std::string, std::string> RedirectParams(const http::Response& r) {
  const std::string location = HeaderOf(r, "Location");
  auto form = Form::Parse(location.substr(location.find('?') + 1));
  std::map<std::string, std::string> out;
  if (!form.ok()) return out;
  for (const char* name : {"code", "state", "iss", "error"}) {
    if (form->Has(name)) out[name] = std::string(form->Get(name));
  }
  return out;
}

std::string Find(const std::string& text, const std::regex& re) {
  std::smatch m;
  return std::regex_search(text, m, re) ? m[1].str() : std::string();
}
std::string CodeOf(const connectors::mail::Message& m) {
  return Find(m.text, std::regex("verification code is: ([0-9]{6})"));
}
std::string LinkPathOf(const connectors::mail::Message& m) {
  return Find(m.text, std::regex("https://auth\\.example(/login/magic\\?token=[A-Za-z0-9_-]+)"));
}

class PasswordlessTest : public LoginFixture {
 protected:
  http::Response Do(Jar& jar, http::Method method, std::string target, std::string body = "") {
    Headers headers;
    if (method == http::Method::kPost) headers.emplace_back("Content-Type", std::string(kFormType));
    if (!jar.cookies.empty()) headers.emplace_back("Cookie", jar.Header());
    http::Response r = Send(method, std::move(target), std::move(body), std::move(headers));
    jar.Absorb(r);
    return r;
  }
  http::Response PostForm(Jar& jar, std::string path, const std::vector<std::pair<std::string, std::string>>& fields) {
    return Do(jar, http::Method::kPost, std::move(path), Encode(fields));
  }

  struct Flow {
    std::string token;  // the transaction after the email step
    std::string csrf;
    http::Response response;  // of the email step
  };
  // The sign-in page, then the email form.
  Flow Start(Jar& jar, oauth::LoginTransaction tx, const std::string& email, const std::string& name = "") {
    const std::string token = Seal(tx);
    http::Response page = Do(jar, http::Method::kGet, "/login?tx=" + token + (name.empty() ? "" : "&mode=signup"));
    EXPECT_EQ(page.status, 200) << page.body;
    Flow flow;
    flow.csrf = FieldValue(page.body, "csrf");
    std::vector<std::pair<std::string, std::string>> fields = {{"tx", token}, {"csrf", flow.csrf}, {"email", email}};
    if (!name.empty()) {
      fields.emplace_back("name", name);
      fields.emplace_back("mode", "signup");
    }
    flow.response = PostForm(jar, "/login/email", fields);
    const std::string location = HeaderOf(flow.response, "Location");
    flow.token = location.empty() ? token : TokenOf(location);
    return flow;
  }
  http::Response Verify(Jar& jar, const Flow& flow, const std::string& code) {
    return PostForm(jar, "/login/passwordless/verify", {{"tx", flow.token}, {"csrf", flow.csrf}, {"code", code}});
  }
  connectors::mail::Message LastMail() {
    auto sent = mailer_.Sent();
    EXPECT_FALSE(sent.empty());
    return sent.empty() ? connectors::mail::Message{} : sent.back();
  }
  std::string WrongCode(const std::string& right) { return right == "000000" ? "000001" : "000000"; }
  int Users() { return static_cast<int>(store_->ListUsers().value().size()); }
};

// ---- The code ---------------------------------------------------------------------------------

TEST_F(PasswordlessTest, CodeSignsInCreatesTheUserAndRedirectsWithACode) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "Ann@Example.org");
  ASSERT_EQ(flow.response.status, 303) << flow.response.body;
  ASSERT_THAT(HeaderOf(flow.response, "Location"), StartsWith("/login/passwordless?tx="));
  const connectors::mail::Message mail = LastMail();
  EXPECT_EQ(mail.to, "ann@example.org");  // addresses are kept in lowercase
  EXPECT_EQ(mail.subject, "Finish signing up for Acme App");
  const std::string code = CodeOf(mail);
  ASSERT_EQ(code.size(), 6u) << mail.text;
  EXPECT_THAT(mail.html, HasSubstr(code));
  EXPECT_THAT(mail.html, HasSubstr("Acme App"));
  EXPECT_FALSE(LinkPathOf(mail).empty()) << mail.text;
  // Stored as a keyed hash only.
  auto challenge = store_->GetEmailChallenge(OpenToken(flow.token).id);
  ASSERT_TRUE(challenge.ok());
  EXPECT_THAT(challenge->code_hash, Not(HasSubstr(code)));
  EXPECT_EQ(challenge->code_hash.size(), 64u);
  EXPECT_EQ(Users(), 0);  // nobody is created before the address is verified

  http::Response r = Verify(jar, flow, code);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_THAT(HeaderOf(r, "Location"), StartsWith("https://app.example/cb?code="));
  auto params = RedirectParams(r);
  EXPECT_EQ(params["state"], "st");
  EXPECT_EQ(params["iss"], kIssuer);
  ASSERT_EQ(params["code"].size(), 43u);

  auto user = store_->FindUserByEmail("ann@example.org");
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE(user->email_verified);
  EXPECT_THAT(user->id, StartsWith("usr_"));
  // The code is stored by its SHA-256, bound to everything the token endpoint checks.
  auto stored = store_->ConsumeAuthorizationCode(HexEncode(crypto::Sha256(params["code"])), clock_.NowSeconds());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->consumed_at, 0);
  EXPECT_EQ(stored->user_id, user->id);
  EXPECT_EQ(stored->client_id, kClient);
  EXPECT_EQ(stored->redirect_uri, "https://app.example/cb");
  EXPECT_EQ(stored->connection_id, kPasswordless);
  EXPECT_EQ(stored->auth_method, "otp");
  EXPECT_EQ(stored->expires_at - stored->created_at, 600);
  EXPECT_EQ(stored->transaction_id, OpenToken(flow.token).id);
  EXPECT_THAT(stored->session_id, StartsWith("ses_"));
}

TEST_F(PasswordlessTest, TheSessionCookieIsHostOnlyHttpOnlyAndStoredHashed) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  http::Response r = Verify(jar, flow, CodeOf(LastMail()));
  ASSERT_EQ(r.status, 302);
  std::string set_cookie;
  for (const auto& [k, v] : r.headers) {
    if (k == "Set-Cookie" && v.starts_with("__Host-gh_session=")) set_cookie = v;
  }
  ASSERT_FALSE(set_cookie.empty());
  EXPECT_THAT(set_cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("; SameSite=Lax"));
  EXPECT_THAT(set_cookie, HasSubstr("; Secure"));
  EXPECT_THAT(set_cookie, HasSubstr("; Path=/"));
  EXPECT_THAT(set_cookie, Not(HasSubstr("Domain")));
  const std::string token = jar.cookies["__Host-gh_session"];
  ASSERT_EQ(token.size(), 43u);
  auto session = store_->FindSessionByToken(SessionTokenHash(token));
  ASSERT_TRUE(session.ok());
  EXPECT_NE(session->token_hash, token);
  EXPECT_EQ(session->expires_at - session->auth_time, sessions_.lifetime);
  EXPECT_EQ(session->idle_expires_at - session->auth_time, sessions_.idle_timeout);
}

TEST_F(PasswordlessTest, MalformedCodesAreRefusedWithoutCountingAnAttempt) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  for (const std::string& bad : std::vector<std::string>{"12a456", "1234567", "12345", "", "１２３４５６", "123 456", "<b>"}) {
    http::Response r = Verify(jar, flow, bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_THAT(r.body, HasSubstr("Enter the 6-digit code from the email.")) << bad;
    EXPECT_THAT(r.body, HasSubstr("aria-invalid=\"true\""));
  }
  EXPECT_EQ(store_->GetEmailChallenge(OpenToken(flow.token).id)->attempts, 0);
  EXPECT_EQ(Verify(jar, flow, " " + code + " ").status, 302);
}

TEST_F(PasswordlessTest, FiveWrongCodesKillTheCode) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  for (int i = 1; i <= 5; ++i) {
    http::Response r = Verify(jar, flow, WrongCode(code));
    EXPECT_EQ(r.status, 400);
    if (i < 5) {
      EXPECT_THAT(r.body, HasSubstr(std::to_string(5 - i) + (i == 4 ? " attempt left" : " attempts left")));
    }
  }
  http::Response r = Verify(jar, flow, code);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("Too many wrong codes"));
  EXPECT_EQ(Users(), 0);
  EXPECT_EQ(store_->GetEmailChallenge(OpenToken(flow.token).id)->attempts, 5);
}

TEST_F(PasswordlessTest, ACodeWorksOnce) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  ASSERT_EQ(Verify(jar, flow, code).status, 302);
  http::Response again = Verify(jar, flow, code);
  EXPECT_EQ(again.status, 400);
  EXPECT_THAT(again.body, HasSubstr("already been completed"));
  EXPECT_EQ(HeaderOf(again, "Location"), "");
}

TEST_F(PasswordlessTest, AnExpiredCodeIsRefused) {
  Jar jar;
  oauth::LoginTransaction tx = BaseTx();
  Flow flow = Start(jar, tx, "ann@example.org");
  const std::string code = CodeOf(LastMail());
  clock_.Advance(std::chrono::seconds(600));
  http::Response r = Verify(jar, flow, code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(HeaderOf(r, "Location"), "");
  EXPECT_EQ(Users(), 0);
}

TEST_F(PasswordlessTest, ACodeJustBeforeExpiryWorks) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  clock_.Advance(std::chrono::seconds(599));
  EXPECT_EQ(Verify(jar, flow, code).status, 302);
}

TEST_F(PasswordlessTest, ForgedOrMissingCsrfIsRefused) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  Flow forged = flow;
  forged.csrf = "AAAA" + flow.csrf.substr(4);
  EXPECT_EQ(Verify(jar, forged, code).status, 403);
  forged.csrf.clear();
  EXPECT_EQ(Verify(jar, forged, code).status, 403);
  Jar stranger;  // the right token without the browser's cookie
  EXPECT_EQ(Verify(stranger, flow, code).status, 403);
  EXPECT_EQ(store_->GetEmailChallenge(OpenToken(flow.token).id)->attempts, 0);
  EXPECT_EQ(Verify(jar, flow, code).status, 302);
}

TEST_F(PasswordlessTest, TheCodeEndpointIsRateLimitedPerClientAddress) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  // Each wrong code counts one check; several transactions so the attempt limit is not what stops it.
  int checks = 0;
  while (checks < limits_.verifies_per_ip) {
    Jar other;
    Flow f = Start(other, BaseTx(), "user" + std::to_string(checks) + "@example.org");
    for (int i = 0; i < 4 && checks < limits_.verifies_per_ip; ++i, ++checks) {
      ASSERT_EQ(Verify(other, f, WrongCode(CodeOf(LastMail()))).status, 400);
    }
  }
  http::Response limited = Verify(jar, flow, code);
  EXPECT_EQ(limited.status, 429);
  const int retry_after = std::stoi(HeaderOf(limited, "Retry-After"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, limits_.verify_window);
  // Another client address is not limited; this one is again after the window.
  remote_address_ = "198.51.100.7";
  EXPECT_EQ(Verify(jar, flow, code).status, 302);
}

TEST_F(PasswordlessTest, TheLimitLiftsWhenTheWindowEnds) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string code = CodeOf(LastMail());
  for (int i = 0; i < limits_.verifies_per_ip; ++i) {
    ASSERT_TRUE(store_->HitRateLimit("check:ip:192.0.2.1", limits_.verifies_per_ip, limits_.verify_window,
                                     clock_.NowSeconds()).value().allowed);
  }
  EXPECT_EQ(Verify(jar, flow, code).status, 429);
  clock_.Advance(std::chrono::seconds(limits_.verify_window));
  EXPECT_EQ(Verify(jar, flow, code).status, 302);  // the window (5 min) ends before the code (10 min)
}

// ---- Sending ----------------------------------------------------------------------------------

TEST_F(PasswordlessTest, EmailsToOneAddressAreLimited) {
  for (int i = 0; i < limits_.sends_per_email; ++i) {
    Jar jar;
    ASSERT_EQ(Start(jar, BaseTx(), "ann@example.org").response.status, 303);
  }
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ANN@example.org");
  EXPECT_EQ(flow.response.status, 429);
  EXPECT_FALSE(HeaderOf(flow.response, "Retry-After").empty());
  EXPECT_EQ(mailer_.Sent().size(), static_cast<std::size_t>(limits_.sends_per_email));
  // Another address is not.
  EXPECT_EQ(Start(jar, BaseTx(), "bob@example.org").response.status, 303);
}

TEST_F(PasswordlessTest, ResendWaitsForTheCooldownAndReplacesTheCode) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string first = CodeOf(LastMail());
  http::Response early = PostForm(jar, "/login/passwordless/resend", {{"tx", flow.token}, {"csrf", flow.csrf}});
  EXPECT_EQ(early.status, 429);
  EXPECT_EQ(HeaderOf(early, "Retry-After"), "30");
  EXPECT_EQ(mailer_.Sent().size(), 1u);

  clock_.Advance(std::chrono::seconds(30));
  http::Response resent = PostForm(jar, "/login/passwordless/resend", {{"tx", flow.token}, {"csrf", flow.csrf}});
  ASSERT_EQ(resent.status, 303) << resent.body;
  ASSERT_EQ(mailer_.Sent().size(), 2u);
  const std::string second = CodeOf(LastMail());
  EXPECT_EQ(store_->GetEmailChallenge(OpenToken(flow.token).id)->send_count, 2);
  if (first != second) {
    EXPECT_EQ(Verify(jar, flow, first).status, 400);
  }
  EXPECT_EQ(Verify(jar, flow, second).status, 302);
}

TEST_F(PasswordlessTest, AFailedDeliveryIsReportedAndTheTransactionKept) {
  mailer_.SetFailing(true);
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  EXPECT_EQ(flow.response.status, 503);
  EXPECT_THAT(flow.response.body, Not(HasSubstr("We sent")));
  EXPECT_THAT(flow.response.body, HasSubstr("We could not send the email to ann@example.org"));
  // The page carries the transaction (with the address) and offers to send again.
  const std::string token = FieldValue(flow.response.body, "tx");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(OpenToken(token).login_hint, "ann@example.org");
  flow.token = token;
  flow.csrf = FieldValue(flow.response.body, "csrf");

  // Nothing went out, so there is no cool-down before trying again, and the page does not claim
  // an email was sent.
  http::Response again = PostForm(jar, "/login/passwordless/resend", {{"tx", flow.token}, {"csrf", flow.csrf}});
  EXPECT_EQ(again.status, 503) << again.body;
  http::Response page = Do(jar, http::Method::kGet, "/login/passwordless?tx=" + flow.token);
  EXPECT_THAT(page.body, Not(HasSubstr("We sent")));

  mailer_.SetFailing(false);
  http::Response resent = PostForm(jar, "/login/passwordless/resend", {{"tx", flow.token}, {"csrf", flow.csrf}});
  ASSERT_EQ(resent.status, 303) << resent.body;
  EXPECT_EQ(Verify(jar, flow, CodeOf(LastMail())).status, 302);
}

TEST_F(PasswordlessTest, MalformedEmailsAreRefusedOnThePage) {
  for (const std::string& bad : std::vector<std::string>{"ann", "ann@", "@example.org", "ann@example", "a b@example.org",
                                                          std::string(300, 'a') + "@x.org"}) {
    Jar jar;
    Flow flow = Start(jar, BaseTx(), bad);
    EXPECT_EQ(flow.response.status, 400) << bad;
    EXPECT_THAT(flow.response.body, HasSubstr("Enter a valid email address")) << bad;
  }
  EXPECT_TRUE(mailer_.Sent().empty());
  EXPECT_EQ(Users(), 0);
}

// ---- Sign-up and organizations ---------------------------------------------------------------

TEST_F(PasswordlessTest, SignUpKeepsTheNameAndSignInEmailsSaySignIn) {
  Jar jar;
  auto tx = BaseTx();
  tx.prompt.create = true;
  Flow flow = Start(jar, tx, "ada@example.org", "Ada Lovelace");
  ASSERT_EQ(flow.response.status, 303) << flow.response.body;
  EXPECT_THAT(LastMail().text, HasSubstr("Welcome to Acme App"));
  ASSERT_EQ(Verify(jar, flow, CodeOf(LastMail())).status, 302);
  EXPECT_EQ(store_->FindUserByEmail("ada@example.org")->name, "Ada Lovelace");

  Jar again;
  Start(again, BaseTx(), "ada@example.org");
  EXPECT_EQ(LastMail().subject, "Sign in to Acme App");
  EXPECT_EQ(Users(), 1);
}

TEST_F(PasswordlessTest, TheMembershipOfTheTransactionsOrganizationIsRecorded) {
  ASSERT_TRUE(store_->SetConnectionEnabled(kOrgSso, false, clock_.NowSeconds()).ok());
  Jar jar;
  auto tx = BaseTx();
  tx.organization_id = kOrg;
  Flow flow = Start(jar, tx, "bob@acme.com");
  ASSERT_EQ(flow.response.status, 303) << flow.response.body;
  http::Response r = Verify(jar, flow, CodeOf(LastMail()));
  ASSERT_EQ(r.status, 302);
  auto user = store_->FindUserByEmail("bob@acme.com");
  ASSERT_TRUE(user.ok());
  auto memberships = store_->ListUserMemberships(user->id);
  ASSERT_EQ(memberships->size(), 1u);
  EXPECT_EQ((*memberships)[0].organization_id, kOrg);
  auto code = store_->ConsumeAuthorizationCode(HexEncode(crypto::Sha256(RedirectParams(r)["code"])), clock_.NowSeconds());
  EXPECT_EQ(code->organization_id, kOrg);
}

TEST_F(PasswordlessTest, FormPostResponseMode) {
  Jar jar;
  auto tx = BaseTx();
  tx.response_mode = oauth::ResponseMode::kFormPost;
  Flow flow = Start(jar, tx, "ann@example.org");
  http::Response r = Verify(jar, flow, CodeOf(LastMail()));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("action=\"https://app.example/cb\""));
  EXPECT_THAT(r.body, HasSubstr("name=\"code\""));
  EXPECT_THAT(r.body, HasSubstr("name=\"iss\" value=\"https://auth.example\""));
}

// ---- The magic link ---------------------------------------------------------------------------

TEST_F(PasswordlessTest, TheLinkSignsInTheBrowserThatAskedForIt) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string link = LinkPathOf(LastMail());
  ASSERT_FALSE(link.empty());
  http::Response r = Do(jar, http::Method::kGet, link);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(RedirectParams(r)["state"], "st");
  EXPECT_EQ(store_->ConsumeAuthorizationCode(HexEncode(crypto::Sha256(RedirectParams(r)["code"])), clock_.NowSeconds())->auth_method,
            "magic_link");

  http::Response reused = Do(jar, http::Method::kGet, link);
  EXPECT_EQ(reused.status, 400);
  EXPECT_THAT(reused.body, HasSubstr("already been used"));
}

TEST_F(PasswordlessTest, TheLinkInAnotherBrowserAsksFirst) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string link = LinkPathOf(LastMail());
  Jar other;
  http::Response confirm = Do(other, http::Method::kGet, link);
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  EXPECT_THAT(confirm.body, HasSubstr("Continue in this browser?"));
  EXPECT_THAT(confirm.body, HasSubstr("ann@example.org"));
  EXPECT_EQ(Users(), 0);  // a GET (or a mail scanner) consumes nothing
  EXPECT_EQ(Do(other, http::Method::kGet, link).status, 200);

  http::Response forged = PostForm(other, "/login/magic", {{"token", FieldValue(confirm.body, "token")}, {"csrf", "x"}});
  EXPECT_EQ(forged.status, 403);
  http::Response r = PostForm(other, "/login/magic",
                              {{"token", FieldValue(confirm.body, "token")}, {"csrf", FieldValue(confirm.body, "csrf")}});
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_FALSE(other.cookies["__Host-gh_session"].empty());
  // The first browser's code no longer completes the transaction.
  EXPECT_EQ(Verify(jar, flow, CodeOf(LastMail())).status, 400);
}

TEST_F(PasswordlessTest, BadLinksAreRefused) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string link = LinkPathOf(LastMail());
  EXPECT_EQ(Do(jar, http::Method::kGet, "/login/magic?token=abc").status, 400);
  EXPECT_EQ(Do(jar, http::Method::kGet, "/login/magic").status, 400);
  std::string other = link;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Do(jar, http::Method::kGet, other).status, 400);
  // A link of one transaction with the form token of another.
  Jar second;
  Flow flow2 = Start(second, BaseTx(), "bob@example.org");
  const std::string link2 = LinkPathOf(LastMail());
  Jar third;
  http::Response confirm = Do(third, http::Method::kGet, link2);
  ASSERT_EQ(confirm.status, 200);
  http::Response crossed = PostForm(third, "/login/magic", {{"token", link.substr(link.find('=') + 1)},
                                                            {"csrf", FieldValue(confirm.body, "csrf")}});
  EXPECT_EQ(crossed.status, 403);
  // An expired link.
  clock_.Advance(std::chrono::seconds(600));
  http::Response expired = Do(jar, http::Method::kGet, link);
  EXPECT_EQ(expired.status, 400);
  EXPECT_THAT(expired.body, HasSubstr("expired"));
  EXPECT_EQ(Users(), 0);
}

TEST_F(PasswordlessTest, AResendInvalidatesTheOldLink) {
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  const std::string old_link = LinkPathOf(LastMail());
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_EQ(PostForm(jar, "/login/passwordless/resend", {{"tx", flow.token}, {"csrf", flow.csrf}}).status, 303);
  EXPECT_EQ(Do(jar, http::Method::kGet, old_link).status, 400);
  EXPECT_EQ(Do(jar, http::Method::kGet, LinkPathOf(LastMail())).status, 302);
}

TEST_F(PasswordlessTest, OtpOnlyAndLinkOnly) {
  passwordless_.link = false;
  Mount(true);
  Jar jar;
  Start(jar, BaseTx(), "ann@example.org");
  EXPECT_TRUE(LinkPathOf(LastMail()).empty());
  EXPECT_FALSE(CodeOf(LastMail()).empty());

  passwordless_.link = true;
  passwordless_.otp = false;
  Mount(true);
  Jar jar2;
  Flow flow = Start(jar2, BaseTx(), "bob@example.org");
  EXPECT_TRUE(CodeOf(LastMail()).empty());
  EXPECT_FALSE(LinkPathOf(LastMail()).empty());
  http::Response page = Do(jar2, http::Method::kGet, HeaderOf(flow.response, "Location"));
  EXPECT_THAT(page.body, Not(HasSubstr("one-time-code")));
  EXPECT_EQ(Verify(jar2, flow, "123456").status, 400);
}

TEST_F(PasswordlessTest, ADisabledPasswordlessConnectionSendsNothing) {
  ASSERT_TRUE(store_->SetConnectionEnabled(kPasswordless, false, clock_.NowSeconds()).ok());
  Jar jar;
  Flow flow = Start(jar, BaseTx(), "ann@example.org");
  EXPECT_EQ(flow.response.status, 400);
  EXPECT_THAT(flow.response.body, HasSubstr("not available"));
  EXPECT_TRUE(mailer_.Sent().empty());
}

TEST(OtpTest, CodesAreSixDigitsAndUniform) {
  FakeRandom random(7);
  std::array<int, 10> first_digit{};
  for (int i = 0; i < 20000; ++i) {
    const std::string code = NewOtp(random);
    ASSERT_EQ(code.size(), 6u);
    ASSERT_TRUE(ParseOtp(code).has_value());
    ++first_digit[code[0] - '0'];
  }
  for (int n : first_digit) EXPECT_NEAR(n, 2000, 250);
  EXPECT_FALSE(ParseOtp("12345a"));
  EXPECT_FALSE(ParseOtp("1234567"));
  EXPECT_EQ(ParseOtp(" 012345 "), "012345");
}

}  // namespace
}  // namespace gatehouse::login
