// The token endpoint's grants, end to end through the handler with a real (in-memory SQLite)
// store and real signatures; expiry by moving the fake clock.
#include "oauth/token_test_fixture.h"

namespace gatehouse::oauth {
namespace {

TEST_F(TokenTest, CodeExchangeIssuesTheThreeTokens) {
  auto r = Exchange(MakeCode());
  ASSERT_EQ(r.status, 200) << r.Body();
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(r, "Pragma"), "no-cache");
  auto body = Json(r);
  EXPECT_EQ(Str(body, "token_type"), "Bearer");
  EXPECT_EQ(Str(body, "scope"), "openid profile email offline_access");
  ASSERT_TRUE(body["expires_in"].is_int64());
  EXPECT_EQ(body["expires_in"].as_int64(), 300);
  EXPECT_EQ(Str(body, "refresh_token").size(), 43u);

  const std::string access = Str(body, "access_token"), id = Str(body, "id_token");
  auto at_header = Part(access, 0);
  EXPECT_EQ(Str(at_header, "typ"), "at+jwt");
  EXPECT_EQ(Str(at_header, "alg"), "RS256");
  EXPECT_EQ(Str(at_header, "kid"), keys_->Current()->signing->kid());
  auto at = Part(access, 1);
  const UnixSeconds now = clock_.NowSeconds();
  EXPECT_EQ(Str(at, "iss"), "https://auth.example.com");
  EXPECT_EQ(Str(at, "sub"), "usr_1");
  EXPECT_EQ(boost::json::serialize(at["aud"]), R"(["skc_app"])");
  EXPECT_EQ(at["iat"].as_int64(), now);
  EXPECT_EQ(at["nbf"].as_int64(), now);
  EXPECT_EQ(at["exp"].as_int64(), now + 300);
  EXPECT_TRUE(Str(at, "jti").starts_with("tkn_"));
  EXPECT_EQ(Str(at, "sid"), "ses_1");
  EXPECT_EQ(Str(at, "client_id"), "skc_app");
  EXPECT_EQ(Str(at, "oid"), "org_1");
  EXPECT_EQ(Str(at, "scope"), "openid profile email offline_access");
  EXPECT_EQ(boost::json::serialize(at["scopes"]), R"(["openid","profile","email","offline_access"])");
  EXPECT_TRUE(at["roles"].is_array());
  EXPECT_TRUE(at["permissions"].is_array());

