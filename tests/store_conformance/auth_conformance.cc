// The Store conformance suite, part three: users, memberships and browser sessions (see
// store_conformance.h). One TEST_P per contract point of the "Users and memberships" and
// "Browser sessions" sections of src/store/store.h. Part four (auth_expiring_conformance.cc)
// has challenges, rate limits, authorization codes and expiry.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store {

void PrintTo(const User& u, std::ostream* os) {
  *os << "User{id=" << ::testing::PrintToString(u.id) << ", email=" << ::testing::PrintToString(u.email)
      << ", email_verified=" << u.email_verified << ", name=" << ::testing::PrintToString(u.name)
      << ", created_at=" << u.created_at << ", updated_at=" << u.updated_at << "}";
}

void PrintTo(const Membership& m, std::ostream* os) {
  *os << "Membership{organization_id=" << ::testing::PrintToString(m.organization_id)
      << ", user_id=" << ::testing::PrintToString(m.user_id) << ", created_at=" << m.created_at << "}";
}

void PrintTo(const Session& s, std::ostream* os) {
  *os << "Session{id=" << ::testing::PrintToString(s.id) << ", token_hash=" << ::testing::PrintToString(s.token_hash)
      << ", user_id=" << ::testing::PrintToString(s.user_id)
      << ", connection_id=" << ::testing::PrintToString(s.connection_id)
      << ", auth_method=" << ::testing::PrintToString(s.auth_method) << ", auth_time=" << s.auth_time
      << ", created_at=" << s.created_at << ", last_seen_at=" << s.last_seen_at
      << ", idle_expires_at=" << s.idle_expires_at << ", expires_at=" << s.expires_at << "}";
}

void PrintTo(const EmailChallenge& c, std::ostream* os) {
  *os << "EmailChallenge{transaction_id=" << ::testing::PrintToString(c.transaction_id)
      << ", email=" << ::testing::PrintToString(c.email) << ", code_hash=" << ::testing::PrintToString(c.code_hash)
      << ", link_hash=" << ::testing::PrintToString(c.link_hash)
      << ", browser_hash=" << ::testing::PrintToString(c.browser_hash)
      << ", sealed_transaction=" << ::testing::PrintToString(c.sealed_transaction) << ", attempts=" << c.attempts
      << ", send_count=" << c.send_count << ", last_sent_at=" << c.last_sent_at << ", created_at=" << c.created_at
      << ", expires_at=" << c.expires_at << ", consumed_at=" << c.consumed_at << "}";
}

void PrintTo(const RateLimitResult& r, std::ostream* os) {
  *os << "RateLimitResult{allowed=" << r.allowed << ", count=" << r.count << ", retry_after=" << r.retry_after << "}";
}

void PrintTo(const AuthorizationCode& c, std::ostream* os) {
  *os << "AuthorizationCode{code_hash=" << ::testing::PrintToString(c.code_hash)
      << ", transaction_id=" << ::testing::PrintToString(c.transaction_id)
      << ", client_id=" << ::testing::PrintToString(c.client_id)
      << ", redirect_uri=" << ::testing::PrintToString(c.redirect_uri)
      << ", scope=" << ::testing::PrintToString(c.scope)
      << ", code_challenge=" << ::testing::PrintToString(c.code_challenge)
      << ", nonce=" << ::testing::PrintToString(c.nonce) << ", user_id=" << ::testing::PrintToString(c.user_id)
      << ", organization_id=" << ::testing::PrintToString(c.organization_id)
      << ", session_id=" << ::testing::PrintToString(c.session_id)
      << ", connection_id=" << ::testing::PrintToString(c.connection_id)
      << ", auth_method=" << ::testing::PrintToString(c.auth_method) << ", auth_time=" << c.auth_time
      << ", created_at=" << c.created_at << ", expires_at=" << c.expires_at << ", consumed_at=" << c.consumed_at << "}";
}

