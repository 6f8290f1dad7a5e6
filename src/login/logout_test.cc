// RP-initiated logout (/oidc/logout) over the fixture's store: which sessions end, the cookie,
// where the browser goes, the grants revoked, the back-channel notices.
#include "login/logout.h"

#include <condition_variable>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "login/login_fixture.h"
#include "login/session.h"

namespace gatehouse::login::testing {
namespace {

class LogoutTest : public LoginFixture {
 protected:
  void SetUp() override {
    LoginFixture::SetUp();
    keys_ = std::make_unique<oauth::KeyManager>(*store_, master_, clock_, random_, oauth::KeyPolicy{});
    ASSERT_TRUE(keys_->EnsureKeys().ok());
    tokens_ = std::make_unique<oauth::TokenIssuer>(*keys_, std::string(kIssuer), clock_, random_, oauth::TokenPolicy{});
    notifier_ = std::make_unique<oauth::BackchannelNotifier>(
        *tokens_, *store_, clock_,
        [this](const std::string& url, const std::string& body) -> Result<int> {
          std::lock_guard lock(mu_);
          posts_.emplace_back(url, body);
          cv_.notify_all();
          return 200;
        },
        oauth::BackchannelPolicy{.delays = {}, .drain = std::chrono::milliseconds(100)});
    ASSERT_TRUE(store_->UpdateClient(kClient, [](store::Client c) -> Result<store::Client> {
                         c.post_logout_redirect_uris = {"https://app.example/bye"};
                         c.backchannel_logout_uri = "https://app.example/backchannel";
                         return c;
                       }).ok());
    const UnixSeconds now = clock_.NowSeconds();
    ASSERT_TRUE(store_->CreateUser({.id = "usr_ann", .email = "ann@example.org", .email_verified = true,
                                    .name = "Ann", .created_at = now, .updated_at = now})
                    .ok());
    ASSERT_TRUE(store_->CreateUser({.id = "usr_bob", .email = "bob@example.org", .email_verified = true,
                                    .name = "Bob", .created_at = now, .updated_at = now})
                    .ok());
    ann_token_ = NewSession("ses_ann", "usr_ann");
    bob_token_ = NewSession("ses_bob", "usr_bob");
    logout_deps_ = std::make_unique<LogoutDeps>(LogoutDeps{.tokens = *tokens_, .backchannel = notifier_.get()});
    MountLogout(*router_, *deps_, *logout_deps_);
  }

  // The notifier's thread may still be delivering: stop it before what it writes to goes.
  void TearDown() override { notifier_.reset(); }

  std::string NewSession(std::string id, std::string user) {
    const std::string token = Base64UrlEncode(std::string(32, static_cast<char>('a' + sessions_made_++)));
    const UnixSeconds now = clock_.NowSeconds();
    EXPECT_TRUE(store_->CreateSession({.id = id, .token_hash = SessionTokenHash(token), .user_id = user,
                                       .connection_id = kPasswordless, .auth_method = "otp", .auth_time = now,
                                       .created_at = now, .last_seen_at = now, .idle_expires_at = now + 3600,
                                       .expires_at = now + 7200})
                    .ok());
    // A grant of the client in that session, as a code exchange makes it.
    const std::string code_hash = HexEncode(crypto::Sha256(id));
    EXPECT_TRUE(store_->CreateAuthorizationCode({.code_hash = code_hash, .transaction_id = "tx_" + id,
                                                 .client_id = kClient, .redirect_uri = "https://app.example/cb",
                                                 .scope = "openid offline_access", .user_id = user,
                                                 .session_id = id, .created_at = now, .expires_at = now + 600})
                    .ok());
    auto redeemed = store_->RedeemAuthorizationCode(code_hash, now, [&](const store::AuthorizationCode& c) {
      store::TokenIssue issue;
      issue.grant = {.id = "gnt_" + id, .code_hash = c.code_hash, .client_id = c.client_id, .user_id = c.user_id,
                     .session_id = c.session_id, .scope = c.scope, .created_at = now, .expires_at = now + 86400};
      issue.refresh = store::RefreshToken{.token_hash = "rt_" + id, .grant_id = "gnt_" + id, .created_at = now,
                                          .expires_at = now + 86400};
      issue.access = {.jti = "tkn_" + id, .grant_id = "gnt_" + id, .expires_at = now + 300};
      return Result<store::TokenIssue>(issue);
    });
    EXPECT_TRUE(redeemed.ok()) << redeemed.status().ToString();
    return token;
  }

  std::string Hint(const std::string& session, const std::string& user) {
    store::User u{.id = user, .email = "x@example.org", .email_verified = true};
    auto id = tokens_->IdToken(u, {.client_id = kClient, .scope = "openid", .session_id = session}, "");
    EXPECT_TRUE(id.ok());
    return id->jwt;
  }

