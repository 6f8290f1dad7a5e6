// The Store conformance suite, part six: grants and tokens (see store_conformance.h and the
// "Grants and tokens" section of src/store/store.h): the code exchange and refresh rotation
// with its reuse and session checks. Part seven (tokens_revocation_conformance.cc) has
// revocation, EndSession, their expiry, and the client fields the token endpoint reads.
#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "store_conformance/store_conformance.h"
#include "store_conformance/tokens_fixture.h"

namespace gatehouse::store {

void PrintTo(const Grant& g, std::ostream* os) {
  *os << "Grant{id=" << ::testing::PrintToString(g.id) << ", code_hash=" << ::testing::PrintToString(g.code_hash)
      << ", client_id=" << ::testing::PrintToString(g.client_id) << ", user_id=" << ::testing::PrintToString(g.user_id)
      << ", organization_id=" << ::testing::PrintToString(g.organization_id)
      << ", session_id=" << ::testing::PrintToString(g.session_id) << ", scope=" << ::testing::PrintToString(g.scope)
      << ", connection_id=" << ::testing::PrintToString(g.connection_id)
      << ", auth_method=" << ::testing::PrintToString(g.auth_method) << ", auth_time=" << g.auth_time
      << ", created_at=" << g.created_at << ", expires_at=" << g.expires_at << ", revoked_at=" << g.revoked_at << "}";
}

void PrintTo(const RefreshToken& t, std::ostream* os) {
  *os << "RefreshToken{token_hash=" << ::testing::PrintToString(t.token_hash)
      << ", grant_id=" << ::testing::PrintToString(t.grant_id) << ", created_at=" << t.created_at
      << ", expires_at=" << t.expires_at << ", rotated_at=" << t.rotated_at << "}";
}

namespace testing {
namespace {

// ---- Code exchange --------------------------------------------------------------------------

TEST_P(StoreConformanceTest, RedeemWritesGrantRefreshTokenAndAccessRecordAndConsumesTheCode) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  const AuthorizationCode code = MakeTokenCode("code-1", "ses_1");
  ASSERT_OK(store().CreateAuthorizationCode(code));
  int calls = 0;
  TokenIssue issued;
  const auto issue = [&](const AuthorizationCode& c) -> Result<TokenIssue> {
    ++calls;
    EXPECT_EQ(c, code);
    issued = MakeIssue(c, "gnt_1", "refresh-1", "tkn_1");
    return issued;
  };
  ASSERT_OK_AND_ASSIGN(AuthorizationCode read, store().RedeemAuthorizationCode("code-1", kNow, issue));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(read, code);  // as read: unconsumed
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup found, store().FindRefreshToken("refresh-1"));
  Grant want_grant = issued.grant;
  want_grant.code_hash = "code-1";  // set by the store
  EXPECT_EQ(found.grant, want_grant);
  RefreshToken want_token = *issued.refresh;
  want_token.grant_id = "gnt_1";
  EXPECT_EQ(found.token, want_token);
  EXPECT_EQ(StateOf(store(), "tkn_1"), "live");
  // The code is consumed at `now`.
  ASSERT_OK_AND_ASSIGN(AuthorizationCode after, store().ConsumeAuthorizationCode("code-1", kNow + 1));
  EXPECT_EQ(after.consumed_at, kNow);
  // The access record belongs to the grant: revoking the grant revokes it.
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 2));
  EXPECT_EQ(StateOf(store(), "tkn_1"), "revoked");
}

TEST_P(StoreConformanceTest, RedeemWithoutARefreshTokenRecordsTheAccessTokenOnly) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "", "tkn_1"));
  EXPECT_EQ(StateOf(store(), "tkn_1"), "live");
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 1));
  EXPECT_EQ(StateOf(store(), "tkn_1"), "revoked");
}

TEST_P(StoreConformanceTest, RedeemMissingCodeIsNotFoundAndDoesNotCallIssue) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  EXPECT_CODE(store().RedeemAuthorizationCode("code-missing", kNow, MustNotIssue), kNotFound);
  ASSERT_OK(store().CreateAuthorizationCode(MakeTokenCode("code-1", "ses_1")));
  EXPECT_CODE(store().RedeemAuthorizationCode("CODE-1", kNow, MustNotIssue), kNotFound);  // exact
  EXPECT_CODE(store().RedeemAuthorizationCode("txn_code-1", kNow, MustNotIssue), kNotFound);
}

