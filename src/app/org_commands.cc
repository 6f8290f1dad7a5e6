// org, domain and connection commands: they work on the store directly, with or without a
// running server (the store is safe to share between processes).
#include "app/org_commands.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "app/output.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "crypto/random.h"
#include "login/sso_config.h"
#include "oauth/routing.h"
#include "store/store.h"

namespace gatehouse::app {
namespace {

constexpr std::size_t kMaxNameChars = 200;
constexpr std::size_t kMaxExternalIdLength = 255;
constexpr std::size_t kMaxDomainLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

// Enterprise SSO providers (oidc, saml) and social providers (oauth), as the hosted login page
// and Scalekit's `provider` parameter name them.
constexpr std::array<std::string_view, 8> kSsoProviders = {
    "custom", "okta", "entra_id", "google_workspace", "onelogin", "jumpcloud", "ping", "auth0"};
using oauth::kSocialProviders;
constexpr std::string_view kPasswordlessProvider = "email";

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <std::size_t N>
std::string JoinList(const std::array<std::string_view, N>& list) {
  std::string out;
  for (std::string_view s : list) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

Result<std::unique_ptr<store::Store>> OpenExisting(const CommonOptions& o) {
  return OpenExistingStore(o.data_dir, o.store_uri);
}

// ---- Validation -----------------------------------------------------------------------------

// 1..200 characters of UTF-8 without control characters (C0, DEL, C1): names are shown on the
// hosted login page and in logs.
Status ValidateName(std::string_view what, std::string_view name, bool allow_empty) {
  if (!IsValidUtf8(name)) return InvalidArgumentError(std::string(what) + " must be valid UTF-8");
  const auto chars = static_cast<std::size_t>(
      std::count_if(name.begin(), name.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  if ((!allow_empty && chars == 0) || chars > kMaxNameChars) {
    return InvalidArgumentError(std::string(what) + " must be " + (allow_empty ? "0" : "1") + " to 200 characters");
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool c1 = c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c1) {
      return InvalidArgumentError(std::string(what) + " must not contain control characters");
    }
  }
  return Status::Ok();
}

Status ValidateExternalId(std::string_view id) {
  if (id.empty() || id.size() > kMaxExternalIdLength) {
    return InvalidArgumentError("--external-id must be 1 to 255 characters");
  }
  for (unsigned char c : id) {
    if (c < 0x20 || c > 0x7E) return InvalidArgumentError("--external-id must be printable ASCII");
  }
  return Status::Ok();
}

std::string Quoted(std::string_view s) {
  // Shown in one-line error messages: keep them one line and readable.
  std::string out = "'";
  for (unsigned char c : s) out += c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c);
  return out + "'";
}

// ---- JSON -----------------------------------------------------------------------------------

boost::json::value OptionalString(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}

boost::json::object OrgJson(const store::Organization& o) {
  return {{"id", o.id},
          {"display_name", o.display_name},
          {"external_id", OptionalString(o.external_id)},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at}};
}

boost::json::object DomainJson(const store::Domain& d) {
  return {{"id", d.id}, {"organization_id", d.organization_id}, {"domain", d.domain}, {"created_at", d.created_at}};
}

// settings_json is left out on purpose: it holds the IdP configuration with the sealed client
// secret; "configured" says whether there is one.
boost::json::object ConnectionJson(const store::Connection& c) {
  return {{"id", c.id},
          {"type", login::ConnectorTypeName(c.type)},
          {"organization_id", OptionalString(c.organization_id)},
          {"provider", c.provider},
          {"display_name", c.display_name},
          {"enabled", c.enabled},
          {"configured", login::IsConfigured(c)},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

boost::json::array ToJson(const std::vector<store::Domain>& domains) {
  boost::json::array out;
  for (const auto& d : domains) out.emplace_back(DomainJson(d));
  return out;
}

boost::json::array ToJson(const std::vector<store::Connection>& connections) {
  boost::json::array out;
  for (const auto& c : connections) out.emplace_back(ConnectionJson(c));
  return out;
}

// "no organization X" for kNotFound, the store's message otherwise.
int FailLookup(const Status& s, std::string_view kind, std::string_view id) {
  if (s.code() == StatusCode::kNotFound) return Fail("no " + std::string(kind) + " " + Quoted(id));
  return Fail(s);
}

// The connection as the create command builds it from its flags.
Result<store::Connection> ConnectionFromOptions(const ConnectionCreateOptions& o) {
  store::Connection c;
  c.organization_id = o.org_id;
  c.provider = o.provider;
  if (o.type == "oidc" || o.type == "saml") {
    c.type = o.type == "oidc" ? store::ConnectionType::kOidc : store::ConnectionType::kSaml;
    if (o.org_id.empty()) {
      return InvalidArgumentError(std::string(o.type == "oidc" ? "an oidc" : "a saml") +
                                  " connection is enterprise SSO and belongs to an organization: give --org ORG_ID");
    }
    if (c.provider.empty()) c.provider = "custom";
    if (!Contains(kSsoProviders, c.provider)) {
      return InvalidArgumentError("unknown " + o.type + " provider " + Quoted(c.provider) + " (one of " +
                                  JoinList(kSsoProviders) + ")");
    }
  } else if (o.type == "oauth") {
    c.type = store::ConnectionType::kOAuth;
    if (!o.org_id.empty()) {
      return InvalidArgumentError("an oauth (social) connection belongs to the whole environment: drop --org");
    }
    if (c.provider.empty()) {
      return InvalidArgumentError("an oauth connection needs --provider (one of " + JoinList(kSocialProviders) + ")");
    }
    if (!Contains(kSocialProviders, c.provider)) {
      return InvalidArgumentError("unknown oauth provider " + Quoted(c.provider) + " (one of " +
                                  JoinList(kSocialProviders) + ")");
    }
  } else if (o.type == "passwordless") {
    c.type = store::ConnectionType::kPasswordless;
    if (!o.org_id.empty()) {
      return InvalidArgumentError("a passwordless connection belongs to the whole environment: drop --org");
    }
    if (c.provider.empty()) c.provider = std::string(kPasswordlessProvider);
    if (c.provider != kPasswordlessProvider) {
      return InvalidArgumentError("unknown passwordless provider " + Quoted(c.provider) + " (only email)");
    }
  } else {
    return InvalidArgumentError("--type must be oidc, saml, oauth or passwordless, not " + Quoted(o.type));
  }
  RETURN_IF_ERROR(ValidateName("--name", o.name, /*allow_empty=*/true));
  c.display_name = o.name;
  c.enabled = !o.disabled;
  c.settings_json = "{}";
  return c;
}

}  // namespace

Result<std::string> NormalizeDomain(std::string_view input) {
  std::string d(input);
  for (char& c : d) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return InvalidArgumentError("domain " + Quoted(input) +
                                  " is not ASCII: give an internationalised domain in punycode (xn--...)");
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!d.empty() && d.back() == '.') d.pop_back();  // the root label: "example.com." is example.com
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("invalid domain " + Quoted(input) + ": " + why);
  };
  if (d.empty()) return bad("empty");
  if (d.size() > kMaxDomainLength) return bad("longer than 253 characters");
  std::vector<std::string_view> labels;
  std::string_view rest = d;
  while (true) {
    const std::size_t dot = rest.find('.');
    labels.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (std::string_view label : labels) {
    if (label.empty()) return bad("empty label");
    if (label.size() > kMaxLabelLength) return bad("a label is longer than 63 characters");
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return bad("only letters, digits, '-' and '.' are allowed");
      }
    }
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
  }
  if (labels.size() < 2) return bad("needs at least two labels (example.com)");
  if (std::all_of(labels.back().begin(), labels.back().end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("the top-level label is all digits (an IP address is not a domain)");
  }
  return d;
}

// ---- Organizations --------------------------------------------------------------------------

int RunOrgCreate(const OrgCreateOptions& o) {
  if (Status s = ValidateName("--name", o.name, /*allow_empty=*/false); !s.ok()) return Fail(s);
  if (o.has_external_id) {
    if (Status s = ValidateExternalId(o.external_id); !s.ok()) return Fail(s);
  }
  auto store = OpenExisting(o.common);
  if (!store.ok()) return Fail(store.error());
  store::Organization org;
  org.id = NewId(crypto::SystemRandom::Instance(), id_prefix::kOrganization);
  org.display_name = o.name;
  org.external_id = o.has_external_id ? o.external_id : "";
  org.created_at = org.updated_at = SystemClock::Instance().NowSeconds();
  Status s = (*store)->CreateOrganization(org);
  if (s.code() == StatusCode::kAlreadyExists && !org.external_id.empty()) {
    return Fail("an organization with external id " + Quoted(org.external_id) + " already exists");
  }
  if (!s.ok()) return Fail(s);
  PrintJson(OrgJson(org));
  return 0;
}

int RunOrgList(const CommonOptions& o) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  auto orgs = (*store)->ListOrganizations();
  if (!orgs.ok()) return Fail(orgs.error());
  boost::json::array out;
  for (const auto& org : *orgs) out.emplace_back(OrgJson(org));
  PrintJson(out);
  return 0;
}

