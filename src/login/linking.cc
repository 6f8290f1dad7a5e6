#include "login/linking.h"

#include <algorithm>
#include <string>

#include "common/ids.h"
#include "common/log.h"
#include "common/strings.h"
#include "login/form.h"
#include "oauth/routing.h"

namespace gatehouse::login {
namespace {

namespace sso = connectors::sso;

constexpr std::size_t kMaxSubject = 255;

using Resolved = std::variant<store::User, sso::UpstreamError>;

Resolved Refuse(std::string_view code, std::string description) {
  return sso::UpstreamError{std::string(code), std::move(description)};
}

Result<Resolved> Found(Result<store::User> user) {
  if (!user.ok()) return user.error();
  return Resolved(std::move(user).value());
}

// For SSO: the organization vouches for addresses in the domains it has claimed.
Result<bool> DomainClaimedByOrganization(store::Store& store, const store::Connection& connection,
                                         std::string_view email) {
  if (connection.organization_id.empty()) return false;
  const std::string domain = oauth::EmailDomain(email);
  if (domain.empty()) return false;
  auto claimed = store.FindDomain(domain);
  if (!claimed.ok()) {
    if (claimed.error().code() == StatusCode::kNotFound) return false;
    return claimed.error();
  }
  return claimed->organization_id == connection.organization_id;
}

std::string DisplayName(const sso::Identity& identity) {
  std::string name = identity.name;
  if (name.empty()) {
    name = identity.given_name;
    if (!identity.family_name.empty()) name += (name.empty() ? "" : " ") + identity.family_name;
  }
  auto valid = ValidateName(name);
  return valid ? *valid : std::string();
}

}  // namespace

Result<std::variant<store::User, sso::UpstreamError>> ResolveUser(const LoginDeps& deps,
                                                                 const store::Connection& connection,
                                                                 const sso::Identity& identity) {
  if (identity.subject.empty() || identity.subject.size() > kMaxSubject) {
    return Refuse(sso::upstream_error::kMandatoryAttributeMissing, "the identity provider gave no usable subject");
  }
  store::Store& store = deps.store;
  // 1. Linked before.
  auto linked = store.FindLinkedIdentity(connection.id, identity.subject);
  if (linked.ok()) return Found(store.GetUser(linked->user_id));
  if (linked.error().code() != StatusCode::kNotFound) return linked.error();

  auto email = ValidateEmail(identity.email);
  if (!email) {
    return Refuse(sso::upstream_error::kMandatoryAttributeMissing, "the identity provider gave no email address");
  }
  const std::string address = AsciiLower(*email);
  bool trusted = identity.email_verified;
  if (!trusted && connection.type != store::ConnectionType::kOAuth) {
    ASSIGN_OR_RETURN(trusted, DomainClaimedByOrganization(store, connection, address));
  }
  const UnixSeconds now = deps.clock.NowSeconds();
  // 2. The user with this email, when the address can be trusted.
  store::User user;
  auto existing = store.FindUserByEmail(address);
  if (existing.ok()) {
    if (!trusted) {
      return Refuse(sso::upstream_error::kAccessDenied,
                    "the identity provider did not verify the email address, which another account uses");
    }
    user = std::move(existing).value();
  } else if (existing.error().code() == StatusCode::kNotFound) {
    // 3. A new user.
    user = store::User{.id = NewId(deps.random, id_prefix::kUser),
                       .email = address,
                       .email_verified = trusted,
                       .name = DisplayName(identity),
                       .created_at = now,
                       .updated_at = now};
    Status created = store.CreateUser(user);
    if (created.code() == StatusCode::kAlreadyExists) {
      // Created a moment ago by another login: start again, as for a found user.
      return ResolveUser(deps, connection, identity);
    }
    RETURN_IF_ERROR(created);
    log::Info("user created", {{"user_id", std::string_view(user.id)}, {"connection_id", std::string_view(connection.id)}});
  } else {
    return existing.error();
  }
  Status link = store.LinkIdentity(
      {.connection_id = connection.id, .subject = identity.subject, .user_id = user.id, .created_at = now});
  if (link.code() == StatusCode::kAlreadyExists) {
    // Another login linked this identity at the same moment: it wins.
    ASSIGN_OR_RETURN(auto again, store.FindLinkedIdentity(connection.id, identity.subject));
    return Found(store.GetUser(again.user_id));
  }
  RETURN_IF_ERROR(link);
  return Resolved(std::move(user));
}

}  // namespace gatehouse::login
