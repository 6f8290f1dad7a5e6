// Internals shared by oidc.cc (settings, factory), oidc_flow.cc (OpenID Connect) and github.cc
// (GitHub's OAuth 2.0 + REST API). Not part of the connector interface.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/status.h"
#include "connectors/sso/connector.h"

namespace gatehouse::connectors::sso::oidc_internal {

enum class TokenAuthMethod { kClientSecretBasic, kClientSecretPost };

// The settings of one connection, parsed and checked (oidc.h), with the preset's defaults filled in.
struct Settings {
  bool github = false;                 // GitHub's OAuth 2.0 + REST API instead of OIDC
  std::string issuer;                  // OIDC
  bool microsoft_tenant_template = false;  // the "microsoft" preset: {tenantid} issuers
  std::string authorization_endpoint;  // GitHub
  std::string token_endpoint;          // GitHub
  std::string api_url;                 // GitHub, no trailing slash
  std::string client_id;
  std::string client_secret;
  TokenAuthMethod token_auth_method = TokenAuthMethod::kClientSecretBasic;
  std::string scope;  // space-separated
  // Identity field -> claim name (email, email_verified, name, given_name, family_name, groups).
  std::map<std::string, std::string, std::less<>> attribute_mapping;
};

// Parses and checks config.settings_json (and, with require_secret, the client secret).
Result<Settings> ParseSettings(const ConnectionConfig& config, bool require_secret);

// https, or http on a loopback host; no fragment (nor userinfo). `what` names it in the message.
Status CheckEndpointUrl(std::string_view url, std::string_view what);

// --- Helpers for the flows -----------------------------------------------------------------------

std::optional<boost::json::value> ParseJson(std::string_view text);
std::optional<boost::json::object> ParseJsonObject(std::string_view text);
// The string member `key`, or nullopt when absent or not a string.
std::optional<std::string> StringMember(const boost::json::object& o, std::string_view key);

// "k=v&k2=v2", percent-encoded.
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);

// The value of parameter `name` in the callback, or nullptr.
const std::string* FindParam(const CallbackInput& input, std::string_view name);

// For the callback's `error` parameter: access_denied stays access_denied, server_error and
// temporarily_unavailable become server_error, anything else authentication_not_completed; the
// description is fixed text plus the IdP's error code and description, cut to printable ASCII.
UpstreamError MapCallbackError(std::string_view error, std::string_view error_description);

// What every code-flow callback carries: the code and the state Start kept (a JSON object).
struct CallbackCode {
  std::string code;
  boost::json::object state;
};
// The callback's `error` (MapCallbackError), a missing code or an unsolicited answer
// (authentication_not_completed) as an UpstreamError; a state that does not parse is an
// internal error (the login layer stored what Start produced).
Result<std::variant<CallbackCode, UpstreamError>> ReadCallback(const CallbackInput& input);

// Printable ASCII only (other bytes dropped), at most `max` characters.
std::string SanitizeAscii(std::string_view text, std::size_t max);

// S256 PKCE: a 32-byte random verifier (base64url) and its challenge.
struct Pkce {
  std::string verifier;
  std::string challenge;
};
Pkce MakePkce(Random& random);

// The serialized object, or (when larger than 16 KiB) only its members named in `keep`.
std::string CappedRawJson(const boost::json::object& claims, const std::vector<std::string>& keep);

inline UpstreamError Fail(std::string_view code, std::string description) {
  return UpstreamError{std::string(code), std::move(description)};
}

std::unique_ptr<Connector> MakeOidcFlow(const ConnectorContext& context, Settings settings);
std::unique_ptr<Connector> MakeGithubFlow(const ConnectorContext& context, Settings settings);

}  // namespace gatehouse::connectors::sso::oidc_internal