TEST_P(StoreConformanceTest, RedeemWithNonPositiveNowIsInvalidArgumentAndConsumesNothing) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(store().CreateAuthorizationCode(MakeTokenCode("code-1", "ses_1")));
  EXPECT_CODE(store().RedeemAuthorizationCode("code-1", 0, MustNotIssue), kInvalidArgument);
  EXPECT_CODE(store().RedeemAuthorizationCode("code-1", -1, MustNotIssue), kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AuthorizationCode code, store().ConsumeAuthorizationCode("code-1", kNow));
  EXPECT_EQ(code.consumed_at, 0);
}

TEST_P(StoreConformanceTest, RedeemIssueErrorIsReturnedAndWritesNothing) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(store().CreateAuthorizationCode(MakeTokenCode("code-1", "ses_1")));
  auto refused = store().RedeemAuthorizationCode("code-1", kNow, [](const AuthorizationCode&) -> Result<TokenIssue> {
    return InvalidArgumentError("redirect_uri does not match");
  });
  EXPECT_CODE(refused, kInvalidArgument);
  EXPECT_EQ(refused.error().message(), "redirect_uri does not match");
  // Nothing written: the code is still unconsumed and can be exchanged.
  ASSERT_OK_AND_ASSIGN(AuthorizationCode read,
                       store().RedeemAuthorizationCode("code-1", kNow + 1, [](const AuthorizationCode& c) {
                         return Result<TokenIssue>(MakeIssue(c, "gnt_1", "refresh-1", "tkn_1"));
                       }));
  EXPECT_EQ(read.consumed_at, 0);
  EXPECT_EQ(tk.GrantOf("refresh-1").id, "gnt_1");
}

TEST_P(StoreConformanceTest, RedeemWithATakenGrantIdRefreshHashOrJtiIsAlreadyExistsAndWritesNothing) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  EXPECT_CODE(tk.Exchange("code-2", "ses_1", "gnt_1", "refresh-2", "tkn_2"), kAlreadyExists);
  EXPECT_CODE(tk.Exchange("code-3", "ses_1", "gnt_3", "refresh-1", "tkn_3"), kAlreadyExists);
  EXPECT_CODE(tk.Exchange("code-4", "ses_1", "gnt_4", "refresh-4", "tkn_1"), kAlreadyExists);
  // None of them consumed its code or left a grant, refresh token or access record behind.
  for (const char* hash : {"code-2", "code-3", "code-4"}) {
    ASSERT_OK_AND_ASSIGN(AuthorizationCode code, store().ConsumeAuthorizationCode(hash, kNow + 5));
    EXPECT_EQ(code.consumed_at, 0) << hash;
  }
  EXPECT_CODE(store().FindRefreshToken("refresh-2"), kNotFound);
  EXPECT_CODE(store().FindRefreshToken("refresh-4"), kNotFound);
  EXPECT_EQ(StateOf(store(), "tkn_2"), "unrecorded");
  EXPECT_CODE(store().RevokeGrant("gnt_3", kNow), kNotFound);
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, 0);
}

TEST_P(StoreConformanceTest, SecondRedeemRevokesTheGrantAndEverythingIssuedFromIt) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Rotate("refresh-1", kNow + 10, "refresh-2", "tkn_2"));
  auto again = store().RedeemAuthorizationCode("code-1", kNow + 20, MustNotIssue);
  EXPECT_EQ(RefusalOf(again), kCodeReused);
  // Committed although the call failed.
  EXPECT_EQ(tk.GrantOf("refresh-2").revoked_at, kNow + 20);
  EXPECT_EQ(StateOf(store(), "tkn_1"), "revoked");
  EXPECT_EQ(StateOf(store(), "tkn_2"), "revoked");
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-2", kNow + 30, "refresh-3", "tkn_3")), kGrantRevoked);
  // A third use: still refused, and the first revocation's time is kept.
  EXPECT_EQ(RefusalOf(store().RedeemAuthorizationCode("code-1", kNow + 40, MustNotIssue)), kCodeReused);
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, kNow + 20);
}

TEST_P(StoreConformanceTest, RedeemOfACodeConsumedWithoutAGrantIsCodeReused) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(store().CreateAuthorizationCode(MakeTokenCode("code-1", "ses_1")));
  ASSERT_OK(store().ConsumeAuthorizationCode("code-1", kNow));
  EXPECT_EQ(RefusalOf(store().RedeemAuthorizationCode("code-1", kNow + 1, MustNotIssue)), kCodeReused);
}