namespace testing {
namespace {


// "usr_alice" gets alice@example.com.
User MakeUser(std::string id, UnixSeconds created_at = 1'700'000'000) {
  User u;
  u.id = std::move(id);
  u.email = u.id.substr(u.id.find('_') + 1) + "@example.com";
  u.email_verified = true;
  u.name = "User " + u.id;
  u.created_at = created_at;
  u.updated_at = created_at;
  return u;
}

Organization MakeOrg(std::string id, UnixSeconds created_at = 1'700'000'000) {
  Organization o;
  o.id = std::move(id);
  o.display_name = "Org " + o.id;
  o.created_at = created_at;
  o.updated_at = created_at;
  return o;
}

// A session of `user_id` created at `created_at`: 30 minutes idle, 24 hours absolute.
Session MakeSession(std::string id, std::string user_id, UnixSeconds created_at = 1'700'000'000) {
  Session s;
  s.id = std::move(id);
  s.token_hash = "sha256-of-the-cookie-of-" + s.id;
  s.user_id = std::move(user_id);
  s.connection_id = "conn_email";
  s.auth_method = "otp";
  s.auth_time = created_at;
  s.created_at = created_at;
  s.last_seen_at = created_at;
  s.idle_expires_at = created_at + 1800;
  s.expires_at = created_at + 86400;
  return s;
}

std::vector<std::string> OrgIds(const std::vector<Membership>& rows) {
  std::vector<std::string> ids;
  for (const auto& m : rows) ids.push_back(m.organization_id);
  return ids;
}

}  // namespace

// ---- Users ----------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, FreshStoreHasNoUsersOrSessions) {
  ASSERT_OK_AND_ASSIGN(auto users, store().ListUsers());
  EXPECT_TRUE(users.empty());
  EXPECT_CODE(store().GetUser("usr_alice"), kNotFound);
  EXPECT_CODE(store().FindUserByEmail("alice@example.com"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto memberships, store().ListUserMemberships("usr_alice"));
  EXPECT_TRUE(memberships.empty());
  EXPECT_CODE(store().GetSession("ses_1"), kNotFound);
  EXPECT_CODE(store().FindSessionByToken("sha256-of-the-cookie-of-ses_1"), kNotFound);
}

TEST_P(StoreConformanceTest, CreateThenGetUserRoundTripsEveryField) {
  User verified = MakeUser("usr_zoe", 1'700'000'001);
  verified.email = "zoë+tag@bäckerei.example";
  verified.name = "Zoë \"Z\" O'Brien 🚀; DROP TABLE users; --";
  verified.updated_at = 253'402'300'799;
  User unverified = MakeUser("usr_bob", 0);
  unverified.email_verified = false;
  unverified.name = "";
  ASSERT_OK(store().CreateUser(verified));
  ASSERT_OK(store().CreateUser(unverified));
  for (const User* u : {&verified, &unverified}) {
    ASSERT_OK_AND_ASSIGN(User by_id, store().GetUser(u->id));
    EXPECT_EQ(by_id, *u);
    ASSERT_OK_AND_ASSIGN(User by_email, store().FindUserByEmail(u->email));
    EXPECT_EQ(by_email, *u);
  }
}

TEST_P(StoreConformanceTest, GetMissingUserIsNotFound) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_present")));
  EXPECT_CODE(store().GetUser("usr_missing"), kNotFound);
  EXPECT_CODE(store().GetUser(""), kNotFound);
  EXPECT_CODE(store().GetUser("USR_PRESENT"), kNotFound);          // ids are exact
  EXPECT_CODE(store().GetUser("present@example.com"), kNotFound);  // by id, not by email
}

TEST_P(StoreConformanceTest, CreateUserWithTakenIdIsAlreadyExistsAndKeepsTheOriginal) {
  const User original = MakeUser("usr_dup", 100);
  ASSERT_OK(store().CreateUser(original));
  User other = MakeUser("usr_dup", 200);
  other.email = "someone-else@example.com";
  other.name = "Impostor";
  EXPECT_CODE(store().CreateUser(other), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(User got, store().GetUser("usr_dup"));
  EXPECT_EQ(got, original);
  // The failed create did not claim its email either.
  EXPECT_CODE(store().FindUserByEmail("someone-else@example.com"), kNotFound);
  EXPECT_OK(store().CreateUser(MakeUser("usr_someone-else", 300)));
}

TEST_P(StoreConformanceTest, CreateUserWithTakenEmailIsAlreadyExists) {
  const User original = MakeUser("usr_alice", 100);
  ASSERT_OK(store().CreateUser(original));
  User twin = MakeUser("usr_twin", 200);
  twin.email = original.email;
  EXPECT_CODE(store().CreateUser(twin), kAlreadyExists);
  EXPECT_CODE(store().GetUser("usr_twin"), kNotFound);
  ASSERT_OK_AND_ASSIGN(User got, store().FindUserByEmail(original.email));
  EXPECT_EQ(got, original);
  // Emails are compared as stored: normalising them is the caller's job.
  twin.email = "Alice@example.com";
  EXPECT_OK(store().CreateUser(twin));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListUsers());
  EXPECT_EQ(all.size(), 2u);
}

TEST_P(StoreConformanceTest, FindUserByEmailIsAnExactMatch) {
  const User alice = MakeUser("usr_alice");
  ASSERT_OK(store().CreateUser(alice));
  ASSERT_OK_AND_ASSIGN(User got, store().FindUserByEmail("alice@example.com"));
  EXPECT_EQ(got, alice);
  for (const char* other : {"ALICE@example.com", "alice@EXAMPLE.com", " alice@example.com", "alice@example.com ",
                            "alice@example", "lice@example.com", "alice", "%", "", "usr_alice"}) {
    SCOPED_TRACE(other);
    EXPECT_CODE(store().FindUserByEmail(other), kNotFound);
  }
}

TEST_P(StoreConformanceTest, ListUsersIsOrderedByCreatedAtThenId) {
  const std::vector<std::pair<std::string, UnixSeconds>> rows = {
      {"usr_d", 300}, {"usr_b", 100}, {"usr_c", 200}, {"usr_a", 300}, {"usr_e", 100}, {"usr_0", 200},
  };
  for (const auto& [id, created] : rows) ASSERT_OK(store().CreateUser(MakeUser(id, created)));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListUsers());
  std::vector<std::string> ids;
  for (const auto& u : all) ids.push_back(u.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"usr_b", "usr_e", "usr_0", "usr_c", "usr_a", "usr_d"}));
  for (const auto& u : all) EXPECT_EQ(u, MakeUser(u.id, u.created_at));
}

