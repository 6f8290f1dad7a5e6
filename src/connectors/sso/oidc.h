// OpenID Connect and OAuth 2.0 upstream connectors: enterprise OIDC (type "oidc", any issuer) and
// the social presets (type "oauth": google, microsoft, gitlab, linkedin, salesforce speak OIDC;
// github speaks OAuth 2.0 and its REST API).
//
// Settings (ConnectionConfig::settings_json, a JSON object; unknown members are refused):
//   type "oidc":
//     issuer             required; https, or http only on a loopback host (127.0.0.1, ::1,
//                        localhost). Discovery: {issuer}/.well-known/openid-configuration, whose
//                        "issuer" must equal it exactly.
//     client_id          required
//     token_auth_method  "client_secret_basic" (default) or "client_secret_post"
//     scopes             array of strings; default ["openid","profile","email"]; must hold "openid"
//     attribute_mapping  object: identity field -> claim name, for email, email_verified, name,
//                        given_name, family_name, groups (defaults: the same names)
//   type "oauth" (provider google | microsoft | gitlab | linkedin | salesforce | github):
//     client_id          required
//     scopes             optional; the preset's by default
//     issuer             optional override of the preset's issuer (OIDC presets), e.g. a test IdP
//     authorization_endpoint, token_endpoint, api_url
//                        optional overrides for github (GitHub Enterprise Server, tests)
// The client secret is ConnectionConfig::client_secret (required for every type here: checked by
// MakeOidcConnector; ValidateOidcSettings reads settings_json only, so a connection may be saved
// before its secret). Client authentication: the oidc type's token_auth_method; the presets use
// client_secret_post for linkedin and github, client_secret_basic otherwise. Basic credentials
// are form-encoded before base64 (RFC 6749 §2.3.1).
//
// The leg: authorization code with PKCE (S256), `state` = StartInput::relay, a fresh `nonce`
// (OIDC), `login_hint` forwarded. Finish: `error` from the IdP -> access_denied (or the IdP's
// code when it is one of ours); the code exchanged at the token endpoint
// (failed_to_exchange_token on any failure); the ID token verified (RS256/ES256 against the
// IdP's JWKS, cached and refetched at most once a minute on an unknown kid; iss, aud contains
// client_id, azp, exp/iat with 60 s leeway, nonce) -> invalid_id_token; missing claims read from
// userinfo (user_info_retrieve_failed). GitHub: the access token reads /user and /user/emails
// (the primary verified address); subject = the numeric user id.
// Discovery documents and JWKS are cached per connector for an hour.
//
// Details beyond the above:
//   - Callback `error`: access_denied -> access_denied; server_error and temporarily_unavailable
//     -> server_error; anything else -> authentication_not_completed. The description is fixed
//     text with the IdP's error and error_description cut to printable ASCII (<= 200 chars).
//     No `code` -> authentication_not_completed. `state` is not checked (the login layer did).
//   - An empty upstream_state (an unsolicited answer) -> authentication_not_completed; one that
//     is not Start's -> a Status (kInternal).
//   - Discovery (or, in Finish, the JWKS) unreachable or invalid -> server_error. Discovery's
//     endpoints must follow the same https-or-loopback-http rule as the issuer.
//   - The microsoft preset accepts a discovery issuer holding "{tenantid}" where the configured
//     issuer has one path segment (".../common/v2.0"); the ID token's iss must then equal it
//     with the token's `tid` in place of the placeholder.
//   - The ID token: iat is required; azp, when present, must be client_id (and is required when
//     aud has several values). An empty or missing sub -> mandatory_attribute_missing.
//   - Userinfo is read only when the (mapped) email claim is missing from the ID token and
//     discovery lists a userinfo_endpoint; its members fill claims the ID token lacks.
//     email_verified is true for the JSON true or the string "true"; groups is an array of
//     strings (others skipped, at most 256) or one string.
//   - GitHub: login_hint is not forwarded (GitHub's `login` takes a user name); PKCE is sent;
//     /user or /user/emails failing -> user_info_retrieve_failed; a missing numeric id ->
//     mandatory_attribute_missing; name falls back to login; raw_json is the /user object.
#pragma once

#include <memory>

#include "common/status.h"
#include "connectors/sso/connector.h"

namespace gatehouse::connectors::sso {

// kInvalidArgument with an operator-readable message when the settings are not as above (or the
// provider is unknown). Does not contact the IdP.
Status ValidateOidcSettings(const ConnectionConfig& config);

// For type "oidc" and "oauth". The settings are validated again (kInvalidArgument).
Result<std::unique_ptr<Connector>> MakeOidcConnector(const ConnectorContext& context, const ConnectionConfig& config);

}  // namespace gatehouse::connectors::sso
