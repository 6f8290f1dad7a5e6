// SAML 2.0 service provider connector (type "saml"), on Lasso + xmlsec1.
//
// Per connection: SP entity id {base_url}/sso/saml/metadata/{connection_id} (also where its
// metadata is served), ACS {base_url}/sso/saml/acs/{connection_id} (HTTP-POST binding).
// Start: a signed AuthnRequest over HTTP-Redirect (RSA-SHA256 with the environment's SP key),
// RelayState = StartInput::relay; upstream_state remembers the request id.
// Finish (params: SAMLResponse, RelayState from the ACS form): the response is refused
// (invalid_saml_response) when it is not base64 or XML, larger than 256 KiB, has a DOCTYPE (no
// DTDs, no entities: XXE and entity expansion), is not a success, its issuer is not the IdP's
// entity id, or its Destination/Recipient is not the ACS; the signature of the response or of
// the assertion must verify against the IdP's certificate and cover the assertion that is used
// (signature_validation_failed; no signature wrapping: the assertion read is the one signed);
// Audience must be the SP entity id (invalid_saml_response); NotBefore / NotOnOrAfter of the
// conditions and the subject confirmation with the configured skew (assertion_expired);
// InResponseTo must equal the request id of upstream_state (invalid_saml_response); unsolicited
// (IdP-initiated) responses are accepted only when the connection allows them and carry no
// InResponseTo. Identity::single_use_key is the assertion id (until its NotOnOrAfter plus the
// skew, i.e. as long as it would be accepted; now + 10 min when it has none).
// A response whose status is not Success is authentication_not_completed (it grants nothing,
// so it is reported without a signature check). The response must carry exactly one
// Assertion, a child of the Response; EncryptedAssertion is not supported
// (invalid_saml_response). The login_hint is not sent (no Subject in the AuthnRequest).
// Start and Finish do no I/O; calls into Lasso are serialised process-wide (saml.cc).
//
// Settings (a JSON object; unknown members refused):
//   idp_metadata_xml    required: the IdP's metadata (EntityDescriptor with an IDPSSODescriptor:
//                       entity id, HTTP-Redirect SSO service, signing certificate)
//   allow_idp_initiated optional bool, default false
//   allow_sha1          optional bool, default false: signatures must use RSA/ECDSA with SHA-256,
//                       -384 or -512 and SHA-256/-384/-512 digests; true also accepts RSA-SHA1 and
//                       SHA-1 digests (legacy IdPs). Other algorithms (HMAC, DSA, MD5) never.
//   clock_skew_seconds  optional, 0..300, default 60
//   attribute_mapping   optional object: identity field -> attribute name, for email, name,
//                       given_name, family_name, groups (defaults: common URIs and names; the
//                       email falls back to an email-shaped NameID)
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "connectors/sso/connector.h"

namespace gatehouse::connectors::sso {

// The largest decoded SAMLResponse Finish accepts (invalid_saml_response beyond it).
inline constexpr std::size_t kMaxSamlResponseBytes = 256 * 1024;
// The ACS form body a server must read so that Finish, not the server's own limit, answers an
// oversized response: the base64 of kMaxSamlResponseBytes (4/3) with line breaks, its '+', '/'
// and '=' percent-encoded by the browser (3 bytes each), and RelayState; twice the cap covers it.
inline constexpr std::size_t kMaxAcsFormBytes = 2 * kMaxSamlResponseBytes;

// The environment's SAML signing key and its self-signed certificate (PEM).
struct SamlServiceProviderKey {
  std::string private_key_pem;
  std::string certificate_pem;
};

class SamlConnector : public Connector {
 public:
  // The SP metadata document (EntityDescriptor with the signing certificate, the ACS, the
  // NameID formats), as served at /sso/saml/metadata/{connection}.
  virtual Result<std::string> Metadata() const = 0;
};

// kInvalidArgument with an operator-readable message (the IdP metadata does not parse, has no
// signing certificate or no HTTP-Redirect SSO endpoint ...).
Status ValidateSamlSettings(const ConnectionConfig& config);

Result<std::unique_ptr<SamlConnector>> MakeSamlConnector(const ConnectorContext& context, const ConnectionConfig& config,
                                                         const SamlServiceProviderKey& sp_key);

}  // namespace gatehouse::connectors::sso
