// Store conformance: DeleteExpiredBatch's limit and order, and DeleteExpired over several
// batches.
#include <string>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store::testing {
namespace {

Session ExpiringSession(std::string id, UnixSeconds expires_at) {
  Session s;
  s.id = id;
  s.token_hash = "token-of-" + id;
  s.user_id = "usr_alice";
  s.idle_expires_at = expires_at;
  s.expires_at = expires_at;
  return s;
}

TEST_P(StoreConformanceTest, DeleteExpiredBatchTakesAtMostItsLimitAndKeepsTheLiveRows) {
  User alice;
  alice.id = "usr_alice";
  alice.email = "alice@example.com";
  ASSERT_OK(store().CreateUser(alice));
  for (const char* id : {"ses_1", "ses_2", "ses_3"}) ASSERT_OK(store().CreateSession(ExpiringSession(id, 1000)));
  ASSERT_OK(store().CreateSession(ExpiringSession("ses_live", 1001)));
  // Two rate-limit windows that end at 1000, one at 1001.
  for (const char* key : {"rl_1", "rl_2"}) ASSERT_OK(store().HitRateLimit(key, 5, 100, 900));
  ASSERT_OK(store().HitRateLimit("rl_live", 5, 100, 901));

  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpiredBatch(1000, 2));
  EXPECT_EQ(deleted, 2);
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpiredBatch(1000, 2));
  EXPECT_EQ(deleted, 2);
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpiredBatch(1000, 2));
  EXPECT_EQ(deleted, 1);  // short of the limit: nothing expired is left
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpiredBatch(1000, 2));
  EXPECT_EQ(deleted, 0);

  for (const char* id : {"ses_1", "ses_2", "ses_3"}) EXPECT_CODE(store().GetSession(id), kNotFound);
  EXPECT_OK(store().GetSession("ses_live"));
  // The ended windows are gone (a hit starts a new one); the live one still counts.
  ASSERT_OK_AND_ASSIGN(RateLimitResult hit, store().HitRateLimit("rl_1", 5, 100, 1000));
  EXPECT_EQ(hit.count, 1);
  ASSERT_OK_AND_ASSIGN(hit, store().HitRateLimit("rl_live", 5, 100, 1000));
  EXPECT_EQ(hit.count, 2);

  EXPECT_CODE(store().DeleteExpiredBatch(1000, 0), kInvalidArgument);
  EXPECT_CODE(store().DeleteExpiredBatch(1000, -1), kInvalidArgument);
  EXPECT_OK(store().CheckIntegrity());
}

TEST_P(StoreConformanceTest, DeleteExpiredTakesEveryBatch) {
  constexpr int kRows = Store::kExpiryBatch * 2 + 3;
  for (int i = 0; i < kRows; ++i) ASSERT_OK(store().HitRateLimit("rl_" + std::to_string(i), 5, 100, 900));
  ASSERT_OK(store().HitRateLimit("rl_live", 5, 100, 901));
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(1000));
  EXPECT_EQ(deleted, kRows);
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(1000));
  EXPECT_EQ(deleted, 0);
  ASSERT_OK_AND_ASSIGN(RateLimitResult hit, store().HitRateLimit("rl_live", 5, 100, 1000));
  EXPECT_EQ(hit.count, 2);
}

}  // namespace
}  // namespace gatehouse::store::testing
