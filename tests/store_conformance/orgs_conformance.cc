// The Store conformance suite, part two: organizations, domains and connections (see
// store_conformance.h). One TEST_P per contract point of the "Organizations, domains,
// connections" section of src/store/store.h.
#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store {

void PrintTo(const Organization& o, std::ostream* os) {
  *os << "Organization{id=" << ::testing::PrintToString(o.id)
      << ", display_name=" << ::testing::PrintToString(o.display_name)
      << ", external_id=" << ::testing::PrintToString(o.external_id) << ", created_at=" << o.created_at
      << ", updated_at=" << o.updated_at << "}";
}

void PrintTo(const Domain& d, std::ostream* os) {
  *os << "Domain{id=" << ::testing::PrintToString(d.id)
      << ", organization_id=" << ::testing::PrintToString(d.organization_id)
      << ", domain=" << ::testing::PrintToString(d.domain) << ", created_at=" << d.created_at << "}";
}

void PrintTo(const Connection& c, std::ostream* os) {
  *os << "Connection{id=" << ::testing::PrintToString(c.id)
      << ", organization_id=" << ::testing::PrintToString(c.organization_id) << ", type=" << static_cast<int>(c.type)
      << ", provider=" << ::testing::PrintToString(c.provider)
      << ", display_name=" << ::testing::PrintToString(c.display_name) << ", enabled=" << c.enabled
      << ", settings_json=" << ::testing::PrintToString(c.settings_json) << ", created_at=" << c.created_at
      << ", updated_at=" << c.updated_at << "}";
}

namespace testing {
namespace {

constexpr int kIterations = 20;

Organization MakeOrg(std::string id, UnixSeconds created_at = 1'700'000'000, std::string external_id = "") {
  Organization o;
  o.id = std::move(id);
  o.display_name = "Org " + o.id;
  o.external_id = std::move(external_id);
  o.created_at = created_at;
  o.updated_at = created_at;
  return o;
}

Domain MakeDomain(std::string id, std::string org, std::string domain, UnixSeconds created_at = 1'700'000'000) {
  Domain d;
  d.id = std::move(id);
  d.organization_id = std::move(org);
  d.domain = std::move(domain);
  d.created_at = created_at;
  return d;
}

// An SSO connection when `org` is set, a social (Google) one otherwise.
Connection MakeConn(std::string id, std::string org, UnixSeconds created_at = 1'700'000'000) {
  Connection c;
  c.id = std::move(id);
  c.organization_id = std::move(org);
  c.type = c.organization_id.empty() ? ConnectionType::kOAuth : ConnectionType::kOidc;
  c.provider = c.organization_id.empty() ? "google" : "okta";
  c.display_name = "Sign in with " + c.id;
  c.enabled = true;
  c.settings_json = R"({"issuer":"https://idp.example.com","scopes":["openid","email"]})";
  c.created_at = created_at;
  c.updated_at = created_at;
  return c;
}

template <typename T>
std::vector<std::string> Ids(const std::vector<T>& rows) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  return ids;
}

}  // namespace

// ---- Organizations --------------------------------------------------------------------------

TEST_P(StoreConformanceTest, FreshStoreHasNoOrganizationsDomainsOrConnections) {
  ASSERT_OK_AND_ASSIGN(auto orgs, store().ListOrganizations());
  EXPECT_TRUE(orgs.empty());
  ASSERT_OK_AND_ASSIGN(auto domains, store().ListDomains("org_any"));
  EXPECT_TRUE(domains.empty());
  ASSERT_OK_AND_ASSIGN(auto env, store().ListConnections(""));
  EXPECT_TRUE(env.empty());
  ASSERT_OK_AND_ASSIGN(auto all, store().ListAllConnections());
  EXPECT_TRUE(all.empty());
  EXPECT_CODE(store().FindDomain("example.com"), kNotFound);
}

