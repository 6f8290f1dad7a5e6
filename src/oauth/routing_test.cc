#include "oauth/routing.h"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

using Kind = RouteDecision::Kind;

class RoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::OpenStore("sqlite::memory:", {.create_if_missing = true})).value();
    Org("org_acme");
    Org("org_two");
    ASSERT_TRUE(store_->CreateDomain({"dom_1", "org_acme", "acme.test", 1}).ok());
    Conn("conn_acme", "org_acme", store::ConnectionType::kOidc, "okta", true);
    Conn("conn_two_a", "org_two", store::ConnectionType::kOidc, "custom", true);
    Conn("conn_two_b", "org_two", store::ConnectionType::kSaml, "custom", true);
    Conn("conn_off", "org_two", store::ConnectionType::kSaml, "custom", false);
    Conn("conn_google", "", store::ConnectionType::kOAuth, "google", true);
    Conn("conn_github", "", store::ConnectionType::kOAuth, "github", false);
  }
  void Org(const std::string& id) {
    ASSERT_TRUE(store_->CreateOrganization({.id = id, .display_name = id, .created_at = 1, .updated_at = 1}).ok());
  }
  void Conn(const std::string& id, const std::string& org, store::ConnectionType type, const std::string& provider,
            bool enabled) {
    store::Connection c{.id = id, .organization_id = org, .type = type, .provider = provider, .enabled = enabled,
                        .settings_json = "{}", .created_at = 1, .updated_at = 1};
    ASSERT_TRUE(store_->CreateConnection(c).ok());
  }
  RouteDecision R(RouteInput in) {
    auto d = Route(*store_, in);
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : RouteDecision{};
  }
  std::unique_ptr<store::Store> store_;
};

TEST_F(RoutingTest, ConnectionIdWins) {
  auto d = R({.organization_id = "org_acme", .connection_id = "conn_acme", .provider = "google"});
  EXPECT_EQ(d.kind, Kind::kConnection);
  EXPECT_EQ(d.connection_id, "conn_acme");
  EXPECT_EQ(d.organization_id, "org_acme");
}

TEST_F(RoutingTest, ConnectionErrors) {
  EXPECT_EQ(R({.connection_id = "conn_nope"}).error, "invalid_connection_id");
  EXPECT_EQ(R({.connection_id = "bad id"}).error, "invalid_connection_id");
  EXPECT_EQ(R({.connection_id = "conn_off"}).error, "connection_not_active");
  EXPECT_EQ(R({.organization_id = "org_acme", .connection_id = "conn_two_a"}).error, "invalid_connection_id");
}

TEST_F(RoutingTest, OrganizationWithOneSsoGoesStraightThere) {
  auto d = R({.organization_id = "org_acme", .provider = "google"});
  EXPECT_EQ(d.kind, Kind::kConnection);
  EXPECT_EQ(d.connection_id, "conn_acme");
  auto two = R({.organization_id = "org_two"});
  EXPECT_EQ(two.kind, Kind::kHostedPage);
  EXPECT_EQ(two.organization_id, "org_two");
  EXPECT_EQ(R({.organization_id = "org_nope"}).error, "invalid_organization_id");
  EXPECT_EQ(R({.organization_id = "org_" + std::string(40, 'a')}).error, "invalid_organization_id");
}

TEST_F(RoutingTest, Provider) {
  EXPECT_EQ(R({.provider = "google"}).connection_id, "conn_google");
  EXPECT_EQ(R({.provider = "github"}).error, "no_active_connections");
  EXPECT_EQ(R({.provider = "myspace"}).error, "invalid_request");
}

TEST_F(RoutingTest, HomeRealmDiscovery) {
  EXPECT_EQ(R({.domain_hint = "ACME.test"}).connection_id, "conn_acme");
  EXPECT_EQ(R({.domain_hint = "nobody.test"}).error, "domain_not_found");
  EXPECT_EQ(R({.login_hint = "Ann@Acme.Test"}).connection_id, "conn_acme");
  EXPECT_EQ(R({.login_hint = "ann@elsewhere.test"}).kind, Kind::kHostedPage);
  EXPECT_EQ(R({.login_hint = "not an email"}).kind, Kind::kHostedPage);
  EXPECT_EQ(R({}).kind, Kind::kHostedPage);
}

TEST(EmailDomainTest, Parses) {
  EXPECT_EQ(EmailDomain("Ann@Example.COM"), "example.com");
  EXPECT_EQ(EmailDomain("a@b@c.test"), "c.test");
  EXPECT_EQ(EmailDomain("nobody"), "");
  EXPECT_EQ(EmailDomain("x@localhost"), "");
  EXPECT_EQ(EmailDomain("x@a b.test"), "");
  EXPECT_EQ(EmailDomain("@a.test"), "");
}

}  // namespace
}  // namespace gatehouse::oauth
