// A connection's stored settings (store::Connection::settings_json) and what its connector sees
// (connectors::sso::ConnectionConfig).
//
// settings_json is the connector's settings (connectors/sso/oidc.h, saml.h) plus members the
// login layer owns, removed before the connector sees them:
//   client_secret_sealed  the upstream client secret, sealed (crypto::Aead under
//                         DeriveKey(master key, "gatehouse connection secrets v1"), AAD = the
//                         connection id), base64url. Secrets are never stored in the clear.
//   initiate_login_uri    (saml) the application URL IdP-initiated logins are sent to, with a
//                         signed idp_initiated_login token (wire/scalekit-compat.md §(a))
// A connection created without settings has "{}": it is "not set up" and cannot be used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/status.h"
#include "connectors/sso/connector.h"
#include "store/store.h"

namespace gatehouse::login {

inline constexpr std::string_view kConnectionSecretsPurpose = "gatehouse connection secrets v1";

// "oidc", "saml", "oauth", "passwordless".
std::string_view ConnectorTypeName(store::ConnectionType type);

// True when the connection has an upstream IdP (oidc, saml, oauth) and settings for it.
bool IsConfigured(const store::Connection& connection);

// The connector's view of `connection`: login-owned members removed, the secret opened with
// `secrets_key` (32 bytes). kDataLoss when the sealed secret does not open (another master
// key); kInvalidArgument when settings_json is not a JSON object.
Result<connectors::sso::ConnectionConfig> ToConnectorConfig(const store::Connection& connection,
                                                            std::string_view secrets_key);

// The application URL of IdP-initiated logins, or empty.
std::string InitiateLoginUri(const store::Connection& connection);

// The settings_json to store for `connection` from an operator's settings (a JSON object, which
// may hold initiate_login_uri but not client_secret_sealed) and a client secret (nullopt: keep
// the one `connection` has). Validated with connectors::sso::Registry::Validate and, for
// initiate_login_uri, as an absolute https (or loopback http) URL; kInvalidArgument with a
// message for the operator otherwise.
Result<std::string> MakeStoredSettings(const store::Connection& connection, std::string_view operator_settings_json,
                                       const std::optional<std::string>& client_secret,
                                       std::string_view secrets_key, Random& random);

}  // namespace gatehouse::login
