// Store conformance: PutEmailChallengeWithinLimits and UpdateEmailChallengeWithinLimits (a
// sign-in email's, and a code check's, rate limits and challenge in one write).
#include <string>
#include <vector>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store::testing {
namespace {

constexpr UnixSeconds kNow = 1'700'000'000;

EmailChallenge Challenge(std::string txn) {
  EmailChallenge c;
  c.transaction_id = std::move(txn);
  c.email = "alice@example.com";
  c.code_hash = "hmac-of-code-" + c.transaction_id;
  c.link_hash = "hmac-of-link-" + c.transaction_id;
  c.browser_hash = "hmac-of-csrf";
  c.sealed_transaction = "sealed-" + c.transaction_id;
  c.send_count = 1;
  c.last_sent_at = kNow;
  c.created_at = kNow;
  c.expires_at = kNow + 600;
  return c;
}

// The network allows 2 emails, the address 1, per 15 minutes.
const std::vector<RateLimitHit> kLimits = {{"send:ip:n", 2, 900}, {"send:email:a", 1, 900}};

// The count of `key` before this probe (the probe's own hit, with a limit high enough to
// be allowed, counts one more).
int CountOf(Store& store, const std::string& key) {
  auto hit = store.HitRateLimit(key, 1000, 900, kNow);
  return hit.ok() ? hit->count - 1 : -1;
}

TEST_P(StoreConformanceTest, PutEmailChallengeWithinLimitsWritesItWhenEveryLimitAllows) {
  ASSERT_OK_AND_ASSIGN(RateLimitResult verdict, store().PutEmailChallengeWithinLimits(kLimits, kNow, Challenge("txn_1")));
  EXPECT_TRUE(verdict.allowed);
  EXPECT_EQ(verdict.count, 1);  // the last hit's count
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, Challenge("txn_1"));

  // The address's limit refuses the next: the network's hit is counted, nothing is written.
  ASSERT_OK_AND_ASSIGN(verdict, store().PutEmailChallengeWithinLimits(kLimits, kNow + 10, Challenge("txn_2")));
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.retry_after, 890);
  EXPECT_CODE(store().GetEmailChallenge("txn_2"), kNotFound);

  // The network's refuses the third before the address's is looked at.
  const std::vector<RateLimitHit> other_address = {{"send:ip:n", 2, 900}, {"send:email:b", 1, 900}};
  ASSERT_OK_AND_ASSIGN(verdict, store().PutEmailChallengeWithinLimits(other_address, kNow + 20, Challenge("txn_3")));
  EXPECT_FALSE(verdict.allowed);
  EXPECT_CODE(store().GetEmailChallenge("txn_3"), kNotFound);
  EXPECT_EQ(CountOf(store(), "send:ip:n"), 2);
  EXPECT_EQ(CountOf(store(), "send:email:a"), 1);
  EXPECT_EQ(CountOf(store(), "send:email:b"), 0);
}

TEST_P(StoreConformanceTest, PutEmailChallengeWithinLimitsWritesNothingOnAnError) {
  EmailChallenge consumed = Challenge("txn_1");
  consumed.consumed_at = kNow;
  ASSERT_OK(store().PutEmailChallenge(consumed));
  // The transaction is complete: the put fails, and the hits are not counted either.
  EXPECT_CODE(store().PutEmailChallengeWithinLimits(kLimits, kNow, Challenge("txn_1")), kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, consumed);
  EXPECT_EQ(CountOf(store(), "send:ip:n"), 0);
  EXPECT_EQ(CountOf(store(), "send:email:a"), 0);

  // Bad limits: refused before anything is written.
  EXPECT_CODE(store().PutEmailChallengeWithinLimits({}, kNow, Challenge("txn_2")), kInvalidArgument);
  EXPECT_CODE(store().PutEmailChallengeWithinLimits({{"k", 0, 900}}, kNow, Challenge("txn_2")), kInvalidArgument);
  EXPECT_CODE(store().GetEmailChallenge("txn_2"), kNotFound);
}

// One check per 5 minutes from this network.
const std::vector<RateLimitHit> kCheck = {{"check:ip:n", 1, 300}};

