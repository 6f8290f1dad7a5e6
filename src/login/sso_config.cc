#include "login/sso_config.h"

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/url.h"
#include "connectors/sso/registry.h"
#include "crypto/aead.h"

namespace gatehouse::login {
namespace {

constexpr std::string_view kSecretMember = "client_secret_sealed";
constexpr std::string_view kInitiateMember = "initiate_login_uri";
constexpr std::size_t kMaxSecret = 1024;

Result<boost::json::object> ParseObject(std::string_view json, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return InvalidArgumentError(std::string(what) + " must be a JSON object");
  return std::move(v.as_object());
}

Result<crypto::Aead> SecretsAead(std::string_view key) { return crypto::Aead::Create(key); }

}  // namespace

std::string_view ConnectorTypeName(store::ConnectionType type) {
  switch (type) {
    case store::ConnectionType::kOidc:
      return "oidc";
    case store::ConnectionType::kSaml:
      return "saml";
    case store::ConnectionType::kOAuth:
      return "oauth";
    case store::ConnectionType::kPasswordless:
      return "passwordless";
  }
  return "unknown";
}

bool IsConfigured(const store::Connection& connection) {
  if (connection.type == store::ConnectionType::kPasswordless) return false;
  auto settings = ParseObject(connection.settings_json, "settings");
  return settings.ok() && !settings->empty();
}

Result<connectors::sso::ConnectionConfig> ToConnectorConfig(const store::Connection& connection,
                                                            std::string_view secrets_key) {
  ASSIGN_OR_RETURN(boost::json::object settings, ParseObject(connection.settings_json, "settings"));
  connectors::sso::ConnectionConfig config{.id = connection.id,
                                           .type = std::string(ConnectorTypeName(connection.type)),
                                           .provider = connection.provider,
                                           .settings_json = {},
                                           .client_secret = {}};
  if (const auto* sealed = settings.if_contains(kSecretMember)) {
    if (!sealed->is_string()) return DataLossError("connection " + connection.id + ": the sealed secret is not a string");
    auto bytes = Base64UrlDecode(sealed->as_string());
    if (!bytes) return DataLossError("connection " + connection.id + ": the sealed secret is not base64url");
    ASSIGN_OR_RETURN(crypto::Aead aead, SecretsAead(secrets_key));
    ASSIGN_OR_RETURN(config.client_secret, aead.Open(*bytes, connection.id));
    settings.erase(kSecretMember);
  }
  settings.erase(kInitiateMember);
  config.settings_json = boost::json::serialize(settings);
  return config;
}

std::string InitiateLoginUri(const store::Connection& connection) {
  auto settings = ParseObject(connection.settings_json, "settings");
  if (!settings.ok()) return {};
  const auto* uri = settings->if_contains(kInitiateMember);
  return uri != nullptr && uri->is_string() ? std::string(uri->as_string()) : std::string();
}

Result<std::string> MakeStoredSettings(const store::Connection& connection, std::string_view operator_settings_json,
                                       const std::optional<std::string>& client_secret,
                                       std::string_view secrets_key, Random& random) {
  ASSIGN_OR_RETURN(boost::json::object settings, ParseObject(operator_settings_json, "--settings"));
  if (settings.contains(kSecretMember)) {
    return InvalidArgumentError("--settings must not hold client_secret_sealed: give the secret with --client-secret-file");
  }
  if (const auto* uri = settings.if_contains(kInitiateMember)) {
    if (connection.type != store::ConnectionType::kSaml) {
      return InvalidArgumentError("initiate_login_uri applies to SAML connections only");
    }
    auto url = uri->is_string() ? ParseHttpUrl(uri->as_string()) : InvalidArgumentError("not a string");
    if (!url.ok() || (url->scheme != "https" && !IsLoopbackHost(url->host))) {
      return InvalidArgumentError("initiate_login_uri must be an absolute https URL (http only on a loopback host)");
    }
  }
  // The secret: the new one, else the one stored already.
  std::string secret;
  if (client_secret) {
    if (client_secret->empty() || client_secret->size() > kMaxSecret) {
      return InvalidArgumentError("the client secret must be 1 to 1024 bytes");
    }
    secret = *client_secret;
  } else if (IsConfigured(connection)) {
    ASSIGN_OR_RETURN(auto current, ToConnectorConfig(connection, secrets_key));
    secret = std::move(current.client_secret);
  }
  boost::json::object for_connector = settings;
  for_connector.erase(kInitiateMember);
  const connectors::sso::ConnectionConfig config{.id = connection.id,
                                                 .type = std::string(ConnectorTypeName(connection.type)),
                                                 .provider = connection.provider,
                                                 .settings_json = boost::json::serialize(for_connector),
                                                 .client_secret = secret};
  RETURN_IF_ERROR(connectors::sso::Registry::Validate(config));
  if (!secret.empty()) {
    ASSIGN_OR_RETURN(crypto::Aead aead, SecretsAead(secrets_key));
    settings[kSecretMember] = Base64UrlEncode(aead.Seal(secret, connection.id, random));
  }
  return boost::json::serialize(settings);
}

}  // namespace gatehouse::login
