// OIDC Back-Channel Logout 1.0: when a browser session ends, every client that holds tokens
// from it and registered a backchannel_logout_uri gets a signed logout token
// (TokenIssuer::LogoutToken) POSTed as `logout_token=...` (form body).
//
// Delivery is asynchronous, on the notifier's own thread, so logout never waits for a slow
// client: a delivery that fails (no answer, a timeout, a status other than 200 or 204) is retried
// after each of BackchannelPolicy::delays, then dropped with a log line. Deliveries wait in the
// store (store::LogoutDelivery), not in memory: those pending when the server stops are taken up
// by the next start, and with several nodes on one store, by any of them. An attempt claims its
// delivery for `claim`, so that no other node attempts it meanwhile; a node that dies mid-attempt
// leaves it to the others once the claim ends. A delivery may therefore arrive twice (at least
// once; each attempt carries a fresh jti).
//
// Thread safety: Enqueue may be called from any thread. The destructor stops the thread after
// giving due deliveries `drain` to finish; the others stay in the store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "oauth/tokens.h"
#include "store/store.h"

namespace gatehouse::oauth {

struct LogoutNotice {
  std::string client_id;
  std::string uri;  // the client's backchannel_logout_uri
  std::string user_id;
  std::string session_id;
};

struct BackchannelPolicy {
  // Waits before the 2nd, 3rd ... attempt; the size is the number of retries.
  std::vector<std::chrono::milliseconds> delays{std::chrono::seconds(1), std::chrono::seconds(5),
                                                std::chrono::seconds(30), std::chrono::seconds(120)};
  std::chrono::milliseconds drain{2000};
  // How long an attempt hides its delivery from other nodes: longer than an attempt can take
  // (the POST's timeout, plus signing).
  std::chrono::milliseconds claim{std::chrono::minutes(2)};
  // How often the store is read without a local reason: for deliveries another node enqueued
  // and left behind, and after the store failed.
  std::chrono::milliseconds poll{std::chrono::seconds(10)};
};

class BackchannelNotifier {
 public:
  // Posts `form_body` to `url`; returns the HTTP status, or an error when no answer came.
  using Post = std::function<Result<int>(const std::string& url, const std::string& form_body)>;

  // `clock` gives the wall-clock times kept in the store (due times, claims).
  BackchannelNotifier(const TokenIssuer& tokens, store::Store& store, const Clock& clock, Post post,
                      BackchannelPolicy policy = {});
  ~BackchannelNotifier();
  BackchannelNotifier(const BackchannelNotifier&) = delete;
  BackchannelNotifier& operator=(const BackchannelNotifier&) = delete;

  // Stores the delivery, due now, and wakes the worker. An error when the store refused it:
  // then it will not be delivered.
  Status Enqueue(const LogoutNotice& notice);

  // Counters, for tests and /metrics: delivered, failed attempts, dropped after the last retry.
  struct Stats {
    std::uint64_t delivered = 0, failed_attempts = 0, dropped = 0;
  };
  Stats stats() const;

 private:
  void Run();
  // Claims and attempts due deliveries, one at a time, until none is due or `deadline` passes.
  // Returns when the next one is due (Unix ms; nullopt when none is queued), or the store's error.
  Result<std::optional<std::int64_t>> DeliverDue(std::optional<std::chrono::steady_clock::time_point> deadline);
  // One attempt at a claimed delivery, then its removal or its next due time.
  void Deliver(const store::LogoutDelivery& delivery);
  std::int64_t NowMs() const;

  const TokenIssuer& tokens_;
  store::Store& store_;
  const Clock& clock_;
  Post post_;
  BackchannelPolicy policy_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Stats stats_;         // guarded by mu_
  bool kicked_ = false; // an Enqueue since the worker last read the store; guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace gatehouse::oauth
