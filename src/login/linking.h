// From a verified upstream identity to a user (sso.h): linking and just-in-time creation.
#pragma once

#include <variant>

#include "common/status.h"
#include "connectors/sso/connector.h"
#include "login/hosted.h"
#include "store/store.h"

namespace gatehouse::login {

// The user `identity` (verified by `connection`'s connector) is:
//   1. the user linked to (connection, subject);
//   2. else the user with its email, when the email is trusted: verified by the IdP, or, for an
//      SSO connection, in a domain its organization has claimed (the organization vouches for
//      its IdP); the identity is linked to that user;
//   3. else a new user (email_verified as trusted), linked.
// Refused (UpstreamError): no subject or no usable email (mandatory_attribute_missing); an
// untrusted email that another user has (access_denied: signing in must not take over an
// account). Store failures are a Status.
Result<std::variant<store::User, connectors::sso::UpstreamError>> ResolveUser(const LoginDeps& deps,
                                                                            const store::Connection& connection,
                                                                            const connectors::sso::Identity& identity);

}  // namespace gatehouse::login
