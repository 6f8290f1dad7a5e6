// Server metadata: the OpenID Provider configuration (OIDC Discovery 1.0 §3) and the
// Authorization Server metadata (RFC 8414), served as one document at both well-known paths,
// and the JWKS at /keys (the path the Scalekit SDKs use).
//
// The document advertises only what this build implements: each endpoint module adds its
// entries to ServerMetadata when it is mounted, so a missing feature is absent, not a 404
// behind an advertised URL.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"
#include "oauth/keys.h"

namespace gatehouse::oauth {

struct ServerMetadata {
  std::string issuer;  // exactly as configured: scheme://host[:port][/path], no trailing slash
  // Endpoint paths relative to the issuer; empty when not implemented.
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;
  std::string revocation_endpoint;
  std::string introspection_endpoint;
  std::string end_session_endpoint;
  std::vector<std::string> scopes_supported;
  std::vector<std::string> response_types_supported;
  std::vector<std::string> response_modes_supported;
  std::vector<std::string> grant_types_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;
  std::vector<std::string> code_challenge_methods_supported;
  std::vector<std::string> prompt_values_supported;
  std::vector<std::string> claims_supported;
  std::vector<std::string> id_token_signing_alg_values_supported;  // the signing alg first
  bool authorization_response_iss_parameter_supported = false;     // RFC 9207
  bool backchannel_logout_supported = false;  // OIDC Back-Channel Logout 1.0 (with sid)

  // The JSON document (keys in a fixed order, absent entries omitted).
  std::string ToJson() const;
};

// Mounts GET /.well-known/openid-configuration, /.well-known/oauth-authorization-server and /keys.
// The metadata document is rendered once here; the JWKS is read from the key manager's current
// snapshot on every request, so rotations show up without a restart.
void MountMetadata(http::Router& router, const ServerMetadata& metadata, const KeyManager& keys);

}  // namespace gatehouse::oauth
