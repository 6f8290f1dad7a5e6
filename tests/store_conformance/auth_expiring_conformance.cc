// The Store conformance suite, part four: what a login leaves behind for minutes: passwordless
// challenges, rate-limit windows, authorization codes, and DeleteExpired (see
// store_conformance.h). One TEST_P per contract point of those sections of src/store/store.h.
#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store::testing {
namespace {

constexpr int kIterations = 25;

// The challenge of transaction `txn`, sent at `created_at`, valid for 10 minutes.
EmailChallenge MakeChallenge(std::string txn, UnixSeconds created_at = 1'700'000'000) {
  EmailChallenge c;
  c.transaction_id = std::move(txn);
  c.email = "alice@example.com";
  c.code_hash = "hmac-of-code-" + c.transaction_id;
  c.link_hash = "hmac-of-link-" + c.transaction_id;
  c.browser_hash = "hmac-of-csrf-" + c.transaction_id;
  c.sealed_transaction = "v1.eyJhbGciOiJub25lIn0." + c.transaction_id + ".tag-_";
  c.send_count = 1;
  c.last_sent_at = created_at;
  c.created_at = created_at;
  c.expires_at = created_at + 600;
  return c;
}

// The code of transaction `txn`, issued at `created_at`, valid for a minute.
AuthorizationCode MakeCode(std::string code_hash, std::string txn, UnixSeconds created_at = 1'700'000'000) {
  AuthorizationCode c;
  c.code_hash = std::move(code_hash);
  c.transaction_id = std::move(txn);
  c.client_id = "skc_app";
  c.redirect_uri = "https://app.example.com/callback?x=1&y=%2F";
  c.scope = "openid email profile";
  c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  c.nonce = "n-0S6_WzA2Mj";
  c.user_id = "usr_alice";
  c.organization_id = "org_acme";
  c.session_id = "ses_1";
  c.connection_id = "conn_email";
  c.auth_method = "otp";
  c.auth_time = created_at - 5;
  c.created_at = created_at;
  c.expires_at = created_at + 60;
  return c;
}

using Verdict = std::tuple<bool, int, UnixSeconds>;  // (allowed, count, retry_after)

Verdict Allowed(int count) { return {true, count, 0}; }
Verdict Refused(int count, UnixSeconds retry_after) { return {false, count, retry_after}; }

// One hit, as a Verdict; a test failure (and an impossible verdict) if the call failed.
Verdict Hit(Store& store, std::string_view key, int limit, UnixSeconds window, UnixSeconds now) {
  Result<RateLimitResult> r = store.HitRateLimit(key, limit, window, now);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().ToString();
    return {false, -1, -1};
  }
  return {r->allowed, r->count, r->retry_after};
}

// Marks the challenge consumed at `now`, unless it already was (kFailedPrecondition): what the
// hosted login does with a correct code or an opened link.
Result<EmailChallenge> ConsumeChallenge(Store& store, std::string_view txn, UnixSeconds now) {
  return store.UpdateEmailChallenge(txn, [now](EmailChallenge c) -> Result<EmailChallenge> {
    if (c.consumed_at != 0) return FailedPreconditionError("already consumed");
    c.consumed_at = now;
    return c;
  });
}

}  // namespace

// ---- Passwordless challenges ----------------------------------------------------------------

TEST_P(StoreConformanceTest, PutThenGetEmailChallengeRoundTripsEveryField) {
  EmailChallenge c = MakeChallenge("txn_1", 1'700'000'000);
  c.email = "zoë+tag@bäckerei.example";
  c.attempts = 3;
  c.send_count = 2;
  c.last_sent_at = 1'700'000'030;
  c.expires_at = 253'402'300'799;
  EmailChallenge no_link = MakeChallenge("txn_2", 0);
  no_link.link_hash = "";
  EmailChallenge no_code = MakeChallenge("txn_3");
  no_code.code_hash = "";
  no_code.consumed_at = 1'700'000'100;
  for (const EmailChallenge* want : {&c, &no_link, &no_code}) ASSERT_OK(store().PutEmailChallenge(*want));
  for (const EmailChallenge* want : {&c, &no_link, &no_code}) {
    ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge(want->transaction_id));
    EXPECT_EQ(got, *want);
  }
  ASSERT_OK_AND_ASSIGN(EmailChallenge by_link, store().FindEmailChallengeByLink(c.link_hash));
  EXPECT_EQ(by_link, c);
}

