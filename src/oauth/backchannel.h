// OIDC Back-Channel Logout 1.0: when a browser session ends, every client that holds tokens
// from it and registered a backchannel_logout_uri gets a signed logout token
// (TokenIssuer::LogoutToken) POSTed as `logout_token=...` (form body).
//
// Delivery is asynchronous, on the notifier's own thread, so logout never waits for a slow
// client: a delivery that fails (no answer, a timeout, a status other than 200 or 204) is retried
// after each of RetryPolicy::delays, then dropped with a log line. Deliveries live in memory:
// those pending when the server stops are lost (logged).
//
// Thread safety: Enqueue may be called from any thread. The destructor stops the thread after
// giving pending deliveries `drain` to finish.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "oauth/tokens.h"

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
};

class BackchannelNotifier {
 public:
  // Posts `form_body` to `url`; returns the HTTP status, or an error when no answer came.
  using Post = std::function<Result<int>(const std::string& url, const std::string& form_body)>;

  BackchannelNotifier(const TokenIssuer& tokens, Post post, BackchannelPolicy policy = {});
  ~BackchannelNotifier();
  BackchannelNotifier(const BackchannelNotifier&) = delete;
  BackchannelNotifier& operator=(const BackchannelNotifier&) = delete;

  void Enqueue(LogoutNotice notice);

  // Counters, for tests and /metrics: delivered, failed attempts, dropped after the last retry.
  struct Stats {
    std::uint64_t delivered = 0, failed_attempts = 0, dropped = 0;
  };
  Stats stats() const;

 private:
  struct Pending {
    LogoutNotice notice;
    std::size_t attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  void Run();

  const TokenIssuer& tokens_;
  Post post_;
  BackchannelPolicy policy_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  Stats stats_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gatehouse::oauth
