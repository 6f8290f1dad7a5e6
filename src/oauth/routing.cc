#include "oauth/routing.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/ids.h"

namespace gatehouse::oauth {
namespace {

bool IsSso(const store::Connection& c) {
  return c.type == store::ConnectionType::kOidc || c.type == store::ConnectionType::kSaml;
}

RouteDecision Error(std::string code, std::string description) {
  RouteDecision d;
  d.kind = RouteDecision::Kind::kError;
  d.error = std::move(code);
  d.error_description = std::move(description);
  return d;
}

// An organization's route: straight to its one enabled SSO connection, else the hosted page
// limited to it.
Result<RouteDecision> RouteToOrganization(store::Store& store, const std::string& org_id) {
  ASSIGN_OR_RETURN(auto connections, store.ListConnections(org_id));
  RouteDecision d;
  d.organization_id = org_id;
  const store::Connection* only = nullptr;
  int enabled_sso = 0;
  for (const auto& c : connections) {
    if (c.enabled && IsSso(c)) {
      only = &c;
      ++enabled_sso;
    }
  }
  if (enabled_sso == 1) {
    d.kind = RouteDecision::Kind::kConnection;
    d.connection_id = only->id;
  }
  return d;
}

}  // namespace

std::string EmailDomain(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return {};
  std::string domain(email.substr(at + 1));
  for (char& c : domain) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '@') return {};
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (domain.find('.') == std::string::npos) return {};
  return domain;
}

Result<RouteDecision> Route(store::Store& store, const RouteInput& in) {
  // 1. connection_id
  if (!in.connection_id.empty()) {
    if (!IsWellFormedId(in.connection_id, id_prefix::kConnection)) {
      return Error("invalid_connection_id", "connection_id is malformed");
    }
    auto c = store.GetConnection(in.connection_id);
    if (!c.ok()) {
      if (c.error().code() == StatusCode::kNotFound) return Error("invalid_connection_id", "no such connection");
      return c.error();
    }
    if (!in.organization_id.empty() && c->organization_id != in.organization_id) {
      return Error("invalid_connection_id", "the connection does not belong to organization_id");
    }
    if (!c->enabled) return Error("connection_not_active", "the connection is disabled");
    RouteDecision d;
    d.kind = RouteDecision::Kind::kConnection;
    d.connection_id = c->id;
    d.organization_id = c->organization_id;
    return d;
  }
  // 2. organization_id
  if (!in.organization_id.empty()) {
    if (in.organization_id.size() > 32 || !IsWellFormedId(in.organization_id, id_prefix::kOrganization)) {
      return Error("invalid_organization_id", "organization_id is malformed");
    }
    auto org = store.GetOrganization(in.organization_id);
    if (!org.ok()) {
      if (org.error().code() == StatusCode::kNotFound) return Error("invalid_organization_id", "no such organization");
      return org.error();
    }
    return RouteToOrganization(store, org->id);
  }
  // 3. provider
  if (!in.provider.empty()) {
    if (std::find(std::begin(kSocialProviders), std::end(kSocialProviders), in.provider) == std::end(kSocialProviders)) {
      return Error("invalid_request", "unknown provider");
    }
    ASSIGN_OR_RETURN(auto env, store.ListConnections(""));
    for (const auto& c : env) {
      if (c.type == store::ConnectionType::kOAuth && c.provider == in.provider && c.enabled) {
        RouteDecision d;
        d.kind = RouteDecision::Kind::kConnection;
        d.connection_id = c.id;
        return d;
      }
    }
    return Error("no_active_connections", "no enabled connection for provider " + in.provider);
  }
  // 4. home-realm discovery: an explicit domain hint, else the domain of login_hint.
  std::string domain = in.domain_hint;
  const bool explicit_hint = !domain.empty();
  std::transform(domain.begin(), domain.end(), domain.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (domain.empty()) domain = EmailDomain(in.login_hint);
  if (!domain.empty()) {
    auto claimed = store.FindDomain(domain);
    if (claimed.ok()) return RouteToOrganization(store, claimed->organization_id);
    if (claimed.error().code() != StatusCode::kNotFound) return claimed.error();
    if (explicit_hint) return Error("domain_not_found", "no organization owns the domain " + domain);
  }
  return RouteDecision{};
}

}  // namespace gatehouse::oauth
