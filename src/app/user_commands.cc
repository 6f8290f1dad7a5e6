// `gatehouse user list|get`: the users created by sign-in (just in time), with their
// organizations. Read-only: users are created by signing in.
#include <boost/json.hpp>

#include "app/data_dir.h"
#include "app/org_commands.h"
#include "app/output.h"

namespace gatehouse::app {
namespace {

boost::json::object UserJson(const store::User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"email_verified", u.email_verified},
          {"name", u.name},
          {"created_at", u.created_at},
          {"updated_at", u.updated_at}};
}

}  // namespace

int RunUserList(const CommonOptions& o) {
  auto store = OpenExistingStore(o.data_dir, o.store_uri);
  if (!store.ok()) return Fail(store.error());
  auto users = (*store)->ListUsers();
  if (!users.ok()) return Fail(users.error());
  boost::json::array out;
  for (const auto& u : *users) out.emplace_back(UserJson(u));
  PrintJson(out);
  return 0;
}

int RunUserGet(const CommonOptions& o, const std::string& id_or_email) {
  auto store = OpenExistingStore(o.data_dir, o.store_uri);
  if (!store.ok()) return Fail(store.error());
  auto user = id_or_email.find('@') != std::string::npos ? (*store)->FindUserByEmail(id_or_email)
                                                         : (*store)->GetUser(id_or_email);
  if (!user.ok()) {
    if (user.error().code() == StatusCode::kNotFound) return Fail("no user " + id_or_email);
    return Fail(user.error());
  }
  auto memberships = (*store)->ListUserMemberships(user->id);
  if (!memberships.ok()) return Fail(memberships.error());
  boost::json::object out = UserJson(*user);
  boost::json::array orgs;
  for (const auto& m : *memberships) orgs.push_back({{"organization_id", m.organization_id}, {"created_at", m.created_at}});
  out["memberships"] = std::move(orgs);
  PrintJson(out);
  return 0;
}

}  // namespace gatehouse::app