TEST_P(StoreConformanceTest, CreateThenGetOrganizationRoundTrips) {
  Organization with = MakeOrg("org_with", 1'700'000'001, "crm-42");
  with.display_name = "Zoë's \"Bäckerei\" 🚀; DROP TABLE organizations; --";
  with.updated_at = 253'402'300'799;
  const Organization without = MakeOrg("org_without", 0);
  ASSERT_OK(store().CreateOrganization(with));
  ASSERT_OK(store().CreateOrganization(without));
  ASSERT_OK_AND_ASSIGN(Organization got, store().GetOrganization("org_with"));
  EXPECT_EQ(got, with);
  ASSERT_OK_AND_ASSIGN(got, store().GetOrganization("org_without"));
  EXPECT_EQ(got, without);
  EXPECT_EQ(got.external_id, "");
}

TEST_P(StoreConformanceTest, GetMissingOrganizationIsNotFound) {
  EXPECT_CODE(store().GetOrganization("org_missing"), kNotFound);
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_present")));
  EXPECT_CODE(store().GetOrganization("org_missing"), kNotFound);
  EXPECT_CODE(store().GetOrganization(""), kNotFound);
  EXPECT_CODE(store().GetOrganization("ORG_PRESENT"), kNotFound);  // ids are exact
}

TEST_P(StoreConformanceTest, CreateOrganizationWithTakenIdIsAlreadyExistsAndKeepsTheOriginal) {
  const Organization original = MakeOrg("org_dup", 100, "ext-1");
  ASSERT_OK(store().CreateOrganization(original));
  Organization other = MakeOrg("org_dup", 200, "ext-2");
  other.display_name = "Impostor";
  EXPECT_CODE(store().CreateOrganization(other), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(Organization got, store().GetOrganization("org_dup"));
  EXPECT_EQ(got, original);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListOrganizations());
  EXPECT_EQ(all.size(), 1u);
  // The failed create did not claim its external id either.
  EXPECT_OK(store().CreateOrganization(MakeOrg("org_other", 300, "ext-2")));
}

TEST_P(StoreConformanceTest, ExternalIdIsUniqueWhenSet) {
  // Any number of organizations may have none.
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_b", 2)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_c", 3, "acme")));
  EXPECT_CODE(store().CreateOrganization(MakeOrg("org_d", 4, "acme")), kAlreadyExists);
  EXPECT_CODE(store().GetOrganization("org_d"), kNotFound);
  // Exact: a different case is a different external id.
  EXPECT_OK(store().CreateOrganization(MakeOrg("org_e", 5, "ACME")));
  // Freed by deleting its owner.
  ASSERT_OK(store().DeleteOrganization("org_c"));
  EXPECT_OK(store().CreateOrganization(MakeOrg("org_f", 6, "acme")));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListOrganizations());
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"org_a", "org_b", "org_e", "org_f"}));
}

TEST_P(StoreConformanceTest, ListOrganizationsIsOrderedByCreatedAtThenId) {
  const std::vector<std::pair<std::string, UnixSeconds>> rows = {
      {"org_d", 300}, {"org_b", 100}, {"org_c", 200}, {"org_a", 300}, {"org_e", 100}, {"org_0", 200},
  };
  for (const auto& [id, created] : rows) ASSERT_OK(store().CreateOrganization(MakeOrg(id, created)));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListOrganizations());
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"org_b", "org_e", "org_0", "org_c", "org_a", "org_d"}));
  for (const auto& o : all) EXPECT_EQ(o, MakeOrg(o.id, o.created_at));
}

TEST_P(StoreConformanceTest, DeleteOrganization) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_keep", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_gone", 2)));
  ASSERT_OK(store().DeleteOrganization("org_gone"));
  EXPECT_CODE(store().GetOrganization("org_gone"), kNotFound);
  EXPECT_CODE(store().DeleteOrganization("org_gone"), kNotFound);
  EXPECT_CODE(store().DeleteOrganization("org_never"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListOrganizations());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], MakeOrg("org_keep", 1));
}

TEST_P(StoreConformanceTest, DeleteOrganizationTakesItsDomainsAndConnectionsOnly) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_gone", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_stay", 2)));
  ASSERT_OK(store().CreateDomain(MakeDomain("dom_g1", "org_gone", "gone.example")));
  ASSERT_OK(store().CreateDomain(MakeDomain("dom_g2", "org_gone", "also-gone.example")));
  ASSERT_OK(store().CreateDomain(MakeDomain("dom_s1", "org_stay", "stay.example")));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_g1", "org_gone", 10)));
  Connection saml = MakeConn("conn_g2", "org_gone", 11);
  saml.type = ConnectionType::kSaml;
  ASSERT_OK(store().CreateConnection(saml));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_s1", "org_stay", 12)));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_env", "", 13)));

  ASSERT_OK(store().DeleteOrganization("org_gone"));

  ASSERT_OK_AND_ASSIGN(auto domains, store().ListDomains("org_gone"));
  EXPECT_TRUE(domains.empty());
  EXPECT_CODE(store().FindDomain("gone.example"), kNotFound);
  EXPECT_CODE(store().FindDomain("also-gone.example"), kNotFound);
  EXPECT_CODE(store().DeleteDomain("dom_g1"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto conns, store().ListConnections("org_gone"));
  EXPECT_TRUE(conns.empty());
  EXPECT_CODE(store().GetConnection("conn_g1"), kNotFound);
  EXPECT_CODE(store().GetConnection("conn_g2"), kNotFound);
  // Everyone else's are untouched.
  ASSERT_OK_AND_ASSIGN(Domain stay, store().FindDomain("stay.example"));
  EXPECT_EQ(stay, MakeDomain("dom_s1", "org_stay", "stay.example"));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListAllConnections());
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"conn_s1", "conn_env"}));
  EXPECT_OK(store().CheckIntegrity());
  // The freed domain can be claimed again, by anyone.
  EXPECT_OK(store().CreateDomain(MakeDomain("dom_new", "org_stay", "gone.example")));
}