// Two first sign-ins of one person at once (two tabs, two nodes): one user, not two.
TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneEmailHaveOneWinner) {
  std::vector<Status> results(kThreads);
  RunConcurrently([&](int t) {
    User u = MakeUser("usr_" + std::to_string(t));
    u.email = "shared@example.com";
    results[t] = store().CreateUser(u);
  });
  int winners = 0;
  for (const auto& s : results) {
    if (s.ok()) {
      ++winners;
    } else {
      EXPECT_EQ(CodeName(s.code()), CodeName(StatusCode::kAlreadyExists)) << s.ToString();
    }
  }
  EXPECT_EQ(winners, 1);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListUsers());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].email, "shared@example.com");
}

// ---- Memberships ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, AddMembershipAddsOnceAndSaysWhetherItAdded) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  const Membership m{"org_a", "usr_alice", 1000};
  ASSERT_OK_AND_ASSIGN(bool added, store().AddMembership(m));
  EXPECT_TRUE(added);
  // Again, later: not an error, not added, and the first created_at is kept.
  ASSERT_OK_AND_ASSIGN(added, store().AddMembership({"org_a", "usr_alice", 2000}));
  EXPECT_FALSE(added);
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListUserMemberships("usr_alice"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], m);
}

TEST_P(StoreConformanceTest, AddMembershipForMissingOrganizationOrUserIsNotFound) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  EXPECT_CODE(store().AddMembership({"org_missing", "usr_alice", 1}), kNotFound);
  EXPECT_CODE(store().AddMembership({"org_a", "usr_missing", 1}), kNotFound);
  EXPECT_CODE(store().AddMembership({"org_missing", "usr_missing", 1}), kNotFound);
  EXPECT_CODE(store().AddMembership({"", "usr_alice", 1}), kNotFound);
  EXPECT_CODE(store().AddMembership({"org_a", "", 1}), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListUserMemberships("usr_alice"));
  EXPECT_TRUE(listed.empty());
  ASSERT_OK_AND_ASSIGN(listed, store().ListUserMemberships("usr_missing"));
  EXPECT_TRUE(listed.empty());
  EXPECT_OK(store().CheckIntegrity());
}