TEST_P(StoreConformanceTest, MissingEmailChallengeIsNotFound) {
  ASSERT_OK(store().PutEmailChallenge(MakeChallenge("txn_1")));
  EXPECT_CODE(store().GetEmailChallenge("txn_missing"), kNotFound);
  EXPECT_CODE(store().GetEmailChallenge(""), kNotFound);
  EXPECT_CODE(store().GetEmailChallenge("hmac-of-link-txn_1"), kNotFound);  // by transaction id
  EXPECT_CODE(store().FindEmailChallengeByLink("hmac-of-link-txn_missing"), kNotFound);
  EXPECT_CODE(store().FindEmailChallengeByLink("HMAC-OF-LINK-TXN_1"), kNotFound);  // exact
  EXPECT_CODE(store().FindEmailChallengeByLink("hmac-of-code-txn_1"), kNotFound);  // not the code
  EXPECT_CODE(store().FindEmailChallengeByLink("txn_1"), kNotFound);
}

TEST_P(StoreConformanceTest, PutEmailChallengeReplacesTheOneOfItsTransaction) {
  const EmailChallenge first = MakeChallenge("txn_1", 1000);
  const EmailChallenge other = MakeChallenge("txn_2", 1000);
  ASSERT_OK(store().PutEmailChallenge(first));
  ASSERT_OK(store().PutEmailChallenge(other));
  // Sent again: every field replaced, the link included.
  EmailChallenge again = MakeChallenge("txn_1", 1050);
  again.code_hash = "hmac-of-new-code";
  again.link_hash = "hmac-of-new-link";
  again.browser_hash = "hmac-of-new-csrf";
  again.sealed_transaction = "v1.resealed";
  again.email = "alice@example.org";
  again.attempts = 0;
  again.send_count = 2;
  again.last_sent_at = 1060;
  again.expires_at = 1660;
  ASSERT_OK(store().PutEmailChallenge(again));
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, again);
  ASSERT_OK_AND_ASSIGN(got, store().FindEmailChallengeByLink("hmac-of-new-link"));
  EXPECT_EQ(got, again);
  EXPECT_CODE(store().FindEmailChallengeByLink(first.link_hash), kNotFound);  // the old link is dead
  ASSERT_OK_AND_ASSIGN(got, store().GetEmailChallenge("txn_2"));
  EXPECT_EQ(got, other);
  // Replacing with the same link, or with none, is fine too.
  ASSERT_OK(store().PutEmailChallenge(again));
  again.link_hash = "";
  ASSERT_OK(store().PutEmailChallenge(again));
  ASSERT_OK_AND_ASSIGN(got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, again);
  EXPECT_CODE(store().FindEmailChallengeByLink("hmac-of-new-link"), kNotFound);
}

