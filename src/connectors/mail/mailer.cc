// The two transports that wrap or replace SMTP: the development log mailer and the retry loop.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "connectors/mail/internal.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

class LogMailer final : public Mailer {
 public:
  explicit LogMailer(std::function<void(std::string_view)> write) : write_(std::move(write)) {}

  Status Send(const Message& message) override {
    RETURN_IF_ERROR(internal::CheckMessage(message));
    // One block per message, built first: with one `write` call, two threads' messages cannot
    // interleave line by line in the log.
    std::string block = "To: " + message.to + "\nSubject: " + message.subject + "\n\n" + message.text;
    if (block.back() != '\n') block += '\n';
    write_(block);
    return Status::Ok();
  }

 private:
  const std::function<void(std::string_view)> write_;
};

class RetryingMailer final : public Mailer {
 public:
  RetryingMailer(std::unique_ptr<Mailer> inner, RetryPolicy policy,
                 std::function<void(std::chrono::milliseconds)> sleep)
      : inner_(std::move(inner)), policy_(policy), sleep_(std::move(sleep)) {
    policy_.attempts = std::max(policy_.attempts, 1);
    policy_.multiplier = std::max(policy_.multiplier, 1.0);
  }

  Status Send(const Message& message) override {
    // The backoff is kept in double milliseconds so that a multiplier like 1.5 compounds exactly;
    // it is rounded only when handed to `sleep`.
    double backoff_ms = static_cast<double>(policy_.first_backoff.count());
    for (int attempt = 1;; ++attempt) {
      Status status = inner_->Send(message);
      if (status.ok() || status.code() != StatusCode::kUnavailable) return status;
      if (attempt >= policy_.attempts) {
        if (attempt == 1) return status;
        return Status(status.code(), status.message() + " (gave up after " + std::to_string(attempt) + " attempts)");
      }
      sleep_(std::chrono::milliseconds(static_cast<std::int64_t>(backoff_ms + 0.5)));
      backoff_ms *= policy_.multiplier;
    }
  }

 private:
  const std::unique_ptr<Mailer> inner_;
  RetryPolicy policy_;
  const std::function<void(std::chrono::milliseconds)> sleep_;
};

}  // namespace

std::unique_ptr<Mailer> NewLogMailer(std::function<void(std::string_view)> write) {
  return std::make_unique<LogMailer>(std::move(write));
}

std::unique_ptr<Mailer> NewRetryingMailer(std::unique_ptr<Mailer> inner, RetryPolicy policy,
                                          std::function<void(std::chrono::milliseconds)> sleep) {
  return std::make_unique<RetryingMailer>(std::move(inner), policy, std::move(sleep));
}

}  // namespace gatehouse::connectors::mail
