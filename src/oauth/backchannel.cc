// The back-channel notifier's worker: one thread that sleeps on the condition variable until
// the earliest due delivery, a new Enqueue or the stop, and makes one attempt at a time with the
// lock released. No sleep loops: every wait is a wait_until with a reason to wake.
#include "oauth/backchannel.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "common/log.h"
#include "common/url.h"

namespace gatehouse::oauth {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One attempt: a logout token signed now (its iat and exp, and a fresh jti, so that a retry is
// not refused as a replay), POSTed as a form. The error text is for the log and never holds the
// token (nor the URI, whose query we do not log).
Status Attempt(const TokenIssuer& tokens, const BackchannelNotifier::Post& post, const LogoutNotice& n) {
  Result<IssuedToken> token = tokens.LogoutToken(n.client_id, n.user_id, n.session_id);
  if (!token.ok()) return token.error();
  Result<int> status = [&]() -> Result<int> {
    // `post` runs on this thread, which must not die of an exception (STYLE.md §2.4: they
    // never cross an async boundary): it counts as a failed attempt instead.
    try {
      return post(n.uri, "logout_token=" + PercentEncode(token->jwt));
    } catch (const std::exception& e) {
      return InternalError(std::string("post threw: ") + e.what());
    } catch (...) {
      return InternalError("post threw");
    }
  }();
  if (!status.ok()) return status.error();
  // OIDC Back-Channel Logout 1.0 §2.8: 200 OK (204 also seen in practice) means done.
  if (*status != 200 && *status != 204) return UnavailableError("HTTP status " + std::to_string(*status));
  return Status::Ok();
}

}  // namespace

BackchannelNotifier::BackchannelNotifier(const TokenIssuer& tokens, Post post, BackchannelPolicy policy)
    : tokens_(tokens), post_(std::move(post)), policy_(std::move(policy)), thread_([this] { Run(); }) {}

BackchannelNotifier::~BackchannelNotifier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackchannelNotifier::Enqueue(LogoutNotice notice) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Pending{std::move(notice), 0, SteadyClock::now()});
  }
  cv_.notify_all();
}

BackchannelNotifier::Stats BackchannelNotifier::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void BackchannelNotifier::Run() {
  std::unique_lock lock(mu_);
  // Set once stop_ is seen: the end of the grace period the destructor gives.
  std::optional<SteadyClock::time_point> drain_until;
  for (;;) {
    if (stop_ && !drain_until) drain_until = SteadyClock::now() + policy_.drain;
    // The earliest due delivery; the first enqueued among equals, so order is kept.
    auto next = std::min_element(queue_.begin(), queue_.end(),
                                 [](const Pending& a, const Pending& b) { return a.due < b.due; });
    if (drain_until) {
      // Stopping: done when nothing is left that can still be tried before the deadline.
      if (next == queue_.end() || next->due >= *drain_until) break;
    } else if (next == queue_.end()) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      continue;
    }
    if (next->due > SteadyClock::now()) {
      // Wakes at the due time, or earlier for an Enqueue (maybe due sooner) or the stop.
      const SteadyClock::time_point due = next->due;
      cv_.wait_until(lock, due);
      continue;
    }
    Pending p = std::move(*next);
    queue_.erase(next);
    // The attempt and the log line run unlocked: Enqueue and stats() never wait on the network.
    lock.unlock();
    const Status result = Attempt(tokens_, post_, p.notice);
    ++p.attempt;  // attempts made so far
    const bool retry = !result.ok() && p.attempt <= policy_.delays.size();
    if (!result.ok()) {
      log::Warn(retry ? "back-channel logout failed; will retry" : "back-channel logout failed; dropped",
                {{"client_id", std::string_view(p.notice.client_id)},
                 {"attempt", static_cast<std::int64_t>(p.attempt)},
                 {"error", std::string_view(result.message())}});
    }
    lock.lock();
    if (result.ok()) {
      ++stats_.delivered;
      continue;
    }
    ++stats_.failed_attempts;
    if (retry) {
      p.due = SteadyClock::now() + policy_.delays[p.attempt - 1];
      queue_.push_back(std::move(p));
    } else {
      ++stats_.dropped;
    }
  }
  const std::size_t lost = queue_.size();
  lock.unlock();
  if (lost > 0) {
    log::Warn("back-channel logout: deliveries lost at shutdown", {{"count", static_cast<std::int64_t>(lost)}});
  }
}

}  // namespace gatehouse::oauth