TEST_P(StoreConformanceTest, PutEmailChallengeOverAConsumedOneIsFailedPrecondition) {
  EmailChallenge consumed = MakeChallenge("txn_done", 1000);
  consumed.consumed_at = 1100;
  ASSERT_OK(store().PutEmailChallenge(consumed));
  EmailChallenge again = MakeChallenge("txn_done", 1200);
  again.link_hash = "hmac-of-another-link";
  EXPECT_CODE(store().PutEmailChallenge(again), kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_done"));
  EXPECT_EQ(got, consumed);
  EXPECT_CODE(store().FindEmailChallengeByLink("hmac-of-another-link"), kNotFound);
  // Consumed through UpdateEmailChallenge: the same.
  ASSERT_OK(store().PutEmailChallenge(MakeChallenge("txn_2", 1000)));
  ASSERT_OK(ConsumeChallenge(store(), "txn_2", 1100));
  EXPECT_CODE(store().PutEmailChallenge(MakeChallenge("txn_2", 1200)), kFailedPrecondition);
}

TEST_P(StoreConformanceTest, LinkHashIsUniqueAcrossTransactionsWhenSet) {
  const EmailChallenge original = MakeChallenge("txn_1");
  ASSERT_OK(store().PutEmailChallenge(original));
  EmailChallenge thief = MakeChallenge("txn_2");
  thief.link_hash = original.link_hash;
  EXPECT_CODE(store().PutEmailChallenge(thief), kAlreadyExists);
  EXPECT_CODE(store().GetEmailChallenge("txn_2"), kNotFound);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().FindEmailChallengeByLink(original.link_hash));
  EXPECT_EQ(got, original);
  // Taking it on a replace is refused as well, and leaves the replaced challenge as it was.
  const EmailChallenge second = MakeChallenge("txn_3");
  ASSERT_OK(store().PutEmailChallenge(second));
  EmailChallenge resend = second;
  resend.link_hash = original.link_hash;
  EXPECT_CODE(store().PutEmailChallenge(resend), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(got, store().GetEmailChallenge("txn_3"));
  EXPECT_EQ(got, second);
  // Any number of challenges may have no link, and "" finds none of them.
  for (const char* txn : {"txn_a", "txn_b", "txn_c"}) {
    EmailChallenge no_link = MakeChallenge(txn);
    no_link.link_hash = "";
    ASSERT_OK(store().PutEmailChallenge(no_link));
  }
  EXPECT_CODE(store().FindEmailChallengeByLink(""), kNotFound);
}

TEST_P(StoreConformanceTest, UpdateEmailChallengeWritesWhatUpdateReturns) {
  const EmailChallenge original = MakeChallenge("txn_1", 1000);
  ASSERT_OK(store().PutEmailChallenge(original));
  EmailChallenge seen;
  ASSERT_OK_AND_ASSIGN(EmailChallenge updated,
                       store().UpdateEmailChallenge("txn_1", [&](EmailChallenge c) -> Result<EmailChallenge> {
                         seen = c;
                         c.attempts += 1;
                         c.link_hash = "hmac-of-link-2";
                         c.consumed_at = 1100;
                         return c;
                       }));
  EXPECT_EQ(seen, original);  // update gets the stored challenge
  EmailChallenge want = original;
  want.attempts = 1;
  want.link_hash = "hmac-of-link-2";
  want.consumed_at = 1100;
  EXPECT_EQ(updated, want);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, want);
  ASSERT_OK_AND_ASSIGN(got, store().FindEmailChallengeByLink("hmac-of-link-2"));
  EXPECT_EQ(got, want);
  EXPECT_CODE(store().FindEmailChallengeByLink(original.link_hash), kNotFound);
}

TEST_P(StoreConformanceTest, UpdateMissingEmailChallengeIsNotFoundAndDoesNotCallUpdate) {
  bool called = false;
  EXPECT_CODE(store().UpdateEmailChallenge("txn_missing",
                                           [&](EmailChallenge c) -> Result<EmailChallenge> {
                                             called = true;
                                             return c;
                                           }),
              kNotFound);
  EXPECT_FALSE(called);
  EXPECT_CODE(store().GetEmailChallenge("txn_missing"), kNotFound);
}

TEST_P(StoreConformanceTest, UpdateEmailChallengeErrorWritesNothingAndIsReturned) {
  const EmailChallenge original = MakeChallenge("txn_1");
  ASSERT_OK(store().PutEmailChallenge(original));
  auto result = store().UpdateEmailChallenge("txn_1", [](EmailChallenge c) -> Result<EmailChallenge> {
    c.attempts = 99;
    c.consumed_at = 5;
    return PermissionDeniedError("too many attempts");
  });
  EXPECT_CODE(result, kPermissionDenied);
  EXPECT_EQ(result.status().message(), "too many attempts");
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, original);
}

TEST_P(StoreConformanceTest, UpdateEmailChallengeCannotChangeTheTransactionId) {
  const EmailChallenge original = MakeChallenge("txn_1");
  ASSERT_OK(store().PutEmailChallenge(original));
  EXPECT_CODE(store().UpdateEmailChallenge("txn_1",
                                           [](EmailChallenge c) -> Result<EmailChallenge> {
                                             c.transaction_id = "txn_2";
                                             c.attempts = 7;
                                             return c;
                                           }),
              kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, original);
  EXPECT_CODE(store().GetEmailChallenge("txn_2"), kNotFound);
}