TEST_P(StoreConformanceTest, UpdateEmailChallengeWithinLimitsUpdatesWhenAllowedAndCountsAnyway) {
  ASSERT_OK(store().PutEmailChallenge(Challenge("txn_1")));
  ASSERT_OK_AND_ASSIGN(LimitedChallengeUpdate out,
                       store().UpdateEmailChallengeWithinLimits(kCheck, kNow, "txn_1", [](EmailChallenge c) {
                         ++c.attempts;
                         return Result<EmailChallenge>(c);
                       }));
  EXPECT_TRUE(out.limit.allowed);
  EXPECT_OK(out.status);
  EXPECT_EQ(out.challenge.attempts, 1);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, out.challenge);

  // Refused: `update` is not called, the challenge stays as it was.
  bool called = false;
  ASSERT_OK_AND_ASSIGN(out, store().UpdateEmailChallengeWithinLimits(kCheck, kNow + 1, "txn_1", [&](EmailChallenge c) {
    called = true;
    return Result<EmailChallenge>(c);
  }));
  EXPECT_FALSE(out.limit.allowed);
  EXPECT_EQ(out.limit.retry_after, 299);
  EXPECT_FALSE(called);
  ASSERT_OK_AND_ASSIGN(got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got.attempts, 1);
}

TEST_P(StoreConformanceTest, UpdateEmailChallengeWithinLimitsCountsTheHitWhenTheUpdateDeclines) {
  ASSERT_OK(store().PutEmailChallenge(Challenge("txn_1")));
  const std::vector<RateLimitHit> three = {{"check:ip:n", 3, 300}};
  // The update declines (Unchanged): its status comes back, the hit is counted.
  ASSERT_OK_AND_ASSIGN(LimitedChallengeUpdate out,
                       store().UpdateEmailChallengeWithinLimits(three, kNow, "txn_1", [](EmailChallenge) {
                         return Result<EmailChallenge>(AbortedError("unchanged"));
                       }));
  EXPECT_TRUE(out.limit.allowed);
  EXPECT_EQ(out.status.code(), StatusCode::kAborted);
  // No such challenge: kNotFound, the hit counted too.
  ASSERT_OK_AND_ASSIGN(out, store().UpdateEmailChallengeWithinLimits(three, kNow, "txn_absent", [](EmailChallenge c) {
    return Result<EmailChallenge>(c);
  }));
  EXPECT_EQ(out.status.code(), StatusCode::kNotFound);
  // A changed transaction id: kInvalidArgument in `status`, nothing of it written.
  ASSERT_OK_AND_ASSIGN(out, store().UpdateEmailChallengeWithinLimits(three, kNow, "txn_1", [](EmailChallenge c) {
    c.transaction_id = "txn_other";
    return Result<EmailChallenge>(c);
  }));
  EXPECT_EQ(out.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CountOf(store(), "check:ip:n"), 3);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_1"));
  EXPECT_EQ(got, Challenge("txn_1"));
  EXPECT_CODE(store().GetEmailChallenge("txn_other"), kNotFound);
}

TEST_P(StoreConformanceTest, UpdateEmailChallengeWithinLimitsWritesNothingOnAFailedWrite) {
  ASSERT_OK(store().PutEmailChallenge(Challenge("txn_1")));
  ASSERT_OK(store().PutEmailChallenge(Challenge("txn_2")));
  // txn_2 takes txn_1's link: the write fails, and the hit goes with it.
  EXPECT_CODE(store().UpdateEmailChallengeWithinLimits(kCheck, kNow, "txn_2",
                                                       [](EmailChallenge c) {
                                                         c.link_hash = "hmac-of-link-txn_1";
                                                         return Result<EmailChallenge>(c);
                                                       }),
              kAlreadyExists);
  EXPECT_EQ(CountOf(store(), "check:ip:n"), 0);
  ASSERT_OK_AND_ASSIGN(EmailChallenge got, store().GetEmailChallenge("txn_2"));
  EXPECT_EQ(got, Challenge("txn_2"));
  EXPECT_CODE(store().UpdateEmailChallengeWithinLimits({}, kNow, "txn_1",
                                                       [](EmailChallenge c) { return Result<EmailChallenge>(c); }),
              kInvalidArgument);
}

}  // namespace
}  // namespace gatehouse::store::testing
