#include "oauth/authorize.h"

#include <gtest/gtest.h>

#include <map>

#include "common/url.h"

namespace gatehouse::oauth {
namespace {

class AuthorizeHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::OpenStore("sqlite::memory:", {.create_if_missing = true})).value();
    store::Client c{.id = "skc_app", .name = "App", .secret_hash = "sha256:x",
                    .redirect_uris = {"https://app.example.com/cb"}, .created_at = 1, .updated_at = 1};
    ASSERT_TRUE(store_->CreateClient(c).ok());
  }
  http::Response Get(const std::string& query) {
    http::Request req;
    req.path = "/oauth/authorize";
    req.query = query;
    req.request_id = "rid";
    ClientCache clients(*store_, clock_, std::chrono::milliseconds(0));
    AuthorizeDeps deps{*store_, clients, sealer_, "https://auth.example.com", resume_};
    return HandleAuthorize(deps, req);
  }
  static std::string Location(const http::Response& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "Location") return v;
    }
    return {};
  }
  std::map<std::string, std::string> Params(const http::Response& r) {
    const std::string loc = Location(r);
    auto q = ParseQuery(loc.substr(loc.find('?') + 1));
    std::map<std::string, std::string> m;
    if (q.ok()) m.insert(q->begin(), q->end());
    return m;
  }
  std::unique_ptr<store::Store> store_;
  std::function<Result<std::optional<http::Response>>(const http::Request&, const LoginTransaction&)> resume_;
  FakeClock clock_;
  FakeRandom random_;
  TransactionSealer sealer_{std::string(32, 'k'), clock_, random_};
};

const std::string kBase =
    "response_type=code&client_id=skc_app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid+email";

TEST_F(AuthorizeHandlerTest, ValidRequestBecomesASealedTransaction) {
  auto r = Get(kBase + "&state=xyz&nonce=n1&login_hint=a%40b.test&prompt=create");
  ASSERT_EQ(r.status, 302);
  std::string loc = Location(r);
  ASSERT_TRUE(loc.starts_with("/login?tx="));
  auto tx = sealer_.Open(loc.substr(10));
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ(tx->client_id, "skc_app");
  EXPECT_EQ(tx->redirect_uri, "https://app.example.com/cb");
  EXPECT_EQ(tx->state, "xyz");
  EXPECT_EQ(tx->nonce, "n1");
  EXPECT_EQ(tx->login_hint, "a@b.test");
  EXPECT_TRUE(tx->prompt.create);
  EXPECT_EQ(tx->scopes, (std::vector<std::string>{"email", "openid"}));
}

TEST_F(AuthorizeHandlerTest, ErrorsBeforeTheRedirectUriIsTrustedArePages) {
  EXPECT_EQ(Get("client_id=skc_nope&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb").status, 400);
  auto r = Get("client_id=skc_app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Location(r).empty());
  EXPECT_TRUE(r.content_type.starts_with("text/html"));
}

TEST_F(AuthorizeHandlerTest, LaterErrorsRedirectWithStateAndIss) {
  auto r = Get(kBase + "&state=a%2Bb&prompt=bogus");
  ASSERT_EQ(r.status, 302);
  std::string loc = Location(r);
  ASSERT_TRUE(loc.starts_with("https://app.example.com/cb?"));
  auto q = ParseQuery(loc.substr(loc.find('?') + 1));
  ASSERT_TRUE(q.ok());
  std::map<std::string, std::string> m(q->begin(), q->end());
  EXPECT_EQ(m["error"], "invalid_request");
  EXPECT_EQ(m["state"], "a+b");
  EXPECT_EQ(m["iss"], "https://auth.example.com");
}

TEST_F(AuthorizeHandlerTest, PkceOnlyS256) {
  const std::string challenge = "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  EXPECT_EQ(Get(kBase + challenge + "&code_challenge_method=S256").status, 302);
  EXPECT_NE(Location(Get(kBase + challenge + "&code_challenge_method=plain")).find("error=invalid_request"),
            std::string::npos);
}

TEST_F(AuthorizeHandlerTest, PromptNoneWithoutASessionIsLoginRequired) {
  auto r = Get(kBase + "&state=s1&prompt=none");
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(Params(r)["error"], "login_required");
  EXPECT_EQ(Params(r)["state"], "s1");
  EXPECT_EQ(Params(r)["iss"], "https://auth.example.com");
  // The session check ran and found nothing.
  int calls = 0;
  resume_ = [&](const http::Request&, const LoginTransaction&) -> Result<std::optional<http::Response>> {
    ++calls;
    return std::optional<http::Response>();
  };
  EXPECT_EQ(Params(Get(kBase + "&prompt=none"))["error"], "login_required");
  EXPECT_EQ(calls, 1);
}

TEST_F(AuthorizeHandlerTest, TheSessionCheckAnswersWithoutAPage) {
  LoginTransaction seen;
  resume_ = [&](const http::Request&, const LoginTransaction& tx) -> Result<std::optional<http::Response>> {
    seen = tx;
    return std::optional(http::Response::Redirect("https://app.example.com/cb?code=c1", 302));
  };
  auto r = Get(kBase + "&state=s1&prompt=none&max_age=60");
  EXPECT_EQ(Location(r), "https://app.example.com/cb?code=c1");
  // It sees the validated transaction, with the id a code is bound to.
  EXPECT_FALSE(seen.id.empty());
  EXPECT_TRUE(seen.prompt.none);
  EXPECT_EQ(seen.max_age, 60);
  EXPECT_EQ(seen.state, "s1");
  // Invalid requests never reach it.
  seen = {};
  Get(kBase + "&prompt=bogus");
  EXPECT_TRUE(seen.id.empty());
}

TEST(RedirectOriginTest, OriginsAndFormAction) {
  EXPECT_EQ(RedirectOrigin("https://app.example.com/cb?x=1"), "https://app.example.com");
  EXPECT_EQ(RedirectOrigin("http://127.0.0.1:9999/cb"), "http://127.0.0.1:9999");
  EXPECT_EQ(RedirectOrigin("com.example.app:/cb"), "com.example.app:");
  EXPECT_EQ(RedirectOrigin("not a uri"), "");
  EXPECT_EQ(FormActionFor("https://app.example.com/cb"), "'self' https://app.example.com");
  EXPECT_EQ(FormActionFor(""), "'self'");
}

TEST_F(AuthorizeHandlerTest, AFailedSessionCheckIsServerError) {
  resume_ = [](const http::Request&, const LoginTransaction&) -> Result<std::optional<http::Response>> {
    return UnavailableError("store down");
  };
  auto r = Get(kBase + "&state=s1");
  EXPECT_EQ(Params(r)["error"], "server_error");
  EXPECT_EQ(Params(r)["state"], "s1");
}

}  // namespace
}  // namespace gatehouse::oauth