TEST_P(StoreConformanceTest, UpdateEmailChallengeToATakenLinkIsAlreadyExists) {
  const EmailChallenge a = MakeChallenge("txn_a");
  const EmailChallenge b = MakeChallenge("txn_b");
  ASSERT_OK(store().PutEmailChallenge(a));
  ASSERT_OK(store().PutEmailChallenge(b));
  EXPECT_CODE(store().UpdateEmailChallenge("txn_b",
                                           [&](EmailChallenge c) -> Result<EmailChallenge> {
                                             c.link_hash = a.link_hash;
                                             return c;
                                           }),
              kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_b"));
  EXPECT_EQ(got, b);
}

// A code typed in two tabs, or a link opened twice: one login completes.
TEST_P(StoreConformanceTest, ConcurrentConsumesOfAChallengeHaveOneWinner) {
  for (int round = 0; round < kIterations; ++round) {
    const std::string txn = "txn_" + std::to_string(round);
    ASSERT_OK(store().PutEmailChallenge(MakeChallenge(txn)));
    std::vector<Status> results(kThreads);
    RunConcurrently([&](int t) { results[t] = ConsumeChallenge(store(), txn, 2000 + t).status(); });
    int winner = -1;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t].ok()) {
        EXPECT_EQ(winner, -1) << "two winners in round " << round;
        winner = t;
      } else {
        EXPECT_EQ(CodeName(results[t].code()), CodeName(StatusCode::kFailedPrecondition)) << results[t].ToString();
      }
    }
    ASSERT_NE(winner, -1);
    ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge(txn));
    EXPECT_EQ(got.consumed_at, 2000 + winner);
  }
}

TEST_P(StoreConformanceTest, ConcurrentWrongAttemptsAreAllCounted) {
  ASSERT_OK(store().PutEmailChallenge(MakeChallenge("txn_1")));
  std::atomic<int> failures{0};
  RunConcurrently([&](int) {
    for (int i = 0; i < kIterations; ++i) {
      auto r = store().UpdateEmailChallenge("txn_1", [](EmailChallenge c) -> Result<EmailChallenge> {
        ++c.attempts;
        return c;
      });
      if (!r.ok()) {
        ++failures;
        ADD_FAILURE() << r.error().ToString();
      }
    }
  });
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got.attempts, kThreads * kIterations);
}

// ---- Rate limits ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, HitRateLimitAllowsLimitHitsPerWindowThenRefuses) {
  EXPECT_EQ(Hit(store(), "otp:alice", 3, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "otp:alice", 3, 60, 1010), Allowed(2));
  EXPECT_EQ(Hit(store(), "otp:alice", 3, 60, 1010), Allowed(3));
  // retry_after: seconds until the window (1000 + 60) ends.
  EXPECT_EQ(Hit(store(), "otp:alice", 3, 60, 1010), Refused(3, 50));
  EXPECT_EQ(Hit(store(), "otp:alice", 3, 60, 1059), Refused(3, 1));
  EXPECT_EQ(Hit(store(), "one", 1, 1, 5), Allowed(1));
  EXPECT_EQ(Hit(store(), "one", 1, 1, 5), Refused(1, 1));
}

