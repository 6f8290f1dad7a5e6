// The notifier with a scripted Post (the unit level: no sockets; the e2e suite uses a real
// receiver). Delays are milliseconds, and every wait is for a condition with a generous deadline.
#include "oauth/backchannel.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/log.h"

namespace gatehouse::oauth {
namespace {

using std::chrono::milliseconds;

constexpr const char* kIssuer = "https://auth.example.com";
constexpr const char* kEvent = "http://schemas.openid.net/event/backchannel-logout";

// Answers each call with the next scripted answer (the last one repeats) and records the calls.
class ScriptedPost {
 public:
  struct Call {
    std::string url, body;
  };

  explicit ScriptedPost(std::vector<Result<int>> answers) : answers_(std::move(answers)) {}

  BackchannelNotifier::Post Fn() {
    return [this](const std::string& url, const std::string& body) -> Result<int> {
      std::lock_guard lock(mu_);
      calls_.push_back({url, body});
      return answers_[std::min(calls_.size(), answers_.size()) - 1];
    };
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  const std::vector<Result<int>> answers_;
  std::vector<Call> calls_;
};

// Polls `done` until it holds or 10 s pass (far longer than any test here needs).
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// The string at `key` ("<missing>" when absent or not a string).
std::string Str(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "<missing>";
}

// The JSON of one base64url part of a JWT.
boost::json::object Part(const std::string& jwt, int index) {
  std::size_t begin = 0;
  for (int i = 0; i < index; ++i) begin = jwt.find('.', begin) + 1;
  const std::string_view part = std::string_view(jwt).substr(begin, jwt.find('.', begin) - begin);
  std::optional<std::string> json = Base64UrlDecode(part);
  if (!json) {
    ADD_FAILURE() << "not base64url: " << part;
    return {};
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*json, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << *json;
    return {};
  }
  return v.as_object();
}

class BackchannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite::memory:", {.create_if_missing = true});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(s).value();
    keys_ = std::make_unique<KeyManager>(*store_, std::string(32, 'm'), clock_, random_,
                                         KeyPolicy{.alg = crypto::JwsAlg::kES256});  // fast to generate
    ASSERT_TRUE(keys_->EnsureKeys().ok());
    tokens_ = std::make_unique<TokenIssuer>(*keys_, kIssuer, clock_, random_, TokenPolicy{});
  }

  static LogoutNotice Notice(std::string client = "skc_app") {
    return {.client_id = std::move(client),
            .uri = "https://app.example.com/backchannel?tenant=1",
            .user_id = "usr_1",
            .session_id = "ses_1"};
  }

  // The JWT of a posted body, which must be exactly "logout_token=<jwt>".
  static std::string Jwt(const std::string& body) {
    constexpr std::string_view kPrefix = "logout_token=";
    EXPECT_EQ(body.substr(0, kPrefix.size()), kPrefix) << body;
    std::string jwt = body.substr(std::min(body.size(), kPrefix.size()));
    EXPECT_EQ(jwt.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
              std::string::npos)
        << "a JWT needs no form escaping: " << jwt;
    return jwt;
  }

  // Deliveries left in the store, claimed (as if by another node) so that they are gone.
  std::vector<store::LogoutDelivery> TakeAll() {
    auto all = store_->ClaimLogoutDeliveries(std::numeric_limits<std::int64_t>::max() / 2, 1, 1000);
    EXPECT_TRUE(all.ok());
    return all.ok() ? *all : std::vector<store::LogoutDelivery>{};
  }

  std::unique_ptr<store::Store> store_;
  FakeClock clock_;                               // the tokens' times
  const Clock& wall_ = SystemClock::Instance();  // the notifier's: its waits are real
  FakeRandom random_;
  std::unique_ptr<KeyManager> keys_;
  std::unique_ptr<TokenIssuer> tokens_;
};

TEST_F(BackchannelTest, DeliversOnTheFirstTry) {
  ScriptedPost post({200});
  BackchannelNotifier notifier(*tokens_, *store_, wall_, post.Fn(), {.delays = {milliseconds(1)}});
  ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
  ASSERT_TRUE(WaitFor([&] { return notifier.stats().delivered == 1; }));
  const auto calls = post.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].url, "https://app.example.com/backchannel?tenant=1");
  const auto stats = notifier.stats();
  EXPECT_EQ(stats.failed_attempts, 0u);
  EXPECT_EQ(stats.dropped, 0u);
}

