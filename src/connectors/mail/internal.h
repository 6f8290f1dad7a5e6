// Internal to src/connectors/mail: the pure pieces of the transport (address and URL parsing,
// the TLS decision), declared here so that the unit tests can check them without a server.
// Nothing outside this directory includes this header; the public API is mailer.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "connectors/mail/mailer.h"

namespace gatehouse::connectors::mail::internal {

// A parsed SmtpOptions::from.
struct Mailbox {
  std::string display_name;  // UTF-8, unquoted and unescaped; empty when there is none
  std::string address;       // passes CheckAddress
};

// RFC 5322 §3.2.3 atext: the characters of an unquoted local part or display-name word.
bool IsAtext(char c);

// Parses "addr@example.com", "Name <addr@example.com>" or "\"Name, Inc.\" <addr@example.com>".
// kInvalidArgument (naming "from", never echoing it) on CR/LF/NUL or another control character,
// invalid UTF-8, unbalanced quotes or angle brackets, or an address CheckAddress refuses.
Result<Mailbox> ParseMailbox(std::string_view from);

// The checks BuildMessage applies to a Message's own fields (to, subject, text, html); shared
// with the log mailer, so development refuses what production would.
Status CheckMessage(const Message& message);

// What CURLOPT_USE_SSL will demand of an smtp:// session.
enum class TlsUse {
  kNone,      // never STARTTLS (SmtpOptions::StartTls::kNever)
  kTry,       // STARTTLS when offered (kAuto towards loopback)
  kRequired,  // fail unless TLS: STARTTLS must be offered, or smtps://
};

// A validated SmtpOptions::url.
struct SmtpEndpoint {
  std::string url;  // as libcurl re-serialises it, e.g. "smtp://127.0.0.1:2525/"
  std::string host;  // IPv6 without brackets
  bool implicit_tls = false;  // smtps://
  bool loopback = false;
  TlsUse tls = TlsUse::kRequired;
};

// Parses and checks `url` (see SmtpOptions::url) and decides the TLS rule for `starttls`.
Result<SmtpEndpoint> ParseSmtpUrl(std::string_view url, SmtpOptions::StartTls starttls);

// A server's reply (RFC 5321 §4.2): the code of its last line and the subject digits of an
// RFC 3463 enhanced status code on that line ("550 5.1.1 ..." gives 1; "554 5.7.1" gives 7), or
// -1 when there is none.
struct Reply {
  int code = 0;
  int enhanced = -1;
};

// One line of a reply: "NNN", "NNN text" (the last line) or "NNN-text" (more lines follow), with
// or without its CRLF; nullopt when it does not start that way.
struct ReplyLine {
  Reply reply;
  bool last = true;
};
std::optional<ReplyLine> ParseReplyLine(std::string_view line);

// Splits the bytes a server sends into replies. Feed what arrives; Next returns each complete
// reply in order (a multi-line reply is complete at its "NNN " line). The text after the code
// is not kept: servers may echo addresses there.
class ReplyReader {
 public:
  // A line may be at most this long (RFC 5321 §4.5.3.1.5 allows 512 octets; some servers send
  // longer ones), a reply at most kMaxLines lines.
  static constexpr std::size_t kMaxLine = 2048;
  static constexpr int kMaxLines = 128;

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete reply, nullopt when more bytes are needed, or kUnavailable when the
  // server is not speaking SMTP: a line that does not start with three digits, whose code
  // differs from the earlier lines of its reply, or that is over a limit.
  Result<std::optional<Reply>> Next();
  // True when bytes are waiting that are not a complete reply yet (or replies not taken).
  bool HasPending() const { return !buffer_.empty(); }

 private:
  std::string buffer_;
  std::size_t scanned_ = 0;  // bytes of buffer_ already parsed as lines of the current reply
  int lines_ = 0;
  int code_ = 0;
};

// The message as it goes after DATA: every line that starts with "." gets another one
// (RFC 5321 §4.5.2), a CRLF is added unless the message ends with one, and the end-of-data
// line "." follows.
std::string DotStuff(std::string_view message);

// True when `line`, one line of a reply to EHLO ("250-PIPELINING\r\n"), announces `keyword`
// (case-insensitive, a whole word: "PIPELINING" is not "PIPELININGX").
bool AnnouncesExtension(std::string_view line, std::string_view keyword);


}  // namespace gatehouse::connectors::mail::internal
