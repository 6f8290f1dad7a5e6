#include "oauth/authorize.h"

#include <gtest/gtest.h>

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
    AuthorizeDeps deps{*store_, clients, sealer_, "https://auth.example.com"};
    return HandleAuthorize(deps, req);
  }
  static std::string Location(const http::Response& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "Location") return v;
    }
    return {};
  }
  std::unique_ptr<store::Store> store_;
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

}  // namespace
}  // namespace gatehouse::oauth
