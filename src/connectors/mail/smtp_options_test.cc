// The SMTP transport's decisions that need no server: option validation, URL parsing and the
// STARTTLS rule. Delivery itself is tested in smtp_test.cc against a real server.
#include <gtest/gtest.h>

#include <string>

#include "common/url.h"
#include "connectors/mail/internal.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

using gatehouse::IsLoopbackHost;
using internal::ParseSmtpUrl;
using internal::TlsUse;
using StartTls = SmtpOptions::StartTls;

SmtpOptions Valid() { return {.url = "smtp://mail.example.com:587", .from = "Gatehouse <noreply@example.com>"}; }

Status Create(const SmtpOptions& options) {
  FakeClock clock;
  FakeRandom random;
  return NewSmtpMailer(options, clock, random).status();
}

TEST(SmtpOptionsTest, LoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]", "localhost", "LocalHost",
                           "localhost.", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"128.0.0.1", "10.0.0.1", "126.255.255.255", "0.0.0.0", "::", "::2", "example.com",
                           "localhost.example.com", "127.0.0.1.nip.io", "localhost6", "::ffff:10.0.0.1", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(SmtpOptionsTest, StartTlsIsRequiredAwayFromLoopbackUnlessNever) {
  struct Case {
    const char* url;
    StartTls mode;
    TlsUse want;
  };
  for (const Case& c : {
           Case{"smtp://mail.example.com", StartTls::kAuto, TlsUse::kRequired},
           Case{"smtp://10.0.0.5:587", StartTls::kAuto, TlsUse::kRequired},
           Case{"smtp://127.0.0.1:2525", StartTls::kAuto, TlsUse::kTry},
           Case{"smtp://[::1]:2525", StartTls::kAuto, TlsUse::kTry},
           Case{"smtp://localhost", StartTls::kAuto, TlsUse::kTry},
           Case{"smtp://127.0.0.1", StartTls::kAlways, TlsUse::kRequired},
           Case{"smtp://mail.example.com", StartTls::kAlways, TlsUse::kRequired},
           Case{"smtp://mail.example.com", StartTls::kNever, TlsUse::kNone},
           Case{"smtp://127.0.0.1", StartTls::kNever, TlsUse::kNone},
           Case{"smtps://mail.example.com", StartTls::kAuto, TlsUse::kRequired},
           Case{"smtps://127.0.0.1:465", StartTls::kAuto, TlsUse::kRequired},
           Case{"SMTPS://mail.example.com", StartTls::kAlways, TlsUse::kRequired},
       }) {
    auto endpoint = ParseSmtpUrl(c.url, c.mode);
    ASSERT_TRUE(endpoint.ok()) << c.url << ": " << endpoint.status().ToString();
    EXPECT_EQ(endpoint->tls, c.want) << c.url;
  }
}

TEST(SmtpOptionsTest, UrlIsParsedAndNormalised) {
  auto e = ParseSmtpUrl("smtp://[::1]:2525", StartTls::kAuto);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_TRUE(e->loopback);
  EXPECT_FALSE(e->implicit_tls);
  EXPECT_EQ(e->url, "smtp://[::1]:2525/");

  e = ParseSmtpUrl("smtps://Mail.Example.com/", StartTls::kAuto);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->implicit_tls);
  EXPECT_FALSE(e->loopback);
}

TEST(SmtpOptionsTest, BadUrlsAreRefusedWithAClearMessage) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (const Case& c : {
           Case{"", "is empty"},
           Case{"http://mail.example.com", "scheme"},
           Case{"mail.example.com:25", "scheme"},
           Case{"smtp:/mail.example.com", "scheme"},
           Case{"smtp://", "host"},
           Case{"smtp://:25", "host"},
           Case{"smtp://user:secret@mail.example.com", "credentials"},
           Case{"smtp://mail.example.com/ehlo.example", "path"},
           Case{"smtp://mail.example.com/?x=1", "query"},
           Case{"smtp://mail.example.com#frag", "fragment"},
           Case{"smtp://mail.example.com:0", "port"},
           Case{"smtp://mail.example.com:99999", "parsed"},
           Case{"smtp://mail.example.com:25x", "parsed"},
           Case{"smtp://mail example.com", "white space"},
           Case{"smtp://mail.example.com\r\n", "control"},
       }) {
    SmtpOptions o = Valid();
    o.url = c.url;
    Status s = Create(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.url;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.url << " -> " << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << "one line";
  }
  EXPECT_EQ(Create(Valid()).code(), StatusCode::kOk);
}

TEST(SmtpOptionsTest, UrlsNeverEchoAPassword) {
  SmtpOptions o = Valid();
  o.url = "smtp://user:hunter2@mail.example.com";
  EXPECT_EQ(Create(o).message().find("hunter2"), std::string::npos);
}

TEST(SmtpOptionsTest, OtherOptionsAreChecked) {
  SmtpOptions o = Valid();
  o.from = "not an address";
  EXPECT_EQ(Create(o).message().rfind("from: ", 0), 0u) << Create(o).message();

  o = Valid();
  o.username = "mailer";
  EXPECT_EQ(Create(o).message(), "smtp: username set without a password");
  o.username.clear();
  o.password = "secret";
  EXPECT_EQ(Create(o).message(), "smtp: password set without a username");
  o.username = "mailer";
  EXPECT_TRUE(Create(o).ok());
  o.password = std::string("sec\0ret", 7);
  EXPECT_EQ(Create(o).code(), StatusCode::kInvalidArgument);

  o = Valid();
  o.url = "smtps://mail.example.com";
  o.starttls = StartTls::kNever;
  EXPECT_NE(Create(o).message().find("starttls=never"), std::string::npos);

  o = Valid();
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_NE(Create(o).message().find("ca_file"), std::string::npos);

  o = Valid();
  o.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(Create(o).message(), "smtp: timeout must be positive");
}

}  // namespace
}  // namespace gatehouse::connectors::mail
