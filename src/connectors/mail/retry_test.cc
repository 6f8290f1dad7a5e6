#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <vector>

#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

using std::chrono::milliseconds;

// Answers Send with the scripted statuses in order (OK once they run out) and counts calls.
class ScriptedMailer final : public Mailer {
 public:
  ScriptedMailer(std::deque<Status> script, int* calls) : script_(std::move(script)), calls_(calls) {}
  Status Send(const Message&) override {
    ++*calls_;
    if (script_.empty()) return Status::Ok();
    Status s = script_.front();
    script_.pop_front();
    return s;
  }

 private:
  std::deque<Status> script_;
  int* calls_;
};

struct Harness {
  int calls = 0;
  std::vector<milliseconds> sleeps;
  std::unique_ptr<Mailer> mailer;

  Harness(std::deque<Status> script, RetryPolicy policy = {}) {
    mailer = NewRetryingMailer(std::make_unique<ScriptedMailer>(std::move(script), &calls), policy,
                               [this](milliseconds d) { sleeps.push_back(d); });
  }
  Status Send() { return mailer->Send({"user@example.com", "s", "t", ""}); }
};

TEST(RetryingMailerTest, TransientFailuresAreRetriedWithBackoff) {
  Harness h({UnavailableError("down"), UnavailableError("down"), UnavailableError("still down")});
  Status s = h.Send();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "still down (gave up after 3 attempts)");
  EXPECT_EQ(h.calls, 3);
  EXPECT_EQ(h.sleeps, (std::vector<milliseconds>{milliseconds(200), milliseconds(600)}));
}

TEST(RetryingMailerTest, SuccessStopsRetrying) {
  Harness h({UnavailableError("greylisted")});
  EXPECT_TRUE(h.Send().ok());
  EXPECT_EQ(h.calls, 2);
  EXPECT_EQ(h.sleeps, (std::vector<milliseconds>{milliseconds(200)}));

  Harness first({});
  EXPECT_TRUE(first.Send().ok());
  EXPECT_EQ(first.calls, 1);
  EXPECT_TRUE(first.sleeps.empty());
}

TEST(RetryingMailerTest, PermanentFailuresAreNotRetried) {
  for (Status permanent : {InvalidArgumentError("recipient rejected"), PermissionDeniedError("relay denied"),
                           UnauthenticatedError("bad password"), FailedPreconditionError("no STARTTLS"),
                           InternalError("curl")}) {
    Harness h({permanent, UnavailableError("never reached")});
    Status s = h.Send();
    EXPECT_EQ(s.code(), permanent.code());
    EXPECT_EQ(s.message(), permanent.message()) << "returned as it is";
    EXPECT_EQ(h.calls, 1);
    EXPECT_TRUE(h.sleeps.empty());
  }
}

TEST(RetryingMailerTest, APermanentFailureAfterATransientOneEndsTheLoop) {
  Harness h({UnavailableError("timeout"), InvalidArgumentError("recipient rejected"), Status::Ok()});
  EXPECT_EQ(h.Send().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.calls, 2);
  EXPECT_EQ(h.sleeps.size(), 1u);
}

TEST(RetryingMailerTest, PolicyIsFollowed) {
  Harness h({UnavailableError("a"), UnavailableError("b"), UnavailableError("c"), UnavailableError("d"),
             UnavailableError("e")},
            RetryPolicy{.attempts = 5, .first_backoff = milliseconds(100), .multiplier = 1.5});
  EXPECT_EQ(h.Send().code(), StatusCode::kUnavailable);
  EXPECT_EQ(h.calls, 5);
  EXPECT_EQ(h.sleeps, (std::vector<milliseconds>{milliseconds(100), milliseconds(150), milliseconds(225),
                                                 milliseconds(338)}));
}

TEST(RetryingMailerTest, DegeneratePoliciesStillSendOnce) {
  Harness none({UnavailableError("down")}, RetryPolicy{.attempts = 0});
  EXPECT_EQ(none.Send().message(), "down") << "one attempt: nothing to add";
  EXPECT_EQ(none.calls, 1);
  EXPECT_TRUE(none.sleeps.empty());

  Harness shrinking({UnavailableError("a"), UnavailableError("b")},
                    RetryPolicy{.attempts = 3, .first_backoff = milliseconds(50), .multiplier = 0.1});
  EXPECT_TRUE(shrinking.Send().ok());
  EXPECT_EQ(shrinking.sleeps, (std::vector<milliseconds>{milliseconds(50), milliseconds(50)}));
}

}  // namespace
}  // namespace gatehouse::connectors::mail
