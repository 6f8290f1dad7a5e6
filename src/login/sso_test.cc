// Linking and just-in-time users (linking.h), and a connection's stored settings
// (sso_config.h), against the fixture's in-memory store.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "connectors/http/client.h"
#include "connectors/sso/registry.h"
#include "common/encoding.h"
#include "common/url.h"
#include "crypto/hash.h"
#include "login/linking.h"
#include "login/login_fixture.h"
#include "login/sso_config.h"

namespace gatehouse::login::testing {
namespace {

namespace sso = connectors::sso;

#define EXPECT_CODE(expr, expected) EXPECT_EQ((expr).status().code(), StatusCode::expected)
// Declares `type name` from a Result that must be OK.
#define ASSERT_OK_AND_ASSIGN(type, name, expr)                         \
  auto name##_result = (expr);                                         \
  ASSERT_TRUE(name##_result.ok()) << name##_result.status().ToString(); \
  type name = std::move(name##_result).value()

class LinkingTest : public LoginFixture {
 protected:
  store::Connection Conn(const char* id) { return store_->GetConnection(id).value(); }

  // The user, or the refusal's code.
  std::variant<store::User, std::string> Resolve(const char* connection, sso::Identity identity) {
    auto r = ResolveUser(*deps_, Conn(connection), identity);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (const auto* e = std::get_if<sso::UpstreamError>(&*r)) return e->code;
    return std::get<store::User>(*r);
  }

  static sso::Identity Id(std::string subject, std::string email, bool verified) {
    sso::Identity i;
    i.subject = std::move(subject);
    i.email = std::move(email);
    i.email_verified = verified;
    i.given_name = "Ann";
    i.family_name = "Example";
    return i;
  }
};

TEST_F(LinkingTest, FirstLoginCreatesTheUserAndTheNextFindsItBySubjectAlone) {
  auto first = Resolve(kGoogle, Id("g-1", "Ann@Example.ORG", true));
  ASSERT_TRUE(std::holds_alternative<store::User>(first));
  const store::User& ann = std::get<store::User>(first);
  EXPECT_EQ(ann.email, "ann@example.org");
  EXPECT_TRUE(ann.email_verified);
  EXPECT_EQ(ann.name, "Ann Example");
  // The IdP may change the address: the subject still finds the same user.
  auto again = Resolve(kGoogle, Id("g-1", "ann.new@example.org", false));
  ASSERT_TRUE(std::holds_alternative<store::User>(again));
  EXPECT_EQ(std::get<store::User>(again).id, ann.id);
  ASSERT_OK_AND_ASSIGN(store::LinkedIdentity, link, store_->FindLinkedIdentity(kGoogle, "g-1"));
  EXPECT_EQ(link.user_id, ann.id);
}

TEST_F(LinkingTest, AVerifiedEmailLinksToTheExistingUser) {
  auto social = std::get<store::User>(Resolve(kGoogle, Id("g-1", "bob@acme.com", true)));
  auto sso = Resolve(kOrgSso, Id("okta-9", "BOB@acme.com", true));
  ASSERT_TRUE(std::holds_alternative<store::User>(sso));
  EXPECT_EQ(std::get<store::User>(sso).id, social.id);
  ASSERT_OK_AND_ASSIGN(store::LinkedIdentity, link, store_->FindLinkedIdentity(kOrgSso, "okta-9"));
  EXPECT_EQ(link.user_id, social.id);
}

TEST_F(LinkingTest, AClaimedDomainVouchesForSsoButNotForSocialOrOtherOrganizations) {
  auto first = std::get<store::User>(Resolve(kGoogle, Id("g-1", "carl@acme.com", true)));
  // Acme's own IdP, address in acme.com (claimed by Acme): trusted although not verified.
  auto acme = Resolve(kOrgSso, Id("okta-1", "carl@acme.com", false));
  ASSERT_TRUE(std::holds_alternative<store::User>(acme));
  EXPECT_EQ(std::get<store::User>(acme).id, first.id);
  // Another organization's IdP cannot vouch for acme.com; nor can a social provider.
  EXPECT_EQ(std::get<std::string>(Resolve(kOtherSso, Id("other-1", "carl@acme.com", false))), "access_denied");
  EXPECT_EQ(std::get<std::string>(Resolve(kGoogle, Id("g-2", "carl@acme.com", false))), "access_denied");
  EXPECT_CODE(store_->FindLinkedIdentity(kOtherSso, "other-1"), kNotFound);
}

TEST_F(LinkingTest, AnUnverifiedNewEmailMakesAnUnverifiedUser) {
  auto r = Resolve(kGoogle, Id("g-7", "dora@example.net", false));
  ASSERT_TRUE(std::holds_alternative<store::User>(r));
  EXPECT_FALSE(std::get<store::User>(r).email_verified);
}

TEST_F(LinkingTest, NoSubjectOrNoUsableEmailIsAMissingMandatoryAttribute) {
  EXPECT_EQ(std::get<std::string>(Resolve(kGoogle, Id("", "a@example.org", true))), "mandatory_attribute_missing");
  EXPECT_EQ(std::get<std::string>(Resolve(kGoogle, Id(std::string(256, 's'), "a@example.org", true))),
            "mandatory_attribute_missing");
  EXPECT_EQ(std::get<std::string>(Resolve(kGoogle, Id("g-1", "", true))), "mandatory_attribute_missing");
  EXPECT_EQ(std::get<std::string>(Resolve(kGoogle, Id("g-1", "not an email", true))), "mandatory_attribute_missing");
  ASSERT_OK_AND_ASSIGN(std::vector<store::User>, users, store_->ListUsers());
  EXPECT_TRUE(users.empty());
}

// The upstream leg's start with a real registry: an SSO connection without settings is "not set
// up" (no call anywhere); one with settings leaves for its IdP with a bound, stored leg.
class SsoStartTest : public LoginFixture {
 protected:
  void SetUp() override {
    LoginFixture::SetUp();
    deps_->connectors = &registry_;
    deps_->connection_secrets_key = std::string(32, 'k');
    deps_->sso_key = std::string(32, 's');
    router_ = std::make_unique<http::Router>();
    MountLogin(*router_, *deps_);
  }
  std::string TxFor(const char* connection) {
    oauth::LoginTransaction tx = BaseTx();
    tx.connection_id = connection;
    return Seal(tx);
  }

  connectors::http::HttpClient http_{connectors::http::ClientOptions{}};
  sso::Registry registry_{{.http = http_, .clock = clock_, .random = random_, .base_url = std::string(kIssuer)}, {}};
};

TEST_F(SsoStartTest, AConnectionWithoutSettingsIsNotSetUp) {
  http::Response r = Get("/login/sso?tx=" + TxFor(kOrgSso));
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("has not been set up yet"));
}

TEST_F(SsoStartTest, AConfiguredConnectionLeavesForItsIdpWithAStoredBoundLeg) {
  // GitHub's preset has no discovery: Start makes no network call.
  ASSERT_TRUE(store_->SetConnectionEnabled(kGithub, true, clock_.NowSeconds()).ok());
  store::Connection c = store_->GetConnection(kGithub).value();
  auto settings = MakeStoredSettings(c, R"({"client_id":"gh-github"})", std::string("secret"),
                                     deps_->connection_secrets_key, random_);
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  ASSERT_TRUE(store_->SetConnectionSettings(kGithub, *settings, clock_.NowSeconds()).ok());
  http::Response r = Get("/login/sso?tx=" + TxFor(kGithub));
  ASSERT_EQ(r.status, 302) << r.body;
  const std::string location = HeaderOf(r, "Location");
  EXPECT_THAT(location, StartsWith("https://github.com/login/oauth/authorize?"));
  EXPECT_THAT(location, HasSubstr("client_id=gh-github"));
  EXPECT_THAT(location, HasSubstr("redirect_uri=https%3A%2F%2Fauth.example%2Fsso%2Foidc%2Fcallback"));
  EXPECT_THAT(HeaderOf(r, "Set-Cookie"), StartsWith("__Host-gh_csrf="));
  // The leg is stored under the hash of the state the IdP will send back, once.
  auto query = ParseQuery(location.substr(location.find('?') + 1));
  ASSERT_TRUE(query.ok());
  std::string state;
  for (const auto& [k, v] : *query) {
    if (k == "state") state = v;
  }
  ASSERT_EQ(state.size(), 43u);
  const std::string relay_hash = HexEncode(crypto::Sha256(state));
  auto leg = store_->TakeUpstreamLogin(relay_hash, clock_.NowSeconds());
  ASSERT_TRUE(leg.ok()) << leg.status().ToString();
  EXPECT_EQ(leg->connection_id, kGithub);
  EXPECT_EQ(leg->upstream_state.find("\"v\""), std::string::npos) << "the connector's state is sealed";
  EXPECT_EQ(store_->TakeUpstreamLogin(relay_hash, clock_.NowSeconds()).status().code(), StatusCode::kNotFound);
}

class SettingsTest : public LoginFixture {
 protected:
  const std::string key_ = std::string(32, 'k');
  static constexpr std::string_view kOidc = R"({"issuer":"https://idp.example","client_id":"gh"})";
};

TEST_F(SettingsTest, TheSecretIsStoredSealedAndOpensOnlyForItsConnection) {
  store::Connection c = store_->GetConnection(kOrgSso).value();
  EXPECT_FALSE(IsConfigured(c));
  ASSERT_OK_AND_ASSIGN(std::string, stored, MakeStoredSettings(c, kOidc, std::string("top-secret"), key_, random_));
  EXPECT_EQ(stored.find("top-secret"), std::string::npos);
  c.settings_json = stored;
  EXPECT_TRUE(IsConfigured(c));
  ASSERT_OK_AND_ASSIGN(sso::ConnectionConfig, config, ToConnectorConfig(c, key_));
  EXPECT_EQ(config.client_secret, "top-secret");
  EXPECT_EQ(config.type, "oidc");
  EXPECT_EQ(boost::json::parse(config.settings_json), boost::json::parse(kOidc));  // the seal is the login's
  // Another key, or the same sealed value under another connection id, does not open.
  EXPECT_CODE(ToConnectorConfig(c, std::string(32, 'x')), kDataLoss);
  store::Connection moved = c;
  moved.id = "conn_elsewhere";
  EXPECT_CODE(ToConnectorConfig(moved, key_), kDataLoss);
  // Reconfigured without a new secret: the stored one stays.
  ASSERT_OK_AND_ASSIGN(std::string, again,
                       MakeStoredSettings(c, R"({"issuer":"https://idp2.example","client_id":"gh2"})", std::nullopt,
                                          key_, random_));
  c.settings_json = again;
  ASSERT_OK_AND_ASSIGN(sso::ConnectionConfig, reconfigured, ToConnectorConfig(c, key_));
  EXPECT_EQ(reconfigured.client_secret, "top-secret");
}

TEST_F(SettingsTest, BadSettingsAreRefusedBeforeAnythingIsWritten) {
  store::Connection oidc = store_->GetConnection(kOrgSso).value();
  store::Connection saml = store_->GetConnection(kOtherSso).value();
  store::Connection email = store_->GetConnection(kPasswordless).value();
  const std::optional<std::string> secret("s");
  EXPECT_CODE(MakeStoredSettings(oidc, "[]", secret, key_, random_), kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(oidc, R"({"issuer":"http://idp.example","client_id":"gh"})", secret, key_, random_),
              kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(oidc, R"({"client_id":"gh"})", secret, key_, random_), kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(oidc, R"({"issuer":"https://idp.example","client_id":"gh","client_secret_sealed":"x"})",
                                 secret, key_, random_),
              kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(oidc, kOidc, std::string(), key_, random_), kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(oidc, kOidc, std::string(1025, 's'), key_, random_), kInvalidArgument);
  // initiate_login_uri: SAML only, https or loopback http.
  EXPECT_CODE(MakeStoredSettings(oidc, R"({"issuer":"https://idp.example","client_id":"gh","initiate_login_uri":"https://app.example/login"})",
                                 secret, key_, random_),
              kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(saml, R"({"initiate_login_uri":"http://app.example/login"})", std::nullopt, key_, random_),
              kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(saml, R"({"idp_metadata_xml":"<not metadata/>"})", std::nullopt, key_, random_),
              kInvalidArgument);
  EXPECT_CODE(MakeStoredSettings(email, "{}", std::nullopt, key_, random_), kInvalidArgument);
}

}  // namespace
}  // namespace gatehouse::login::testing