TEST_P(StoreConformanceTest, HitRateLimitsCountsInOrderAndStopsAtTheFirstRefusal) {
  auto hits = [&](UnixSeconds now) -> Verdict {
    Result<RateLimitResult> r = store().HitRateLimits({{"ip", 3, 100}, {"mail", 1, 60}}, now);
    if (!r.ok()) {
      ADD_FAILURE() << r.error().ToString();
      return {false, -1, -1};
    }
    return {r->allowed, r->count, r->retry_after};
  };
  EXPECT_EQ(hits(1000), Allowed(1));         // ip 1, mail 1: the last verdict
  EXPECT_EQ(hits(1010), Refused(1, 50));     // ip 2, then mail refused
  EXPECT_EQ(hits(1020), Refused(1, 40));     // ip 3, mail refused
  EXPECT_EQ(hits(1030), Refused(3, 70));     // ip refused: mail not reached
  // What was counted, seen through single hits: ip 3 (full), mail 1.
  EXPECT_EQ(Hit(store(), "ip", 3, 100, 1031), Refused(3, 69));
  EXPECT_EQ(Hit(store(), "mail", 2, 60, 1031), Allowed(2));
  // Bad input counts nothing.
  EXPECT_CODE(store().HitRateLimits({}, 1040), kInvalidArgument);
  EXPECT_CODE(store().HitRateLimits({{"fresh", 5, 60}, {"bad", 0, 60}}, 1040), kInvalidArgument);
  EXPECT_EQ(Hit(store(), "fresh", 5, 60, 1040), Allowed(1));
}

TEST_P(StoreConformanceTest, RefusedRateLimitHitsAreNotCounted) {
  EXPECT_EQ(Hit(store(), "k", 2, 100, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "k", 2, 100, 1001), Allowed(2));
  for (UnixSeconds now = 1002; now < 1100; now += 7) {
    EXPECT_EQ(Hit(store(), "k", 2, 100, now), Refused(2, 1100 - now));
  }
  // A bigger limit within the same window counts on from 2, not from 2 + the refusals.
  EXPECT_EQ(Hit(store(), "k", 3, 100, 1099), Allowed(3));
  EXPECT_EQ(Hit(store(), "k", 3, 100, 1099), Refused(3, 1));
}

TEST_P(StoreConformanceTest, RateLimitWindowStartsAtItsFirstHitAndEndsAfterWindowSeconds) {
  EXPECT_EQ(Hit(store(), "k", 2, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "k", 2, 60, 1059), Allowed(2));
  EXPECT_EQ(Hit(store(), "k", 2, 60, 1059), Refused(2, 1));
  // now >= start + window: a new window, starting at this hit (not at a multiple of 60).
  EXPECT_EQ(Hit(store(), "k", 2, 60, 1060), Allowed(1));
  EXPECT_EQ(Hit(store(), "k", 2, 60, 1070), Allowed(2));
  EXPECT_EQ(Hit(store(), "k", 2, 60, 1119), Refused(2, 1));
  // Long after: a new window again, whose start is the late hit.
  EXPECT_EQ(Hit(store(), "k", 2, 60, 5000), Allowed(1));
  EXPECT_EQ(Hit(store(), "k", 2, 60, 5001), Allowed(2));
  EXPECT_EQ(Hit(store(), "k", 2, 60, 5001), Refused(2, 59));
}

TEST_P(StoreConformanceTest, RateLimitWindowKeepsTheLengthItStartedWith) {
  EXPECT_EQ(Hit(store(), "k", 1, 60, 1000), Allowed(1));
  // A shorter window asked for later does not end the running one early ...
  EXPECT_EQ(Hit(store(), "k", 1, 10, 1030), Refused(1, 30));
  // ... and the next window has the new length.
  EXPECT_EQ(Hit(store(), "k", 1, 10, 1060), Allowed(1));
  EXPECT_EQ(Hit(store(), "k", 1, 10, 1069), Refused(1, 1));
  EXPECT_EQ(Hit(store(), "k", 1, 10, 1070), Allowed(1));
}

TEST_P(StoreConformanceTest, RateLimitKeysAreIndependentAndExact) {
  EXPECT_EQ(Hit(store(), "otp:alice@example.com", 1, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "otp:alice@example.com", 1, 60, 1000), Refused(1, 60));
  EXPECT_EQ(Hit(store(), "otp:ALICE@example.com", 1, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "otp:alice@example.co", 1, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "ip:192.0.2.1", 1, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "", 1, 60, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "", 1, 60, 1000), Refused(1, 60));
}