// ---- Domains --------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateDomainThenFindItExactly) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  const Domain d = MakeDomain("dom_1", "org_a", "example.com", 1234);
  ASSERT_OK(store().CreateDomain(d));
  ASSERT_OK_AND_ASSIGN(Domain found, store().FindDomain("example.com"));
  EXPECT_EQ(found, d);
  // Exact names only: no case folding, trailing dot, parent or subdomain matching.
  for (const char* other : {"Example.com", "EXAMPLE.COM", "example.com.", "sub.example.com", "com",
                            "example.co", "xample.com", " example.com", ""}) {
    EXPECT_CODE(store().FindDomain(other), kNotFound);
  }
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListDomains("org_a"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], d);
}

TEST_P(StoreConformanceTest, DomainIsUniqueAcrossOrganizations) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_b", 2)));
  const Domain original = MakeDomain("dom_1", "org_a", "acme.example");
  ASSERT_OK(store().CreateDomain(original));
  EXPECT_CODE(store().CreateDomain(MakeDomain("dom_2", "org_b", "acme.example")), kAlreadyExists);
  EXPECT_CODE(store().CreateDomain(MakeDomain("dom_3", "org_a", "acme.example")), kAlreadyExists);
  // A taken id is kAlreadyExists too, whatever the domain.
  EXPECT_CODE(store().CreateDomain(MakeDomain("dom_1", "org_b", "other.example")), kAlreadyExists);
  EXPECT_CODE(store().FindDomain("other.example"), kNotFound);
  ASSERT_OK_AND_ASSIGN(Domain found, store().FindDomain("acme.example"));
  EXPECT_EQ(found, original);
  ASSERT_OK_AND_ASSIGN(auto of_b, store().ListDomains("org_b"));
  EXPECT_TRUE(of_b.empty());
  // Subdomains are separate names.
  EXPECT_OK(store().CreateDomain(MakeDomain("dom_4", "org_b", "eu.acme.example")));
}

TEST_P(StoreConformanceTest, CreateDomainForMissingOrganizationIsNotFound) {
  EXPECT_CODE(store().CreateDomain(MakeDomain("dom_1", "org_missing", "nobody.example")), kNotFound);
  EXPECT_CODE(store().CreateDomain(MakeDomain("dom_2", "", "nobody.example")), kNotFound);
  EXPECT_CODE(store().FindDomain("nobody.example"), kNotFound);
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_late")));
  EXPECT_OK(store().CreateDomain(MakeDomain("dom_1", "org_late", "nobody.example")));
}

TEST_P(StoreConformanceTest, ListDomainsIsPerOrganizationOrderedByCreatedAtThenId) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_b", 2)));
  const std::vector<std::tuple<std::string, std::string, UnixSeconds>> rows = {
      {"dom_d", "org_a", 300}, {"dom_b", "org_a", 100}, {"dom_x", "org_b", 50},  {"dom_c", "org_a", 200},
      {"dom_a", "org_a", 300}, {"dom_y", "org_b", 10},  {"dom_0", "org_a", 200},
  };
  for (const auto& [id, org, created] : rows) {
    ASSERT_OK(store().CreateDomain(MakeDomain(id, org, id.substr(4) + ".example", created)));
  }
  ASSERT_OK_AND_ASSIGN(auto of_a, store().ListDomains("org_a"));
  EXPECT_EQ(Ids(of_a), (std::vector<std::string>{"dom_b", "dom_0", "dom_c", "dom_a", "dom_d"}));
  for (const auto& d : of_a) EXPECT_EQ(d.organization_id, "org_a");
  ASSERT_OK_AND_ASSIGN(auto of_b, store().ListDomains("org_b"));
  EXPECT_EQ(Ids(of_b), (std::vector<std::string>{"dom_y", "dom_x"}));
  ASSERT_OK_AND_ASSIGN(auto of_none, store().ListDomains("org_missing"));
  EXPECT_TRUE(of_none.empty());
  ASSERT_OK_AND_ASSIGN(auto of_empty, store().ListDomains(""));
  EXPECT_TRUE(of_empty.empty());
}