  EXPECT_EQ(Str(Part(id, 0), "typ"), "JWT");
  auto idt = Part(id, 1);
  EXPECT_EQ(Str(idt, "sub"), "usr_1");
  EXPECT_EQ(boost::json::serialize(idt["aud"]), R"(["skc_app"])");
  EXPECT_EQ(Str(idt, "azp"), "skc_app");
  EXPECT_EQ(Str(idt, "nonce"), "n-0S6");
  EXPECT_EQ(idt["auth_time"].as_int64(), now - 5);
  EXPECT_EQ(Str(idt, "sid"), "ses_1");
  EXPECT_EQ(Str(idt, "oid"), "org_1");
  EXPECT_EQ(boost::json::serialize(idt["amr"]), R"(["conn_email"])");
  EXPECT_EQ(Str(idt, "email"), "ann@example.com");
  EXPECT_TRUE(idt["email_verified"].as_bool());
  EXPECT_EQ(Str(idt, "name"), "Ann Lee");
  const std::string digest = crypto::Sha256(access);
  EXPECT_EQ(Str(idt, "at_hash"), Base64UrlEncode(std::string_view(digest).substr(0, 16)));
  EXPECT_TRUE(issuer_->Verify(id, "JWT").ok());
  EXPECT_TRUE(issuer_->Verify(access, "at+jwt").ok());
}

TEST_F(TokenTest, NoRefreshTokenWithoutOfflineAccessAndNoIdTokenWithoutOpenid) {
  auto body = Json(Exchange(MakeCode("openid email")));
  EXPECT_FALSE(body.contains("refresh_token"));
  EXPECT_TRUE(body.contains("id_token"));
  auto idt = Part(Str(body, "id_token"), 1);
  EXPECT_FALSE(idt.contains("name"));  // profile not granted
  EXPECT_TRUE(idt.contains("email"));
  body = Json(Exchange(MakeCode("email")));
  EXPECT_FALSE(body.contains("id_token"));
}

TEST_F(TokenTest, SecondUseOfACodeFailsAndRevokesWhatTheFirstIssued) {
  const std::string code = MakeCode();
  auto first = Json(Exchange(code));
  auto again = Exchange(code);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(Str(Json(again), "error"), "invalid_grant");
  EXPECT_EQ(Introspect(Str(first, "access_token")).Body(), R"({"active":false})");
  EXPECT_EQ(Userinfo(Str(first, "access_token")).status, 401);
  EXPECT_EQ(Str(Json(Refresh(Str(first, "refresh_token"))), "error"), "invalid_grant");
}

TEST_F(TokenTest, CodeChecksAnswerInvalidGrantAndLeaveTheCodeUsable) {
  const std::string code = MakeCode();
  auto error_of = [&](const http::Response& r) { return r.status == 400 ? Str(Json(r), "error") : std::to_string(r.status); };
  // Another client.
  EXPECT_EQ(error_of(Token("grant_type=authorization_code&code=" + code +
                           "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier=" + kVerifier +
                           "&client_id=skc_other&client_secret=other-secret")),
            "invalid_grant");
  // Another redirect URI, none, a trailing slash.
  EXPECT_EQ(error_of(Token("grant_type=authorization_code&code=" + code + "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F" +
                           AppAuth() + "&code_verifier=" + kVerifier)),
            "invalid_grant");
  EXPECT_EQ(error_of(Token("grant_type=authorization_code&code=" + code + AppAuth() + "&code_verifier=" + kVerifier)),
            "invalid_request");
  // Without the verifier, with a wrong one, with a malformed one.
  EXPECT_EQ(error_of(Exchange(code, "")), "invalid_grant");
  EXPECT_EQ(error_of(Exchange(code, "&code_verifier=" + std::string(43, 'a'))), "invalid_grant");
  EXPECT_EQ(error_of(Exchange(code, "&code_verifier=short")), "invalid_grant");
  // Unknown code.
  EXPECT_EQ(error_of(Exchange("nope")), "invalid_grant");
  // None of that consumed it.
  EXPECT_EQ(Exchange(code).status, 200);
}

TEST_F(TokenTest, ExpiredCodeAndPkceDowngrade) {
  const std::string code = MakeCode();
  clock_.Advance(std::chrono::seconds(600));
  EXPECT_EQ(Str(Json(Exchange(code)), "error"), "invalid_grant");
  // No challenge at /oauth/authorize: a verifier at the token endpoint is refused.
  const std::string plain = MakeCode("openid", /*pkce=*/false);
  EXPECT_EQ(Str(Json(Exchange(plain)), "error"), "invalid_grant");
  EXPECT_EQ(Exchange(plain, "").status, 200);
}

TEST_F(TokenTest, RefreshRotatesAndReuseRevokesTheFamily) {
  auto first = Json(Exchange(MakeCode()));
  const std::string r1 = Str(first, "refresh_token");
  clock_.Advance(std::chrono::seconds(60));
  auto second = Refresh(r1);
  ASSERT_EQ(second.status, 200) << second.Body();
  auto body = Json(second);
  const std::string r2 = Str(body, "refresh_token");
  EXPECT_NE(r2, r1);
  EXPECT_TRUE(body.contains("id_token"));
  EXPECT_FALSE(Part(Str(body, "id_token"), 1).contains("nonce"));
  EXPECT_EQ(Part(Str(body, "access_token"), 1)["iat"].as_int64(), clock_.NowSeconds());
  // Within the grace window, a retry of r1 is tolerated (the client lost the answer).
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_EQ(Refresh(r1).status, 200);
  // After it: reuse. Every token of the grant dies, the newest included.
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_EQ(Str(Json(Refresh(r1)), "error"), "invalid_grant");
  EXPECT_EQ(Str(Json(Refresh(r2)), "error"), "invalid_grant");
  EXPECT_EQ(Introspect(Str(body, "access_token")).Body(), R"({"active":false})");
}

TEST_F(TokenTest, RefreshNarrowsScopeButNeverWidensAndBelongsToItsClient) {
  auto first = Json(Exchange(MakeCode("openid email offline_access")));
  const std::string r1 = Str(first, "refresh_token");
  EXPECT_EQ(Str(Json(Refresh(r1, "&client_id=skc_other&client_secret=other-secret")), "error"), "invalid_grant");
  EXPECT_EQ(Str(Json(Token("grant_type=refresh_token&scope=openid+profile&refresh_token=" + r1 + AppAuth())), "error"),
            "invalid_scope");
  auto narrowed = Token("grant_type=refresh_token&scope=openid&refresh_token=" + r1 + AppAuth());
  ASSERT_EQ(narrowed.status, 200);
  EXPECT_EQ(Str(Json(narrowed), "scope"), "openid");
}

TEST_F(TokenTest, RefreshTokensDieWithTheSessionAndAfterTheirLifetime) {
  auto a = Json(Exchange(MakeCode()));
  ASSERT_TRUE(store_->EndSession("ses_1", clock_.NowSeconds()).ok());
  EXPECT_EQ(Str(Json(Refresh(Str(a, "refresh_token"))), "error"), "invalid_grant");

  // A new session; the grant's absolute lifetime (30 days) ends its refresh tokens even while
  // the session would live on.
  const UnixSeconds now = clock_.NowSeconds();
  ASSERT_TRUE(store_->CreateSession({.id = "ses_1", .token_hash = std::string(64, 'b'), .user_id = "usr_1",
                                     .connection_id = "conn_email", .auth_method = "otp", .auth_time = now,
                                     .created_at = now, .last_seen_at = now, .idle_expires_at = now + 90 * 86400,
                                     .expires_at = now + 90 * 86400})
                  .ok());
  auto b = Json(Exchange(MakeCode()));
  clock_.Advance(std::chrono::seconds(30 * 86400));
  EXPECT_EQ(Str(Json(Refresh(Str(b, "refresh_token"))), "error"), "invalid_grant");
}

TEST_F(TokenTest, ClientCredentialsScopes) {
  auto r = Token("grant_type=client_credentials" + AppAuth());
  ASSERT_EQ(r.status, 200) << r.Body();
  auto body = Json(r);
  EXPECT_EQ(Str(body, "scope"), "read:things write:things");
  EXPECT_FALSE(body.contains("refresh_token"));
  EXPECT_FALSE(body.contains("id_token"));
  EXPECT_EQ(body["expires_in"].as_int64(), 3600);
  auto claims = Part(Str(body, "access_token"), 1);
  EXPECT_EQ(Str(claims, "sub"), "skc_app");
  EXPECT_EQ(Str(claims, "client_id"), "skc_app");
  EXPECT_EQ(boost::json::serialize(claims["scopes"]), R"(["read:things","write:things"])");
  EXPECT_FALSE(claims.contains("oid"));

  body = Json(Token("grant_type=client_credentials&scope=write%3Athings" + AppAuth()));
  EXPECT_EQ(Str(body, "scope"), "write:things");
  EXPECT_EQ(Str(Json(Token("grant_type=client_credentials&scope=admin" + AppAuth())), "error"), "invalid_scope");

  // An organization's machine client: its tokens name the organization.
  ASSERT_TRUE(store_->UpdateClient("skc_other", [](store::Client c) -> Result<store::Client> {
                      c.organization_id = "org_1";
                      return c;
                    }).ok());
  claims = Part(Str(Json(Token("grant_type=client_credentials&client_id=skc_other&client_secret=other-secret")),
                    "access_token"), 1);
  EXPECT_EQ(Str(claims, "oid"), "org_1");
  // Not a user's token: userinfo refuses it.
  EXPECT_EQ(Userinfo(Str(body, "access_token")).status, 401);
}

TEST_F(TokenTest, ClientAuthentication) {
  const std::string basic = "Basic " + Base64Encode("skc_app:app-secret");
  EXPECT_EQ(Token("grant_type=client_credentials", {{"Authorization", basic}}).status, 200);
  // Basic and the body together.
  auto both = Token("grant_type=client_credentials" + AppAuth(), {{"Authorization", basic}});
  EXPECT_EQ(Str(Json(both), "error"), "invalid_request");
  // A stray Bearer header (the Go and Python SDKs send one) is ignored.
  EXPECT_EQ(Token("grant_type=client_credentials" + AppAuth(), {{"Authorization", "Bearer stale"}}).status, 200);
  // Wrong secret and unknown client: the same 401.
  auto wrong = Token("grant_type=client_credentials&client_id=skc_app&client_secret=nope");
  auto unknown = Token("grant_type=client_credentials&client_id=skc_nope&client_secret=nope");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Body(), unknown.Body());
  EXPECT_EQ(Str(Json(wrong), "error"), "invalid_client");
  auto wrong_basic = Token("grant_type=client_credentials", {{"Authorization", "Basic " + Base64Encode("skc_app:x")}});
  EXPECT_EQ(wrong_basic.status, 401);
  EXPECT_EQ(Header(wrong_basic, "WWW-Authenticate"), "Basic realm=\"gatehouse\"");
  EXPECT_EQ(Token("grant_type=client_credentials&client_id=skc_app").status, 401);
  EXPECT_EQ(Str(Json(Token("grant_type=client_credentials")), "error"), "invalid_client");
}