TEST_P(StoreConformanceTest, ListUserMembershipsIsPerUserOrderedByCreatedAtThenOrganizationId) {
  for (const char* org : {"org_a", "org_b", "org_c", "org_d", "org_e"}) {
    ASSERT_OK(store().CreateOrganization(MakeOrg(org)));
  }
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_bob")));
  const std::vector<Membership> rows = {
      {"org_d", "usr_alice", 300}, {"org_b", "usr_alice", 100}, {"org_e", "usr_bob", 50},
      {"org_c", "usr_alice", 200}, {"org_a", "usr_alice", 300}, {"org_e", "usr_alice", 100},
  };
  for (const auto& m : rows) ASSERT_OK(store().AddMembership(m));
  ASSERT_OK_AND_ASSIGN(auto alice, store().ListUserMemberships("usr_alice"));
  EXPECT_EQ(OrgIds(alice), (std::vector<std::string>{"org_b", "org_e", "org_c", "org_a", "org_d"}));
  for (const auto& m : alice) {
    EXPECT_NE(std::find(rows.begin(), rows.end(), m), rows.end());  // every field as added
  }
  ASSERT_OK_AND_ASSIGN(auto bob, store().ListUserMemberships("usr_bob"));
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_EQ(bob[0], (Membership{"org_e", "usr_bob", 50}));
  ASSERT_OK_AND_ASSIGN(auto nobody, store().ListUserMemberships(""));
  EXPECT_TRUE(nobody.empty());
}

TEST_P(StoreConformanceTest, DeleteOrganizationDeletesItsMemberships) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_gone", 1)));
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_stay", 2)));
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_bob")));
  ASSERT_OK(store().AddMembership({"org_gone", "usr_alice", 10}));
  ASSERT_OK(store().AddMembership({"org_stay", "usr_alice", 20}));
  ASSERT_OK(store().AddMembership({"org_gone", "usr_bob", 30}));

  ASSERT_OK(store().DeleteOrganization("org_gone"));

  ASSERT_OK_AND_ASSIGN(auto alice, store().ListUserMemberships("usr_alice"));
  EXPECT_EQ(alice, (std::vector<Membership>{{"org_stay", "usr_alice", 20}}));
  ASSERT_OK_AND_ASSIGN(auto bob, store().ListUserMemberships("usr_bob"));
  EXPECT_TRUE(bob.empty());
  // The users stay.
  EXPECT_OK(store().GetUser("usr_alice"));
  EXPECT_OK(store().GetUser("usr_bob"));
  EXPECT_OK(store().CheckIntegrity());
  // An organization created again under the same id starts without members.
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_gone", 3)));
  ASSERT_OK_AND_ASSIGN(bob, store().ListUserMemberships("usr_bob"));
  EXPECT_TRUE(bob.empty());
  ASSERT_OK_AND_ASSIGN(bool added, store().AddMembership({"org_gone", "usr_bob", 40}));
  EXPECT_TRUE(added);
}

