// Delivery through a real SMTP server: tests/support/smtp_sink.py (aiosmtpd), one per test, on a
// loopback port it picks itself, writing what it receives into the test's temporary directory.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mail/mailer.h"
#include "support/process.h"

namespace gatehouse::connectors::mail {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr const char* kFrom = "Gatehouse <noreply@example.com>";

using test_support::FreePort;
using test_support::ReadFile;
using test_support::ServerProcess;

class SmtpTest : public ::testing::Test {
 protected:
  // libcurl runs with CURLOPT_NOSIGNAL, so the process must ignore SIGPIPE, as app/main.cc does.
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "gatehouse-mail-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    if (sink_) {
      EXPECT_EQ(sink_->Stop(), 0) << "the sink exits 0 on SIGTERM";
    }
    sink_.reset();
    fs::remove_all(dir_);
  }

  void StartSink(std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {GATEHOUSE_PYTHON, GATEHOUSE_SMTP_SINK, "--dir", (dir_ / "mail").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    sink_ = std::make_unique<ServerProcess>(argv);
    ASSERT_GT(sink_->port(), 0) << "smtp_sink.py did not report a port";
  }

  // A self-signed P-256 certificate for localhost and 127.0.0.1, valid for a day.
  void MakeCertificate() {
    ASSERT_EQ(test_support::MakeSelfSignedCertificate(GATEHOUSE_OPENSSL, cert(), key()), 0) << "openssl req failed";
  }
  fs::path cert() const { return dir_ / "cert.pem"; }
  fs::path key() const { return dir_ / "key.pem"; }

  SmtpOptions Options(std::string scheme = "smtp") const {
    return {.url = scheme + "://127.0.0.1:" + std::to_string(sink_ ? sink_->port() : FreePort()),
            .from = kFrom,
            .timeout = std::chrono::seconds(10)};
  }

  std::unique_ptr<Mailer> Smtp(const SmtpOptions& options) {
    auto mailer = NewSmtpMailer(options, clock_, random_);
    EXPECT_TRUE(mailer.ok()) << mailer.status().ToString();
    return mailer.ok() ? std::move(mailer).value() : nullptr;
  }

  // What was received as message n: the envelope JSON and the raw message.
  std::string Envelope(int n) const { return ReadFile(dir_ / "mail" / (std::to_string(n) + ".json")); }
  std::string Received(int n) const { return ReadFile(dir_ / "mail" / (std::to_string(n) + ".eml")); }
  bool AnyReceived() const { return fs::exists(dir_ / "mail" / "1.eml"); }

  // The `nth` message BuildMessage makes from the clock and random seed the mailers here use:
  // what the server must hold, byte for byte.
  static std::string Expected(const Message& m, int nth = 1) {
    FakeClock clock;
    FakeRandom random(1);
    std::string out;
    for (int i = 0; i < nth; ++i) out = BuildMessage(m, kFrom, clock, random).value();
    return out;
  }

  static Message Sample() {
    return {"user@example.com", "Your sign-in code", "Your code is 123456.\nIt expires in 10 minutes.\n", ""};
  }

  fs::path dir_;
  std::unique_ptr<ServerProcess> sink_;
  FakeClock clock_;
  FakeRandom random_{1};
};

TEST_F(SmtpTest, DeliversATextMessageAsBuilt) {
  StartSink();
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  // The envelope as the sink saw it; its last member is the client's port (any).
  const std::string envelope = Envelope(1);
  EXPECT_EQ(envelope.substr(0, envelope.find(", \"peer_port\": ")),
            R"({"mail_from": "noreply@example.com", "rcpt_tos": ["user@example.com"], "auth": null, "tls": false)");
  const std::string received = Received(1);
  EXPECT_EQ(received, Expected(Sample()));
  EXPECT_NE(received.find("\r\nSubject: Your sign-in code\r\n"), std::string::npos);
  EXPECT_NE(received.find("\r\n\r\nYour code is 123456.\r\nIt expires in 10 minutes.\r\n"), std::string::npos);
}

TEST_F(SmtpTest, DeliversMultipartUtf8) {
  StartSink();
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  Message m = Sample();
  m.subject = "Votre code de connexion — Zoë";
  m.text = "Bonjour Zoë,\n.\nVotre code : 123456\n" + std::string(300, '=') + "\n";
  m.html = "<p>Bonjour Zoë,</p><p>Votre code : <b>123456</b></p>\n";
  ASSERT_TRUE(mailer->Send(m).ok());
  EXPECT_EQ(Received(1), Expected(m)) << "received byte for byte, after SMTP dot-stuffing both ways";
}

