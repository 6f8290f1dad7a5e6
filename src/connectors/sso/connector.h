// Upstream identity providers behind one interface (issue 7; DESIGN.md §3 "connectors").
//
// A connector turns one leg of a login into a redirect to an upstream IdP (Start) and the IdP's
// answer into a verified identity (Finish). It knows nothing of users, sessions, tokens or the
// store: the login layer owns those, keeps what Start returns (sealed, single use, bound to the
// browser) and hands it back to Finish. Connection types:
//   oidc   enterprise OIDC (any issuer: Okta, Entra ID, Google Workspace ...)    oidc.h
//   oauth  social presets: google, microsoft, gitlab, linkedin, salesforce (OIDC underneath),
//          github (OAuth 2.0 + its REST API)                                    oidc.h
//   saml   SAML 2.0 service provider (Lasso + xmlsec1)                            saml.h
//
// Failures of the upstream (a refused exchange, a bad signature, a hanging server, garbage) are
// values, UpstreamError, carrying one of the documented codes (wire/scalekit-compat.md §(a))
// that the login layer redirects to the application with `state`. A Status error from these
// functions means a failure of our own (a bug, a broken configuration found late) and becomes
// server_error.
//
// Thread safety: a Connector is immutable after creation; Start and Finish may run concurrently
// from any thread. They block on the network (the login layer calls them off the event loops).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "connectors/http/client.h"

namespace gatehouse::connectors::sso {

// The documented error codes of upstream failures.
namespace upstream_error {
inline constexpr std::string_view kAccessDenied = "access_denied";  // the user cancelled at the IdP
inline constexpr std::string_view kFailedToExchangeToken = "failed_to_exchange_token";
inline constexpr std::string_view kInvalidIdToken = "invalid_id_token";
inline constexpr std::string_view kUserInfoRetrieveFailed = "user_info_retrieve_failed";
inline constexpr std::string_view kMandatoryAttributeMissing = "mandatory_attribute_missing";
inline constexpr std::string_view kInvalidSamlResponse = "invalid_saml_response";
inline constexpr std::string_view kSignatureValidationFailed = "signature_validation_failed";
inline constexpr std::string_view kAssertionExpired = "assertion_expired";
inline constexpr std::string_view kAuthenticationNotCompleted = "authentication_not_completed";
inline constexpr std::string_view kServerError = "server_error";  // the IdP could not be reached
}  // namespace upstream_error

struct UpstreamError {
  std::string code;         // one of upstream_error::*
  // Shown to the application (error_description) and logged: plain ASCII, no token, code,
  // secret or upstream response body, at most ~200 characters.
  std::string description;
};

// A person as the upstream IdP vouches for them.
struct Identity {
  std::string subject;       // stable at this connection: OIDC `sub`, SAML NameID, GitHub's numeric id
  std::string email;         // as given (the login layer normalises); may be empty
  bool email_verified = false;
  std::string name;
  std::string given_name;
  std::string family_name;
  std::vector<std::string> groups;
  // The upstream's claims or attributes as a JSON object (at most 16 KiB; larger sets are cut to
  // the mapped attributes), for auditing and later mapping.
  std::string raw_json = "{}";
  // For answers that must be accepted once (SAML assertions): a key the login layer records as
  // used until `single_use_until`, refusing a second answer with the same key. Empty: none.
  std::string single_use_key;
  UnixSeconds single_use_until = 0;
};

// What Start needs from the login.
struct StartInput {
  std::string callback_url;  // absolute URL of this connection type's callback on Gatehouse
  // Opaque and URL-safe, at most 80 bytes (SAML's RelayState limit): the value the IdP must
  // send back (OIDC `state`, SAML RelayState). The login layer finds the login by it.
  std::string relay;
  std::string login_hint;  // forwarded when the protocol has a place for it; may be empty
};

struct StartOutput {
  std::string redirect_url;  // send the browser here (302)
  // What Finish needs to check the answer (nonce, PKCE verifier, SAML request id): secret,
  // at most 1 KiB. The login layer stores it sealed and gives it back only to the browser that
  // started the leg.
  std::string upstream_state;
};

struct CallbackInput {
  // The callback's parameters: the query (OIDC, OAuth) or the POST form (SAML), in order,
  // already size-limited and free of duplicates by the HTTP layer's form parser.
  std::vector<std::pair<std::string, std::string>> params;
  std::string callback_url;    // the same value Start was given
  // Start's upstream_state, or empty for an unsolicited answer (IdP-initiated SAML).
  std::string upstream_state;
};

using Outcome = std::variant<Identity, UpstreamError>;

class Connector {
 public:
  virtual ~Connector() = default;
  // The redirect to the IdP. An unreachable IdP (discovery failed) is an UpstreamError
  // (server_error), not a Status.
  virtual Result<std::variant<StartOutput, UpstreamError>> Start(const StartInput& input) const = 0;
  // Checks the IdP's answer completely (signatures, issuer, audience, times, nonce, state data)
  // and returns who signed in, or why not.
  virtual Result<Outcome> Finish(const CallbackInput& input) const = 0;
};

// What every connector shares. The referenced objects outlive the connectors.
struct ConnectorContext {
  const connectors::http::HttpClient& http;  // timeouts and size caps apply to every IdP call
  Clock& clock;
  Random& random;
  std::string base_url;  // Gatehouse's issuer, no trailing slash (SAML entity ids, ACS URLs)
};

// One connection's configuration as stored (store::Connection), without the store's types so
// that connectors stay below the login layer.
struct ConnectionConfig {
  std::string id;               // "conn_..."
  std::string type;             // "oidc", "oauth", "saml"
  std::string provider;         // "custom", "okta" ... / "google", "github" ...
  std::string settings_json;    // the type's settings (below), without secrets
  std::string client_secret;    // opened from its sealed form by the login layer; may be empty
};

}  // namespace gatehouse::connectors::sso
