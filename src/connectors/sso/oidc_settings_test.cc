// ValidateOidcSettings and MakeOidcConnector's checks: no network.
#include <gtest/gtest.h>

#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "connectors/sso/oidc.h"

namespace gatehouse::connectors::sso {
namespace {

ConnectionConfig Config(std::string type, std::string provider, std::string settings, std::string secret = "s") {
  return ConnectionConfig{.id = "conn_1", .type = std::move(type), .provider = std::move(provider),
                          .settings_json = std::move(settings), .client_secret = std::move(secret)};
}

Status Oidc(const std::string& settings) { return ValidateOidcSettings(Config("oidc", "custom", settings)); }
Status OAuth(const std::string& provider, const std::string& settings) {
  return ValidateOidcSettings(Config("oauth", provider, settings));
}

#define EXPECT_INVALID(expr) EXPECT_EQ((expr).code(), StatusCode::kInvalidArgument) << #expr

TEST(OidcSettingsTest, MinimalOidcIsValid) {
  EXPECT_TRUE(Oidc(R"({"issuer":"https://idp.example.com","client_id":"c"})").ok());
  EXPECT_TRUE(Oidc(R"({"issuer":"https://idp.example.com/tenant/v2.0/","client_id":"c",
                       "token_auth_method":"client_secret_post","scopes":["openid","groups"],
                       "attribute_mapping":{"email":"mail","email_verified":"mail_ok","name":"n",
                       "given_name":"g","family_name":"f","groups":"roles"}})")
                  .ok());
}

TEST(OidcSettingsTest, OidcRequiresIssuerAndClientId) {
  EXPECT_INVALID(Oidc(R"({"client_id":"c"})"));
  EXPECT_INVALID(Oidc(R"({"issuer":"https://idp.example.com"})"));
  EXPECT_INVALID(Oidc(R"({"issuer":"https://idp.example.com","client_id":""})"));
  EXPECT_INVALID(Oidc(R"({"issuer":"https://idp.example.com","client_id":7})"));
  EXPECT_INVALID(Oidc(R"({"issuer":"","client_id":"c"})"));
}

TEST(OidcSettingsTest, IssuerMustBeHttpsOrLoopbackHttp) {
  for (const char* ok : {"https://idp.example.com", "http://127.0.0.1:8080", "http://localhost/x", "http://[::1]:9"}) {
    EXPECT_TRUE(Oidc(std::string(R"({"client_id":"c","issuer":")") + ok + "\"}").ok()) << ok;
  }
  for (const char* bad : {"http://idp.example.com", "http://10.0.0.1", "ftp://idp.example.com", "idp.example.com",
                          "https://idp.example.com/#f", "https://u@idp.example.com", "https://idp.example.com/?a=b",
                          "http://127.0.0.1.example.com"}) {
    EXPECT_INVALID(Oidc(std::string(R"({"client_id":"c","issuer":")") + bad + "\"}")) << bad;
  }
}

TEST(OidcSettingsTest, TokenAuthMethodIsOneOfTwo) {
  const std::string base = R"({"issuer":"https://i.example","client_id":"c","token_auth_method":)";
  EXPECT_TRUE(Oidc(base + R"("client_secret_basic"})").ok());
  EXPECT_TRUE(Oidc(base + R"("client_secret_post"})").ok());
  EXPECT_INVALID(Oidc(base + R"("private_key_jwt"})"));
  EXPECT_INVALID(Oidc(base + R"("none"})"));
  EXPECT_INVALID(Oidc(base + R"(1})"));
}

TEST(OidcSettingsTest, ScopesAreScopeTokensAndHoldOpenid) {
  const std::string base = R"({"issuer":"https://i.example","client_id":"c","scopes":)";
  EXPECT_TRUE(Oidc(base + R"(["openid"]})").ok());
  EXPECT_INVALID(Oidc(base + R"(["email","profile"]})"));
  EXPECT_INVALID(Oidc(base + R"([]})"));
  EXPECT_INVALID(Oidc(base + R"("openid email"})"));
  EXPECT_INVALID(Oidc(base + R"(["openid","a b"]})"));
  EXPECT_INVALID(Oidc(base + R"(["openid",""]})"));
  EXPECT_INVALID(Oidc(base + R"(["openid",3]})"));
  EXPECT_INVALID(OAuth("google", R"({"client_id":"c","scopes":["email"]})"));
  EXPECT_TRUE(OAuth("github", R"({"client_id":"c","scopes":["read:user"]})").ok());  // no openid at GitHub
}

TEST(OidcSettingsTest, AttributeMappingNamesKnownFields) {
  const std::string base = R"({"issuer":"https://i.example","client_id":"c","attribute_mapping":)";
  EXPECT_TRUE(Oidc(base + R"({}})").ok());
  EXPECT_INVALID(Oidc(base + R"({"subject":"oid"}})"));
  EXPECT_INVALID(Oidc(base + R"({"email":""}})"));
  EXPECT_INVALID(Oidc(base + R"({"email":["mail"]}})"));
  EXPECT_INVALID(Oidc(base + R"(["email"]})"));
}

TEST(OidcSettingsTest, UnknownMembersAreRefused) {
  EXPECT_INVALID(Oidc(R"({"issuer":"https://i.example","client_id":"c","client_secret":"x"})"));
  EXPECT_INVALID(Oidc(R"({"issuer":"https://i.example","client_id":"c","api_url":"https://a.example"})"));
  EXPECT_INVALID(OAuth("google", R"({"client_id":"c","token_auth_method":"client_secret_post"})"));
  EXPECT_INVALID(OAuth("google", R"({"client_id":"c","attribute_mapping":{}})"));
  EXPECT_INVALID(OAuth("google", R"({"client_id":"c","api_url":"https://a.example"})"));
  EXPECT_INVALID(OAuth("github", R"({"client_id":"c","issuer":"https://i.example"})"));
  EXPECT_INVALID(OAuth("github", R"({"client_id":"c","extra":1})"));
}

TEST(OidcSettingsTest, EveryPresetIsKnownAndOthersAreNot) {
  for (const char* provider : {"google", "microsoft", "gitlab", "linkedin", "salesforce", "github"}) {
    EXPECT_TRUE(OAuth(provider, R"({"client_id":"c"})").ok()) << provider;
    EXPECT_INVALID(OAuth(provider, R"({})")) << provider;
  }
  for (const char* provider : {"facebook", "Google", "", "custom"}) EXPECT_INVALID(OAuth(provider, R"({"client_id":"c"})"));
  EXPECT_TRUE(OAuth("microsoft", R"({"client_id":"c","issuer":"http://127.0.0.1:1/common/v2.0"})").ok());
  EXPECT_INVALID(OAuth("gitlab", R"({"client_id":"c","issuer":"http://gitlab.internal"})"));
}

TEST(OidcSettingsTest, GithubOverridesFollowTheUrlRule) {
  EXPECT_TRUE(OAuth("github", R"({"client_id":"c","authorization_endpoint":"https://ghe.example/login/oauth/authorize",
                                  "token_endpoint":"https://ghe.example/login/oauth/access_token",
                                  "api_url":"https://ghe.example/api/v3/"})")
                  .ok());
  EXPECT_INVALID(OAuth("github", R"({"client_id":"c","api_url":"http://ghe.example/api/v3"})"));
  EXPECT_INVALID(OAuth("github", R"({"client_id":"c","token_endpoint":"http://ghe.example/t"})"));
  EXPECT_INVALID(OAuth("github", R"({"client_id":"c","authorization_endpoint":"not a url"})"));
}

TEST(OidcSettingsTest, NotAnObjectOrWrongType) {
  EXPECT_INVALID(Oidc(""));
  EXPECT_INVALID(Oidc("[]"));
  EXPECT_INVALID(Oidc("{"));
  EXPECT_INVALID(ValidateOidcSettings(Config("saml", "custom", R"({"client_id":"c"})")));
}

TEST(OidcSettingsTest, TheConnectorNeedsTheClientSecret) {
  http::HttpClient client({});
  FakeClock clock;
  FakeRandom random;
  const ConnectorContext context{client, clock, random, "https://gatehouse.test"};
  const std::string settings = R"({"issuer":"https://i.example","client_id":"c"})";
  // Validation reads the settings only: a connection may be saved before its secret.
  EXPECT_TRUE(ValidateOidcSettings(Config("oidc", "okta", settings, "")).ok());
  auto made = MakeOidcConnector(context, Config("oidc", "okta", settings, ""));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakeOidcConnector(context, Config("oidc", "okta", settings)).ok());
  EXPECT_TRUE(MakeOidcConnector(context, Config("oauth", "github", R"({"client_id":"c"})")).ok());
  EXPECT_FALSE(MakeOidcConnector(context, Config("oauth", "github", R"({"client_id":1})")).ok());
}

}  // namespace
}  // namespace gatehouse::connectors::sso