TEST_P(StoreConformanceTest, DeleteDomain) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_b", 2)));
  ASSERT_OK(store().CreateDomain(MakeDomain("dom_keep", "org_a", "keep.example", 1)));
  ASSERT_OK(store().CreateDomain(MakeDomain("dom_gone", "org_a", "gone.example", 2)));
  ASSERT_OK(store().DeleteDomain("dom_gone"));
  EXPECT_CODE(store().DeleteDomain("dom_gone"), kNotFound);
  EXPECT_CODE(store().DeleteDomain("dom_never"), kNotFound);
  EXPECT_CODE(store().DeleteDomain("gone.example"), kNotFound);  // by id, not by name
  EXPECT_CODE(store().FindDomain("gone.example"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto of_a, store().ListDomains("org_a"));
  EXPECT_EQ(Ids(of_a), (std::vector<std::string>{"dom_keep"}));
  // The organization stays, and another may now claim the name.
  EXPECT_OK(store().GetOrganization("org_a"));
  EXPECT_OK(store().CreateDomain(MakeDomain("dom_new", "org_b", "gone.example", 3)));
}

TEST_P(StoreConformanceTest, ConcurrentClaimsOfOneDomainHaveOneWinner) {
  for (int t = 0; t < kThreads; ++t) ASSERT_OK(store().CreateOrganization(MakeOrg("org_" + std::to_string(t))));
  std::vector<Status> results(kThreads);
  RunConcurrently([&](int t) {
    const std::string n = std::to_string(t);
    results[t] = store().CreateDomain(MakeDomain("dom_" + n, "org_" + n, "contested.example"));
  });
  int winner = -1;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      EXPECT_EQ(winner, -1) << "two winners";
      winner = t;
    } else {
      EXPECT_EQ(CodeName(results[t].code()), CodeName(StatusCode::kAlreadyExists)) << results[t].ToString();
    }
  }
  ASSERT_NE(winner, -1);
  ASSERT_OK_AND_ASSIGN(Domain found, store().FindDomain("contested.example"));
  EXPECT_EQ(found.organization_id, "org_" + std::to_string(winner));
}

// ---- Connections ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateThenGetConnectionRoundTripsEveryType) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  Connection oidc = MakeConn("conn_oidc", "org_a", 1);
  Connection saml = MakeConn("conn_saml", "org_a", 2);
  saml.type = ConnectionType::kSaml;
  saml.provider = "entra_id";
  saml.display_name = "";
  saml.enabled = false;
  saml.settings_json = "{}";
  Connection social = MakeConn("conn_social", "", 3);
  social.provider = "github";
  social.display_name = "Mit GitHub anmelden — ✓";
  Connection passwordless = MakeConn("conn_pwl", "", 4);
  passwordless.type = ConnectionType::kPasswordless;
  passwordless.provider = "email";
  passwordless.settings_json = R"({"otp_length":6,"note":"quote \" and \\ and \u00fc"})";
  passwordless.updated_at = 253'402'300'799;
  for (const Connection* c : {&oidc, &saml, &social, &passwordless}) ASSERT_OK(store().CreateConnection(*c));
  for (const Connection* c : {&oidc, &saml, &social, &passwordless}) {
    ASSERT_OK_AND_ASSIGN(Connection got, store().GetConnection(c->id));
    EXPECT_EQ(got, *c);
  }
  EXPECT_CODE(store().GetConnection("conn_missing"), kNotFound);
  EXPECT_CODE(store().GetConnection(""), kNotFound);
}