TEST_P(StoreConformanceTest, HitRateLimitWithNonPositiveLimitOrWindowIsInvalidArgument) {
  EXPECT_CODE(store().HitRateLimit("k", 0, 60, 1000), kInvalidArgument);
  EXPECT_CODE(store().HitRateLimit("k", -1, 60, 1000), kInvalidArgument);
  EXPECT_CODE(store().HitRateLimit("k", 5, 0, 1000), kInvalidArgument);
  EXPECT_CODE(store().HitRateLimit("k", 5, -60, 1000), kInvalidArgument);
  // Nothing was counted (and no window started).
  EXPECT_EQ(Hit(store(), "k", 1, 60, 1001), Allowed(1));
  EXPECT_EQ(Hit(store(), "k", 1, 60, 1001), Refused(1, 60));
}

// Races where a lost update would show: at a window's first hit (two threads both starting
// it) and at the limit (two threads both taking the last slot). A fresh key each round.
TEST_P(StoreConformanceTest, ConcurrentRateLimitHitsAllowExactlyTheLimit) {
  constexpr int kLimit = 5, kHitsPerThread = 2;
  for (int round = 0; round < kIterations; ++round) {
    const std::string key = "login:" + std::to_string(round);
    std::vector<std::vector<int>> allowed_counts(kThreads);
    std::atomic<int> refused{0};
    RunConcurrently([&](int t) {
      for (int i = 0; i < kHitsPerThread; ++i) {
        auto r = store().HitRateLimit(key, kLimit, 3600, 1000 + i);
        if (!r.ok()) {
          ADD_FAILURE() << r.error().ToString();
        } else if (r->allowed) {
          allowed_counts[t].push_back(r->count);
        } else {
          EXPECT_EQ(r->count, kLimit);
          EXPECT_EQ(r->retry_after, 4600 - (1000 + i));
          ++refused;
        }
      }
    });
    // Each allowed hit saw its own count: 1, 2, ..., kLimit, once each.
    std::multiset<int> counts;
    for (const auto& per_thread : allowed_counts) counts.insert(per_thread.begin(), per_thread.end());
    std::multiset<int> want;
    for (int c = 1; c <= kLimit; ++c) want.insert(c);
    EXPECT_EQ(counts, want) << "round " << round;
    EXPECT_EQ(refused.load(), kThreads * kHitsPerThread - kLimit);
  }
}

// ---- Authorization codes --------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateThenConsumeAuthorizationCodeReturnsTheRecordBefore) {
  AuthorizationCode code = MakeCode("hash-1", "txn_1", 1000);
  code.redirect_uri = "com.example.app:/oauth2redirect/ü?q=a+b";
  code.nonce = "";
  code.code_challenge = "";
  code.organization_id = "";
  code.expires_at = 253'402'300'799;
  ASSERT_OK(store().CreateAuthorizationCode(code));
  ASSERT_OK_AND_ASSIGN(AuthorizationCode first, store().ConsumeAuthorizationCode("hash-1", 1010));
  EXPECT_EQ(first, code);  // every field, consumed_at 0: this call consumed it
  ASSERT_OK_AND_ASSIGN(AuthorizationCode second, store().ConsumeAuthorizationCode("hash-1", 1020));
  AuthorizationCode want = code;
  want.consumed_at = 1010;  // the first use, unchanged by the second
  EXPECT_EQ(second, want);
  ASSERT_OK_AND_ASSIGN(AuthorizationCode third, store().ConsumeAuthorizationCode("hash-1", 1030));
  EXPECT_EQ(third, want);
}

TEST_P(StoreConformanceTest, CreateAuthorizationCodeWithTakenHashOrTransactionIsAlreadyExists) {
  const AuthorizationCode original = MakeCode("hash-1", "txn_1", 1000);
  ASSERT_OK(store().CreateAuthorizationCode(original));
  EXPECT_CODE(store().CreateAuthorizationCode(MakeCode("hash-1", "txn_2", 2000)), kAlreadyExists);
  EXPECT_CODE(store().CreateAuthorizationCode(MakeCode("hash-2", "txn_1", 2000)), kAlreadyExists);
  EXPECT_CODE(store().ConsumeAuthorizationCode("hash-2", 2000), kNotFound);
  ASSERT_OK_AND_ASSIGN(AuthorizationCode got, store().ConsumeAuthorizationCode("hash-1", 2000));
  EXPECT_EQ(got, original);
  // A consumed code still holds its transaction: it completes once.
  EXPECT_CODE(store().CreateAuthorizationCode(MakeCode("hash-3", "txn_1", 3000)), kAlreadyExists);
}