TEST_F(SmtpTest, SendsSeveralMessagesFromSeveralThreads) {
  StartSink();
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        Message m = Sample();
        m.to = "user" + std::to_string(t * 10 + i) + "@example.com";
        if (!mailer->Send(m).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  for (int n = 1; n <= 12; ++n) EXPECT_NE(Received(n).find("\r\nTo: user"), std::string::npos) << n;
}

// The client's TCP port the sink saw for message n: equal ports = one SMTP session.
int PeerPort(const std::string& envelope) {
  const std::string key = "\"peer_port\": ";
  const std::size_t at = envelope.find(key);
  return at == std::string::npos ? -1 : std::atoi(envelope.c_str() + at + key.size());
}

TEST_F(SmtpTest, ConsecutiveMessagesShareOneSession) {
  StartSink();
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(mailer->Send(Sample()).ok());
  const int port = PeerPort(Envelope(1));
  ASSERT_GT(port, 0) << Envelope(1);
  EXPECT_EQ(PeerPort(Envelope(2)), port);
  EXPECT_EQ(PeerPort(Envelope(3)), port);
  EXPECT_EQ(Received(3), Expected(Sample(), 3));
}

TEST_F(SmtpTest, AFailedSendClosesItsSessionAndTheNextOneConnectsAfresh) {
  StartSink();
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  Message rejected = Sample();
  rejected.to = "reject@example.com";
  EXPECT_EQ(mailer->Send(rejected).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  EXPECT_NE(PeerPort(Envelope(2)), PeerPort(Envelope(1)));
}

TEST_F(SmtpTest, ASessionTheServerEndedIsReplacedByANewOne) {
  StartSink({"--close-after-message"});
  std::vector<milliseconds> sleeps;
  // The server's close may reach us before or after the next Send looks at the kept session:
  // the Send then either opens a new one, or fails before any reply and tries again at once on a
  // new one. Either way every message arrives, each on its own session.
  auto mailer = NewRetryingMailer(Smtp(Options()), {}, [&](milliseconds d) { sleeps.push_back(d); });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(mailer->Send(Sample()).ok()) << i;
  EXPECT_TRUE(sleeps.empty()) << "a session the server ended is replaced within the Send, with no back-off";
  EXPECT_NE(PeerPort(Envelope(2)), PeerPort(Envelope(1)));
  EXPECT_NE(PeerPort(Envelope(3)), PeerPort(Envelope(2)));
  EXPECT_FALSE(fs::exists(dir_ / "mail" / "4.eml"));
}

TEST_F(SmtpTest, ASessionIdleForOverAMinuteIsNotReused) {
  StartSink();
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  EXPECT_NE(PeerPort(Envelope(2)), PeerPort(Envelope(1))) << "61 s idle: a new session";
  EXPECT_EQ(PeerPort(Envelope(3)), PeerPort(Envelope(2)));
}

TEST_F(SmtpTest, PipelinedRefusalsMeanWhatTheyMeanOneAtATime) {
  StartSink({"--pipelining"});
  auto mailer = Smtp(Options());
  ASSERT_NE(mailer, nullptr);
  struct Case {
    const char* local;
    StatusCode code;
    const char* at;
  };
  for (const Case& c : {Case{"reject", StatusCode::kInvalidArgument, "(RCPT 550)"},
                        Case{"tempfail", StatusCode::kUnavailable, "(RCPT 451)"},
                        Case{"relaydenied", StatusCode::kPermissionDenied, "(RCPT 554)"}}) {
    Message m = Sample();
    m.to = std::string(c.local) + "@example.com";
    Status s = mailer->Send(m);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.at), std::string::npos) << s.message();
  }
  EXPECT_FALSE(AnyReceived());
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  EXPECT_EQ(Received(1), Expected(Sample(), 4)) << "the fourth message built";
}

TEST_F(SmtpTest, PipelinesAfterStartTlsAndAuth) {
  MakeCertificate();
  StartSink({"--starttls", cert().string(), key().string(), "--require-starttls", "--auth", "mailer:s3cret",
             "--pipelining"});
  SmtpOptions o = Options();
  o.ca_file = cert().string();
  o.username = "mailer";
  o.password = "s3cret";
  auto mailer = Smtp(o);
  ASSERT_NE(mailer, nullptr);
  for (int i = 0; i < 2; ++i) {
    Status s = mailer->Send(Sample());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  for (int n : {1, 2}) {
    EXPECT_NE(Envelope(n).find(R"("tls": true)"), std::string::npos) << Envelope(n);
    EXPECT_NE(Envelope(n).find(R"("auth": {"user": "mailer")"), std::string::npos) << Envelope(n);
    EXPECT_EQ(Received(n), Expected(Sample(), n));
  }
  EXPECT_EQ(PeerPort(Envelope(2)), PeerPort(Envelope(1)));
}

class SmtpAuthTest : public SmtpTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(SmtpAuthTest, AuthenticatesWithTheOfferedMechanism) {
  StartSink({"--auth", "mailer:s3cret pass", "--auth-mechanisms", GetParam()});
  SmtpOptions o = Options();
  o.username = "mailer";
  o.password = "s3cret pass";
  auto mailer = Smtp(o);
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send(Sample()).ok());
  EXPECT_NE(Envelope(1).find(std::string(R"("auth": {"user": "mailer", "mechanism": ")") + GetParam() + "\"}"),
            std::string::npos)
      << Envelope(1);
}