TEST_P(StoreConformanceTest, CreateConnectionErrors) {
  // An organization that does not exist.
  EXPECT_CODE(store().CreateConnection(MakeConn("conn_1", "org_missing")), kNotFound);
  EXPECT_CODE(store().GetConnection("conn_1"), kNotFound);
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  // A taken id, whoever owns it; the original is kept.
  const Connection original = MakeConn("conn_1", "org_a", 10);
  ASSERT_OK(store().CreateConnection(original));
  EXPECT_CODE(store().CreateConnection(MakeConn("conn_1", "", 20)), kAlreadyExists);
  EXPECT_CODE(store().CreateConnection(MakeConn("conn_1", "org_a", 30)), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(Connection got, store().GetConnection("conn_1"));
  EXPECT_EQ(got, original);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListAllConnections());
  EXPECT_EQ(all.size(), 1u);
}

TEST_P(StoreConformanceTest, ListConnectionsByOwnerAndAllOrderedByCreatedAtThenId) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_b", 2)));
  const std::vector<std::tuple<std::string, std::string, UnixSeconds>> rows = {
      {"conn_d", "org_a", 300}, {"conn_e1", "", 200},      {"conn_b", "org_a", 100}, {"conn_x", "org_b", 200},
      {"conn_a", "org_a", 300}, {"conn_e0", "", 200},      {"conn_c", "org_a", 200}, {"conn_e2", "", 50},
  };
  for (const auto& [id, org, created] : rows) {
    Connection c = MakeConn(id, org, created);
    c.enabled = id.back() != 'c' && id.back() != '0';  // disabled ones are listed too
    ASSERT_OK(store().CreateConnection(c));
  }
  ASSERT_OK_AND_ASSIGN(auto of_a, store().ListConnections("org_a"));
  EXPECT_EQ(Ids(of_a), (std::vector<std::string>{"conn_b", "conn_c", "conn_a", "conn_d"}));
  ASSERT_OK_AND_ASSIGN(auto of_b, store().ListConnections("org_b"));
  EXPECT_EQ(Ids(of_b), (std::vector<std::string>{"conn_x"}));
  ASSERT_OK_AND_ASSIGN(auto env, store().ListConnections(""));
  EXPECT_EQ(Ids(env), (std::vector<std::string>{"conn_e2", "conn_e0", "conn_e1"}));
  for (const auto& c : env) EXPECT_EQ(c.organization_id, "");
  ASSERT_OK_AND_ASSIGN(auto of_none, store().ListConnections("org_missing"));
  EXPECT_TRUE(of_none.empty());
  ASSERT_OK_AND_ASSIGN(auto all, store().ListAllConnections());
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"conn_e2", "conn_b", "conn_c", "conn_e0", "conn_e1", "conn_x",
                                                "conn_a", "conn_d"}));
  for (const auto& c : all) {
    Connection want = MakeConn(c.id, c.organization_id, c.created_at);
    want.enabled = c.id.back() != 'c' && c.id.back() != '0';
    EXPECT_EQ(c, want);
  }
}

TEST_P(StoreConformanceTest, SetConnectionSettingsReplacesOnlySettingsAndUpdatedAt) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  const Connection original = MakeConn("conn_1", "org_a", 100);
  ASSERT_OK(store().CreateConnection(original));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_2", "org_a", 100)));
  const std::string settings = R"({"issuer":"https://idp.example","client_id":"c","client_secret_sealed":"x"})";
  ASSERT_OK(store().SetConnectionSettings("conn_1", settings, 300));
  Connection want = original;
  want.settings_json = settings;
  want.updated_at = 300;
  ASSERT_OK_AND_ASSIGN(Connection got, store().GetConnection("conn_1"));
  EXPECT_EQ(got, want);
  ASSERT_OK_AND_ASSIGN(Connection untouched, store().GetConnection("conn_2"));
  EXPECT_EQ(untouched, MakeConn("conn_2", "org_a", 100));
  EXPECT_CODE(store().SetConnectionSettings("conn_missing", "{}", 300), kNotFound);
}