TEST_F(BackchannelTest, DeliversManyFromSeveralThreads) {
  ScriptedPost post({204});
  BackchannelNotifier notifier(*tokens_, *store_, wall_, post.Fn(), {.delays = {milliseconds(1)}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE(notifier.Enqueue(Notice("skc_" + std::to_string(t * 10 + i))).ok());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(WaitFor([&] { return notifier.stats().delivered == 20; })) << notifier.stats().delivered;
  std::set<std::string> audiences;
  for (const auto& call : post.calls()) audiences.insert(boost::json::serialize(Part(Jwt(call.body), 1)["aud"]));
  EXPECT_EQ(audiences.size(), 20u) << "each client got its own token";
}

TEST_F(BackchannelTest, RetriesAFailureAndDeliversOnTheSecondTry) {
  for (Result<int> first : {Result<int>(500), Result<int>(302), Result<int>(UnavailableError("connection refused"))}) {
    ScriptedPost post({std::move(first), 200});
    BackchannelNotifier notifier(*tokens_, *store_, wall_, post.Fn(), {.delays = {milliseconds(5), milliseconds(5)}});
    ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
    ASSERT_TRUE(WaitFor([&] { return notifier.stats().delivered == 1; }));
    EXPECT_EQ(post.calls().size(), 2u);
    const auto stats = notifier.stats();
    EXPECT_EQ(stats.failed_attempts, 1u);
    EXPECT_EQ(stats.dropped, 0u);
  }
}

TEST_F(BackchannelTest, DropsAfterEveryRetryFailedWithAFreshTokenEachTime) {
  ScriptedPost post({503});
  BackchannelNotifier notifier(*tokens_, *store_, wall_, post.Fn(), {.delays = {milliseconds(1), milliseconds(5), milliseconds(10)}});
  ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
  ASSERT_TRUE(WaitFor([&] { return notifier.stats().dropped == 1; }));
  const auto calls = post.calls();
  ASSERT_EQ(calls.size(), 4u) << "the first attempt and one per delay";
  const auto stats = notifier.stats();
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.failed_attempts, 4u);
  std::set<std::string> jtis;
  for (const auto& call : calls) jtis.insert(Str(Part(Jwt(call.body), 1), "jti"));
  EXPECT_EQ(jtis.size(), 4u) << "a retry is not refused as a replayed jti";
}

TEST_F(BackchannelTest, AnExceptionFromPostIsAFailedAttempt) {
  int calls = 0;
  BackchannelNotifier notifier(*tokens_, *store_, wall_,
                               [&calls](const std::string&, const std::string&) -> Result<int> {
                                 if (++calls == 1) throw std::runtime_error("boom");
                                 return 200;
                               },
                               {.delays = {milliseconds(1)}});
  ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
  ASSERT_TRUE(WaitFor([&] { return notifier.stats().delivered == 1; }));
  EXPECT_EQ(notifier.stats().failed_attempts, 1u);
}

TEST_F(BackchannelTest, PostsASignedLogoutToken) {
  ScriptedPost post({200});
  {
    BackchannelNotifier notifier(*tokens_, *store_, wall_, post.Fn());
    ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
    ASSERT_TRUE(WaitFor([&] { return notifier.stats().delivered == 1; }));
  }
  const std::string jwt = Jwt(post.calls().at(0).body);
  EXPECT_EQ(Str(Part(jwt, 0), "typ"), "logout+jwt");
  boost::json::object claims = Part(jwt, 1);
  EXPECT_EQ(Str(claims, "iss"), kIssuer);
  EXPECT_EQ(boost::json::serialize(claims["aud"]), R"(["skc_app"])") << "always an array";
  EXPECT_EQ(Str(claims, "sub"), "usr_1");
  EXPECT_EQ(Str(claims, "sid"), "ses_1");
  EXPECT_EQ(Str(claims, "jti").substr(0, 4), "tkn_");
  EXPECT_EQ(boost::json::serialize(claims["iat"]), std::to_string(clock_.NowSeconds()));
  EXPECT_EQ(boost::json::serialize(claims["exp"]),
            std::to_string(clock_.NowSeconds() + TokenPolicy{}.logout_token_lifetime));
  EXPECT_EQ(boost::json::serialize(claims["events"]), std::string(R"({")") + kEvent + R"(":{}})");
  EXPECT_FALSE(claims.contains("nonce")) << "OIDC Back-Channel Logout 1.0 §2.4 forbids it";
  EXPECT_TRUE(tokens_->Verify(jwt, "logout+jwt").ok()) << "signed by a published key";
}

TEST_F(BackchannelTest, TheDestructorDeliversWhatIsDueWithinDrain) {
  ScriptedPost post({200});
  {
    BackchannelNotifier notifier(*tokens_, *store_, wall_, post.Fn(), {.delays = {milliseconds(1)}, .drain = std::chrono::seconds(10)});
    ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
  }  // possibly before the worker looked at the queue: the delivery still goes out
  EXPECT_EQ(post.calls().size(), 1u);
}

TEST_F(BackchannelTest, TheDestructorReturnsWithinDrainAndLeavesTheRestInTheStore) {
  // Capture warnings to check what they say (and what they do not).
  std::FILE* captured = std::tmpfile();
  ASSERT_NE(captured, nullptr);
  log::Init({.level = log::Level::kWarn, .format = log::Format::kJson, .fd = ::fileno(captured)});

  ScriptedPost post({500});
  const milliseconds drain(300);
  auto notifier = std::make_unique<BackchannelNotifier>(
      *tokens_, *store_, wall_, post.Fn(),
      BackchannelPolicy{.delays = std::vector<milliseconds>(1000, milliseconds(20)), .drain = drain});
  ASSERT_TRUE(notifier->Enqueue(Notice()).ok());
  ASSERT_TRUE(WaitFor([&] { return notifier->stats().failed_attempts >= 1; }));
  // Retries keep failing every 20 ms, for 20 s in all; the destructor gives them `drain` only.
  const auto start = std::chrono::steady_clock::now();
  notifier.reset();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, drain + std::chrono::seconds(2)) << "generous for a loaded machine, far below 20 s";
  EXPECT_GE(post.calls().size(), 2u) << "attempts continued while draining";
  // The delivery waits in the store for the next start, its attempts counted.
  std::vector<store::LogoutDelivery> left = TakeAll();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].client_id, "skc_app");
  EXPECT_EQ(static_cast<std::size_t>(left[0].attempts), post.calls().size());
  ASSERT_TRUE(store_->DeleteLogoutDelivery(left[0].id).ok());

  // A retry due only after the drain ends is not waited for.
  auto later = std::make_unique<BackchannelNotifier>(
      *tokens_, *store_, wall_, post.Fn(), BackchannelPolicy{.delays = {std::chrono::seconds(60)}, .drain = std::chrono::seconds(30)});
  ASSERT_TRUE(later->Enqueue(Notice("skc_later")).ok());
  ASSERT_TRUE(WaitFor([&] { return later->stats().failed_attempts == 1; }));
  const auto start_later = std::chrono::steady_clock::now();
  later.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start_later, std::chrono::seconds(5));
  EXPECT_EQ(TakeAll().size(), 1u) << "skc_later waits in the store";

  log::Shutdown();
  log::Init({});  // back to the defaults (stderr) for the tests that follow
  log::Shutdown();
  std::string text;
  std::rewind(captured);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, captured)) > 0;) text.append(buf, n);
  std::fclose(captured);

  EXPECT_NE(text.find(R"("msg":"back-channel logout failed; will retry","client_id":"skc_app","attempt":1,)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("client_id":"skc_later")"), std::string::npos) << text;
  for (const auto& call : post.calls()) {
    EXPECT_EQ(text.find(Jwt(call.body)), std::string::npos) << "a token was logged";
  }
  EXPECT_EQ(text.find("logout_token"), std::string::npos);
  EXPECT_EQ(text.find("tenant=1"), std::string::npos) << "nor the URI's query";
}