TEST_P(SmtpAuthTest, AWrongPasswordIsUnauthenticatedAndNotRetried) {
  StartSink({"--auth", "mailer:s3cret", "--auth-mechanisms", GetParam()});
  SmtpOptions o = Options();
  o.username = "mailer";
  o.password = "wrong-hunter2";
  std::vector<milliseconds> sleeps;
  auto mailer = NewRetryingMailer(Smtp(o), {}, [&](milliseconds d) { sleeps.push_back(d); });
  Status s = mailer->Send(Sample());
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
  EXPECT_TRUE(sleeps.empty());
  EXPECT_FALSE(AnyReceived());
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, SmtpAuthTest, ::testing::Values("PLAIN", "LOGIN"));

TEST_F(SmtpTest, StartTlsWithAPrivateCa) {
  MakeCertificate();
  StartSink({"--starttls", cert().string(), key().string(), "--require-starttls", "--auth", "mailer:s3cret"});
  for (auto mode : {SmtpOptions::StartTls::kAlways, SmtpOptions::StartTls::kAuto}) {
    SmtpOptions o = Options();
    o.starttls = mode;
    o.ca_file = cert().string();
    o.username = "mailer";
    o.password = "s3cret";
    auto mailer = Smtp(o);
    ASSERT_NE(mailer, nullptr);
    Status s = mailer->Send(Sample());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  for (int n : {1, 2}) {
    EXPECT_NE(Envelope(n).find(R"("tls": true)"), std::string::npos) << "upgraded: " << Envelope(n);
    EXPECT_EQ(Received(n), Expected(Sample(), n));
  }
}

TEST_F(SmtpTest, AnUntrustedCertificateFailsAndIsNotRetried) {
  MakeCertificate();
  StartSink({"--starttls", cert().string(), key().string()});
  std::vector<milliseconds> sleeps;
  // kAuto on loopback: STARTTLS is used because it is offered, and then the certificate counts.
  auto mailer = NewRetryingMailer(Smtp(Options()), {}, [&](milliseconds d) { sleeps.push_back(d); });
  Status s = mailer->Send(Sample());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(sleeps.empty());
  EXPECT_FALSE(AnyReceived());
}

TEST_F(SmtpTest, RequiredTlsWithoutStartTlsFails) {
  StartSink();
  SmtpOptions o = Options();
  o.starttls = SmtpOptions::StartTls::kAlways;
  Status s = Smtp(o)->Send(Sample());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("STARTTLS"), std::string::npos);
  EXPECT_FALSE(AnyReceived());
}

TEST_F(SmtpTest, ImplicitTls) {
  MakeCertificate();
  StartSink({"--smtps", cert().string(), key().string()});
  SmtpOptions o = Options("smtps");
  o.ca_file = cert().string();
  Status s = Smtp(o)->Send(Sample());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(Envelope(1).find(R"("tls": true)"), std::string::npos) << Envelope(1);
  EXPECT_EQ(Received(1), Expected(Sample()));
}

TEST_F(SmtpTest, AServerThatIsDownIsUnavailableAndRetried) {
  std::vector<milliseconds> sleeps;
  auto mailer = NewRetryingMailer(Smtp(Options()), {}, [&](milliseconds d) { sleeps.push_back(d); });
  Status s = mailer->Send(Sample());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(200), milliseconds(600)}));

  // A malformed message fails before any connection is tried.
  Message bad = Sample();
  bad.subject = "x\r\nBcc: y@example.net";
  EXPECT_EQ(mailer->Send(bad).code(), StatusCode::kInvalidArgument);
}

TEST_F(SmtpTest, AServerThatNeverGreetsTimesOut) {
  // Listening, so the connection completes, but nobody accepts it or says 220.
  int port = 0;
  const int fd = test_support::ListenOnLoopback(&port);
  ASSERT_GE(fd, 0);
  SmtpOptions o = Options();
  o.url = "smtp://127.0.0.1:" + std::to_string(port);
  o.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  Status s = Smtp(o)->Send(Sample());
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(SmtpTest, ARejectedRecipientIsInvalidAndNotRetried) {
  StartSink();
  std::vector<milliseconds> sleeps;
  auto mailer = NewRetryingMailer(Smtp(Options()), {}, [&](milliseconds d) { sleeps.push_back(d); });
  Message m = Sample();
  m.to = "reject@example.com";
  Status s = mailer->Send(m);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("(RCPT 550)"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("reject@"), std::string::npos) << "the recipient is not in the message";
  EXPECT_TRUE(sleeps.empty());
  EXPECT_FALSE(AnyReceived());
}

TEST_F(SmtpTest, ADeferredRecipientIsUnavailableAndRetried) {
  StartSink();
  std::vector<milliseconds> sleeps;
  auto mailer = NewRetryingMailer(Smtp(Options()), {}, [&](milliseconds d) { sleeps.push_back(d); });
  Message m = Sample();
  m.to = "tempfail@example.com";
  Status s = mailer->Send(m);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("(RCPT 451)"), std::string::npos) << s.message();
  EXPECT_EQ(sleeps.size(), 2u);
}

TEST_F(SmtpTest, RelayDeniedIsAConfigurationProblemNotABadAddress) {
  StartSink();
  Message m = Sample();
  m.to = "relaydenied@example.com";
  Status s = Smtp(Options())->Send(m);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("(RCPT 554)"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace gatehouse::connectors::mail