// The heart of RFC 6749 §4.1.2: a code replayed while its first exchange runs yields tokens
// once, and the replay revokes them.
TEST_P(StoreConformanceTest, ConcurrentRedeemsOfACodeHaveExactlyOneWinnerAndRevokeItsGrant) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  for (int round = 0; round < 10; ++round) {
    const std::string hash = "code-" + std::to_string(round);
    ASSERT_OK(store().CreateAuthorizationCode(MakeTokenCode(hash, "ses_1")));
    std::atomic<int> calls{0};
    std::vector<std::string> outcome(kThreads);
    RunConcurrently([&](int t) {
      const std::string suffix = std::to_string(round) + "_" + std::to_string(t);
      auto r = store().RedeemAuthorizationCode(hash, kNow + t + 1, [&](const AuthorizationCode& c) {
        ++calls;
        return Result<TokenIssue>(MakeIssue(c, "gnt_" + suffix, "refresh-" + suffix, "tkn_" + suffix));
      });
      outcome[t] = RefusalOf(r);
    });
    EXPECT_EQ(calls.load(), 1) << "round " << round;
    ASSERT_EQ(std::count(outcome.begin(), outcome.end(), "ok"), 1) << "round " << round;
    EXPECT_EQ(std::count(outcome.begin(), outcome.end(), std::string(kCodeReused)), kThreads - 1)
        << "round " << round;
    const int winner = static_cast<int>(std::find(outcome.begin(), outcome.end(), "ok") - outcome.begin());
    const std::string won = std::to_string(round) + "_" + std::to_string(winner);
    EXPECT_NE(tk.GrantOf("refresh-" + won).revoked_at, 0) << "round " << round;
    EXPECT_EQ(StateOf(store(), "tkn_" + won), "revoked");
    for (int t = 0; t < kThreads; ++t) {
      if (t == winner) continue;
      const std::string lost = std::to_string(round) + "_" + std::to_string(t);
      EXPECT_CODE(store().FindRefreshToken("refresh-" + lost), kNotFound);
      EXPECT_EQ(StateOf(store(), "tkn_" + lost), "unrecorded");
    }
  }
}

// ---- Refresh tokens -------------------------------------------------------------------------

TEST_P(StoreConformanceTest, FindRefreshToken) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  EXPECT_CODE(store().FindRefreshToken("refresh-missing"), kNotFound);
  EXPECT_CODE(store().FindRefreshToken("REFRESH-1"), kNotFound);
  EXPECT_CODE(store().FindRefreshToken(""), kNotFound);
  EXPECT_CODE(store().FindRefreshToken("code-1"), kNotFound);
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup found, store().FindRefreshToken("refresh-1"));
  EXPECT_EQ(found.token.grant_id, "gnt_1");
  EXPECT_EQ(found.grant.id, "gnt_1");
}

TEST_P(StoreConformanceTest, RotateMarksTheTokenInsertsTheSuccessorAndTouchesTheSession) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  const Grant before = tk.GrantOf("refresh-1");
  ASSERT_OK_AND_ASSIGN(Grant grant, store().RotateRefreshToken("refresh-1", kNow + 100, kGrace, kNow + 5000,
                                                                RefreshIssue("refresh-2", "tkn_2", kNow + 100)));
  EXPECT_EQ(grant, before);
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup old, store().FindRefreshToken("refresh-1"));
  EXPECT_EQ(old.token.rotated_at, kNow + 100);
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup next, store().FindRefreshToken("refresh-2"));
  RefreshToken want = *RefreshIssue("refresh-2", "tkn_2", kNow + 100).refresh;
  want.grant_id = "gnt_1";  // not the caller's "gnt_wrong"
  EXPECT_EQ(next.token, want);
  EXPECT_EQ(StateOf(store(), "tkn_2"), "live");
  ASSERT_OK_AND_ASSIGN(Session session, store().GetSession("ses_1"));
  EXPECT_EQ(session.last_seen_at, kNow + 100);
  EXPECT_EQ(session.idle_expires_at, kNow + 5000);
  // The access record is the grant's too.
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 200));
  EXPECT_EQ(StateOf(store(), "tkn_2"), "revoked");
}

