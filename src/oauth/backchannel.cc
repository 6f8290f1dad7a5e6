// The back-channel notifier's worker: one thread that sleeps on the condition variable until
// the earliest due delivery in the store, a new Enqueue, the stop or the poll interval, and
// makes one attempt at a time with the lock released. No sleep loops: every wait is a
// wait_until with a reason to wake.
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

BackchannelNotifier::BackchannelNotifier(const TokenIssuer& tokens, store::Store& store, const Clock& clock, Post post,
                                         BackchannelPolicy policy)
    : tokens_(tokens),
      store_(store),
      clock_(clock),
      post_(std::move(post)),
      policy_(std::move(policy)),
      thread_([this] { Run(); }) {}

BackchannelNotifier::~BackchannelNotifier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::int64_t BackchannelNotifier::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch()).count();
}

Status BackchannelNotifier::Enqueue(const LogoutNotice& notice) {
  Result<std::int64_t> id = store_.EnqueueLogoutDelivery({.client_id = notice.client_id,
                                                          .uri = notice.uri,
                                                          .user_id = notice.user_id,
                                                          .session_id = notice.session_id,
                                                          .attempts = 0,
                                                          .next_at_ms = NowMs(),
                                                          .created_at = clock_.NowSeconds()});
  if (!id.ok()) return id.error();
  {
    std::lock_guard lock(mu_);
    kicked_ = true;
  }
  cv_.notify_all();
  return Status::Ok();
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
    kicked_ = false;
    // The store is read and the attempts made unlocked: Enqueue and stats() never wait on them.
    lock.unlock();
    const Result<std::optional<std::int64_t>> next = DeliverDue(drain_until);
    lock.lock();
    if (kicked_ && !drain_until) continue;  // enqueued meanwhile: due now
    const SteadyClock::time_point now = SteadyClock::now();
    std::optional<SteadyClock::time_point> due;  // of the next delivery, when the store said
    if (next.ok() && next->has_value()) {
      due = now + std::chrono::milliseconds(std::max<std::int64_t>(0, **next - NowMs()));
    }
    // Stopping: done when nothing left can still be tried before the deadline.
    if (drain_until && (!due || *due >= *drain_until)) break;
    // Wakes at the next due time (or the poll), earlier for an Enqueue or the stop.
    const SteadyClock::time_point wake = due ? std::min(*due, now + policy_.poll) : now + policy_.poll;
    cv_.wait_until(lock, wake, [&] { return kicked_ || (stop_ && !drain_until); });
  }
  lock.unlock();
  // What is left waits in the store for the next start (or another node).
  Result<std::optional<std::int64_t>> left = store_.NextLogoutDeliveryAt();
  if (left.ok() && left->has_value()) {
    log::Info("back-channel logout: deliveries left in the store for the next start", {});
  }
}

Result<std::optional<std::int64_t>> BackchannelNotifier::DeliverDue(std::optional<SteadyClock::time_point> deadline) {
  const auto claim = static_cast<std::int64_t>(policy_.claim.count());
  for (;;) {
    if (deadline && SteadyClock::now() >= *deadline) return store_.NextLogoutDeliveryAt();
    Result<std::vector<store::LogoutDelivery>> claimed = store_.ClaimLogoutDeliveries(NowMs(), claim, 1);
    if (!claimed.ok()) {
      log::Warn("back-channel logout: the store failed", {{"error", std::string_view(claimed.error().message())}});
      return claimed.error();
    }
    if (claimed->empty()) return store_.NextLogoutDeliveryAt();
    Deliver(claimed->front());
  }
}

void BackchannelNotifier::Deliver(const store::LogoutDelivery& d) {
  const Status result = Attempt(tokens_, post_, {.client_id = d.client_id, .uri = d.uri, .user_id = d.user_id,
                                                 .session_id = d.session_id});
  const int attempts = d.attempts + 1;  // made so far
  const bool retry = !result.ok() && static_cast<std::size_t>(attempts) <= policy_.delays.size();
  if (!result.ok()) {
    log::Warn(retry ? "back-channel logout failed; will retry" : "back-channel logout failed; dropped",
              {{"client_id", std::string_view(d.client_id)},
               {"attempt", static_cast<std::int64_t>(attempts)},
               {"error", std::string_view(result.message())}});
  }
  // A store error here leaves the delivery claimed: it is attempted again when the claim ends.
  const Status done = retry ? store_.RescheduleLogoutDelivery(
                                  d.id, attempts, NowMs() + policy_.delays[attempts - 1].count())
                            : store_.DeleteLogoutDelivery(d.id);
  if (!done.ok() && done.code() != StatusCode::kNotFound) {
    log::Warn("back-channel logout: the store failed", {{"error", std::string_view(done.message())}});
  }
  std::lock_guard lock(mu_);
  if (result.ok()) {
    ++stats_.delivered;
    return;
  }
  ++stats_.failed_attempts;
  if (!retry) ++stats_.dropped;
}

}  // namespace gatehouse::oauth
