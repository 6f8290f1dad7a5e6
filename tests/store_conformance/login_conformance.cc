// The Store conformance suite, part five: CompleteLogin, the one atomic write at the end of a
// login (see store_conformance.h and src/store/store.h).
#include <string>
#include <vector>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store::testing {
namespace {

constexpr UnixSeconds kNow = 1'700'000'000;

class Login {
 public:
  explicit Login(Store& store) : store_(store) {}

  void SetUp() {
    ASSERT_OK(store_.CreateOrganization({.id = "org_acme", .display_name = "Acme", .created_at = kNow, .updated_at = kNow}));
    ASSERT_OK(store_.CreateUser({.id = "usr_alice", .email = "alice@example.com", .email_verified = true,
                                 .created_at = kNow, .updated_at = kNow}));
  }
  static Session MakeSession(std::string id) {
    return {.id = id, .token_hash = "sha256-of-" + id, .user_id = "usr_alice", .connection_id = "conn_email",
            .auth_method = "otp", .auth_time = kNow, .created_at = kNow, .last_seen_at = kNow,
            .idle_expires_at = kNow + 3600, .expires_at = kNow + 86400};
  }
  static LoginCompletion MakeCompletion(std::string txn, std::string session_id) {
    LoginCompletion c;
    c.membership = Membership{.organization_id = "org_acme", .user_id = "usr_alice", .created_at = kNow};
    c.session = MakeSession(session_id);
    c.code = {.code_hash = "code-" + txn, .transaction_id = txn, .client_id = "skc_app",
              .redirect_uri = "https://app.example.com/cb", .scope = "openid", .user_id = "usr_alice",
              .organization_id = "org_acme", .session_id = session_id, .connection_id = "conn_email",
              .auth_method = "otp", .auth_time = kNow, .created_at = kNow, .expires_at = kNow + 600};
    return c;
  }

 private:
  Store& store_;
};

TEST_P(StoreConformanceTest, CompleteLoginWritesMembershipSessionAndCode) {
  Login login(store());
  login.SetUp();
  ASSERT_OK(store().CreateSession(Login::MakeSession("ses_old")));
  LoginCompletion c = Login::MakeCompletion("tx_1", "ses_new");
  c.ended_sessions = {"ses_old", "ses_absent"};
  ASSERT_OK(store().CompleteLogin(c));

  ASSERT_OK_AND_ASSIGN(auto memberships, store().ListUserMemberships("usr_alice"));
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(memberships[0].organization_id, "org_acme");
  ASSERT_OK_AND_ASSIGN(Session session, store().GetSession("ses_new"));
  EXPECT_EQ(session, *c.session);
  EXPECT_CODE(store().GetSession("ses_old"), kNotFound);
  ASSERT_OK_AND_ASSIGN(AuthorizationCode code, store().ConsumeAuthorizationCode("code-tx_1", kNow + 1));
  EXPECT_EQ(code, c.code);
}

TEST_P(StoreConformanceTest, CompleteLoginOfACompletedTransactionWritesNothing) {
  Login login(store());
  login.SetUp();
  ASSERT_OK(store().CompleteLogin(Login::MakeCompletion("tx_1", "ses_first")));
  ASSERT_OK(store().CreateOrganization({.id = "org_other", .display_name = "Other", .created_at = kNow, .updated_at = kNow}));
  LoginCompletion again = Login::MakeCompletion("tx_1", "ses_second");
  again.code.code_hash = "code-tx_1-again";
  again.membership->organization_id = "org_other";
  again.ended_sessions = {"ses_first"};
  EXPECT_CODE(store().CompleteLogin(again), kAlreadyExists);
  // Neither the second session nor the membership nor the deletion happened.
  EXPECT_CODE(store().GetSession("ses_second"), kNotFound);
  EXPECT_OK(store().GetSession("ses_first"));
  ASSERT_OK_AND_ASSIGN(auto memberships, store().ListUserMemberships("usr_alice"));
  EXPECT_EQ(memberships.size(), 1u);
  EXPECT_CODE(store().ConsumeAuthorizationCode("code-tx_1-again", kNow + 1), kNotFound);
}

TEST_P(StoreConformanceTest, CompleteLoginForAGoneOrganizationOrUserWritesNothing) {
  Login login(store());
  login.SetUp();
  LoginCompletion c = Login::MakeCompletion("tx_1", "ses_1");
  c.membership->organization_id = "org_gone";
  EXPECT_CODE(store().CompleteLogin(c), kNotFound);
  EXPECT_CODE(store().GetSession("ses_1"), kNotFound);
  EXPECT_CODE(store().ConsumeAuthorizationCode("code-tx_1", kNow + 1), kNotFound);

  LoginCompletion no_user = Login::MakeCompletion("tx_2", "ses_2");
  no_user.membership.reset();
  no_user.session->user_id = "usr_gone";
  EXPECT_CODE(store().CompleteLogin(no_user), kNotFound);
  EXPECT_CODE(store().ConsumeAuthorizationCode("code-tx_2", kNow + 1), kNotFound);
}

TEST_P(StoreConformanceTest, CompleteLoginWithOnlyACode) {
  Login login(store());
  login.SetUp();
  LoginCompletion c = Login::MakeCompletion("tx_1", "ses_1");
  c.membership.reset();
  c.session.reset();
  ASSERT_OK(store().CompleteLogin(c));
  EXPECT_CODE(store().GetSession("ses_1"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto memberships, store().ListUserMemberships("usr_alice"));
  EXPECT_TRUE(memberships.empty());
  EXPECT_OK(store().ConsumeAuthorizationCode("code-tx_1", kNow + 1));
}

TEST_P(StoreConformanceTest, ConcurrentCompletionsOfOneTransactionLeaveOneSession) {
  Login login(store());
  login.SetUp();
  std::vector<Status> results(kThreads);
  RunConcurrently([&](int t) {
    LoginCompletion c = Login::MakeCompletion("tx_race", "ses_" + std::to_string(t));
    c.code.code_hash = "code-" + std::to_string(t);
    results[t] = store().CompleteLogin(c);
  });
  int ok = 0, sessions = 0;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      ++ok;
    } else {
      EXPECT_EQ(results[t].code(), StatusCode::kAlreadyExists) << results[t].ToString();
    }
    if (store().GetSession("ses_" + std::to_string(t)).ok()) ++sessions;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(sessions, 1);
}

}  // namespace
}  // namespace gatehouse::store::testing