TEST_P(StoreConformanceTest, ConsumeMissingAuthorizationCodeIsNotFound) {
  ASSERT_OK(store().CreateAuthorizationCode(MakeCode("hash-1", "txn_1")));
  EXPECT_CODE(store().ConsumeAuthorizationCode("hash-missing", 1000), kNotFound);
  EXPECT_CODE(store().ConsumeAuthorizationCode("", 1000), kNotFound);
  EXPECT_CODE(store().ConsumeAuthorizationCode("HASH-1", 1000), kNotFound);  // exact
  EXPECT_CODE(store().ConsumeAuthorizationCode("txn_1", 1000), kNotFound);   // by hash, not transaction
}

TEST_P(StoreConformanceTest, ConsumeAuthorizationCodeWithNonPositiveNowIsInvalidArgument) {
  const AuthorizationCode code = MakeCode("hash-1", "txn_1");
  ASSERT_OK(store().CreateAuthorizationCode(code));
  EXPECT_CODE(store().ConsumeAuthorizationCode("hash-1", 0), kInvalidArgument);
  EXPECT_CODE(store().ConsumeAuthorizationCode("hash-1", -5), kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AuthorizationCode got, store().ConsumeAuthorizationCode("hash-1", 10));
  EXPECT_EQ(got, code);  // still unconsumed before this call
}

TEST_P(StoreConformanceTest, ExpiredAuthorizationCodeIsStillConsumedExpiryIsTheCallers) {
  const AuthorizationCode code = MakeCode("hash-1", "txn_1", 1000);  // expires at 1060
  ASSERT_OK(store().CreateAuthorizationCode(code));
  ASSERT_OK_AND_ASSIGN(AuthorizationCode got, store().ConsumeAuthorizationCode("hash-1", 9999));
  EXPECT_EQ(got, code);
  ASSERT_OK_AND_ASSIGN(got, store().ConsumeAuthorizationCode("hash-1", 10000));
  EXPECT_EQ(got.consumed_at, 9999);
}

// A code replayed while its first exchange runs: exactly one exchange sees consumed_at == 0,
// and every other one sees when that one consumed it.
TEST_P(StoreConformanceTest, ConcurrentConsumesOfACodeHaveExactlyOneWinner) {
  for (int round = 0; round < kIterations; ++round) {
    const std::string hash = "hash-" + std::to_string(round);
    ASSERT_OK(store().CreateAuthorizationCode(MakeCode(hash, "txn_" + std::to_string(round), 1000)));
    std::vector<UnixSeconds> seen(kThreads, -1);
    RunConcurrently([&](int t) {
      auto r = store().ConsumeAuthorizationCode(hash, 2000 + t);
      if (r.ok()) {
        seen[t] = r->consumed_at;
      } else {
        ADD_FAILURE() << r.error().ToString();
      }
    });
    ASSERT_EQ(std::count(seen.begin(), seen.end(), 0), 1) << "round " << round;
    const int winner = static_cast<int>(std::find(seen.begin(), seen.end(), 0) - seen.begin());
    for (int t = 0; t < kThreads; ++t) {
      if (t != winner) {
        EXPECT_EQ(seen[t], 2000 + winner);
      }
    }
  }
}