  http::Response Logout(const std::string& query, const std::vector<std::string>& session_tokens) {
    std::string cookie;
    for (const auto& t : session_tokens) cookie += (cookie.empty() ? "" : ".") + t;
    Headers headers;
    if (!cookie.empty()) headers.emplace_back("Cookie", "__Host-gh_session=" + cookie);
    return Get("/oidc/logout" + (query.empty() ? "" : "?" + query), headers);
  }

  bool SessionExists(const std::string& id) { return store_->GetSession(id).ok(); }
  bool GrantRevoked(const std::string& session) {
    auto found = store_->FindRefreshToken("rt_" + session);
    return found.ok() && found->grant.revoked_at != 0;
  }
  std::vector<std::pair<std::string, std::string>> WaitForPosts(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return posts_.size() >= n; });
    return posts_;
  }

  std::unique_ptr<oauth::KeyManager> keys_;
  std::unique_ptr<oauth::TokenIssuer> tokens_;
  std::unique_ptr<oauth::BackchannelNotifier> notifier_;
  std::unique_ptr<LogoutDeps> logout_deps_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> posts_;
  std::string ann_token_, bob_token_;
  int sessions_made_ = 0;
};

TEST_F(LogoutTest, WithoutAHintEveryAccountOfTheBrowserSignsOut) {
  auto r = Logout("", {ann_token_, bob_token_});
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("You have been signed out."));
  EXPECT_THAT(HeaderOf(r, "Set-Cookie"), StartsWith("__Host-gh_session=;"));
  EXPECT_FALSE(SessionExists("ses_ann"));
  EXPECT_FALSE(SessionExists("ses_bob"));
  EXPECT_TRUE(GrantRevoked("ses_ann"));
  EXPECT_TRUE(GrantRevoked("ses_bob"));
  auto state = store_->GetAccessTokenState("tkn_ses_ann");
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->revoked);
  EXPECT_EQ(WaitForPosts(2).size(), 2u);
}

TEST_F(LogoutTest, AHintEndsItsSessionOnlyAndRedirectsWithState) {
  auto r = Logout("id_token_hint=" + Hint("ses_ann", "usr_ann") +
                      "&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=s%201",
                  {ann_token_, bob_token_});
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(HeaderOf(r, "Location"), "https://app.example/bye?state=s%201");
  EXPECT_THAT(HeaderOf(r, "Set-Cookie"), StartsWith("__Host-gh_session=" + bob_token_ + ";"));
  EXPECT_FALSE(SessionExists("ses_ann"));
  EXPECT_TRUE(SessionExists("ses_bob"));
  EXPECT_FALSE(GrantRevoked("ses_bob"));
  // The client hears of it on the back channel: a logout token for ann's session.
  auto posts = WaitForPosts(1);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].first, "https://app.example/backchannel");
  ASSERT_TRUE(posts[0].second.starts_with("logout_token="));
  auto claims = tokens_->Verify(posts[0].second.substr(13), "logout+jwt");
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ((*claims)["sid"].as_string(), "ses_ann");
  EXPECT_EQ((*claims)["sub"].as_string(), "usr_ann");
  EXPECT_FALSE(claims->contains("nonce"));
}

TEST_F(LogoutTest, AnExpiredHintStillWorks) {
  const std::string hint = Hint("ses_ann", "usr_ann");
  clock_.Advance(std::chrono::hours(5));
  auto r = Logout("id_token_hint=" + hint, {ann_token_});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(SessionExists("ses_ann"));
}

TEST_F(LogoutTest, UnregisteredDestinationsAndBadHintsAreRefusedAndEndNothing) {
  for (const std::string& query :
       {std::string("post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"),
        std::string("post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye%2F"),
        "id_token_hint=" + Hint("ses_ann", "usr_ann") + "&client_id=skc_other",
        std::string("id_token_hint=abc.def.ghi"), "id_token_hint=" + Hint("ses_ann", "usr_ann") + "x",
        std::string("state=a&state=b")}) {
    auto r = Logout(query, {ann_token_});
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(HeaderOf(r, "Location"), "") << query;
    EXPECT_EQ(HeaderOf(r, "Set-Cookie"), "") << query;
  }
  EXPECT_TRUE(SessionExists("ses_ann"));
  EXPECT_FALSE(GrantRevoked("ses_ann"));
  // An access token is not an ID token hint.
  auto access = tokens_->AccessToken({.id = "usr_ann"}, {.client_id = kClient, .scope = "openid"}, "tkn_x");
  ASSERT_TRUE(access.ok());
  EXPECT_EQ(Logout("id_token_hint=" + access->jwt, {ann_token_}).status, 400);
}

TEST_F(LogoutTest, WithoutAHintTheUriMustBeRegisteredBySomeClient) {
  auto r = Logout("post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye", {ann_token_});
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(HeaderOf(r, "Location"), "https://app.example/bye");
  EXPECT_FALSE(SessionExists("ses_ann"));
}

}  // namespace
}  // namespace gatehouse::login::testing
