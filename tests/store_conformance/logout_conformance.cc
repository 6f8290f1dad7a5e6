// The Store conformance suite: the back-channel logout delivery queue (see store_conformance.h;
// the "Back-channel logout deliveries" section of src/store/store.h).
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "store_conformance/store_conformance.h"

namespace gatehouse::store {
namespace {

LogoutDelivery MakeDelivery(const std::string& client, std::int64_t next_at_ms) {
  return LogoutDelivery{.id = 0,
                        .client_id = client,
                        .uri = "https://" + client + ".example.com/backchannel?x=1",
                        .user_id = "usr_1",
                        .session_id = "ses_1",
                        .attempts = 0,
                        .next_at_ms = next_at_ms,
                        .created_at = 77};
}

}  // namespace

namespace testing {

TEST_P(StoreConformanceTest, LogoutDeliveriesAreClaimedWhenDueEarliestFirst) {
  ASSERT_OK_AND_ASSIGN(std::optional<std::int64_t> empty, store().NextLogoutDeliveryAt());
  EXPECT_EQ(empty, std::nullopt);
  ASSERT_OK_AND_ASSIGN(std::int64_t late, store().EnqueueLogoutDelivery(MakeDelivery("late", 3000)));
  ASSERT_OK_AND_ASSIGN(std::int64_t early, store().EnqueueLogoutDelivery(MakeDelivery("early", 1000)));
  ASSERT_OK_AND_ASSIGN(std::int64_t tie, store().EnqueueLogoutDelivery(MakeDelivery("tie", 1000)));
  EXPECT_NE(late, early);
  ASSERT_OK_AND_ASSIGN(std::optional<std::int64_t> next, store().NextLogoutDeliveryAt());
  EXPECT_EQ(next, 1000);

  // Nothing is due before its time.
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> none, store().ClaimLogoutDeliveries(999, 60'000, 10));
  EXPECT_TRUE(none.empty());
  // Due at 1000: the earliest first, then by id; the limit holds; the rows come back whole.
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> first, store().ClaimLogoutDeliveries(2000, 60'000, 1));
  ASSERT_EQ(first.size(), 1u);
  LogoutDelivery expected = MakeDelivery("early", 1000);
  expected.id = early;
  EXPECT_EQ(first[0], expected);
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> second, store().ClaimLogoutDeliveries(2000, 60'000, 10));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, tie);
  // Claimed ones are hidden until the claim ends (62'000); "late" is due at 3000.
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> third, store().ClaimLogoutDeliveries(3000, 60'000, 10));
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].id, late);
  ASSERT_OK_AND_ASSIGN(next, store().NextLogoutDeliveryAt());
  EXPECT_EQ(next, 62'000);
  // A claimer that died: its deliveries come back once the claim has run out.
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> again, store().ClaimLogoutDeliveries(62'000, 60'000, 10));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].id, early);
  EXPECT_EQ(again[1].id, tie);
}

TEST_P(StoreConformanceTest, LogoutDeliveriesAreRescheduledAndDeleted) {
  ASSERT_OK_AND_ASSIGN(std::int64_t id, store().EnqueueLogoutDelivery(MakeDelivery("app", 1000)));
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> claimed, store().ClaimLogoutDeliveries(1000, 60'000, 5));
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_OK(store().RescheduleLogoutDelivery(id, 1, 6000));
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> early, store().ClaimLogoutDeliveries(5999, 60'000, 5));
  EXPECT_TRUE(early.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<LogoutDelivery> due, store().ClaimLogoutDeliveries(6000, 60'000, 5));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].next_at_ms, 6000);

  ASSERT_OK(store().DeleteLogoutDelivery(id));
  ASSERT_OK(store().DeleteLogoutDelivery(id));  // absent: still OK
  EXPECT_CODE(store().RescheduleLogoutDelivery(id, 2, 7000), kNotFound);
  ASSERT_OK_AND_ASSIGN(std::optional<std::int64_t> next, store().NextLogoutDeliveryAt());
  EXPECT_EQ(next, std::nullopt);
  EXPECT_CODE(store().ClaimLogoutDeliveries(1000, 60'000, 0), kInvalidArgument);
  EXPECT_CODE(store().ClaimLogoutDeliveries(1000, 0, 1), kInvalidArgument);
}

TEST_P(StoreConformanceTest, ConcurrentClaimsNeverShareADelivery) {
  constexpr int kDeliveries = 40;
  for (int i = 0; i < kDeliveries; ++i) {
    ASSERT_OK(store().EnqueueLogoutDelivery(MakeDelivery("app" + std::to_string(i), 1000 + i)).status());
  }
  std::mutex mu;
  std::multiset<std::int64_t> seen;
  RunConcurrently([&](int) {
    for (;;) {
      auto r = store().ClaimLogoutDeliveries(5000, 60'000, 3);
      if (!r.ok()) {
        ADD_FAILURE() << r.error().ToString();
        return;
      }
      if (r->empty()) return;
      std::lock_guard lock(mu);
      for (const LogoutDelivery& d : *r) seen.insert(d.id);
    }
  });
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kDeliveries));
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), static_cast<std::size_t>(kDeliveries));
}

}  // namespace testing
}  // namespace gatehouse::store