TEST_P(StoreConformanceTest, RotateCapsTheSessionsIdleExpiryAtItsEnd) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  const UnixSeconds end = Tokens::MakeSession("ses_1").expires_at;
  ASSERT_OK(store().RotateRefreshToken("refresh-1", kNow + 1, kGrace, end + 1000,
                                       RefreshIssue("refresh-2", "tkn_2", kNow + 1)));
  ASSERT_OK_AND_ASSIGN(Session session, store().GetSession("ses_1"));
  EXPECT_EQ(session.idle_expires_at, end);
  EXPECT_EQ(session.expires_at, end);
}

TEST_P(StoreConformanceTest, RotateWithoutASuccessorOnlyRecordsTheAccessToken) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  TokenIssue issue = RefreshIssue("unused", "tkn_2", kNow + 1);
  issue.refresh.reset();
  ASSERT_OK(store().RotateRefreshToken("refresh-1", kNow + 1, kGrace, kNow + 5000, issue));
  EXPECT_EQ(StateOf(store(), "tkn_2"), "live");
  EXPECT_CODE(store().FindRefreshToken("unused"), kNotFound);
}

TEST_P(StoreConformanceTest, RotateMissingTokenIsNotFoundAndNonPositiveNowIsInvalidArgument) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  EXPECT_CODE(tk.Rotate("refresh-missing", kNow, "refresh-2", "tkn_2"), kNotFound);
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  EXPECT_CODE(store().RotateRefreshToken("refresh-1", 0, kGrace, kNow, RefreshIssue("refresh-2", "tkn_2", kNow)),
              kInvalidArgument);
  EXPECT_CODE(store().FindRefreshToken("refresh-2"), kNotFound);
  EXPECT_EQ(StateOf(store(), "tkn_2"), "unrecorded");
}

TEST_P(StoreConformanceTest, RotateOfARevokedGrantIsGrantRevokedAndWritesNothing) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 5));
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-1", kNow + 10, "refresh-2", "tkn_2")), kGrantRevoked);
  EXPECT_CODE(store().FindRefreshToken("refresh-2"), kNotFound);
  EXPECT_EQ(StateOf(store(), "tkn_2"), "unrecorded");
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup old, store().FindRefreshToken("refresh-1"));
  EXPECT_EQ(old.token.rotated_at, 0);
  EXPECT_EQ(old.grant.revoked_at, kNow + 5);
  ASSERT_OK_AND_ASSIGN(Session session, store().GetSession("ses_1"));
  EXPECT_EQ(session, Tokens::MakeSession("ses_1"));  // not touched
}

TEST_P(StoreConformanceTest, RotateOfAnExpiredTokenOrGrantIsRefreshExpiredAndRevokesNothing) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  // The token's own end.
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  const UnixSeconds token_end = kNow + kGrantLifetime;
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-1", token_end, "refresh-2", "tkn_2")), kRefreshExpired);
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, 0);
  EXPECT_CODE(store().FindRefreshToken("refresh-2"), kNotFound);
  // The grant's end, before the token's.
  const AuthorizationCode code = MakeTokenCode("code-2", "");
  ASSERT_OK(store().CreateAuthorizationCode(code));
  ASSERT_OK(store().RedeemAuthorizationCode("code-2", kNow, [&](const AuthorizationCode& c) {
    TokenIssue issue = MakeIssue(c, "gnt_2", "refresh-3", "tkn_3");
    issue.grant.expires_at = kNow + 100;
    return Result<TokenIssue>(issue);
  }));
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-3", kNow + 100, "refresh-4", "tkn_4")), kRefreshExpired);
  EXPECT_EQ(tk.GrantOf("refresh-3").revoked_at, 0);
  EXPECT_OK(tk.Rotate("refresh-3", kNow + 99, "refresh-4", "tkn_4"));
}

TEST_P(StoreConformanceTest, ReuseOfARotatedTokenAfterTheGraceRevokesTheGrant) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Rotate("refresh-1", kNow + 100, "refresh-2", "tkn_2"));
  const UnixSeconds reuse = kNow + 100 + kGrace;  // exactly `grace` later is already reuse
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-1", reuse, "refresh-3", "tkn_3")), kRefreshReused);
  // Committed: the grant, both access tokens and the legitimate successor are dead.
  EXPECT_EQ(tk.GrantOf("refresh-2").revoked_at, reuse);
  EXPECT_EQ(StateOf(store(), "tkn_1"), "revoked");
  EXPECT_EQ(StateOf(store(), "tkn_2"), "revoked");
  EXPECT_CODE(store().FindRefreshToken("refresh-3"), kNotFound);
  EXPECT_EQ(StateOf(store(), "tkn_3"), "unrecorded");
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-2", reuse + 1, "refresh-4", "tkn_4")), kGrantRevoked);
}

