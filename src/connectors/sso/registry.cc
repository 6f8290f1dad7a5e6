#include "connectors/sso/registry.h"

#include <utility>

#include "connectors/sso/oidc.h"

namespace gatehouse::connectors::sso {
namespace {

bool SameConfig(const ConnectionConfig& a, const ConnectionConfig& b) {
  return a.type == b.type && a.provider == b.provider && a.settings_json == b.settings_json &&
         a.client_secret == b.client_secret;
}

}  // namespace

Registry::Registry(ConnectorContext context, SamlServiceProviderKey saml_key)
    : context_(std::move(context)), saml_key_(std::move(saml_key)) {}

Status Registry::Validate(const ConnectionConfig& config) {
  if (config.type == "oidc" || config.type == "oauth") return ValidateOidcSettings(config);
  if (config.type == "saml") return ValidateSamlSettings(config);
  return InvalidArgumentError("connections of type " + config.type + " have no upstream identity provider");
}

Result<Registry::Built> Registry::Build(const ConnectionConfig& config) const {
  Built e;
  if (config.type == "saml") {
    ASSIGN_OR_RETURN(std::unique_ptr<SamlConnector> saml, MakeSamlConnector(context_, config, saml_key_));
    e.saml = std::shared_ptr<const SamlConnector>(std::move(saml));
    e.connector = e.saml;
    return e;
  }
  if (config.type == "oidc" || config.type == "oauth") {
    ASSIGN_OR_RETURN(std::unique_ptr<Connector> oidc, MakeOidcConnector(context_, config));
    e.connector = std::shared_ptr<const Connector>(std::move(oidc));
    return e;
  }
  return InvalidArgumentError("connections of type " + config.type + " have no upstream identity provider");
}

Result<Registry::Built> Registry::Lookup(const ConnectionConfig& config) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(config.id); it != entries_.end() && SameConfig(it->second.config, config)) {
      return it->second.built;
    }
  }
  // Built outside the lock (parsing SAML metadata is not free); two threads may both build,
  // the last one's connector stays.
  ASSIGN_OR_RETURN(Built built, Build(config));
  std::lock_guard lock(mu_);
  entries_[config.id] = Entry{config, built};
  return built;
}

Result<std::shared_ptr<const Connector>> Registry::Get(const ConnectionConfig& config) const {
  ASSIGN_OR_RETURN(Built built, Lookup(config));
  return built.connector;
}

Result<std::shared_ptr<const SamlConnector>> Registry::GetSaml(const ConnectionConfig& config) const {
  if (config.type != "saml") return InvalidArgumentError("connection " + config.id + " is not a SAML connection");
  ASSIGN_OR_RETURN(Built built, Lookup(config));
  return built.saml;
}

}  // namespace gatehouse::connectors::sso
