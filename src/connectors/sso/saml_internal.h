// Internals of the SAML connector (saml.h), shared by saml.cc (settings, Lasso, Start),
// saml_xml.cc (libxml2 helpers, metadata) and saml_response.cc (Finish's checks). Not a public
// API: only these files and saml_test.cc include it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "connectors/sso/connector.h"
#include "connectors/sso/saml.h"

namespace gatehouse::connectors::sso::saml_internal {

inline constexpr std::string_view kNsProtocol = "urn:oasis:names:tc:SAML:2.0:protocol";
inline constexpr std::string_view kNsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr std::string_view kNsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata";
inline constexpr std::string_view kNsDsig = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kBindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
inline constexpr std::string_view kBindingPost = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

inline constexpr std::size_t kMaxResponseBytes = kMaxSamlResponseBytes;  // decoded SAMLResponse
inline constexpr std::size_t kMaxIdpMetadataBytes = 512 * 1024;   // settings.idp_metadata_xml
inline constexpr std::size_t kMaxRawJsonBytes = 16 * 1024;        // Identity::raw_json

// What Gatehouse needs from the IdP's metadata.
struct IdpMetadata {
  std::string entity_id;
  std::string sso_redirect_url;
  std::vector<std::string> certificates_pem;  // signing certificates (use="signing" or no use)
};

// The parsed settings_json (saml.h "Settings").
struct SamlSettings {
  std::string idp_metadata_xml;
  IdpMetadata idp;
  bool allow_idp_initiated = false;
  bool allow_sha1 = false;  // accept RSA-SHA1 signatures and SHA-1 digests (legacy IdPs only)
  int clock_skew_seconds = 60;
  // identity field ("email", "name", "given_name", "family_name", "groups") -> attribute name
  std::map<std::string, std::string> attribute_mapping;
};

Result<SamlSettings> ParseSettings(std::string_view settings_json);

// True when `xml` contains "<!DOCTYPE" or "<!ENTITY" in any letter case (no DTDs anywhere: that
// refuses XXE and entity expansion before any parser sees the text).
bool HasDtd(std::string_view xml);

// Parses the IdP metadata (an EntityDescriptor with an IDPSSODescriptor). kInvalidArgument with
// an operator-readable message otherwise.
Result<IdpMetadata> ParseIdpMetadata(std::string_view xml);

// The SP's EntityDescriptor (saml.h): entity id, signing certificate, ACS, NameID formats.
std::string BuildSpMetadata(std::string_view entity_id, std::string_view acs_url, std::string_view certificate_pem);

// xs:dateTime ("2026-01-02T03:04:05Z", optional fraction, "Z" or "+hh:mm"; no zone is UTC).
std::optional<UnixSeconds> ParseXsDateTime(std::string_view text);

// The PEM certificate's base64 body on one line, or empty.
std::string PemBody(std::string_view pem);
std::string PemFromBase64(std::string_view base64);

// Everything Finish checks a decoded, DTD-free response against.
struct ResponseExpectations {
  std::string idp_entity_id;
  std::string sp_entity_id;
  std::string acs_url;
  std::string request_id;  // empty: unsolicited
  bool allow_idp_initiated = false;
  bool allow_sha1 = false;
  int clock_skew_seconds = 60;
  UnixSeconds now = 0;
  std::map<std::string, std::string> attribute_mapping;
};

// Verifies one enveloped signature of `node` (an xmlNode*, type-erased to keep libxml2 out of
// this header) with any of the IdP's keys; 0 when one verifies. Implemented in saml.cc on Lasso.
using SignatureVerifier = int (*)(void* context, void* node, const std::string& id);

// Finish's checks on the XML text (saml_response.cc). Must run under the Lasso lock.
Outcome CheckResponse(std::string_view xml, const ResponseExpectations& expect, SignatureVerifier verify,
                      void* verify_context);

}  // namespace gatehouse::connectors::sso::saml_internal
