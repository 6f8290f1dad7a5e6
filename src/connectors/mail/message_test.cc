#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "connectors/mail/internal.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail {
namespace {

constexpr std::string_view kFrom = "Gatehouse <noreply@auth.example.com>";

// A parsed message, decoded independently of message.cc: enough of RFC 5322, 2045 and 2047
// to check what a mail client would show.
struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded
  std::string body;
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "<missing " + std::string(name) + ">";
  }
};

Parsed Parse(std::string_view raw) {
  Parsed p;
  std::size_t end = raw.find("\r\n\r\n");
  EXPECT_NE(end, std::string_view::npos);
  std::string_view head = raw.substr(0, end + 2);
  p.body = std::string(raw.substr(end + 4));
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    std::string line(head.substr(pos, eol - pos));
    pos = eol + 2;
    if (line[0] == ' ' || line[0] == '\t') {
      p.headers.back().second += line;  // unfolding removes only the CRLF (RFC 5322 §2.2.3)
    } else {
      std::size_t colon = line.find(": ");
      p.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  return p;
}

// RFC 2047 B-encoded words separated by white space, as message.cc writes them; plain text is
// returned as it is.
std::string DecodeWords(std::string_view value) {
  if (value.substr(0, 10) != "=?UTF-8?B?") return std::string(value);
  std::string out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t start = value.find("=?UTF-8?B?", pos);
    if (start == std::string_view::npos) break;
    std::size_t stop = value.find("?=", start + 10);
    auto decoded = Base64Decode(value.substr(start + 10, stop - start - 10));
    EXPECT_TRUE(decoded.has_value());
    out += decoded.value_or("");
    pos = stop + 2;
  }
  return out;
}

std::string DecodeQp(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
    } else if (s.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
    } else {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

std::string Crlf(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

void ExpectLinesWithin(std::string_view text, std::size_t limit) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find("\r\n", pos);
    ASSERT_NE(eol, std::string_view::npos) << "unterminated last line";
    std::string_view line = text.substr(pos, eol - pos);
    EXPECT_LE(line.size(), limit) << line;
    EXPECT_EQ(line.find_first_of("\r\n"), std::string_view::npos) << "bare CR or LF in: " << line;
    pos = eol + 2;
  }
}

Result<std::string> Build(const Message& m, std::string_view from = kFrom, UnixSeconds now = 1'800'000'000,
                          std::uint64_t seed = 1) {
  FakeClock clock(now);
  FakeRandom random(seed);
  return BuildMessage(m, from, clock, random);
}

Message Simple() { return {"user@example.com", "Your sign-in code", "Your code is 123456.\n", ""}; }

TEST(MessageTest, TextOnlyMessageHasTheHeadersInOrder) {
  auto raw = Build(Simple());
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  const std::string id = HexEncode(FakeRandom(1).Bytes(16));
  EXPECT_EQ(*raw,
            "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"
            "From: Gatehouse <noreply@auth.example.com>\r\n"
            "To: user@example.com\r\n"
            "Subject: Your sign-in code\r\n"
            "Message-ID: <" + id + "@auth.example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "Your code is 123456.\r\n"
            "\r\n");
}

