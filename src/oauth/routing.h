// Routing of a login (seed: "organization_id / connection_id skip the hosted page"; DESIGN.md
// §2.3), as a pure decision over the store, so /oauth/authorize and the hosted page's email step
// decide the same way and the decision is tested without HTTP.
//
// Order: connection_id -> that connection; organization_id -> that organization (exactly one
// enabled SSO connection: go to it; otherwise the hosted page limited to the organization);
// provider -> that social connection; domain_hint/domain, then the domain of login_hint -> the
// organization owning the domain (home-realm discovery), then as for organization_id; else the
// hosted page.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

namespace gatehouse::oauth {

// The social (OAuth 2.0) providers a `provider` parameter and a social connection may name.
inline constexpr std::array<std::string_view, 6> kSocialProviders = {"google",   "microsoft", "github",
                                                                     "gitlab",   "linkedin",  "salesforce"};

struct RouteInput {
  std::string organization_id;
  std::string connection_id;
  std::string provider;
  std::string domain_hint;  // domain_hint, or its duplicate `domain`
  std::string login_hint;   // an email, or anything
};

struct RouteDecision {
  enum class Kind {
    kHostedPage,  // show the hosted login page (email first)
    kConnection,  // go straight to `connection_id`
    kError,       // redirect to the client with `error` / `error_description`
  };
  Kind kind = Kind::kHostedPage;
  std::string connection_id;    // kConnection
  std::string organization_id;  // the organization the login is for, when known
  std::string error;            // kError: a documented code (wire/scalekit-compat.md §(a))
  std::string error_description;
};

// Internal failures (store down) come back as a Status; protocol outcomes as a RouteDecision.
// Errors: invalid_connection_id (unknown, or of another organization than organization_id),
// connection_not_active (disabled), invalid_organization_id (malformed or unknown),
// domain_not_found (an explicit domain hint no organization owns), no_active_connections
// (`provider` names a social provider with no enabled connection), invalid_request (unknown
// provider name, domain_hint and domain differ).
Result<RouteDecision> Route(store::Store& store, const RouteInput& input);

// The lowercase domain of an email address ("Ann@Example.COM" -> "example.com"), or empty when
// `email` is not an address.
std::string EmailDomain(std::string_view email);

}  // namespace gatehouse::oauth