// ---- Expiry ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, DeleteExpiredDeletesWhatEndedByNowAndCountsIt) {
  User alice;
  alice.id = "usr_alice";
  alice.email = "alice@example.com";
  ASSERT_OK(store().CreateUser(alice));
  auto session = [](std::string id, UnixSeconds idle_expires_at, UnixSeconds expires_at) {
    Session s;
    s.id = id;
    s.token_hash = "token-of-" + id;
    s.user_id = "usr_alice";
    s.idle_expires_at = idle_expires_at;
    s.expires_at = expires_at;
    return s;
  };
  ASSERT_OK(store().CreateSession(session("ses_idle", 1000, 5000)));      // idle-expired at 1000
  ASSERT_OK(store().CreateSession(session("ses_absolute", 5000, 1000)));  // absolute end at 1000
  ASSERT_OK(store().CreateSession(session("ses_live", 1001, 5000)));
  auto challenge = [](std::string txn, UnixSeconds expires_at) {
    EmailChallenge c = MakeChallenge(std::move(txn), 0);
    c.expires_at = expires_at;
    return c;
  };
  ASSERT_OK(store().PutEmailChallenge(challenge("txn_old", 999)));
  ASSERT_OK(store().PutEmailChallenge(challenge("txn_edge", 1000)));
  ASSERT_OK(store().PutEmailChallenge(challenge("txn_live", 1001)));
  auto code = [](std::string hash, UnixSeconds expires_at) {
    AuthorizationCode c = MakeCode(hash, "txn_of_" + hash, 0);
    c.expires_at = expires_at;
    return c;
  };
  ASSERT_OK(store().CreateAuthorizationCode(code("code-edge", 1000)));
  ASSERT_OK(store().CreateAuthorizationCode(code("code-live", 1001)));
  EXPECT_EQ(Hit(store(), "rl-ended", 1, 100, 900), Allowed(1));  // ends at 1000
  EXPECT_EQ(Hit(store(), "rl-live", 1, 100, 901), Allowed(1));   // ends at 1001

  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(999));
  EXPECT_EQ(deleted, 1);  // txn_old
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(1000));
  EXPECT_EQ(deleted, 5);  // ses_idle, ses_absolute, txn_edge, code-edge, rl-ended
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(1000));
  EXPECT_EQ(deleted, 0);

  EXPECT_CODE(store().GetSession("ses_idle"), kNotFound);
  EXPECT_CODE(store().FindSessionByToken("token-of-ses_absolute"), kNotFound);
  EXPECT_OK(store().GetSession("ses_live"));
  EXPECT_CODE(store().GetEmailChallenge("txn_old"), kNotFound);
  EXPECT_CODE(store().GetEmailChallenge("txn_edge"), kNotFound);
  EXPECT_CODE(store().FindEmailChallengeByLink("hmac-of-link-txn_edge"), kNotFound);
  EXPECT_OK(store().GetEmailChallenge("txn_live"));
  EXPECT_CODE(store().ConsumeAuthorizationCode("code-edge", 1000), kNotFound);
  EXPECT_OK(store().ConsumeAuthorizationCode("code-live", 1000));
  // The ended window is gone: the next hit starts a new one. The live one still counts.
  EXPECT_EQ(Hit(store(), "rl-ended", 1, 100, 1000), Allowed(1));
  EXPECT_EQ(Hit(store(), "rl-live", 1, 100, 1000), Refused(1, 1));
  // Users are never expired.
  EXPECT_OK(store().GetUser("usr_alice"));

  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(1001));
  EXPECT_EQ(deleted, 4);  // ses_live, txn_live, code-live (consumed or not), rl-live
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(1100));
  EXPECT_EQ(deleted, 1);  // rl-ended's new window, 1000 + 100
  EXPECT_OK(store().CheckIntegrity());
}

TEST_P(StoreConformanceTest, DeleteExpiredFreesTheLinkOfADeletedChallenge) {
  EmailChallenge c = MakeChallenge("txn_1", 0);
  c.expires_at = 10;
  c.consumed_at = 5;
  ASSERT_OK(store().PutEmailChallenge(c));
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(10));
  EXPECT_EQ(deleted, 1);
  EmailChallenge reuse = MakeChallenge("txn_2");
  reuse.link_hash = c.link_hash;
  EXPECT_OK(store().PutEmailChallenge(reuse));
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().FindEmailChallengeByLink(c.link_hash));
  EXPECT_EQ(got, reuse);
}

TEST_P(StoreConformanceTest, DeleteExpiredOnAFreshStoreDeletesNothing) {
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(4'000'000'000));
  EXPECT_EQ(deleted, 0);
}

}  // namespace gatehouse::store::testing