TEST_F(TokenTest, MalformedRequests) {
  auto json = HandleToken(*deps_, Post("/oauth/token", R"({"grant_type":"client_credentials"})", {}, "application/json"));
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(Str(Json(json), "error"), "invalid_request");
  EXPECT_EQ(HandleToken(*deps_, Post("/oauth/token", "grant_type=client_credentials", {}, "")).status, 400);
  EXPECT_EQ(Str(Json(Token("grant_type=client_credentials&grant_type=client_credentials" + AppAuth())), "error"),
            "invalid_request");
  EXPECT_EQ(Str(Json(Token("grant_type=password" + AppAuth())), "error"), "unsupported_grant_type");
  EXPECT_EQ(Str(Json(Token(AppAuth().substr(1))), "error"), "invalid_request");
  EXPECT_EQ(Str(Json(Token("grant_type=client_credentials&x=%ZZ" + AppAuth())), "error"), "invalid_request");
  auto r = Token("grant_type=authorization_code&code=" + std::string(5000, 'c') +
                 "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb" + AppAuth());
  EXPECT_EQ(Str(Json(r), "error"), "invalid_grant");
}

TEST_F(TokenTest, UserinfoByScopeAndRefusals) {
  auto body = Json(Exchange(MakeCode("openid email")));
  const std::string access = Str(body, "access_token");
  auto r = Userinfo(access);
  ASSERT_EQ(r.status, 200) << r.Body();
  auto info = Json(r);
  EXPECT_EQ(Str(info, "sub"), "usr_1");
  EXPECT_EQ(Str(info, "email"), "ann@example.com");
  EXPECT_FALSE(info.contains("name"));  // no profile scope

  // An ID token is not an access token.
  auto refused = Userinfo(Str(body, "id_token"));
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(Header(refused, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  // Tampered payload, alg none, truncated.
  const std::size_t a = access.find('.'), b = access.find('.', a + 1);
  std::string claims = *Base64UrlDecode(access.substr(a + 1, b - a - 1));
  claims.replace(claims.find("usr_1"), 5, "usr_2");
  EXPECT_EQ(Userinfo(access.substr(0, a + 1) + Base64UrlEncode(claims) + access.substr(b)).status, 401);
  EXPECT_EQ(Userinfo(Base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + access.substr(a, b - a) + ".").status, 401);
  EXPECT_EQ(Userinfo(access.substr(0, access.size() - 10)).status, 401);
  // Expired.
  clock_.Advance(std::chrono::seconds(300));
  EXPECT_EQ(Userinfo(access).status, 401);
}

TEST_F(TokenTest, RevocationAndIntrospection) {
  auto body = Json(Exchange(MakeCode()));
  const std::string access = Str(body, "access_token"), refresh = Str(body, "refresh_token");
  auto active = Json(Introspect(access));
  EXPECT_TRUE(active["active"].as_bool());
  EXPECT_EQ(Str(active, "sub"), "usr_1");
  EXPECT_EQ(Str(active, "token_type"), "Bearer");
  auto rt = Json(Introspect(refresh));
  EXPECT_TRUE(rt["active"].as_bool());
  EXPECT_EQ(Str(rt, "token_type"), "refresh_token");
  // Another client learns nothing about this client's refresh token.
  auto other = HandleIntrospect(*deps_, Post("/oauth/introspect",
                                             "token=" + refresh + "&client_id=skc_other&client_secret=other-secret"));
  EXPECT_EQ(other.Body(), R"({"active":false})");
  // Introspection needs client authentication.
  EXPECT_EQ(HandleIntrospect(*deps_, Post("/oauth/introspect", "token=" + access)).status, 401);

  // Revoking the access token: that token only.
  auto revoke = HandleRevoke(*deps_, Post("/oauth/revoke", "token=" + access + AppAuth()));
  EXPECT_EQ(revoke.status, 200);
  EXPECT_EQ(Introspect(access).Body(), R"({"active":false})");
  EXPECT_EQ(Refresh(refresh).status, 200);
  // Revoking a refresh token: its family.
  auto again = Json(Exchange(MakeCode()));
  EXPECT_EQ(HandleRevoke(*deps_, Post("/oauth/revoke", "token=" + Str(again, "refresh_token") + AppAuth())).status, 200);
  EXPECT_EQ(Introspect(Str(again, "access_token")).Body(), R"({"active":false})");
  EXPECT_EQ(Str(Json(Refresh(Str(again, "refresh_token"))), "error"), "invalid_grant");
  // Unknown tokens: 200 all the same.
  EXPECT_EQ(HandleRevoke(*deps_, Post("/oauth/revoke", "token=nonsense" + AppAuth())).status, 200);
  // A client_credentials token, revoked, is inactive.
  const std::string m2m = Str(Json(Token("grant_type=client_credentials" + AppAuth())), "access_token");
  EXPECT_TRUE(Json(Introspect(m2m))["active"].as_bool());
  EXPECT_EQ(HandleRevoke(*deps_, Post("/oauth/revoke", "token=" + m2m + AppAuth())).status, 200);
  EXPECT_EQ(Introspect(m2m).Body(), R"({"active":false})");
}

class TokenTestES256 : public TokenTest {
 protected:
  void SetUp() override { Init(crypto::JwsAlg::kES256); }
};

TEST_F(TokenTestES256, TokensAreSignedWithES256) {
  auto body = Json(Exchange(MakeCode()));
  EXPECT_EQ(Str(Part(Str(body, "id_token"), 0), "alg"), "ES256");
  EXPECT_EQ(Str(Part(Str(body, "access_token"), 0), "alg"), "ES256");
  EXPECT_EQ(Userinfo(Str(body, "access_token")).status, 200);
}

}  // namespace
}  // namespace gatehouse::oauth