TEST_P(StoreConformanceTest, SetConnectionEnabled) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  const Connection original = MakeConn("conn_1", "org_a", 100);
  const Connection other = MakeConn("conn_2", "", 100);
  ASSERT_OK(store().CreateConnection(original));
  ASSERT_OK(store().CreateConnection(other));

  ASSERT_OK(store().SetConnectionEnabled("conn_1", false, 200));
  Connection want = original;
  want.enabled = false;
  want.updated_at = 200;
  ASSERT_OK_AND_ASSIGN(Connection got, store().GetConnection("conn_1"));
  EXPECT_EQ(got, want);  // only enabled and updated_at changed

  // Setting the current value succeeds and still moves updated_at.
  ASSERT_OK(store().SetConnectionEnabled("conn_1", false, 250));
  want.updated_at = 250;
  ASSERT_OK_AND_ASSIGN(got, store().GetConnection("conn_1"));
  EXPECT_EQ(got, want);

  ASSERT_OK(store().SetConnectionEnabled("conn_1", true, 300));
  want.enabled = true;
  want.updated_at = 300;
  ASSERT_OK_AND_ASSIGN(got, store().GetConnection("conn_1"));
  EXPECT_EQ(got, want);

  EXPECT_CODE(store().SetConnectionEnabled("conn_missing", true, 400), kNotFound);
  ASSERT_OK_AND_ASSIGN(got, store().GetConnection("conn_2"));
  EXPECT_EQ(got, other);
  // Seen by the lists as well.
  ASSERT_OK(store().SetConnectionEnabled("conn_2", false, 500));
  ASSERT_OK_AND_ASSIGN(auto env, store().ListConnections(""));
  ASSERT_EQ(env.size(), 1u);
  EXPECT_FALSE(env[0].enabled);
  EXPECT_EQ(env[0].updated_at, 500);
}

TEST_P(StoreConformanceTest, DeleteConnection) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_keep", "org_a", 1)));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_gone", "org_a", 2)));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_env", "", 3)));
  ASSERT_OK(store().DeleteConnection("conn_gone"));
  EXPECT_CODE(store().GetConnection("conn_gone"), kNotFound);
  EXPECT_CODE(store().DeleteConnection("conn_gone"), kNotFound);
  EXPECT_CODE(store().DeleteConnection("conn_never"), kNotFound);
  ASSERT_OK(store().DeleteConnection("conn_env"));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListAllConnections());
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"conn_keep"}));
  // The organization is not affected, and the id can be used again.
  EXPECT_OK(store().GetOrganization("org_a"));
  EXPECT_OK(store().CreateConnection(MakeConn("conn_gone", "", 4)));
}

// DeleteOrganization racing with creates under it: whatever the interleaving, no domain or
// connection outlives its organization, and each create either fully happened or failed with
// kNotFound.
TEST_P(StoreConformanceTest, DeleteOrganizationRacingCreatesLeavesNoOrphans) {
  for (int i = 0; i < kIterations; ++i) {
    ASSERT_OK(store().CreateOrganization(MakeOrg("org_" + std::to_string(i), i)));
  }
  std::atomic<int> unexpected{0};
  RunConcurrently([&](int t) {
    for (int i = 0; i < kIterations; ++i) {
      const std::string org = "org_" + std::to_string(i);
      const std::string suffix = std::to_string(t) + "_" + std::to_string(i);
      Status s;
      if (t == 0) {
        s = store().DeleteOrganization(org);
      } else if (t % 2 == 1) {
        s = store().CreateDomain(MakeDomain("dom_" + suffix, org, "d" + suffix + ".example"));
      } else {
        s = store().CreateConnection(MakeConn("conn_" + suffix, org));
      }
      if (!s.ok() && s.code() != StatusCode::kNotFound) {
        ++unexpected;
        ADD_FAILURE() << s.ToString();
      }
    }
  });
  EXPECT_EQ(unexpected.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto orgs, store().ListOrganizations());
  EXPECT_TRUE(orgs.empty());
  ASSERT_OK_AND_ASSIGN(auto conns, store().ListAllConnections());
  EXPECT_TRUE(conns.empty()) << conns.size() << " orphaned connections";
  for (int t = 1; t < kThreads; t += 2) {
    for (int i = 0; i < kIterations; ++i) {
      const std::string suffix = std::to_string(t) + "_" + std::to_string(i);
      EXPECT_CODE(store().FindDomain("d" + suffix + ".example"), kNotFound);
    }
  }
  EXPECT_OK(store().CheckIntegrity());
}

TEST_P(StoreConformanceTest, IntegrityHoldsAfterOrganizationWrites) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a", 1, "ext")));
  ASSERT_OK(store().CreateDomain(MakeDomain("dom_a", "org_a", "a.example")));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_a", "org_a")));
  ASSERT_OK(store().CreateConnection(MakeConn("conn_e", "")));
  ASSERT_OK(store().SetConnectionEnabled("conn_e", false, 2));
  EXPECT_OK(store().CheckIntegrity());
  ASSERT_OK(store().DeleteOrganization("org_a"));
  ASSERT_OK(store().DeleteConnection("conn_e"));
  EXPECT_OK(store().CheckIntegrity());
  EXPECT_OK(store().Ping());
}

}  // namespace testing
}  // namespace gatehouse::store