TEST_F(BackchannelTest, ADeliveryPendingAtShutdownIsMadeByTheNextStart) {
  ScriptedPost down({503});
  {
    BackchannelNotifier notifier(*tokens_, *store_, wall_, down.Fn(),
                                 {.delays = {milliseconds(50), milliseconds(50)}, .drain = milliseconds(0)});
    ASSERT_TRUE(notifier.Enqueue(Notice()).ok());
    ASSERT_TRUE(WaitFor([&] { return notifier.stats().failed_attempts >= 1; }));
  }  // stops with the retry pending
  const std::size_t failed = down.calls().size();
  ASSERT_GE(failed, 1u);

  ScriptedPost up({200});
  BackchannelNotifier restarted(*tokens_, *store_, wall_, up.Fn(), {.delays = {milliseconds(50), milliseconds(50)}});
  ASSERT_TRUE(WaitFor([&] { return restarted.stats().delivered == 1; }));
  const auto calls = up.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].url, "https://app.example.com/backchannel?tenant=1");
  EXPECT_EQ(Str(Part(Jwt(calls[0].body), 1), "sid"), "ses_1");
  EXPECT_EQ(down.calls().size(), failed) << "the stopped notifier made no attempt after it stopped";
  auto next = store_->NextLogoutDeliveryAt();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, std::nullopt) << "delivered: removed from the store";
}

TEST_F(BackchannelTest, ADeliveryClaimedByANodeThatDiedIsTakenWhenTheClaimEnds) {
  // Another node claimed the delivery for 300 ms and died before attempting it.
  const auto now_ms = [this] {
    return std::chrono::duration_cast<milliseconds>(wall_.Now().time_since_epoch()).count();
  };
  ASSERT_TRUE(store_->EnqueueLogoutDelivery({.client_id = "skc_app",
                                             .uri = "https://app.example.com/backchannel?tenant=1",
                                             .user_id = "usr_1",
                                             .session_id = "ses_1",
                                             .next_at_ms = now_ms()})
                  .ok());
  auto claimed = store_->ClaimLogoutDeliveries(now_ms(), 300, 1);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  const std::int64_t claim_end = now_ms() + 300;

  std::int64_t posted_at = 0;
  BackchannelNotifier notifier(*tokens_, *store_, wall_,
                               [&](const std::string&, const std::string&) -> Result<int> {
                                 posted_at = now_ms();
                                 return 200;
                               },
                               {.delays = {milliseconds(1)}, .poll = milliseconds(20)});
  ASSERT_TRUE(WaitFor([&] { return notifier.stats().delivered == 1; }));
  EXPECT_GE(posted_at + 1, claim_end) << "not attempted while the other node's claim held";
}

}  // namespace
}  // namespace gatehouse::oauth