TEST_P(StoreConformanceTest, ConcurrentAddMembershipAddsOnce) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  std::vector<int> added(kThreads, -1);  // 1 added, 0 already a member, -1 error
  RunConcurrently([&](int t) {
    auto r = store().AddMembership({"org_a", "usr_alice", 100 + t});
    added[t] = r.ok() ? (*r ? 1 : 0) : -1;
  });
  EXPECT_EQ(std::count(added.begin(), added.end(), -1), 0);
  ASSERT_EQ(std::count(added.begin(), added.end(), 1), 1);
  const int winner = static_cast<int>(std::find(added.begin(), added.end(), 1) - added.begin());
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListUserMemberships("usr_alice"));
  EXPECT_EQ(listed, (std::vector<Membership>{{"org_a", "usr_alice", 100 + winner}}));
}

// ---- Browser sessions -----------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateSessionThenFindByTokenAndGetRoundTrip) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  Session s = MakeSession("ses_1", "usr_alice", 1'700'000'000);
  s.connection_id = "conn_okta";
  s.auth_method = "sso";
  s.auth_time = 1'699'999'990;  // authenticated before the session was made
  s.last_seen_at = 1'700'000'100;
  s.idle_expires_at = 1'700'001'900;
  s.expires_at = 253'402'300'799;
  Session other = MakeSession("ses_2", "usr_alice", 0);
  other.connection_id = "";
  other.auth_method = "magic_link";
  ASSERT_OK(store().CreateSession(s));
  ASSERT_OK(store().CreateSession(other));
  for (const Session* want : {&s, &other}) {
    ASSERT_OK_AND_ASSIGN(Session by_token, store().FindSessionByToken(want->token_hash));
    EXPECT_EQ(by_token, *want);
    ASSERT_OK_AND_ASSIGN(Session by_id, store().GetSession(want->id));
    EXPECT_EQ(by_id, *want);
  }
}

TEST_P(StoreConformanceTest, CreateSessionForMissingUserIsNotFound) {
  EXPECT_CODE(store().CreateSession(MakeSession("ses_1", "usr_missing")), kNotFound);
  EXPECT_CODE(store().CreateSession(MakeSession("ses_2", "")), kNotFound);
  EXPECT_CODE(store().GetSession("ses_1"), kNotFound);
  ASSERT_OK(store().CreateUser(MakeUser("usr_late")));
  EXPECT_OK(store().CreateSession(MakeSession("ses_1", "usr_late")));
}

TEST_P(StoreConformanceTest, CreateSessionWithTakenIdOrTokenHashIsAlreadyExists) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_bob")));
  const Session original = MakeSession("ses_1", "usr_alice", 100);
  ASSERT_OK(store().CreateSession(original));
  Session same_id = MakeSession("ses_1", "usr_bob", 200);
  same_id.token_hash = "another-token-hash";
  EXPECT_CODE(store().CreateSession(same_id), kAlreadyExists);
  Session same_token = MakeSession("ses_2", "usr_bob", 200);
  same_token.token_hash = original.token_hash;
  EXPECT_CODE(store().CreateSession(same_token), kAlreadyExists);
  // Nothing of the failed creates stays; the original is intact.
  EXPECT_CODE(store().FindSessionByToken("another-token-hash"), kNotFound);
  EXPECT_CODE(store().GetSession("ses_2"), kNotFound);
  ASSERT_OK_AND_ASSIGN(Session got, store().FindSessionByToken(original.token_hash));
  EXPECT_EQ(got, original);
}

TEST_P(StoreConformanceTest, FindSessionByTokenIsAnExactMatch) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  Session s = MakeSession("ses_1", "usr_alice");
  s.token_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  ASSERT_OK(store().CreateSession(s));
  for (const char* other :
       {"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", "9f86", "%", "", "ses_1"}) {
    SCOPED_TRACE(other);
    EXPECT_CODE(store().FindSessionByToken(other), kNotFound);
  }
  EXPECT_CODE(store().GetSession(s.token_hash), kNotFound);  // GetSession is by id
  ASSERT_OK_AND_ASSIGN(Session got, store().FindSessionByToken(s.token_hash));
  EXPECT_EQ(got, s);
}

