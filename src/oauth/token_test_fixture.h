// The fixture of the token endpoint tests: an in-memory store with one application client, a
// user signed in in one session, and helpers that make authorization codes and requests. The
// clock and randomness are fakes, so expiry is tested by moving the clock.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "oauth/token.h"

namespace gatehouse::oauth {

class TokenTest : public ::testing::Test {
 protected:
  static constexpr const char* kRedirect = "https://app.example.com/cb";
  static constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";  // RFC 7636 App. B

  void SetUp() override { Init(crypto::JwsAlg::kRS256); }

  void Init(crypto::JwsAlg alg) {
    store_ = std::move(store::OpenStore("sqlite::memory:", {.create_if_missing = true})).value();
    keys_ = std::make_unique<KeyManager>(*store_, std::string(32, 'm'), clock_, random_, KeyPolicy{.alg = alg});
    ASSERT_TRUE(keys_->EnsureKeys().ok());
    issuer_ = std::make_unique<TokenIssuer>(*keys_, "https://auth.example.com", clock_, random_, TokenPolicy{});
    clients_ = std::make_unique<ClientCache>(*store_, clock_, std::chrono::milliseconds(0));
    deps_ = std::make_unique<TokenDeps>(TokenDeps{*store_, *clients_, *issuer_, clock_, random_, 24 * 3600});
    const UnixSeconds now = clock_.NowSeconds();
    ASSERT_TRUE(store_->CreateClient({.id = "skc_app", .name = "App", .secret_hash = crypto::HashSecret("app-secret"),
                                      .redirect_uris = {kRedirect}, .post_logout_redirect_uris = {},
                                      .scopes = {"read:things", "write:things"}, .organization_id = {},
                                      .backchannel_logout_uri = {}, .created_at = now, .updated_at = now})
                    .ok());
    ASSERT_TRUE(store_->CreateClient({.id = "skc_other", .name = "Other",
                                      .secret_hash = crypto::HashSecret("other-secret"),
                                      .redirect_uris = {kRedirect}, .created_at = now, .updated_at = now})
                    .ok());
    ASSERT_TRUE(store_->CreateOrganization({.id = "org_1", .display_name = "Org", .created_at = now, .updated_at = now}).ok());
    ASSERT_TRUE(store_->CreateUser({.id = "usr_1", .email = "ann@example.com", .email_verified = true,
                                    .name = "Ann Lee", .created_at = now, .updated_at = now})
                    .ok());
    ASSERT_TRUE(store_->CreateSession({.id = "ses_1", .token_hash = std::string(64, 'a'), .user_id = "usr_1",
                                       .connection_id = "conn_email", .auth_method = "otp", .auth_time = now,
                                       .created_at = now, .last_seen_at = now, .idle_expires_at = now + 24 * 3600,
                                       .expires_at = now + 7 * 24 * 3600})
                    .ok());
  }

  // Stores a fresh authorization code for usr_1 in ses_1 and returns it.
  std::string MakeCode(std::string scope = "openid profile email offline_access", bool pkce = true,
                       std::string client = "skc_app") {
    const std::string code = "code-" + std::to_string(++codes_);
    const UnixSeconds now = clock_.NowSeconds();
    store::AuthorizationCode c{.code_hash = HexEncode(crypto::Sha256(code)),
                               .transaction_id = "tx-" + code,
                               .client_id = client,
                               .redirect_uri = kRedirect,
                               .scope = std::move(scope),
                               .code_challenge = pkce ? Base64UrlEncode(crypto::Sha256(kVerifier)) : "",
                               .nonce = "n-0S6",
                               .user_id = "usr_1",
                               .organization_id = "org_1",
                               .session_id = "ses_1",
                               .connection_id = "conn_email",
                               .auth_method = "otp",
                               .auth_time = now - 5,
                               .created_at = now,
                               .expires_at = now + 600};
    EXPECT_TRUE(store_->CreateAuthorizationCode(c).ok());
    return code;
  }

  // A POST with a form body and optional extra headers; header storage lives in the fixture.
  http::Request Post(std::string path, std::string body, std::vector<std::pair<std::string, std::string>> headers = {},
                     std::string content_type = "application/x-www-form-urlencoded") {
    http::Request r;
    r.method = http::Method::kPost;
    r.path = std::move(path);
    r.request_id = "rid";
    if (!content_type.empty()) headers.emplace_back("Content-Type", std::move(content_type));
    for (auto& [k, v] : headers) {
      storage_.push_back(std::move(k));
      const std::string& name = storage_.back();
      storage_.push_back(std::move(v));
      r.headers.push_back({name, storage_.back()});
    }
    storage_.push_back(std::move(body));
    r.body = storage_.back();
    return r;
  }

  http::Response Token(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    return HandleToken(*deps_, Post("/oauth/token", std::move(body), std::move(headers)));
  }
  std::string AppAuth() const { return "&client_id=skc_app&client_secret=app-secret"; }
  http::Response Exchange(const std::string& code, std::string extra = std::string("&code_verifier=") + kVerifier) {
    return Token("grant_type=authorization_code&code=" + code +
                 "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb" + AppAuth() + extra);
  }
  http::Response Refresh(const std::string& refresh_token, std::string auth = "") {
    return Token("grant_type=refresh_token&refresh_token=" + refresh_token + (auth.empty() ? AppAuth() : auth));
  }
  http::Response Introspect(const std::string& token) {
    return HandleIntrospect(*deps_, Post("/oauth/introspect", "token=" + token + AppAuth()));
  }
  http::Response Userinfo(const std::string& token) {
    http::Request r = Post("/userinfo", "", {{"Authorization", "Bearer " + token}}, "");
    r.method = http::Method::kGet;
    return HandleUserinfo(*deps_, r);
  }

  static boost::json::object Json(const http::Response& r) {
    auto v = boost::json::parse(r.Body());
    return v.as_object();
  }
  static std::string Str(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  }
  static boost::json::object Part(const std::string& jwt, int index) {
    std::size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
    std::string_view part = index == 0 ? std::string_view(jwt).substr(0, a) : std::string_view(jwt).substr(a + 1, b - a - 1);
    return boost::json::parse(*Base64UrlDecode(part)).as_object();
  }
  static std::string Header(const http::Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return {};
  }

  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<KeyManager> keys_;
  std::unique_ptr<TokenIssuer> issuer_;
  std::unique_ptr<ClientCache> clients_;
  std::unique_ptr<TokenDeps> deps_;
  std::deque<std::string> storage_;
  int codes_ = 0;
};

}  // namespace gatehouse::oauth
