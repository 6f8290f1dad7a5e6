// The Store conformance suite: the executable form of the contract in src/store/store.h.
//
// Every backend runs the same tests. A backend's test file instantiates the suite with a
// factory that returns a fresh, empty, migrated store each time it is called:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//       ::testing::Values(StoreFactory([] { return OpenStore("sqlite::memory:").value(); })));
//
// Each test calls the factory once (some twice) and may run many threads against one store.
// The tests are split by area: store_conformance.cc (clients, signing keys, settings,
// operations), orgs_conformance.cc (organizations, domains, connections), auth_conformance.cc
// (users, memberships, sessions), auth_expiring_conformance.cc (passwordless challenges,
// rate limits, authorization codes, DeleteExpired), login_conformance.cc (CompleteLogin) and
// tokens_conformance.cc and tokens_revocation_conformance.cc (grants, refresh and access
// tokens, EndSession, the clients' token fields; helpers in tokens_fixture.h).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace gatehouse::store {

// Readable values in gtest failure messages.
void PrintTo(const Client& client, std::ostream* os);
void PrintTo(const SigningKeyRecord& key, std::ostream* os);
void PrintTo(const Organization& org, std::ostream* os);
void PrintTo(const Domain& domain, std::ostream* os);
void PrintTo(const Connection& connection, std::ostream* os);
void PrintTo(const User& user, std::ostream* os);
void PrintTo(const Membership& membership, std::ostream* os);
void PrintTo(const Session& session, std::ostream* os);
void PrintTo(const EmailChallenge& challenge, std::ostream* os);
void PrintTo(const RateLimitResult& result, std::ostream* os);
void PrintTo(const AuthorizationCode& code, std::ostream* os);
void PrintTo(const Grant& grant, std::ostream* os);
void PrintTo(const RefreshToken& token, std::ostream* os);

}  // namespace gatehouse::store

namespace gatehouse::store::testing {

inline const Status& ToStatus(const Status& status) { return status; }
template <typename T>
Status ToStatus(const Result<T>& result) {
  return result.status();
}

// The status code's name, so that a failed comparison prints "NOT_FOUND" rather than a number.
inline std::string CodeName(StatusCode code) { return std::string(StatusCodeName(code)); }

using StoreFactory = std::function<std::unique_ptr<gatehouse::store::Store>()>;

// How many threads the concurrency tests run at once.
inline constexpr int kThreads = 8;

// Runs fn(thread_index) on kThreads threads, released together, and waits for them.
template <typename Fn>
void RunConcurrently(Fn fn) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&go, &fn, t] {
      while (!go.load()) std::this_thread::yield();
      fn(t);
    });
  }
  go = true;
  for (auto& th : threads) th.join();
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;

  Store& store() { return *store_; }

  std::unique_ptr<Store> store_;
};

}  // namespace gatehouse::store::testing

// ASSERT_OK(expr) / EXPECT_OK(expr): expr yields a Status or Result<T> that must be OK; a failure
// prints the status. EXPECT_CODE(expr, kCode): expr fails with StatusCode::kCode.
#define GH_STORE_STATUS_(expr) ::gatehouse::store::testing::ToStatus(expr)
#define ASSERT_OK(expr)                                        \
  do {                                                         \
    const ::gatehouse::Status gh_st_ = GH_STORE_STATUS_(expr); \
    ASSERT_TRUE(gh_st_.ok()) << gh_st_.ToString();             \
  } while (0)
#define EXPECT_OK(expr)                                        \
  do {                                                         \
    const ::gatehouse::Status gh_st_ = GH_STORE_STATUS_(expr); \
    EXPECT_TRUE(gh_st_.ok()) << gh_st_.ToString();             \
  } while (0)
#define EXPECT_CODE(expr, expected)                                                     \
  do {                                                                                  \
    const ::gatehouse::Status gh_st_ = GH_STORE_STATUS_(expr);                          \
    EXPECT_EQ(::gatehouse::store::testing::CodeName(gh_st_.code()),                     \
              ::gatehouse::store::testing::CodeName(::gatehouse::StatusCode::expected)) \
        << gh_st_.ToString();                                                           \
  } while (0)
// ASSERT_OK_AND_ASSIGN(lhs, expr): expr yields a Result<T> that must be OK; moves it into lhs.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(GH_CONCAT_(gh_assign_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)  \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