TEST_P(StoreConformanceTest, ExpiredSessionIsFoundUntilDeleteExpired) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  const Session s = MakeSession("ses_old", "usr_alice", 1000);  // long past, by any clock
  ASSERT_OK(store().CreateSession(s));
  ASSERT_OK_AND_ASSIGN(Session got, store().FindSessionByToken(s.token_hash));
  EXPECT_EQ(got, s);
  ASSERT_OK_AND_ASSIGN(got, store().GetSession("ses_old"));
  EXPECT_EQ(got, s);
  EXPECT_OK(store().TouchSession("ses_old", 1000, 2800));  // touching is not refused either
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(2800));
  EXPECT_EQ(deleted, 1);
  EXPECT_CODE(store().FindSessionByToken(s.token_hash), kNotFound);
  EXPECT_CODE(store().GetSession("ses_old"), kNotFound);
}

TEST_P(StoreConformanceTest, TouchSessionSetsOnlyLastSeenAndIdleExpiry) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  const Session s = MakeSession("ses_1", "usr_alice", 1000);
  const Session other = MakeSession("ses_2", "usr_alice", 1000);
  ASSERT_OK(store().CreateSession(s));
  ASSERT_OK(store().CreateSession(other));
  ASSERT_OK(store().TouchSession("ses_1", 1500, 3300));
  Session want = s;
  want.last_seen_at = 1500;
  want.idle_expires_at = 3300;
  ASSERT_OK_AND_ASSIGN(Session got, store().GetSession("ses_1"));
  EXPECT_EQ(got, want);
  ASSERT_OK_AND_ASSIGN(got, store().FindSessionByToken(s.token_hash));
  EXPECT_EQ(got, want);
  // The same values again still succeed (found, if not changed).
  EXPECT_OK(store().TouchSession("ses_1", 1500, 3300));
  EXPECT_CODE(store().TouchSession("ses_missing", 1500, 3300), kNotFound);
  EXPECT_CODE(store().GetSession("ses_missing"), kNotFound);
  ASSERT_OK_AND_ASSIGN(got, store().GetSession("ses_2"));
  EXPECT_EQ(got, other);
}

TEST_P(StoreConformanceTest, DeleteSession) {
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  const Session keep = MakeSession("ses_keep", "usr_alice");
  const Session gone = MakeSession("ses_gone", "usr_alice");
  ASSERT_OK(store().CreateSession(keep));
  ASSERT_OK(store().CreateSession(gone));
  ASSERT_OK(store().DeleteSession("ses_gone"));
  EXPECT_CODE(store().GetSession("ses_gone"), kNotFound);
  EXPECT_CODE(store().FindSessionByToken(gone.token_hash), kNotFound);
  EXPECT_CODE(store().DeleteSession("ses_gone"), kNotFound);
  EXPECT_CODE(store().DeleteSession("ses_never"), kNotFound);
  EXPECT_CODE(store().DeleteSession(keep.token_hash), kNotFound);  // by id, not by token
  ASSERT_OK_AND_ASSIGN(Session got, store().GetSession("ses_keep"));
  EXPECT_EQ(got, keep);
  EXPECT_OK(store().GetUser("usr_alice"));  // the user stays
  // The id and the token hash are free again.
  EXPECT_OK(store().CreateSession(gone));
}

TEST_P(StoreConformanceTest, IntegrityHoldsAfterUserAndSessionWrites) {
  ASSERT_OK(store().CreateOrganization(MakeOrg("org_a")));
  ASSERT_OK(store().CreateUser(MakeUser("usr_alice")));
  ASSERT_OK(store().AddMembership({"org_a", "usr_alice", 1}));
  ASSERT_OK(store().CreateSession(MakeSession("ses_1", "usr_alice")));
  ASSERT_OK(store().TouchSession("ses_1", 2, 3));
  EXPECT_OK(store().CheckIntegrity());
  ASSERT_OK(store().DeleteSession("ses_1"));
  ASSERT_OK(store().DeleteOrganization("org_a"));
  EXPECT_OK(store().CheckIntegrity());
  EXPECT_OK(store().Ping());
}

}  // namespace testing
}  // namespace gatehouse::store