TEST(MessageTest, DateComesFromTheClockInUtc) {
  struct Case {
    UnixSeconds at;
    const char* want;
  };
  for (const Case& c : {Case{0, "Thu, 01 Jan 1970 00:00:00 +0000"}, Case{951'829'261, "Tue, 29 Feb 2000 13:01:01 +0000"},
                        Case{1'800'000'000, "Fri, 15 Jan 2027 08:00:00 +0000"},
                        Case{4'102'444'799, "Thu, 31 Dec 2099 23:59:59 +0000"}}) {
    auto raw = Build(Simple(), kFrom, c.at);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(Parse(*raw).Header("Date"), c.want);
  }
}

TEST(MessageTest, MessageIdIsRandomAtTheFromDomain) {
  auto a = Build(Simple(), "a@mail.example.org", 1'800'000'000, 1);
  auto b = Build(Simple(), "a@mail.example.org", 1'800'000'000, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string id_a = Parse(*a).Header("Message-ID"), id_b = Parse(*b).Header("Message-ID");
  EXPECT_EQ(id_a, "<" + HexEncode(FakeRandom(1).Bytes(16)) + "@mail.example.org>");
  EXPECT_EQ(id_a.size(), 1 + 32 + 1 + 16 + 1);
  EXPECT_NE(id_a, id_b);
}

TEST(MessageTest, HeaderInjectionIsRefused) {
  for (const std::string& subject : std::vector<std::string>{"code\r\nBcc: evil@example.net", "code\nBcc: x@y.z", "code\r", std::string("a\0b", 3)}) {
    Message m = Simple();
    m.subject = subject;
    auto raw = Build(m);
    EXPECT_EQ(raw.status().code(), StatusCode::kInvalidArgument) << subject;
    EXPECT_EQ(raw.status().message().find("Bcc"), std::string::npos) << "the value is not echoed";
  }
  for (const std::string& to : std::vector<std::string>{"user@example.com\r\nBcc: evil@example.net", "user@example.com\n", "user@example.com\r",
                         std::string("user@example.com\0", 17)}) {
    Message m = Simple();
    m.to = to;
    EXPECT_EQ(Build(m).status().code(), StatusCode::kInvalidArgument);
  }
  for (std::string from : {"Evil\r\nBcc: x@y.z <a@example.com>", "a@example.com\r\n", "Name\n <a@example.com>"}) {
    EXPECT_EQ(Build(Simple(), from).status().code(), StatusCode::kInvalidArgument) << from;
  }
}

TEST(MessageTest, AddressesArePlainAddrSpecs) {
  for (const char* good : {"a@b.c", "user+tag@example.com", "first.last@sub.example.co.uk", "x@localhost",
                           "a@xn--bcher-kva.example", "!#$%&'*+-/=?^_`{|}~@example.com", "A1-b@EXAMPLE.com"}) {
    EXPECT_TRUE(CheckAddress(good).ok()) << good << ": " << CheckAddress(good).ToString();
  }
  const std::string long_local = std::string(65, 'a') + "@example.com";
  // 2 + 4 * 63 + 3 = 257 octets, every label within its own limit.
  const std::string long_total = "a@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                                 std::string(63, 'd') + "." + std::string(63, 'e');
  const std::string just_fits = long_total.substr(0, 254);
  EXPECT_TRUE(CheckAddress(just_fits).ok()) << just_fits.size();
  const std::string long_label = "a@" + std::string(64, 'b') + ".com";
  for (const std::string& bad : std::vector<std::string>{"", "a", "@b.c", "a@", "a b@c.d", "<a@b.c>", "\"a\"@b.c", "a,b@c.d", "a@b.c,d@e.f",
                          "a@b..c", ".a@b.c", "a.@b.c", "a..b@c.d", "a@-b.c", "a@b-.c", "a@.b.c", "a@b.c.",
                          "\xc3\xa9@b.c", "a@b\xc3\xa9.c", "a@[127.0.0.1]", "a@b@c.d", "a(comment)@b.c",
                          "a@b_c.d", long_local, long_total, long_label}) {
    EXPECT_EQ(CheckAddress(bad).code(), StatusCode::kInvalidArgument) << bad;
    Message m = Simple();
    m.to = bad;
    EXPECT_EQ(Build(m).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(MessageTest, FromIsAnAddressOrANameAndAnAddress) {
  struct Case {
    const char* from;
    const char* header;  // the From header as sent, unfolded
  };
  for (const Case& c : {Case{"noreply@example.com", "noreply@example.com"},
                        Case{"  Gatehouse   <noreply@example.com> ", "Gatehouse <noreply@example.com>"},
                        Case{"<noreply@example.com>", "noreply@example.com"},
                        Case{"\"Acme, Inc.\" <a@example.com>", "\"Acme, Inc.\" <a@example.com>"},
                        Case{"\"Say \\\"hi\\\"\" <a@example.com>", "\"Say \\\"hi\\\"\" <a@example.com>"},
                        Case{"Acme (EU) <a@example.com>", "\"Acme (EU)\" <a@example.com>"}}) {
    auto raw = Build(Simple(), c.from);
    ASSERT_TRUE(raw.ok()) << c.from << ": " << raw.status().ToString();
    EXPECT_EQ(Parse(*raw).Header("From"), c.header);
  }
  for (const char* bad : {"Name <a@example.com", "Name a@example.com>", "\"Unclosed <a@example.com>",
                          "Name <a@example.com> <b@example.com>", "Name <not-an-address>", "", "Name <>",
                          "Tab\there <a@example.com>", "\"a\"b\" <a@example.com>", "\xff <a@example.com>"}) {
    auto raw = Build(Simple(), bad);
    EXPECT_EQ(raw.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(raw.status().message().rfind("from: ", 0), 0u) << raw.status().message();
  }
}

TEST(MessageTest, NonAsciiDisplayNameIsEncoded) {
  auto raw = Build(Simple(), "Zoë’s Auth Service <a@example.com>");
  ASSERT_TRUE(raw.ok());
  ExpectLinesWithin(raw->substr(0, raw->find("\r\n\r\n") + 2), 78);
  const std::string from = Parse(*raw).Header("From");
  ASSERT_EQ(from.rfind("=?UTF-8?B?", 0), 0u) << from;
  const std::size_t angle = from.rfind(" <");
  EXPECT_EQ(from.substr(angle), " <a@example.com>");
  EXPECT_EQ(DecodeWords(from.substr(0, angle)), "Zoë’s Auth Service");
}

TEST(MessageTest, NonAsciiSubjectIsEncodedWords) {
  for (const std::string& subject : {std::string("Votre code de connexion — Zoë"), std::string("日本語のサインインコード"),
                              std::string(40, 'x') + "é" + std::string(200, 'y'), std::string("😀").append(50, 'z'),
                              std::string("plain but =?UTF-8?Q?looks_encoded?="), std::string("control\x01" "char")}) {
    Message m = Simple();
    m.subject = subject;
    auto raw = Build(m);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    const std::string head = raw->substr(0, raw->find("\r\n\r\n") + 2);
    ExpectLinesWithin(head, 76);  // RFC 2047 §2: lines with encoded-words
    const std::string value = Parse(*raw).Header("Subject");
    EXPECT_EQ(value.rfind("=?UTF-8?B?", 0), 0u) << value;
    EXPECT_EQ(DecodeWords(value), subject);
  }
}

TEST(MessageTest, LongAsciiSubjectFoldsAtSpaces) {
  std::string subject;
  for (int i = 0; i < 40; ++i) subject += "word" + std::to_string(i) + (i % 7 == 0 ? "  " : " ");
  subject += "end";
  Message m = Simple();
  m.subject = subject;
  auto raw = Build(m);
  ASSERT_TRUE(raw.ok());
  const std::string head = raw->substr(0, raw->find("\r\n\r\n") + 2);
  ExpectLinesWithin(head, 78);
  EXPECT_NE(head.find("\r\n word"), std::string::npos) << "folded";
  EXPECT_EQ(Parse(*raw).Header("Subject"), subject);

  // One unbreakable run over the hard limit: encoded-words keep every line short.
  m.subject = std::string(2000, 'a');
  raw = Build(m);
  ASSERT_TRUE(raw.ok());
  ExpectLinesWithin(*raw, 998);
  EXPECT_EQ(DecodeWords(Parse(*raw).Header("Subject")), m.subject);
}

TEST(MessageTest, MultipartAlternativeHoldsTextThenHtml) {
  Message m = Simple();
  m.html = "<p>Your code is <b>123456</b>.</p>\n";
  auto raw = Build(m);
  ASSERT_TRUE(raw.ok());
  const Parsed p = Parse(*raw);
  const std::string type = p.Header("Content-Type");
  const std::string prefix = "multipart/alternative; boundary=\"";
  ASSERT_EQ(type.rfind(prefix, 0), 0u) << type;
  const std::string boundary = type.substr(prefix.size(), type.size() - prefix.size() - 1);
  EXPECT_EQ(boundary.rfind("=_", 0), 0u);
  EXPECT_EQ(p.Header("MIME-Version"), "1.0");

  // The body: --b CRLF part CRLF --b CRLF part CRLF --b-- CRLF
  const std::string delimiter = "--" + boundary;
  ASSERT_EQ(p.body.rfind(delimiter + "\r\n", 0), 0u);
  const std::size_t second = p.body.find("\r\n" + delimiter + "\r\n");
  const std::size_t close = p.body.find("\r\n" + delimiter + "--\r\n");
  ASSERT_NE(second, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  EXPECT_EQ(close + delimiter.size() + 6, p.body.size()) << "nothing after the close delimiter";
  const Parsed text = Parse(p.body.substr(delimiter.size() + 2, second - delimiter.size() - 2));
  const Parsed html = Parse(p.body.substr(second + delimiter.size() + 4, close - second - delimiter.size() - 4));
  EXPECT_EQ(text.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(html.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(text.Header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(html.Header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(DecodeQp(text.body), Crlf(m.text));
  EXPECT_EQ(DecodeQp(html.body), Crlf(m.html));
}

TEST(MessageTest, BodiesRoundTripThroughQuotedPrintable) {
  const std::vector<std::string> bodies = {
      "",
      "a",
      "no newline at the end",
      "trailing space \nand tab\t\nnext",
      "a = b, =3D stays literal, ==",
      ".leading dot\n..two\n.",
      "mixed\r\nline\nends\r\n",
      "lone\rCR",
      std::string(5000, 'x'),
      std::string(100, ' ') + "\n" + std::string(75, 'y') + " \n" + std::string(74, 'z') + "=",
      "Sign in: https://auth.example.com/login/email?code=abc&state=xyz\n",
      [] {
        std::string s;
        for (int i = 0; i < 300; ++i) s += "日本語 ";
        return s;
      }(),
      "bin\x01\x7f" "chars",
  };
  for (const std::string& body : bodies) {
    Message m = Simple();
    m.text = body;
    m.html = "<p>" + body + "</p>";
    auto raw = Build(m);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    ExpectLinesWithin(*raw, 998);
    const Parsed p = Parse(*raw);
    const std::string type = p.Header("Content-Type");
    const std::size_t quote = type.find('"');
    const std::string delimiter = "\r\n--" + type.substr(quote + 1, type.size() - quote - 2);
    const std::size_t text_start = p.body.find("\r\n\r\n") + 4;
    const std::string text_qp = p.body.substr(text_start, p.body.find(delimiter, text_start) - text_start);
    ExpectLinesWithin(text_qp + "\r\n", 76);
    EXPECT_NE(text_qp.rfind('.', 0), 0u) << "a leading dot is encoded";
    EXPECT_EQ(text_qp.find("\r\n."), std::string::npos) << "a leading dot is encoded";
    // Line ends become CRLF; a lone CR is not a line end and survives as a byte.
    EXPECT_EQ(DecodeQp(text_qp), Crlf(body)) << body.substr(0, 40);
  }
}

TEST(MessageTest, PartsMustBeUtf8) {
  Message m = Simple();
  m.text = "bad \xc3";
  EXPECT_EQ(Build(m).status().code(), StatusCode::kInvalidArgument);
  m = Simple();
  m.html = "<p>\xed\xa0\x80</p>";  // a UTF-16 surrogate
  EXPECT_EQ(Build(m).status().code(), StatusCode::kInvalidArgument);
  m = Simple();
  m.subject = "\xc0\xaf";  // overlong '/'
  EXPECT_EQ(Build(m).status().code(), StatusCode::kInvalidArgument);
}

TEST(MessageTest, ErrorsDoNotEchoTheValue) {
  Message m = Simple();
  m.to = "secret-code-991@";
  auto raw = Build(m);
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.status().message().find("991"), std::string::npos) << raw.status().message();
  m = Simple();
  m.text = "code 991 \xff";
  raw = Build(m);
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.status().message().find("991"), std::string::npos) << raw.status().message();
}

TEST(LogMailerTest, WritesToSubjectAndTextInOneBlock) {
  std::vector<std::string> written;
  auto mailer = NewLogMailer([&](std::string_view s) { written.emplace_back(s); });
  Message m = Simple();
  m.html = "<p>not written</p>";
  ASSERT_TRUE(mailer->Send(m).ok());
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0], "To: user@example.com\nSubject: Your sign-in code\n\nYour code is 123456.\n");
  m.text = "no newline";
  ASSERT_TRUE(mailer->Send(m).ok());
  EXPECT_EQ(written[1].substr(written[1].size() - 11), "no newline\n");
}

TEST(LogMailerTest, RefusesWhatSmtpWouldRefuse) {
  int calls = 0;
  auto mailer = NewLogMailer([&](std::string_view) { ++calls; });
  Message m = Simple();
  m.subject = "x\r\nBcc: y@z.example";
  EXPECT_EQ(mailer->Send(m).code(), StatusCode::kInvalidArgument);
  m = Simple();
  m.to = "not an address";
  EXPECT_EQ(mailer->Send(m).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace gatehouse::connectors::mail