int RunOrgGet(const CommonOptions& o, const std::string& org_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  auto org = (*store)->GetOrganization(org_id);
  if (!org.ok()) return FailLookup(org.error(), "organization", org_id);
  auto domains = (*store)->ListDomains(org_id);
  if (!domains.ok()) return Fail(domains.error());
  auto connections = (*store)->ListConnections(org_id);
  if (!connections.ok()) return Fail(connections.error());
  boost::json::object out = OrgJson(*org);
  out["domains"] = ToJson(*domains);
  out["connections"] = ToJson(*connections);
  PrintJson(out);
  return 0;
}

int RunOrgDelete(const CommonOptions& o, const std::string& org_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  if (Status s = (*store)->DeleteOrganization(org_id); !s.ok()) return FailLookup(s, "organization", org_id);
  PrintJson(boost::json::object{{"deleted", org_id}});
  return 0;
}

// ---- Domains --------------------------------------------------------------------------------

int RunDomainAdd(const CommonOptions& o, const std::string& org_id, const std::string& domain) {
  auto normalized = NormalizeDomain(domain);
  if (!normalized.ok()) return Fail(normalized.error());
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  // Looked up first for a precise message; the store's unique index is what guarantees it.
  auto claimed = (*store)->FindDomain(*normalized);
  if (claimed.ok()) {
    if (claimed->organization_id == org_id) {
      return Fail("organization " + org_id + " already has domain " + *normalized + " (" + claimed->id + ")");
    }
    return Fail("domain " + *normalized + " is already claimed by organization " + claimed->organization_id);
  }
  if (claimed.error().code() != StatusCode::kNotFound) return Fail(claimed.error());
  store::Domain d;
  d.id = NewId(crypto::SystemRandom::Instance(), id_prefix::kDomain);
  d.organization_id = org_id;
  d.domain = *normalized;
  d.created_at = SystemClock::Instance().NowSeconds();
  Status s = (*store)->CreateDomain(d);
  if (s.code() == StatusCode::kNotFound) return FailLookup(s, "organization", org_id);
  if (s.code() == StatusCode::kAlreadyExists) {
    return Fail("domain " + d.domain + " was just claimed by another organization");
  }
  if (!s.ok()) return Fail(s);
  PrintJson(DomainJson(d));
  return 0;
}