TEST_P(StoreConformanceTest, GraceZeroToleratesNoReuseEvenWithinTheSameSecond) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Rotate("refresh-1", kNow + 100, "refresh-2", "tkn_2", /*grace=*/0));
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-1", kNow + 100, "refresh-3", "tkn_3", /*grace=*/0)), kRefreshReused);
  EXPECT_NE(tk.GrantOf("refresh-2").revoked_at, 0);
}

TEST_P(StoreConformanceTest, ReuseWithinTheGraceRotatesAgainAndKeepsTheFirstRotationTime) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Rotate("refresh-1", kNow + 100, "refresh-2", "tkn_2"));
  ASSERT_OK(tk.Rotate("refresh-1", kNow + 100 + kGrace - 1, "refresh-3", "tkn_3"));  // a lost answer, retried
  ASSERT_OK_AND_ASSIGN(Store::RefreshLookup old, store().FindRefreshToken("refresh-1"));
  EXPECT_EQ(old.token.rotated_at, kNow + 100);
  EXPECT_EQ(old.grant.revoked_at, 0);
  EXPECT_EQ(StateOf(store(), "tkn_3"), "live");
  // Either successor works.
  EXPECT_OK(tk.Rotate("refresh-2", kNow + 200, "refresh-4", "tkn_4"));
  EXPECT_OK(tk.Rotate("refresh-3", kNow + 200, "refresh-5", "tkn_5"));
}

TEST_P(StoreConformanceTest, RefreshAfterTheSessionEndedRevokesTheGrant) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  struct Case {
    const char* what;
    std::function<Status(Store&)> end;
  };
  const UnixSeconds at = kNow + 500;
  const Case cases[] = {
      {"deleted", [](Store& s) { return s.DeleteSession("ses_1"); }},
      {"idle", [at](Store& s) { return s.TouchSession("ses_1", kNow, at); }},
      {"absolute", [at](Store& s) {
         Status deleted = s.DeleteSession("ses_1");
         if (!deleted.ok()) return deleted;
         Session session = Tokens::MakeSession("ses_1");
         session.expires_at = at;
         return s.CreateSession(session);
       }},
  };
  int round = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string n = std::to_string(round++);
    if (store().GetSession("ses_1").status().code() == StatusCode::kNotFound) {
      ASSERT_OK(store().CreateSession(Tokens::MakeSession("ses_1")));
    }
    ASSERT_OK(tk.Exchange("code-" + n, "ses_1", "gnt_" + n, "refresh-" + n, "tkn_" + n));
    ASSERT_OK(c.end(store()));
    EXPECT_EQ(RefusalOf(tk.Rotate("refresh-" + n, at, "next-" + n, "next-tkn_" + n)), kSessionEnded);
    EXPECT_EQ(tk.GrantOf("refresh-" + n).revoked_at, at);
    EXPECT_EQ(StateOf(store(), "tkn_" + n), "revoked");
    EXPECT_CODE(store().FindRefreshToken("next-" + n), kNotFound);
    EXPECT_EQ(RefusalOf(tk.Rotate("refresh-" + n, at + 1, "next-" + n, "next-tkn_" + n)), kGrantRevoked);
  }
  // A live session of the same user is not affected.
  ASSERT_OK(tk.Exchange("code-live", "ses_2", "gnt_live", "refresh-live", "tkn_live"));
  EXPECT_OK(tk.Rotate("refresh-live", at, "next-live", "next-tkn_live"));
}

TEST_P(StoreConformanceTest, RefreshOfAGrantWithoutASessionChecksNoSession) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(store().DeleteSession("ses_1"));
  ASSERT_OK(store().DeleteSession("ses_2"));
  EXPECT_OK(tk.Rotate("refresh-1", kNow + 30 * 86400 - 1, "refresh-2", "tkn_2"));
}

}  // namespace
}  // namespace testing
}  // namespace gatehouse::store
