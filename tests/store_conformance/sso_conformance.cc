// The Store conformance suite: linked upstream identities, upstream login legs and single-use
// keys (see store_conformance.h; the "Upstream identities" section of src/store/store.h).
#include <atomic>
#include <string>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store {
namespace {

User MakeSsoUser(const std::string& id) {
  return User{.id = id, .email = id + "@example.com", .email_verified = true, .name = "", .created_at = 1,
              .updated_at = 1};
}

UpstreamLogin MakeLeg(const std::string& relay_hash, UnixSeconds expires_at) {
  return UpstreamLogin{.relay_hash = relay_hash,
                       .connection_id = "conn_okta",
                       .transaction_token = "sealed-transaction-" + relay_hash,
                       .upstream_state = "sealed-state",
                       .browser_hash = "browser-" + relay_hash,
                       .created_at = 1000,
                       .expires_at = expires_at};
}

}  // namespace

namespace testing {

TEST_P(StoreConformanceTest, LinkedIdentityIsFoundByConnectionAndSubjectOnly) {
  ASSERT_OK(store().CreateUser(MakeSsoUser("usr_ann")));
  EXPECT_CODE(store().FindLinkedIdentity("conn_okta", "00u1"), kNotFound);
  const LinkedIdentity link{.connection_id = "conn_okta", .subject = "00u1", .user_id = "usr_ann", .created_at = 7};
  ASSERT_OK(store().LinkIdentity(link));
  ASSERT_OK_AND_ASSIGN(LinkedIdentity found, store().FindLinkedIdentity("conn_okta", "00u1"));
  EXPECT_EQ(found, link);
  // The same subject at another connection is someone else; subjects are compared exactly.
  EXPECT_CODE(store().FindLinkedIdentity("conn_other", "00u1"), kNotFound);
  EXPECT_CODE(store().FindLinkedIdentity("conn_okta", "00U1"), kNotFound);
}

TEST_P(StoreConformanceTest, LinkIdentityTwiceIsAlreadyExistsAndKeepsTheFirstUser) {
  ASSERT_OK(store().CreateUser(MakeSsoUser("usr_ann")));
  ASSERT_OK(store().CreateUser(MakeSsoUser("usr_bob")));
  ASSERT_OK(store().LinkIdentity({.connection_id = "conn_okta", .subject = "s", .user_id = "usr_ann", .created_at = 1}));
  EXPECT_CODE(store().LinkIdentity({.connection_id = "conn_okta", .subject = "s", .user_id = "usr_bob", .created_at = 2}),
              kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(LinkedIdentity found, store().FindLinkedIdentity("conn_okta", "s"));
  EXPECT_EQ(found.user_id, "usr_ann");
  // One user may have identities at several connections.
  ASSERT_OK(store().LinkIdentity({.connection_id = "conn_google", .subject = "s", .user_id = "usr_ann", .created_at = 3}));
}

TEST_P(StoreConformanceTest, LinkIdentityToMissingUserIsNotFound) {
  EXPECT_CODE(store().LinkIdentity({.connection_id = "conn_okta", .subject = "s", .user_id = "usr_ghost", .created_at = 1}),
              kNotFound);
  EXPECT_CODE(store().FindLinkedIdentity("conn_okta", "s"), kNotFound);
}

TEST_P(StoreConformanceTest, UpstreamLoginIsTakenOnceWithEveryField) {
  const UpstreamLogin leg = MakeLeg("relay-1", 2000);
  ASSERT_OK(store().PutUpstreamLogin(leg));
  ASSERT_OK_AND_ASSIGN(UpstreamLogin taken, store().TakeUpstreamLogin("relay-1", 1500));
  EXPECT_EQ(taken, leg);
  EXPECT_CODE(store().TakeUpstreamLogin("relay-1", 1500), kNotFound);
  EXPECT_CODE(store().TakeUpstreamLogin("relay-unknown", 1500), kNotFound);
}

TEST_P(StoreConformanceTest, ExpiredUpstreamLoginIsNotFoundAndDeletedByDeleteExpired) {
  ASSERT_OK(store().PutUpstreamLogin(MakeLeg("relay-old", 2000)));
  EXPECT_CODE(store().TakeUpstreamLogin("relay-old", 2000), kNotFound);
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(2000));
  EXPECT_EQ(deleted, 1);
  EXPECT_CODE(store().TakeUpstreamLogin("relay-old", 1999), kNotFound);
}

TEST_P(StoreConformanceTest, ConcurrentTakesOfOneUpstreamLoginYieldOneWinner) {
  ASSERT_OK(store().PutUpstreamLogin(MakeLeg("relay-race", 5000)));
  std::atomic<int> winners{0}, losers{0};
  RunConcurrently([&](int) {
    auto r = store().TakeUpstreamLogin("relay-race", 1000);
    if (r.ok()) {
      ++winners;
    } else if (r.error().code() == StatusCode::kNotFound) {
      ++losers;
    }
  });
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(losers.load(), kThreads - 1);
}

TEST_P(StoreConformanceTest, UseOnceRefusesAReplayUntilTheKeyExpires) {
  ASSERT_OK_AND_ASSIGN(bool first, store().UseOnce("assertion-1", 2000, 1000));
  EXPECT_TRUE(first);
  ASSERT_OK_AND_ASSIGN(bool replay, store().UseOnce("assertion-1", 2500, 1999));
  EXPECT_FALSE(replay);
  ASSERT_OK_AND_ASSIGN(bool other, store().UseOnce("assertion-2", 2000, 1999));
  EXPECT_TRUE(other);
  // Once the first record has expired the key is new again (DeleteExpired may not have run).
  ASSERT_OK_AND_ASSIGN(bool later, store().UseOnce("assertion-1", 3000, 2000));
  EXPECT_TRUE(later);
  ASSERT_OK_AND_ASSIGN(bool again, store().UseOnce("assertion-1", 3000, 2001));
  EXPECT_FALSE(again);
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(3000));
  EXPECT_EQ(deleted, 2);
}

TEST_P(StoreConformanceTest, ConcurrentUseOnceOfOneKeyYieldsOneTrue) {
  std::atomic<int> firsts{0};
  RunConcurrently([&](int) {
    auto r = store().UseOnce("assertion-race", 5000, 1000);
    if (r.ok() && *r) ++firsts;
  });
  EXPECT_EQ(firsts.load(), 1);
}

}  // namespace testing
}  // namespace gatehouse::store