int RunDomainList(const CommonOptions& o, const std::string& org_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  // ListDomains of an unknown organization is just empty; say so instead.
  if (auto org = (*store)->GetOrganization(org_id); !org.ok()) return FailLookup(org.error(), "organization", org_id);
  auto domains = (*store)->ListDomains(org_id);
  if (!domains.ok()) return Fail(domains.error());
  PrintJson(ToJson(*domains));
  return 0;
}

int RunDomainRemove(const CommonOptions& o, const std::string& domain_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  if (Status s = (*store)->DeleteDomain(domain_id); !s.ok()) return FailLookup(s, "domain", domain_id);
  PrintJson(boost::json::object{{"deleted", domain_id}});
  return 0;
}

// ---- Connections ----------------------------------------------------------------------------

int RunConnectionCreate(const ConnectionCreateOptions& o) {
  auto connection = ConnectionFromOptions(o);
  if (!connection.ok()) return Fail(connection.error());
  auto store = OpenExisting(o.common);
  if (!store.ok()) return Fail(store.error());
  connection->id = NewId(crypto::SystemRandom::Instance(), id_prefix::kConnection);
  connection->created_at = connection->updated_at = SystemClock::Instance().NowSeconds();
  if (o.settings.any()) {
    // Validated before anything is written: a connection with a bad configuration is not created.
    auto settings = StoredSettingsFromOptions(o.common, *connection, o.settings);
    if (!settings.ok()) return Fail(settings.error());
    connection->settings_json = std::move(settings).value();
  }
  Status s = (*store)->CreateConnection(*connection);
  if (!s.ok()) return FailLookup(s, "organization", o.org_id);
  PrintJson(ConnectionJson(*connection));
  return 0;
}

int RunConnectionList(const ConnectionListOptions& o) {
  auto store = OpenExisting(o.common);
  if (!store.ok()) return Fail(store.error());
  Result<std::vector<store::Connection>> connections = std::vector<store::Connection>{};
  if (!o.org_id.empty()) {
    if (auto org = (*store)->GetOrganization(o.org_id); !org.ok()) {
      return FailLookup(org.error(), "organization", o.org_id);
    }
    connections = (*store)->ListConnections(o.org_id);
  } else if (o.environment) {
    connections = (*store)->ListConnections("");
  } else {
    connections = (*store)->ListAllConnections();
  }
  if (!connections.ok()) return Fail(connections.error());
  PrintJson(ToJson(*connections));
  return 0;
}

int RunConnectionSetEnabled(const CommonOptions& o, const std::string& connection_id, bool enabled) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  Status s = (*store)->SetConnectionEnabled(connection_id, enabled, SystemClock::Instance().NowSeconds());
  if (!s.ok()) return FailLookup(s, "connection", connection_id);
  auto connection = (*store)->GetConnection(connection_id);
  if (!connection.ok()) return FailLookup(connection.error(), "connection", connection_id);
  PrintJson(ConnectionJson(*connection));
  return 0;
}

int RunConnectionDelete(const CommonOptions& o, const std::string& connection_id) {
  auto store = OpenExisting(o);
  if (!store.ok()) return Fail(store.error());
  if (Status s = (*store)->DeleteConnection(connection_id); !s.ok()) return FailLookup(s, "connection", connection_id);
  PrintJson(boost::json::object{{"deleted", connection_id}});
  return 0;
}

}  // namespace gatehouse::app
