// The connectors by connection type (connector.h): validation of a connection's settings when an
// operator writes them, and one long-lived connector per configured connection, so that its
// caches (OIDC discovery, JWKS; SAML's parsed metadata) serve every login through it.
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "connectors/sso/connector.h"
#include "connectors/sso/saml.h"

namespace gatehouse::connectors::sso {

class Registry {
 public:
  // `context`'s references must outlive the registry.
  Registry(ConnectorContext context, SamlServiceProviderKey saml_key);

  // kInvalidArgument with an operator-readable message when `config`'s type is not one with a
  // connector ("oidc", "oauth", "saml") or its settings are not valid for it. No network.
  static Status Validate(const ConnectionConfig& config);

  // The connector for `config`: built on first use and rebuilt when the connection's settings or
  // secret change. kInvalidArgument when the settings are not valid.
  Result<std::shared_ptr<const Connector>> Get(const ConnectionConfig& config) const;
  // As Get, for a "saml" connection (its metadata).
  Result<std::shared_ptr<const SamlConnector>> GetSaml(const ConnectionConfig& config) const;

 private:
  struct Built {
    std::shared_ptr<const Connector> connector;
    std::shared_ptr<const SamlConnector> saml;  // the same object, when type is "saml"
  };
  struct Entry {
    ConnectionConfig config;  // what it was built from
    Built built;
  };
  Result<Built> Build(const ConnectionConfig& config) const;
  // The cached connector for `config`, built when missing or stale (no copy of the settings).
  Result<Built> Lookup(const ConnectionConfig& config) const;

  ConnectorContext context_;
  SamlServiceProviderKey saml_key_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Entry, std::less<>> entries_;  // by connection id; guarded by mu_
};

}  // namespace gatehouse::connectors::sso
