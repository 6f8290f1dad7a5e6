// How the transport talks to a server, shown with a scripted SMTP server on a loopback socket:
// what aiosmtpd (smtp_test.cc) cannot be made to do. It announces PIPELINING or not, can hold
// its replies to MAIL and RCPT until DATA has arrived (as RFC 2920 lets a server buffer them),
// records which commands arrived behind another one, and can drop a kept session.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mail/mailer.h"
#include "support/process.h"

namespace gatehouse::connectors::mail {
namespace {

struct Script {
  bool pipelining = true;      // announce PIPELINING
  bool hold_replies = false;   // answer MAIL and RCPT only together with DATA
  bool drop_second_mail = false;  // on the first session, close instead of answering its second MAIL
};

class ScriptedServer {
 public:
  explicit ScriptedServer(Script script) : script_(script) {
    listener_ = test_support::ListenOnLoopback(&port_);
    EXPECT_GE(listener_, 0);
    thread_ = std::thread([this] { Accept(); });
  }
  ~ScriptedServer() {
    ::shutdown(listener_, SHUT_RDWR);  // ends accept()
    thread_.join();
    ::close(listener_);
  }

  int port() const { return port_; }
  int sessions() const { return sessions_; }
  std::vector<std::string> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  // The commands that arrived while an earlier one was still unanswered, e.g. "RCPT", "DATA".
  std::vector<std::string> behind() {
    std::lock_guard lock(mu_);
    return behind_;
  }

 private:
  void Accept() {
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      timeval tv{5, 0};  // a client that stops talking cannot hang the test
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(fd, sessions_++);
      ::close(fd);
    }
  }

  static void Write(int fd, const std::string& s) { (void)::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

  void Serve(int fd, int session) {
    Write(fd, "220 scripted ESMTP\r\n");
    std::string in, held;
    bool in_data = false;
    int mails = 0;
    char chunk[4096];
    for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) {
      in.append(chunk, static_cast<std::size_t>(n));
      for (;;) {
        if (in_data) {
          const std::size_t end = in.find("\r\n.\r\n");
          if (end == std::string::npos) break;
          {
            std::lock_guard lock(mu_);
            messages_.push_back(in.substr(0, end + 2));
          }
          in.erase(0, end + 5);
          in_data = false;
          Write(fd, "250 2.0.0 queued\r\n");
          continue;
        }
        const std::size_t eol = in.find("\r\n");
        if (eol == std::string::npos) break;
        const std::string verb = in.substr(0, 4);
        in.erase(0, eol + 2);
        if (!in.empty()) {  // the next command came before this one was answered
          std::lock_guard lock(mu_);
          behind_.push_back(in.substr(0, 4));
        }
        if (verb == "EHLO") {
          Write(fd, script_.pipelining ? "250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n" : "250-scripted\r\n250 8BITMIME\r\n");
        } else if (verb == "MAIL") {
          if (script_.drop_second_mail && session == 0 && ++mails == 2) return;
          held += "250 2.1.0 Ok\r\n";
        } else if (verb == "RCPT") {
          held += "250 2.1.5 Ok\r\n";
        } else if (verb == "DATA") {
          Write(fd, held + "354 End data with <CR><LF>.<CR><LF>\r\n");
          held.clear();
          in_data = true;
        } else if (verb == "QUIT") {
          Write(fd, "221 2.0.0 Bye\r\n");
          return;
        } else {
          Write(fd, "502 5.5.2 Not implemented\r\n");
        }
        if (!script_.hold_replies && !held.empty()) {
          Write(fd, held);
          held.clear();
        }
      }
    }
  }

  const Script script_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> sessions_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> messages_;  // guarded by mu_
  std::vector<std::string> behind_;    // guarded by mu_
};

class SmtpPipeliningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  std::unique_ptr<Mailer> Smtp(const ScriptedServer& server) {
    SmtpOptions o{.url = "smtp://127.0.0.1:" + std::to_string(server.port()),
                  .from = "Gatehouse <noreply@example.com>",
                  .starttls = SmtpOptions::StartTls::kNever,
                  .timeout = std::chrono::seconds(3)};
    auto mailer = NewSmtpMailer(o, clock_, random_);
    EXPECT_TRUE(mailer.ok()) << mailer.status().ToString();
    return mailer.ok() ? std::move(mailer).value() : nullptr;
  }

  static Message Sample() { return {"user@example.com", "Your sign-in code", "Your code is 123456.\n", ""}; }

  FakeClock clock_;
  FakeRandom random_{1};
};

TEST_F(SmtpPipeliningTest, MailRcptAndDataGoTogetherWhenTheServerAnnouncesPipelining) {
  // The server answers MAIL and RCPT only once DATA is in: a client that waits for each reply
  // before the next command would time out.
  ScriptedServer server({.pipelining = true, .hold_replies = true});
  auto mailer = Smtp(server);
  ASSERT_NE(mailer, nullptr);
  for (int i = 0; i < 2; ++i) {
    Status s = mailer->Send(Sample());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ASSERT_EQ(server.messages().size(), 2u);
  EXPECT_NE(server.messages()[0].find("\r\n\r\nYour code is 123456.\r\n"), std::string::npos) << server.messages()[0];
  EXPECT_EQ(server.behind(), (std::vector<std::string>{"RCPT", "DATA", "RCPT", "DATA"}));
  EXPECT_EQ(server.sessions(), 1) << "the second message reused the session";
}

TEST_F(SmtpPipeliningTest, CommandsWaitForTheirRepliesWhenPipeliningIsNotAnnounced) {
  ScriptedServer server({.pipelining = false});
  auto mailer = Smtp(server);
  ASSERT_NE(mailer, nullptr);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(mailer->Send(Sample()).ok());
  EXPECT_EQ(server.messages().size(), 2u);
  EXPECT_TRUE(server.behind().empty()) << "a command arrived before the reply to the one before it";
}

TEST_F(SmtpPipeliningTest, AKeptSessionTheServerDroppedIsReplacedWithinTheSameSend) {
  // The server closes the kept session when the second message starts, before any reply: the
  // message is sent again at once on a new session, without the retrying mailer's back-off.
  ScriptedServer server({.pipelining = true, .drop_second_mail = true});
  auto mailer = Smtp(server);
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  Status s = mailer->Send(Sample());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(server.messages().size(), 2u);
  EXPECT_EQ(server.sessions(), 2);
}

}  // namespace
}  // namespace gatehouse::connectors::mail
